"""Managing a page: rename, delete and undelete, protection and visibility."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.pages import bp
from app.pages.forms import ProtectForm, TitleForm, VisibilityForm
from app.pages.loading import load_page
from app.web.actors import current_actor
from app.wiki import editing, page_settings
from app.wiki.errors import WikiError


def back_to(page, message: str):
    """Flash what was done and go back to the page."""
    flash(message, "success")
    return redirect(url_for("pages.show", slug=page.slug), 303)


@bp.route("/wiki/<slug>/rename", methods=["GET", "POST"])
def rename(slug):
    """Rename a page; the old address keeps working."""
    page = load_page(slug, "rename")
    form = TitleForm()
    if request.method == "GET":
        form.title.data = page.head.title
        return render_template("pages/rename.html", page=page, form=form)
    if not form.validate_on_submit():
        return render_template("pages/rename.html", page=page, form=form), 422
    old_slug = page.slug
    try:
        editing.rename_page(page, title=form.title.data, author=current_actor())
    except WikiError as error:
        return render_template("pages/rename.html", page=page, form=form, error=error.message), error.status_code
    if page.slug == old_slug and page.head.status == "pending":
        return back_to(page, _("The new title waits for review; the page keeps its address until it is published."))
    return back_to(page, _("The page is renamed. Its old address leads here."))


@bp.post("/wiki/<slug>/delete")
def delete(slug):
    """Hide a page; its history is kept."""
    page = load_page(slug, "delete")
    editing.delete_page(page, author=current_actor())
    return back_to(page, _("The page is deleted. It can be restored from its address."))


@bp.post("/wiki/<slug>/undelete")
def undelete(slug):
    """Bring a deleted page back with its history."""
    page = load_page(slug, "undelete")
    editing.undelete_page(page, author=current_actor())
    return back_to(page, _("The page is back."))


@bp.post("/wiki/<slug>/protect")
def protect(slug):
    """Protect a page (field `protected`: 1 or 0): only facilitators may then edit it."""
    page = load_page(slug, "protect")
    form = ProtectForm()
    if not form.validate_on_submit():
        abort(400)
    page_settings.set_protection(page, form.wants_protection(), by=current_actor())
    return back_to(page, _("Only facilitators can edit this page now.") if page.protected
                   else _("Everyone can edit this page again."))


@bp.post("/wiki/<slug>/visibility")
def visibility(slug):
    """Make a page public or members-only (field `visibility`)."""
    page = load_page(slug, "change_visibility")
    form = VisibilityForm()
    if not form.validate_on_submit():
        abort(400)
    page_settings.set_visibility(page, form.visibility.data, by=current_actor())
    return back_to(page, _("Only members can see this page now.") if page.visibility == "members"
                   else _("Everyone can see this page now."))
