"""Glue between the domain and HTTP, one concern a module:

- htmx.py: wants_fragment(), render_htmx() (page or fragment), HTMX_CONFIG, keep_address()
- errors.py: error handlers, render_error() (page, or a message for an htmx swap)
- i18n.py: select_locale(), translations looked up once per request
- security.py: security headers (CSP), safe_next_url()
- assets.py: static_url() with content fingerprints
- actors.py: current_actor() and the session's user loader
- templating.py: template globals (can, pending_count, role_label...)
- request_ids.py: a request id on every answer (X-Request-Id), log line and error page
- fast_path.py: the visitors' fast path, a WSGI middleware answering stored page views and the portal
- members_path.py: the members' path, a WSGI middleware answering members' stored page views

The names below are re-exported for callers that import them from `app.web`."""

from flask import Flask

from app.web import actors, assets, errors, fast_path, i18n, members_path, request_ids, security, templating
from app.web.actors import current_actor
from app.web.errors import render_error
from app.web.htmx import HTMX_CONFIG, render_htmx, wants_fragment
from app.web.i18n import select_locale
from app.web.security import safe_next_url

__all__ = ["HTMX_CONFIG", "current_actor", "init_app", "render_error", "render_htmx", "safe_next_url",
           "select_locale", "wants_fragment"]


def init_app(app: Flask) -> None:
    """Register the error handlers, security headers, login loader, Jinja globals and gettext; put the
    visitors' fast path and the members' path in front of the app."""
    for module in (request_ids, security, errors, actors, assets, templating, i18n):
        module.init_app(app)
    fast_path.install(app)
    members_path.install(app)
