"""Glue between the domain and HTTP: fragment-or-page rendering, errors, locale, security headers."""

import hashlib
import secrets
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, make_response, redirect, render_template, request, url_for
from flask_babel import get_translations
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.config import LANGUAGES
from app.extensions import db, htmx, login
from app.wiki import moderation, permissions
from app.wiki.errors import PermissionDenied, WikiError

# htmx settings (read from a meta tag: no inline script). 4xx answers are swapped: the editor comes
# back with the user's text (400, 409, 422), and other errors are retargeted to the messages region
# (render_error) so they never replace what the user typed. 5xx are announced by app.js.
HTMX_CONFIG = {
    "selfRequestsOnly": True,
    "allowEval": False,
    "allowScriptTags": False,
    "includeIndicatorStyles": False,
    "historyCacheSize": 0,
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[234]..", "swap": True, "error": False},
        {"code": "...", "swap": False, "error": True},
    ],
}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    app.after_request(security_headers)
    app.register_error_handler(WikiError, wiki_error)
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(sa.exc.OperationalError, database_busy)
    # Globals, not a context processor, so imported macros see them too.
    app.jinja_env.globals["static_url"] = static_url
    app.jinja_env.globals.update(can=can_current_user, current_locale=select_locale, languages=LANGUAGES,
                                 pending_count=pending_count, htmx_config=HTMX_CONFIG)
    from app.wiki.tagging import tag_key

    # Jinja's gettext looks the catalogue up once per request, not once per string (Flask-Babel's
    # own lookup walks its context on every call: a third of a page view's time went there).
    app.jinja_env.install_gettext_callables(
        lambda text: request_translations().ugettext(text),
        lambda singular, plural, n: request_translations().ungettext(singular, plural, n), newstyle=True)

    app.jinja_env.filters["tag_key"] = tag_key
    login.user_loader(load_user)
    login.login_view = "auth.login"


def load_user(session_id: str):
    """The user of a session cookie, if its session version is still current."""
    from app.models import User

    user_id, _sep, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


def select_locale() -> str:
    """The user's preference, then the visitor's choice (cookie), the browser's languages, the site's."""
    if not request:
        return current_app.config["WIKI_LANGUAGE"]
    if "locale" not in g:
        g.locale = choose_locale()
    return g.locale


def choose_locale() -> str:
    if current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    chosen = request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if request and request.accept_languages:
        best = request.accept_languages.best_match(LANGUAGES)
        if best:
            return best
    return current_app.config["WIKI_LANGUAGE"]


def request_translations():
    if not request:
        return get_translations()
    if "translations" not in g:
        g.translations = get_translations()
    return g.translations


def wants_fragment() -> bool:
    """Targeted htmx swaps get fragments; normal, boosted and history-restore requests get pages."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_htmx(page_template: str, fragment_template: str, status: int = 200, **context) -> Response:
    """Full page for normal requests, the fragment alone for an htmx swap."""
    if wants_fragment():
        # Flashed confirmations travel with the fragment, into the page's live region.
        body = render_template(fragment_template, **context) + render_template("_messages_oob.html")
    else:
        body = render_template(page_template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def render_error(status: int, message: str, **context) -> Response:
    """An error page, or for an htmx swap a message put in the page's messages region."""
    if wants_fragment():
        response = make_response(render_template("errors/_error_message.html", message=message), status)
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
        response.vary.add("HX-Request")
        return response
    return render_htmx("errors/error.html", "errors/_error.html", status=status,
                       status_code=status, message=message, **context)


def wiki_error(error: WikiError):
    if isinstance(error, PermissionDenied) and not current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return render_error(error.status_code, str(error.message))


def csrf_error(error: CSRFError):
    return render_error(400, _("Your session has expired or the form is stale. Your text is kept: "
                               "go back, reload the page and submit again."))


HTTP_MESSAGES = {
    400: lambda: _("The request is not valid."),
    403: lambda: _("You are not allowed to do this."),
    404: lambda: _("This page does not exist."),
    405: lambda: _("This action is not allowed here."),
    413: lambda: _("What you sent is too large."),
    429: lambda: _("Too many attempts. Please wait a moment and try again."),
}


def http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    message = HTTP_MESSAGES.get(error.code, lambda: _("Something went wrong."))()
    response = render_error(error.code, message)
    for name in ("Retry-After", "Allow"):
        if error.get_headers() and dict(error.get_headers()).get(name):
            response.headers[name] = dict(error.get_headers())[name]
    return response


def database_busy(error: sa.exc.OperationalError):
    """A locked database is a temporary condition: say so with a 503, never a 500."""
    db.session.rollback()
    if "locked" not in str(error).lower() and "busy" not in str(error).lower():
        raise error
    response = render_error(503, _("The wiki is busy. Please try again in a moment; your text is kept."))
    response.headers["Retry-After"] = "2"
    return response


def security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


@lru_cache(maxsize=64)
def static_fingerprint(static_folder: str, filename: str) -> str:
    return hashlib.sha256((Path(static_folder) / filename).read_bytes()).hexdigest()[:12]


def static_url(filename: str) -> str:
    """A static file's URL with its content hash: a new version is a new URL."""
    version = static_fingerprint(current_app.static_folder, filename)
    return url_for("static", filename=filename, v=version)


class RenderedPages:
    """Rendered page views, by everything they depend on (pages.views.view_key), per process.

    The CSRF token differs per visitor, so pages are stored with a placeholder and the visitor's
    token goes in on the way out. Bounded: least recently used views are dropped."""

    def __init__(self, size: int = 256):
        self.size = size
        self.entries: OrderedDict[str, tuple] = OrderedDict()
        self.lock = threading.Lock()
        self.placeholder = "csrf-" + secrets.token_hex(16)  # unguessable: user text cannot contain it

    def token_placeholder(self) -> str:
        return self.placeholder

    def get(self, key: str) -> tuple | None:
        with self.lock:
            body = self.entries.get(key)
            if body is not None:
                self.entries.move_to_end(key)
            return body

    def put(self, key: str, body: tuple) -> tuple:
        with self.lock:
            self.entries[key] = body
            if len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return body

    def with_token(self, body: str, token: str) -> str:
        return body.replace(self.placeholder, token)


def app_cache(name: str, factory):
    """A cache that belongs to the current app (tests build many apps in one process, on reused ids)."""
    caches = current_app.extensions["gare_caches"]
    if name not in caches:
        caches[name] = factory()
    return caches[name]


def rendered_pages() -> RenderedPages:
    return app_cache("rendered_pages", RenderedPages)


def safe_next_url(target: str | None, default: str = "/") -> str:
    """Only local paths: one leading slash, no scheme, no host, no backslash tricks."""
    if not target:
        return default
    from urllib.parse import unquote

    decoded = unquote(target).strip()
    if (not decoded.startswith("/") or decoded.startswith(("//", "/\\")) or "\\" in decoded
            or any(ord(c) < 32 for c in decoded)):
        return default
    parts = urlsplit(decoded)
    if parts.scheme or parts.netloc:
        return default
    return target


def pending_count() -> int:
    return moderation.pending_count()


def can_current_user(action: str, page=None) -> bool:
    return permissions.can(current_user, action, page)
