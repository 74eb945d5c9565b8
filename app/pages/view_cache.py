"""Rendered page views: a hit costs one light query for the page's state.

A view is stored under everything it depends on (view_key) but the reader's CSRF token and name,
which are rendered as placeholders and filled in on the way out. Members' views live in the
machine's SharedFileCache (the one the visitors' fast path uses, in <instance>/view-cache) under a
slot per page, role and variant, so a member's view of any page of a large wiki is rendered once for
everyone of that role, not once per member and worker. A view is only shared when nothing in it is
the reader's own (a pending head may show its author a "withdraw" button) and it has no query string;
such views, and visitors' views answered by Flask, stay in a small per-process LRU. Answers carry an
ETag and Last-Modified, so a browser that has the view gets a 304."""

import hashlib
import hmac
import zlib
from datetime import datetime, timezone
from typing import NamedTuple

from flask import current_app, make_response, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from app.caching import MISSING, SharedFileCache, app_cache
from app.web.fast_path import OFFER, STORE_FOLDER, time_bucket
from app.web.htmx import wants_fragment
from app.web.i18n import select_locale
from app.wiki import fast_reads, journal, moderation, pages
from app.wiki.rendering import render_markdown
from app.wiki.permissions import can

CACHE_NAME, CACHE_SIZE = "rendered_pages", 256
REVIEW_COUNTS = ("review_counts", 4)  # the process's review counts, by wiki state


class Placeholders:
    """What a cached view holds instead of the reader's CSRF token and name. Derived from the secret key,
    so the same in every worker sharing the store, and unguessable: user text cannot contain them."""

    def __init__(self, secret: str):
        seed = hmac.new(str(secret).encode(), b"gare-view-placeholders", hashlib.sha256).hexdigest()
        self.token, self.name = "csrf-" + seed[:32], "name-" + seed[32:]


def placeholders(app=None) -> Placeholders:
    app = app or current_app
    found = app.extensions.get("gare_view_placeholders")
    if found is None:
        found = app.extensions["gare_view_placeholders"] = Placeholders(app.config["SECRET_KEY"])
    return found


def filled(body: str, marks: Placeholders, token: str, name: str | None) -> str:
    """A stored view with the reader's CSRF token and (a member's) name, escaped, in place of the marks."""
    body = body.replace(marks.token, token)
    return body if name is None else body.replace(marks.name, str(escape(name)))


class ShownReader:
    """The signed-in reader as a cached view's templates see them: everything but the name, which is
    a placeholder (base.html's account menu), filled in per request."""

    def __init__(self, user, name: str):
        self._user, self.name = user, name

    def __getattr__(self, attribute):
        return getattr(self._user, attribute)


def render_context() -> dict:
    """Template arguments for a view about to be cached: the placeholders in place of the token and name."""
    marks = placeholders()
    context = {"csrf_token": lambda: marks.token}
    if current_user.is_authenticated:
        context["current_user"] = ShownReader(current_user._get_current_object(), marks.name)
    return context


def cached_view(slug: str):
    """The page view from the cache, after one light query for the page's state, or None.

    The full path (ORM load with revisions, tags, licence; rendering) runs only on a miss, and at
    once when the visitors' fast path has just missed (its shared store holds every visitor's view)."""
    if session.get("_flashes") or offered_by_fast_path():
        return None
    state = pages.page_state(slug)
    if state is None or not can(current_user, "view", state):
        return None
    revision_id = shown_revision_id(current_user, state)
    return cached_by_key(view_key(state, revision_id)) if revision_id else None


def shown_revision_id(user, state):
    """The revision a reader sees of a page: members the head (pending or not), others the published one."""
    return state.head_id if can(user, "view_pending", state) else state.published_id


def cached_by_key(key: "ViewKey"):
    """A view stored under `key` (built by the caller from one light query), or None."""
    if session.get("_flashes") or offered_by_fast_path():
        return None
    if not key.shared:
        entry = app_cache(CACHE_NAME, CACHE_SIZE).get(key.full)
        return cached_response(key, entry[0], zlib_unpacked(entry[1])) if entry else None
    shared = shared_store().get(key.slot, key.full)
    return None if shared is None else cached_response(key, *unpacked_shared(shared))


def unpacked_shared(stored: bytes) -> tuple[datetime, str]:
    """A member's shared view as store_view keeps it: when the page changed, and the body."""
    stamp, _sep, body = stored.partition(b"\n")
    return datetime.fromisoformat(stamp.decode()), body.decode()


def store_view(key: "ViewKey", updated_at, body: str):
    """Keep a view rendered with render_context()'s placeholders (a member's shared one in the machine's
    store, any other in the process), and answer with it (a visitor's view is kept by the fast path's
    store instead, by the middleware)."""
    if key.shared:
        shared_store().put(key.slot, key.full, updated_at.isoformat().encode() + b"\n" + body.encode())
    elif not offered_by_fast_path():
        app_cache(CACHE_NAME, CACHE_SIZE).put(key.full, (updated_at, zlib_packed(body.encode())))
    return cached_response(key, updated_at, body)


def shared_store() -> SharedFileCache:
    store = current_app.extensions.get("gare_member_views")
    if store is None:
        store = current_app.extensions["gare_member_views"] = SharedFileCache(
            f"{current_app.instance_path}/{STORE_FOLDER}")
    return store


