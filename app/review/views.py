"""Review queue, approve, reject."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.review import bp
from app.web import render_htmx
from app.wiki import editing, moderation
from app.wiki.permissions import require

MAX_COMMENT = 500


def load_reviewable(slug: str):
    page, _redirected = editing.find_page(slug)
    if page is None or page.deleted:
        abort(404)
    require(current_user, "review", page)
    return page


@bp.get("/review")
def queue():
    """Pages waiting for review, the longest waiting first, each with its diff."""
    require(current_user, "review")
    return render_htmx("review/queue.html", "review/_queue.html", items=moderation.review_items())


@bp.post("/review/<slug>/approve")
def approve(slug):
    """Publish the page's pending changes."""
    page = load_reviewable(slug)
    moderation.approve(page, reviewer=current_user._get_current_object(),
                       comment=request.form.get("comment", "")[:MAX_COMMENT])
    return reviewed(page, _("Published: “%(title)s”.", title=page.title))


@bp.post("/review/<slug>/reject")
def reject(slug):
    """Reject the page's pending changes; they stay in history with the comment."""
    page = load_reviewable(slug)
    moderation.reject(page, reviewer=current_user._get_current_object(),
                      comment=request.form.get("comment", "")[:MAX_COMMENT])
    return reviewed(page, _("Rejected: “%(title)s”. The published text is unchanged.", title=page.title))


def reviewed(page, message: str):
    """An htmx swap replaces the item with a short notice; a plain form goes back to the queue."""
    if request.headers.get("HX-Request") == "true":
        return render_htmx("review/queue.html", "review/_done.html", page=page, message=message,
                           items=moderation.review_items())
    flash(message, "success")
    return redirect(url_for("review.queue"), 303)
