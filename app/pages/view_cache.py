"""Rendered page views, per process: a hit costs one light query for the page's state.

A view is stored under everything it depends on (view_key) but the visitor's CSRF token, which
is rendered as a placeholder and filled in on the way out. Answers carry an ETag and
Last-Modified, so a browser that has the view gets a 304."""

import hashlib
import secrets
import zlib
from datetime import timezone

from flask import current_app, make_response, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.caching import app_cache
from app.models import utcnow
from app.web.fast_path import OFFER
from app.web.htmx import wants_fragment
from app.web.i18n import select_locale
from app.wiki import moderation, pages
from app.wiki.permissions import can

CACHE_NAME, CACHE_SIZE = "rendered_pages", 256
# Unguessable, so user text cannot contain it; the same for every view of this process.
TOKEN_PLACEHOLDER = "csrf-" + secrets.token_hex(16)


def cached_view(slug: str):
    """The page view from the cache, after one light query for the page's state, or None.

    The full path (ORM load with revisions, tags, licence; rendering) runs only on a miss, and at
    once when the visitors' fast path has just missed (its shared store holds every visitor's view)."""
    if session.get("_flashes") or offered_by_fast_path():
        return None
    state = pages.page_state(slug)
    if state is None or not can(current_user, "view", state):
        return None
    revision_id = state.head_id if can(current_user, "view_pending", state) else state.published_id
    key = view_key(state, revision_id) if revision_id else None
    entry = app_cache(CACHE_NAME, CACHE_SIZE).get(key) if key else None
    return cached_response(key, entry[0], unpacked(entry[1])) if entry else None


def cached_by_key(key: str):
    """A view stored under `key` (built by the caller from one light query), or None."""
    if session.get("_flashes") or offered_by_fast_path():
        return None
    entry = app_cache(CACHE_NAME, CACHE_SIZE).get(key)
    return cached_response(key, entry[0], unpacked(entry[1])) if entry else None


def store_view(key: str, updated_at, body: str):
    """Keep a view rendered with TOKEN_PLACEHOLDER as its CSRF token, and answer with it (a visitor's
    view is kept by the fast path's shared store instead, outside this process)."""
    if not offered_by_fast_path():
        app_cache(CACHE_NAME, CACHE_SIZE).put(key, (updated_at, packed(body)))
    return cached_response(key, updated_at, body)


def packed(body: str) -> bytes:
    """A view as kept in memory: compressed (zlib's fastest level), about a fifth of the text's size,
    so the cache holds its 256 views in a few megabytes of a worker; unpacking costs tens of µs."""
    return zlib.compress(body.encode(), 1)


def unpacked(data: bytes) -> str:
    return zlib.decompress(data).decode()


def cached_response(key: str, updated_at, body: str):
    """The stored view with this visitor's token, or a 304 if the browser has it already."""
    etag = view_etag(key)
    if etag in request.if_none_match:
        return not_modified(etag)
    token = csrf_token_for_page()
    response = make_response(body.replace(TOKEN_PLACEHOLDER, token))
    response.vary.add("HX-Request")
    if not token:
        offer_to_visitors()
    return with_validators(response, etag, updated_at)


def offered_by_fast_path() -> bool:
    """True when the visitors' fast path missed on this request and will keep its answer."""
    return request.environ.get(OFFER) == "offered"


def offer_to_visitors() -> None:
    """Accept the visitors' fast path's offer (app.web.fast_path): this answer, with no CSRF token and
    no flash, to an anonymous reader, is the same for every visitor under the key it computed."""
    if offered_by_fast_path() and not current_user.is_authenticated:
        request.environ[OFFER] = "accepted"


def csrf_token_for_page() -> str:
    """Members (and visitors, where they may edit) get a token; plain readers get no session at all."""
    if current_user.is_authenticated or current_app.config["WIKI_ANONYMOUS_EDITS"]:
        return generate_csrf()
    return ""


def view_etag(key: str) -> str:
    """The view's key and the visitor's CSRF token, hashed."""
    csrf_token_for_page()  # creates the session's token first, so the first answer's ETag holds
    return hashlib.sha256(f"{key}\x1f{session.get('csrf_token', '')}".encode()).hexdigest()[:32]


def view_key(page, revision_id: int) -> str:
    """Everything a page view depends on but the CSRF token: the page's state (render_version moves
    when links in its text change colour), who is looking and where from, the language, the review count,
    the hour."""
    parts = [page.id, page.change_seq, page.head_id, page.published_id, page.protected, page.visibility,
             page.deleted, page.render_version, revision_id]
    return "\x1f".join(map(str, parts + reader_parts()))


def portal_key(wiki_state: tuple) -> str:
    """Everything the portal depends on: the wiki's state (journal.wiki_state) and who is looking."""
    return "\x1f".join(map(str, ["portal", *wiki_state, *reader_parts()]))


def reader_parts() -> list:
    """What a view depends on besides the content: who is looking and where from (the host too:
    "Réutiliser cette page" gives the page's full address), the language,
    htmx or not, the review count for reviewers, and the hour (a session turns "past" within it)."""
    user = current_user
    return [request.host_url, request.full_path, user.get_id() if user.is_authenticated else "", getattr(user, "role", ""),
            getattr(user, "trusted", ""), select_locale(), wants_fragment(),
            moderation.pending_count() if can(user, "review") else "", utcnow().strftime("%Y%m%d%H")]


def with_validators(response, etag: str, last_modified):
    """ETag and Last-Modified; the browser asks again each time (private, no-cache)."""
    response.set_etag(etag)
    response.last_modified = last_modified.replace(tzinfo=timezone.utc)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    return response


def not_modified(etag: str):
    response = current_app.response_class(status=304)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.update(("Cookie", "HX-Request"))
    return response