def revision_html(page, revision):
    """pages.rendered_html, but a revision kept without its HTML (dropped when a link in it changed colour,
    or imported) has its Markdown rendered once per machine and page state, not once per view that misses:
    the result is shared in the store under the revision, its text and the page's render_version."""
    if revision.html is not None:
        return pages.rendered_html(revision)
    digest = hashlib.blake2b(revision.body.encode(), digest_size=16).hexdigest()
    slot, key = f"revision-html\x1f{revision.id}", f"{revision.id}\x1f{digest}\x1f{page.render_version}"

    def render(body: str) -> str:
        stored = shared_store().get(slot, key)
        if stored is not None:
            return stored.decode()
        html = str(render_markdown(body))
        shared_store().put(slot, key, html.encode())
        return html

    return pages.rendered_html(revision, render=render)


def zlib_packed(body: bytes) -> bytes:
    """A view as kept in memory: compressed (zlib's fastest level), about a fifth of the text's size,
    so the cache holds its 256 views in a few megabytes of a worker; unpacking costs tens of µs."""
    return zlib.compress(body, 1)


def zlib_unpacked(data: bytes) -> str:
    return zlib.decompress(data).decode()


def cached_response(key: "ViewKey", updated_at, body: str):
    """The stored view with this reader's token and name, or a 304 if the browser has it already."""
    etag = view_etag(key)
    if etag in request.if_none_match:
        return not_modified(etag)
    token = csrf_token_for_page()
    body = filled(body, placeholders(), token, current_user.name if current_user.is_authenticated else None)
    response = make_response(body)
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


def view_etag(key: "ViewKey") -> str:
    """The view's key, the reader's name and CSRF token, hashed."""
    csrf_token_for_page()  # creates the session's token first, so the first answer's ETag holds
    name = current_user.name if current_user.is_authenticated else ""
    return etag_of(key, name, session.get("csrf_token", ""))


def etag_of(key: "ViewKey", name: str, raw_token: str) -> str:
    return hashlib.sha256(f"{key.full}\x1f{name}\x1f{raw_token}".encode()).hexdigest()[:32]


class Viewer(NamedTuple):
    """Who looks and from where, as a view's key sees it: the reader (current_user, or the members' path's
    reader), the request (Flask's, or a Werkzeug request before Flask runs), the language, htmx or
    not, and the review count for reviewers ("" for others)."""

    user: object
    request: object
    locale: str
    fragment: bool
    reviews: object


def request_viewer() -> Viewer:
    """This Flask request's viewer."""
    reviews = review_count() if can(current_user, "review") else ""
    return Viewer(current_user, request, select_locale(), wants_fragment(), reviews)


class ViewKey:
    """Where a view is kept (`slot`: the page, who may see what, the variant) and under what (`full`:
    the slot and the state that proves it current). `shared`: nothing in it is one member's own.
    The one key, built in Flask (request_viewer) and by the members' path (app.web.members_path)."""

    def __init__(self, what: list, state: list, bucket: str, own: str = "", viewer: Viewer | None = None):
        viewer = viewer or request_viewer()
        user, where = viewer.user, viewer.request
        reader = [user.role, user.trusted] if user.is_authenticated else ["", ""]
        slot = [*what, where.host_url, where.full_path, *reader, own, viewer.locale, viewer.fragment]
        self.slot = "\x1f".join(map(str, ["member-view", *slot]))
        self.full = "\x1f".join(map(str, [self.slot, *state, viewer.reviews, bucket]))
        self.shared = user.is_authenticated and not own and not where.query_string

    def __str__(self) -> str:
        return self.full


def review_count() -> int:
    """moderation.pending_count() (a count over every page: 1 to 3 ms at 10,000 pages), once per process
    and wiki state. What waits for review changes only with a save (pending ones too), a publish, a
    rejection or a withdrawal (each a new revision), a deletion or an undeletion (a change sequence
    step), and each of these moves journal.wiki_state, read in one light query by its indexes."""
    return app_cache(*REVIEW_COUNTS).get_or_compute(journal.wiki_state(), moderation.pending_count)


def known_review_count(app, wiki_state: tuple):
    """review_count() as this process last counted it for `wiki_state`, or None (not counted yet)."""
    counts = app.extensions.get("gare_caches", {}).get(REVIEW_COUNTS[0])
    found = MISSING if counts is None else counts.get(tuple(wiki_state), MISSING)
    return None if found is MISSING else found


def view_key(page, revision_id: int, viewer: Viewer | None = None) -> ViewKey:
    """Everything a page view depends on but the CSRF token and the reader's name: the page's state
    (render_version moves when links in its text change colour), the reader's role and trust (or, on a
    page whose head waits for review, who they are: its author may withdraw it), where they look from
    (the host too: "Réutiliser cette page" gives the page's full address), the language, htmx or not,
    the review count for reviewers, and the hour if it may show a session block (a session turns "past"
    within it: fast_path.time_bucket)."""
    viewer = viewer or request_viewer()
    state = [*fast_reads.view_state(page), revision_id]
    pending_head = page.head_id != page.published_id
    own = viewer.user.get_id() if pending_head and viewer.user.is_authenticated else ""
    return ViewKey(["page", page.id], state, time_bucket("page", page), own, viewer)


def portal_key(wiki_state: tuple) -> ViewKey:
    """Everything the portal depends on: the wiki's state (journal.wiki_state), who is looking, and the
    minute (its next sessions pass into the past on the minute: fast_path.time_bucket)."""
    return ViewKey(["portal"], list(wiki_state), time_bucket("portal"))


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
