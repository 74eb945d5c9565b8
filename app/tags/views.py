"""The tag index and tag pages; facilitators rename and merge tags."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.tags import bp
from app.wiki import tagging
from app.wiki.permissions import is_member, require


@bp.get("/")
def index():
    """Every tag in use, with how many pages carry it."""
    return render_template("tags/index.html", counts=tagging.tag_counts(member=is_member(current_user)))


@bp.get("/<tag>")
def show(tag):
    """The published pages carrying a tag."""
    found = tagging.find_tag(tag)
    if found is None:
        abort(404)
    if found.slug != tag:
        return redirect(url_for("tags.show", tag=found.slug), 301)
    pages = tagging.pages_with_tag(found, member=is_member(current_user))
    return render_template("tags/show.html", tag=found, pages=pages, all_tags=tagging.all_tag_names())


@bp.post("/<tag>/rename")
def rename(tag):
    """Rename a tag (field `name`); naming it like another tag merges the two."""
    require(current_user, "review")
    found = tagging.find_tag(tag) or abort(404)
    target = tagging.rename_tag(found, request.form.get("name", ""), by=current_user._get_current_object())
    flash(_("The tag is now “%(name)s”.", name=target.name), "success")
    return redirect(url_for("tags.show", tag=target.slug), 303)
