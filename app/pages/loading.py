"""Load-or-abort for pages and revisions, with the reader's rights checked (flaskr's get_post)."""

from flask import abort, redirect, request, url_for
from flask_login import current_user

from app.wiki import pages
from app.wiki.errors import InvalidSlug
from app.wiki.permissions import can, require
from app.wiki.slugs import is_valid_slug, slugify


def canonical_slug_or_redirect(slug: str):
    """None for a valid slug, else a 301 to its canonical form (InvalidSlug, a 400, if it has none)."""
    if is_valid_slug(slug):
        return None
    canonical = slugify(slug)
    if not canonical:
        raise InvalidSlug()
    return redirect(url_for(request.endpoint, **{**request.view_args, "slug": canonical}, **request.args), 301)


def load_page(slug: str, action: str = "view"):
    """The page for a slug (404 if missing or not readable), with `action` checked."""
    return checked_page(*pages.find_page(slug), action)


def checked_page(page, redirected: bool, action: str = "view"):
    """The page if the user may do `action` on it; 404 (unreadable), 301 (renamed) or 403 otherwise."""
    if page is None or not can(current_user, "view", page):
        abort(404)
    if redirected:
        abort(redirect(url_for(request.endpoint, **{**request.view_args, "slug": page.slug}, **request.args), 301))
    if action != "view":
        require(current_user, action, page)
    return page


def visible_revision(page):
    """Members see the head (pending changes included); readers see the published revision, or a 404."""
    if can(current_user, "view_pending", page):
        return page.head
    if page.published is None:
        abort(404)
    return page.published


def load_revision(page, number: int):
    """A revision of this page that the user may read, or 404 (same answer as a missing one)."""
    revision = pages.get_revision(page, number)
    if revision is None or (revision.status != "approved" and not can(current_user, "view_pending", page)):
        abort(404)
    return revision
