"""The members' path: a signed-in member's `GET /wiki/<slug>` answered from the role's stored view
(app.pages.view_cache) before Flask runs, after one query.

Flask would spend about 2.7 ms of CPU on such a view: Flask-Login's user load in its own
transaction, the page state and wiki state queries, the app's hooks. Here: the session cookie is
checked with Flask's own serializer (secret, salt, max age), then one query (on the fast paths' own
DBAPI connection: app.web.direct_reads) reads the user's row, the page's state under the one
visibility rule (readable_pages_filter(member=True)) and the wiki's state
(app.wiki.fast_reads.member_page_state). The key is view_cache's ViewKey,
built by the same code as in Flask from a Werkzeug request (view_cache.Viewer), so a stored view is
served only under the key Flask would look it up with. The CSRF token is made as Flask-WTF's
generate_csrf makes it for the session's raw token, the name is escaped as view_cache fills it, and
the headers are Flask's (app.web.security, a fresh X-Request-Id).

Anything Flask would answer differently goes to Flask, which answers as usual: not a plain page
slug, a query string, conditional or range headers, Authorization; no session or a bad signature (a
remember cookie alone: Flask-Login signs in from it), no user id or CSRF token in the session,
flashes pending, a permanent session, a remember-cookie operation pending, Flask-Login's session
protection failing (it would then mark the session not fresh, a new cookie); a user id that is not
"id:version", a deactivated user or another session version (signed out everywhere), a role that is
no member's; a page missing or deleted (404, or a facilitator's view of a deleted page); a reviewer
whose review count this process has not counted for this wiki state; a key holding the member's own
id (a head waiting for review: its author may withdraw it); no stored view. `environ[TAKEN]` says
what happened ("answered", or why not) for tests and debugging."""

import hashlib
import logging
import time
from datetime import timezone

import sqlalchemy as sa
from flask_login.utils import _create_identifier
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.http import http_date, quote_etag
from werkzeug.utils import cached_property
from werkzeug.wrappers import Request

from app.pages.view_cache import (Viewer, etag_of, filled, known_review_count, placeholders, shown_revision_id,
                                  unpacked_shared, view_key)
from app.web import security
from app.web.actors import load_user
from app.web.fast_path import REFUSING_HEADERS, StoredAnswers, page_slug, request_id_header
from app.web.htmx import wants_fragment
from app.web.i18n import reader_locale
from app.wiki import fast_reads
from app.wiki.permissions import ROLE_RANK, can, is_member

log = logging.getLogger(__name__)

TAKEN = "gare.members_path"  # environ key: "answered", or why the request went to Flask
REMEMBERED = 1024  # cookies, tokens, host URLs remembered per process (then forgotten at once)
MAX_ID_DIGITS = 18  # a larger id cannot be a row's (64-bit), and would not bind on SQLite
CONTENT_TYPE = "text/html; charset=utf-8"
VARY = "HX-Request, Cookie"  # view_cache's answer: HX-Request, then Cookie (the session was read)


class Member:
    """The session's user as permissions.can and the view key see them (a User's attributes)."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, row):
        self.id, self.role, self.trusted = row.user_id, row.role, row.trusted
        self.active, self.session_version = row.active, row.session_version
        self.language, self.name = row.language, row.name

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class Refused(Exception):
    """The members' path leaves this request to Flask (the reason is put in the environ)."""


