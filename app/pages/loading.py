"""Load-or-abort for pages and revisions, with the reader's rights checked (flaskr's get_post)."""

from urllib.parse import urlencode

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
    return redirect(same_view_at(canonical), 301)


def same_view_at(slug: str) -> str:
    """This request's view under another slug, as a relative URL keeping the query string.

    The query is appended as text, never passed to url_for: parameters named like its arguments
    (`slug`, `_external`, `_scheme`, `endpoint`, `number`...) must not change what is built."""
    url = url_for(request.endpoint, **{**request.view_args, "slug": slug})
    query = urlencode(list(request.args.items(multi=True)))
    return f"{url}?{query}" if query else url


def load_page(slug: str, action: str = "view"):
    """The page for a slug (404 if missing or not readable), with `action` checked."""
    return checked_page(*pages.find_page(slug), action)


def checked_page(page, redirected: bool, action: str = "view"):
    """The page if the user may do `action` on it; 404 (unreadable), 301 (renamed) or 403 otherwise."""
    if page is None or not can(current_user, "view", page):
        abort(404)
    if redirected:
        abort(redirect(same_view_at(page.slug), 301))
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
