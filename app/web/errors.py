"""Errors as answers: domain errors, HTTP errors, stale forms and a busy database, each as a full
error page or, for an htmx swap, a message in the page's messages region."""

import sqlalchemy as sa
from flask import Flask, Response, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.web.htmx import keep_address, render_htmx, wants_fragment
from app.wiki.errors import PermissionDenied, WikiError

HTTP_MESSAGES = {
    400: lambda: _("The request is not valid."),
    403: lambda: _("You are not allowed to do this."),
    404: lambda: _("This page does not exist."),
    405: lambda: _("This action is not allowed here."),
    413: lambda: _("What you sent is too large."),
    429: lambda: _("Too many attempts. Please wait a moment and try again."),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(WikiError, wiki_error)
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(sa.exc.OperationalError, database_busy)


def render_error(status: int, message: str, **context) -> Response:
    """An error page, or for an htmx swap a message put in the page's messages region (the
    address bar stays where it is)."""
    if wants_fragment():
        response = make_response(render_template("errors/_error_message.html", message=message), status)
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
        response.vary.add("HX-Request")
        return keep_address(response)
    return render_htmx("errors/error.html", "errors/_error.html", status=status,
                       status_code=status, message=message, **context)


def wiki_error(error: WikiError):
    """A refused or invalid action; an anonymous reader refused a page is sent to sign in first."""
    if isinstance(error, PermissionDenied) and not current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return render_error(error.status_code, str(error.message))


def csrf_error(error: CSRFError):
    """A missing or stale CSRF token: say how to get the text through."""
    return render_error(400, _("Your session has expired or the form is stale. Your text is kept: "
                               "go back, reload the page and submit again."))


def http_error(error: HTTPException):
    """An HTTP error in the wiki's words, keeping its Retry-After and Allow headers."""
    if error.code is None or error.code < 400:
        return error
    message = HTTP_MESSAGES.get(error.code, lambda: _("Something went wrong."))()
    response = render_error(error.code, message)
    headers = dict(error.get_headers() or ())
    for name in ("Retry-After", "Allow"):
        if headers.get(name):
            response.headers[name] = headers[name]
    return response


def database_busy(error: sa.exc.OperationalError):
    """A locked database is a temporary condition: say so with a 503, never a 500."""
    db.session.rollback()
    if is_disk_full(error):
        return render_error(507, _("The server's disk is full: nothing was saved. Your text is kept: copy it "
                                   "somewhere safe and tell the wiki's administrator."))
    if "locked" not in str(error).lower() and "busy" not in str(error).lower():
        raise error
    response = render_error(503, _("The wiki is busy. Please try again in a moment; your text is kept."))
    response.headers["Retry-After"] = "2"
    return response


def is_disk_full(error: sa.exc.OperationalError) -> bool:
    """SQLite's "database or disk is full", PostgreSQL's disk_full (53100), or ENOSPC."""
    text = str(error.orig if error.orig is not None else error).lower()
    return (getattr(error.orig, "sqlstate", None) == "53100" or "disk is full" in text
            or "no space left" in text)
