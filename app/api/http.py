"""The API's HTTP rules: who reads (session or Bearer read token), JSON answers with ETag and
Cache-Control, CORS for GET under /api/, and every error as JSON {"error", "message"}."""

import hashlib
import json
import logging
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import Response, abort, g, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from app.api import data
from app.extensions import db
from app.wiki.api_tokens import member_for_read_token
from app.wiki.errors import WikiError
from app.wiki.permissions import is_member

if TYPE_CHECKING:  # pydantic loads with the API's operations only (app/api/views.py)
    from pydantic import BaseModel

log = logging.getLogger(__name__)

ERROR_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "too_large", 429: "too_many_requests", 503: "unavailable"}
PUBLIC_CACHE = "public, max-age=60"
PRIVATE_CACHE = "private, max-age=0, must-revalidate"


def error_response(status: int, message: str, code: str | None = None) -> Response:
    """The one shape of an API error."""
    body = {"error": code or ERROR_CODES.get(status, "error"), "message": str(message)}
    response = Response(json_bytes(body), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def json_bytes(data) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


def json_response(model: "BaseModel") -> Response:
    """A 200 JSON answer with an ETag (304 when it matches) and a Cache-Control for its reader."""
    response = cached_json(model.model_dump_json().encode(), PRIVATE_CACHE if reader_is_member() else PUBLIC_CACHE)
    response.vary.update(("Authorization", "Cookie"))
    return response


def cached_json(body: bytes, cache_control: str) -> Response:
    response = Response(body, mimetype="application/json")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.headers["Cache-Control"] = cache_control
    return response.make_conditional(request)


def reader_is_member() -> bool:
    """True for a member's session or a valid read token (resolved before the view)."""
    return bool(g.get("api_member"))


@data.before_request
def resolve_reader():
    """A Bearer token must be valid (else 401 at once); without one the session decides."""
    header = request.headers.get("Authorization")
    if header is None:
        g.api_member = is_member(current_user)
        return None
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or member_for_read_token(token.strip()) is None:
        abort(error_response(401, _("This read token is not valid: it is unknown or was revoked.")))
    g.api_member = True
    return None


@data.after_request
def cors(response: Response) -> Response:
    """Other sites may read the API with GET (no cookies are needed or sent for a token)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Authorization, If-None-Match"
        response.headers["Access-Control-Expose-Headers"] = "ETag"
    return response


@data.errorhandler(HTTPException)
def http_error(error: HTTPException):
    if error.response is not None:
        return error.response
    if error.code == 404:
        return error_response(404, _("There is nothing at this API address."))
    if error.code == 405:
        return error_response(405, _("Only GET is allowed on the API."))
    return error_response(error.code or 400, _("The request is not valid."))


@data.errorhandler(WikiError)
def wiki_error(error: WikiError):
    return error_response(error.status_code, str(error.message))


@data.errorhandler(sa.exc.OperationalError)
def database_busy(error):
    db.session.rollback()
    response = error_response(503, _("The wiki is busy. Please try again in a moment; your text is kept."))
    response.headers["Retry-After"] = "2"
    return response


@data.errorhandler(Exception)
def unexpected(error: Exception):
    log.exception("API error")
    return error_response(500, _("Something went wrong."), "internal")
