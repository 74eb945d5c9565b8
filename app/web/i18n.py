"""The interface language of a request, and translations looked up once per request."""

from flask import Flask, current_app, g, request
from flask_babel import get_translations
from flask_login import current_user

from app.config import LANGUAGES


def init_app(app: Flask) -> None:
    # Jinja's gettext looks the catalogue up once per request, not once per string (Flask-Babel's
    # own lookup walks its context on every call: a third of a page view's time went there).
    app.jinja_env.install_gettext_callables(
        lambda text: request_translations().ugettext(text),
        lambda singular, plural, n: request_translations().ungettext(singular, plural, n), newstyle=True)


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
    if request.accept_languages:
        best = request.accept_languages.best_match(LANGUAGES)
        if best:
            return best
    return current_app.config["WIKI_LANGUAGE"]


def request_translations():
    """The request's catalogue, looked up once (outside a request: Flask-Babel's own)."""
    if not request:
        return get_translations()
    if "translations" not in g:
        g.translations = get_translations()
    return g.translations
