"""The tag index and tag pages; facilitators rename and merge tags."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.tags import bp
from app.tags.forms import TagRenameForm
from app.web.actors import current_actor
from app.wiki import tagging
from app.wiki.permissions import is_member, require


def load_tag(key: str):
    """The tag for a URL key, or a 404."""
    return tagging.find_tag(key) or abort(404)


@bp.get("/")
def index():
    """Every tag in use, with how many pages this reader may see carry it."""
    return render_template("tags/index.html", counts=tagging.tag_counts(member=is_member(current_user)))


@bp.get("/<tag>")
def show(tag):
    """The pages carrying a tag that this reader may see; another spelling of its key redirects."""
    found = load_tag(tag)
    pages = tagging.pages_with_tag(found, member=is_member(current_user))
    if not pages:  # only on pages this reader may not see: the same 404 as an unknown tag
        abort(404)
    if found.slug != tag:
        return redirect(url_for("tags.show", tag=found.slug), 301)
    return render_template("tags/show.html", tag=found, pages=pages, all_tags=tagging.all_tag_names(member=is_member(current_user)))


@bp.post("/<tag>/rename")
def rename(tag):
    """Rename a tag (field `name`); naming it like another tag merges the two."""
    require(current_user, "review")
    found = load_tag(tag)
    form = TagRenameForm()
    if not form.validate_on_submit():
        abort(400)
    target = tagging.rename_tag(found, form.name.data or "", by=current_actor())
    flash(_("The tag is now “%(name)s”.", name=target.name), "success")
    return redirect(url_for("tags.show", tag=target.slug), 303)
