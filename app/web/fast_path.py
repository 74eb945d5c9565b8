"""The visitors' fast path: a reader without a session gets a page view (or the portal, the agenda) from stored
response bytes after one indexed query proving them current, before Flask runs at all.

A WSGI middleware in front of the app (create_app installs it). For `GET /wiki/<slug>`, `GET /` and
`GET /agenda` without a query string, session or remember cookie (only the `lang` cookie may be there),
conditional headers or Authorization, and while visitors may not edit (else they carry a CSRF
token), it runs one query on its own DBAPI connection (app.web.direct_reads) (app.wiki.fast_reads:
the page's state if a visitor may read it under the one visibility rule, or the wiki's state for
the portal and the agenda) and
builds the key: that state, the visitor's language (app.web.i18n.visitor_locale, the same rule as
Flask-Babel's selector), the htmx headers, the host and scheme, and the time where the answer
depends on it (time_bucket: the minute for the portal and the agenda, which list sessions upcoming
or past; the hour for a page that may show a session block; none for any other page). A stored
answer under that key is sent as it was (status, every header, body) with a new X-Request-Id.
Otherwise the request goes to Flask with an offer in its environ; the page view (and the portal, the
agenda) accepts it only for an anonymous reader with no CSRF token and no flash
(app.pages.view_cache.offer_to_visitors), and a 200 without Set-Cookie is
then stored under the key computed before it was rendered, so it can only be older than what it
holds, never newer: an edit anywhere (another worker, another machine) moves the state, hence the
key, and the next view renders again.

Answers live in a SharedFileCache in the instance folder (one file per page, language and htmx
variant, compressed): shared by the workers of a machine, bounded by the wiki's size, outside the
workers' memory. A database error sends the request to Flask, which answers as usual."""

import functools
import logging

import sqlalchemy as sa
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header, parse_cookie
from werkzeug.wsgi import ClosingIterator

from app.caching import SharedFileCache
from app.config import LANGUAGES
from app.extensions import db
from app.models import utcnow
from app.web.direct_reads import DirectReads, direct_reads
from app.web.i18n import visitor_locale
from app.web.request_ids import HEADER as REQUEST_ID_HEADER, request_id_for
from app.wiki import fast_reads
from app.wiki.slugs import is_valid_slug

log = logging.getLogger(__name__)

