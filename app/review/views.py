"""Review queue, approve, reject: thin views over app.wiki.moderation."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.review import bp
from app.review.forms import MAX_COMMENT, ReviewForm
from app.web.actors import current_actor
from app.web.htmx import render_htmx, wants_fragment
from app.wiki import moderation, pages
from app.wiki.errors import ReviewOutdated
from app.wiki.permissions import require


def load_reviewable(slug: str):
    """Load-or-404 for review: a live page, with the reviewer's right checked."""
    page, _redirected = pages.find_page(slug)
    if page is None or page.deleted:
        abort(404)
    require(current_user, "review", page)
    return page


def queue_page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


@bp.get("/review")
def queue():
    """Pages waiting for review, the longest waiting first, each with its diff; 20 a page."""
    require(current_user, "review")
    number = queue_page()
    items = moderation.review_items(page=number)
    return render_htmx("review/queue.html", "review/_queue.html", items=items, page_number=number,
                       has_next=len(items) == moderation.REVIEW_PAGE_SIZE, total=moderation.pending_count())


@bp.post("/review/<slug>/approve")
def approve(slug):
    """Publish the page's pending changes, as far as the revision the reviewer saw."""
    return verdict(slug, moderation.approve, _("Published: “%(title)s”."))


@bp.post("/review/<slug>/reject")
def reject(slug):
    """Reject the page's pending changes; they stay in history with the comment."""
    return verdict(slug, moderation.reject, _("Rejected: “%(title)s”. The published text is unchanged."))


def verdict(slug: str, decide, done_message: str):
    page = load_reviewable(slug)
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        decide(page, reviewer=current_actor(), comment=(form.comment.data or "")[:MAX_COMMENT],
               reviewed=form.reviewed_number())
    except ReviewOutdated as outdated:
        return page_moved(page, str(outdated.message))
    return reviewed(page, done_message % {"title": page.title})


def page_moved(page, message: str):
    """The page changed after the reviewer opened it: show the new diff, decide nothing."""
    if wants_fragment():
        return render_htmx("review/queue.html", "review/_item.html", status=409,
                           item=moderation.review_item(page), notice=message)
    flash(message, "info")
    return redirect(url_for("review.queue") + f"#review-{page.slug}", 303)


def reviewed(page, message: str):
    """An htmx swap replaces the item with a short notice; a plain form goes back to the queue."""
    if wants_fragment():
        return render_htmx("review/queue.html", "review/_done.html", page=page, message=message)
    flash(message, "success")
    return redirect(url_for("review.queue"), 303)