class MembersPath(StoredAnswers):
    """WSGI middleware: members' stored page views before Flask (see the module's doc)."""

    def __init__(self, app, wsgi_app):
        super().__init__(app, wsgi_app)
        self.marks = placeholders(app)
        self.sessions = self.tokens = None
        self.cookies: dict[str, tuple[dict, int]] = {}  # session cookies verified, and when they were signed
        self.signed_tokens: dict[str, tuple[int, str]] = {}  # raw CSRF token -> (second, signed token)

    def __call__(self, environ, start_response):
        try:
            status, headers, body = self.answer(environ)
        except Refused as refusal:
            environ[TAKEN] = str(refusal)
            return self.wsgi_app(environ, start_response)
        except sa.exc.SQLAlchemyError:
            log.warning("members' path: the state query failed; answering through Flask", exc_info=True)
            environ[TAKEN] = "database error"
            return self.wsgi_app(environ, start_response)
        environ[TAKEN] = "answered"
        start_response(status, headers)
        return [body]

    def answer(self, environ) -> tuple[str, list, bytes]:
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING"):
            raise Refused("not a plain GET")
        if any(environ.get(header) for header in REFUSING_HEADERS):
            raise Refused("conditional or authorization header")
        if not environ.get("HTTP_COOKIE"):
            raise Refused("no session")  # (a visitor: at once, before parsing anything)
        slug = page_slug(environ.get("PATH_INFO", ""))
        if slug is None:
            raise Refused("not a page")
        if self.app.config["TRUSTED_HOSTS"] is not None:
            raise Refused("trusted hosts")  # Flask checks the host against them
        request = EarlyRequest(environ)
        session = self.session(request)
        user_id, version = session_user(session)
        with self.connection() as connection:
            row = fast_reads.member_page_state(connection, user_id, slug)
        member = self.member(row, version)
        viewer = self.viewer(member, request, row)
        key = view_key(row, shown_revision_id(member, row), viewer)
        if not key.shared:
            raise Refused("the member's own view")
        stored = self.store.get(key.slot, key.full)
        if stored is None:
            raise Refused("not stored")
        updated_at, text = unpacked_shared(stored)
        raw_token = session[self.app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")]
        body = filled(text, self.marks, self.csrf_token(raw_token), member.name).encode()
        headers = {"Content-Type": CONTENT_TYPE, "Content-Length": str(len(body)), "Vary": VARY,
                   "ETag": quote_etag(etag_of(key, member.name, raw_token)),
                   "Last-Modified": http_date(updated_at.replace(tzinfo=timezone.utc)),
                   "Cache-Control": "private, no-cache"}
        security.security_headers(Answer(headers))  # (a dict: these names are written as Flask writes them)
        return "200 OK", [*headers.items(), request_id_header(environ)], body

    # --- The session, as Flask and Flask-Login would read it ---

    def session(self, request) -> dict:
        """The session cookie's contents, when Flask would read and keep it as it is, else Refused."""
        app = self.app
        if self.sessions is None:
            self.sessions = app.session_interface.get_signing_serializer(app)
        cookie = request.cookies.get(app.session_interface.get_cookie_name(app))
        if not cookie or self.sessions is None:
            raise Refused("no session")
        session = self.opened(cookie, int(app.permanent_session_lifetime.total_seconds()))
        if "_flashes" in session:
            raise Refused("flashes pending")
        refreshed = app.config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST")
        if session.get("_permanent") or "_remember" in session or refreshed:
            raise Refused("cookies would be set")  # a permanent session is refreshed; a remember cookie set
        if not isinstance(session.get(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")), str):
            raise Refused("no CSRF token")
        if self.protection_fails(session, request):
            raise Refused("session protection")
        return session

    def opened(self, cookie: str, max_age: int) -> dict:
        """Flask's loads(cookie, max_age), remembered by cookie: a member's cookie comes back unchanged on
        each view, and its signature, decompression and JSON cost more than the rest of the check. A
        remembered cookie is one that verified; its age is checked again as itsdangerous checks it."""
        found = self.cookies.get(cookie)
        if found is None:
            try:
                session, signed = self.sessions.loads(cookie, max_age=max_age, return_timestamp=True)
            except BadData:
                raise Refused("bad session cookie") from None
            if not isinstance(session, dict):
                raise Refused("bad session cookie")
            if len(self.cookies) >= REMEMBERED:
                self.cookies.clear()
            found = self.cookies[cookie] = session, int(signed.timestamp())
        session, signed = found
        if not 0 <= int(time.time()) - signed <= max_age:
            raise Refused("bad session cookie")  # expired (Flask: an empty session)
        return session

    def protection_fails(self, session: dict, request) -> bool:
        """Flask-Login's session protection ("basic" or "strong"): the session's `_id` must be this
        client's identifier, else Flask-Login marks the session not fresh or clears it."""
        manager = self.app.login_manager
        mode = self.app.config.get("SESSION_PROTECTION", manager.session_protection)
        if not mode or mode not in ("basic", "strong"):
            return False
        if manager._session_identifier_generator is not _create_identifier:
            return True  # another rule than the one session_identifier follows
        return session_identifier(request) != session.get("_id")

    def csrf_token(self, raw: str) -> str:
        """What Flask-WTF's generate_csrf gives for the session's raw token now: signed with its secret and
        salt, and the second (itsdangerous's timestamp), so one signature a second per member."""
        if self.tokens is None:
            secret = self.app.config.get("WTF_CSRF_SECRET_KEY", self.app.secret_key)
            self.tokens = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")
        now = int(time.time())
        found = self.signed_tokens.get(raw)
        if found is None or found[0] != now:
            if len(self.signed_tokens) >= REMEMBERED:
                self.signed_tokens.clear()
            found = self.signed_tokens[raw] = now, self.tokens.dumps(raw)
        return found[1]

    # --- The member and the key ---

    def member(self, row, version: int) -> Member:
        """app.web.actors.load_user's rules on the row read, and a member's role, else Refused."""
        if self.app.login_manager._user_callback is not load_user:
            raise Refused("another user loader")
        if row is None or not row.active or row.session_version != version:
            raise Refused("no such user, deactivated or signed out")  # Flask-Login then tries a remember cookie
        member = Member(row)
        if member.role not in ROLE_RANK or not is_member(member):
            raise Refused("not a member")
        if row.id is None:  # the query's rule: readable_pages_filter(member=True)
            raise Refused("no page a member may read")  # missing or deleted: Flask answers
        return member

    def viewer(self, member: Member, request, row) -> Viewer:
        reviews = ""
        if can(member, "review"):
            reviews = known_review_count(self.app, fast_reads.wiki_state_of(row))
            if reviews is None:
                raise Refused("review count not counted yet")  # Flask counts it for this wiki state
        locale = reader_locale(member.language, request, self.app.config["WIKI_LANGUAGE"])
        return Viewer(member, request, locale, wants_fragment(request.headers), reviews)


class Answer:
    """What app.web.security.security_headers reads and writes: a response's headers."""

    def __init__(self, headers: dict):
        self.headers = headers


class EarlyRequest(Request):
    """A Werkzeug request before Flask, as the key reads it; its host URL (scheme and host: Werkzeug
    builds it through an IRI conversion, a sixth of this path's time) is remembered per process."""

    host_urls: dict[tuple, str] = {}

    @cached_property
    def host_url(self) -> str:
        where = (self.scheme, self.environ.get("HTTP_HOST"), self.server)
        found = self.host_urls.get(where)
        if found is None:
            if len(self.host_urls) >= REMEMBERED:
                self.host_urls.clear()
            found = self.host_urls[where] = super().host_url
        return found


def session_user(session: dict) -> tuple[int, int]:
    """The session's "id:version" (app.web.actors.load_user's format, ASCII digits only), else Refused."""
    value = session.get("_user_id")
    if not isinstance(value, str):
        raise Refused("no user id")  # no user signed in: only a remember cookie could sign one in
    user_id, _sep, version = value.partition(":")
    for part in (user_id, version):
        if not (part.isascii() and part.isdigit() and len(part) <= MAX_ID_DIGITS):
            raise Refused("no user id")
    return int(user_id), int(version)


def session_identifier(request) -> str:
    """Flask-Login's _create_identifier for a Werkzeug request (checked equal in the tests): the client's
    address (the first of X-Forwarded-For, as bytes) and user agent (bytes), hashed."""
    address = request.headers.get("X-Forwarded-For", request.remote_addr)
    if address is not None:
        address = address.encode("utf-8").split(b",")[0].strip()
    agent = request.headers.get("User-Agent")
    if agent is not None:
        agent = agent.encode("utf-8")
    return hashlib.sha512(f"{address}|{agent}".encode("utf8")).hexdigest()


def install(app) -> None:
    """Put the members' path in front of the app's WSGI callable (and of the visitors' fast path)."""
    app.wsgi_app = MembersPath(app, app.wsgi_app)
