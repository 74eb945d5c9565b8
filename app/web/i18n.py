"""The interface language of a request, and translations looked up once per request."""

from flask import Flask, current_app, g, request
from flask_babel import get_translations
from flask_login import current_user

from app.config import LANGUAGES
from app.wiki import dates


def init_app(app: Flask) -> None:
    # Jinja's gettext looks the catalogue up once per request, not once per string (Flask-Babel's
    # own lookup walks its context on every call: a third of a page view's time went there).
    app.jinja_env.install_gettext_callables(
        lambda text: request_translations().ugettext(text),
        lambda singular, plural, n: request_translations().ungettext(singular, plural, n), newstyle=True)
    dates.init_app(app)  # page dates without Babel's whole locale data (about 10 MB a worker)


def select_locale() -> str:
    """The user's preference, then the visitor's choice (cookie), the browser's languages, the site's."""
    if not request:
        return current_app.config["WIKI_LANGUAGE"]
    if "locale" not in g:
        g.locale = choose_locale()
    return g.locale


def choose_locale() -> str:
    preference = current_user.language if current_user.is_authenticated else None
    return reader_locale(preference, request, current_app.config["WIKI_LANGUAGE"])


def reader_locale(preference: str | None, request, default: str) -> str:
    """A reader's language: a member's preference, else visitor_locale. `request` is Flask's or, for the
    members' path (app.web.members_path), a Werkzeug request made before Flask runs."""
    if preference in LANGUAGES:
        return preference
    return visitor_locale(request.cookies.get("lang"), request.accept_languages, default)


def visitor_locale(chosen: str | None, accept_languages, default: str) -> str:
    """A visitor's language: their choice (the `lang` cookie), else the browser's best match, else the
    site's. The one rule, also used by the visitors' fast path (app.pages.fast_path), which has no request."""
    if chosen in LANGUAGES:
        return chosen
    if accept_languages:
        best = accept_languages.best_match(LANGUAGES)
        if best:
            return best
    return default


def request_translations():
    """The request's catalogue, looked up once (outside a request: Flask-Babel's own)."""
    if not request:
        return get_translations()
    if "translations" not in g:
        g.translations = get_translations()
    return g.translations