OFFER = "gare.visitor_fast_path"  # environ key: "offered" by the middleware, "accepted" by the view
PAGE_PREFIX = "/wiki/"
HTMX_HEADERS = ("HTTP_HX_REQUEST", "HTTP_HX_BOOSTED", "HTTP_HX_HISTORY_RESTORE_REQUEST")
REFUSING_HEADERS = ("HTTP_AUTHORIZATION", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_RANGE")
ALLOWED_COOKIES = {"lang"}
MAX_PARSED_LANGUAGES = 512
WIKI_WIDE = {"/": "portal", "/agenda": "agenda"}  # answers proven current by the wiki's state
STORE_FOLDER = "view-cache"  # in the instance folder; members' shared views (app.pages.view_cache) live there too


class StoredAnswers:
    """What the fast paths share: the app, the machine's store, a connection for one SELECT."""

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.store = SharedFileCache(f"{app.instance_path}/{STORE_FOLDER}")
        self.engine = None

    def connection(self) -> DirectReads:
        """Where the one SELECT runs: a DBAPI connection of the process and thread (app.web.direct_reads)."""
        if self.engine is None:
            with self.app.app_context():
                self.engine = db.engine
        return direct_reads(self.app, self.engine)


class VisitorFastPath(StoredAnswers):
    """WSGI middleware: stored visitors' answers, proven current by one query (see the module's doc)."""

    def __init__(self, app, wsgi_app):
        super().__init__(app, wsgi_app)
        self.languages: dict[str, LanguageAccept] = {}

    def __call__(self, environ, start_response):
        target = self.target(environ)
        if target is None:
            return self.wsgi_app(environ, start_response)
        try:
            slot_key = self.slot_and_key(environ, *target)
        except sa.exc.SQLAlchemyError:
            log.warning("visitors' fast path: the state query failed; answering through Flask", exc_info=True)
            slot_key = None
        if slot_key is None:
            return self.wsgi_app(environ, start_response)
        stored = self.store.get(*slot_key)
        if stored is not None:
            return self.replay(stored, environ, start_response)
        return self.render_and_keep(environ, start_response, slot_key)

    # --- Which requests ---

    def target(self, environ) -> tuple[str, str] | None:
        """("page", slug) or ("portal", "") for a request the fast path may answer, else None."""
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING"):
            return None
        if self.app.config["WIKI_ANONYMOUS_EDITS"] or any(environ.get(h) for h in REFUSING_HEADERS):
            return None
        cookies = environ.get("HTTP_COOKIE")
        if cookies and not set(parse_cookie(cookies)) <= ALLOWED_COOKIES:
            return None
        path = environ.get("PATH_INFO", "")
        if path in WIKI_WIDE:
            return WIKI_WIDE[path], ""
        slug = page_slug(path)
        return None if slug is None else ("page", slug)

    # --- The one query, the key ---

    def slot_and_key(self, environ, kind: str, slug: str) -> tuple[str, str] | None:
        with self.connection() as connection:
            state = (fast_reads.visitor_page_state(connection, slug) if kind == "page"
                     else fast_reads.wiki_state(connection))
        if state is None:
            return None  # missing, renamed or unreadable: Flask answers (404, 301...)
        slot = "\x1f".join([kind, slug, self.locale(environ), *(environ.get(h, "") for h in HTMX_HEADERS),
                            environ.get("HTTP_HOST", ""), environ.get("wsgi.url_scheme", ""),
                            environ.get("SCRIPT_NAME", "")])
        return slot, "\x1f".join([slot, *map(str, state), time_bucket(kind, state)])

    def locale(self, environ) -> str:
        cookies = parse_cookie(environ.get("HTTP_COOKIE", "")) if environ.get("HTTP_COOKIE") else {}
        header = environ.get("HTTP_ACCEPT_LANGUAGE", "")
        accept = self.languages.get(header)
        if accept is None:
            if len(self.languages) > MAX_PARSED_LANGUAGES:
                self.languages.clear()
            accept = self.languages[header] = parse_accept_header(header, LanguageAccept)
        return visitor_locale(cookies.get("lang"), accept, self.app.config["WIKI_LANGUAGE"])

    # --- Answering ---

    def replay(self, stored: bytes, environ, start_response):
        head, _sep, body = stored.partition(b"\n\n")
        status, *lines = head.decode("latin-1").split("\n")
        headers = [tuple(line.split(": ", 1)) for line in lines]
        headers.append(request_id_header(environ))
        start_response(status, headers)
        return [body]

    def render_and_keep(self, environ, start_response, slot_key):
        environ[OFFER] = "offered"
        answer = {}

        def remember(status, headers, exc_info=None):
            answer.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        iterable = self.wsgi_app(environ, remember)
        if environ.get(OFFER) != "accepted" or not answer.get("status", "").startswith("200 "):
            return iterable
        headers = [(name, value) for name, value in answer["headers"] if name.lower() != REQUEST_ID_HEADER.lower()]
        if any(name.lower() == "set-cookie" for name, _value in headers):
            return iterable
        body = b"".join(iterable)
        head = "\n".join([answer["status"], *(f"{name}: {value}" for name, value in headers)])
        self.store.put(*slot_key, head.encode("latin-1") + b"\n\n" + body)
        return ClosingIterator([body], getattr(iterable, "close", None))


def request_id_header(environ) -> tuple[str, str]:
    """A fresh X-Request-Id (or the proxy's), as Flask's answer carries (app.web.request_ids)."""
    return REQUEST_ID_HEADER, request_id_for(environ.get("HTTP_X_REQUEST_ID", ""))


# A pure function of the path, asked by both paths on every view (3.7 µs a miss): 512 paths, not 4,096
# (1.1 MB per worker at 10,000 pages, for a hit rate of 40 % on views spread over every page).
@functools.lru_cache(maxsize=512)
def page_slug(path: str) -> str | None:
    """The slug of `/wiki/<slug>` when it is canonical (else Flask redirects or answers 400), or None."""
    slug = path[len(PAGE_PREFIX):]
    if path.startswith(PAGE_PREFIX) and slug and "/" not in slug and is_valid_slug(slug):
        return slug
    return None


def time_bucket(kind: str, state=None) -> str:
    """The part of "now" an answer depends on. The portal and the agenda list sessions upcoming or past,
    and sessions start and end on the minute: an answer holds for the minute it was rendered in, so a
    session passes into the past on the agenda and the portal within the minute its end is reached (in
    that minute, only a render at its very first microsecond could still count it upcoming). A page
    view (`state`: its VIEW_STATE_COLUMNS) depends on the time only through its session block, which
    holds for the hour; a page that cannot show one holds until it changes."""
    if kind in WIKI_WIDE.values():
        return utcnow().strftime("%Y%m%d%H%M")
    if state is not None and not fast_reads.may_show_a_session(state):
        return ""
    return utcnow().strftime("%Y%m%d%H")


def install(app) -> None:
    """Put the fast path in front of the app's WSGI callable."""
    app.wsgi_app = VisitorFastPath(app, app.wsgi_app)
