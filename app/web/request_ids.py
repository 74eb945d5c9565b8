"""A request id on every answer and every log line of its request, so a user can quote the one
shown on an error page and an operator can find that request's lines.

The id comes from the `X-Request-Id` header when a proxy sent a sane token, else is generated; it
is returned in `X-Request-Id` and offered to templates as `request_id`. Log records made while
serving a request carry it as `request_id` ("-" outside a request); the app's log lines show it, and
gunicorn's access log shows the response header (`gunicorn.conf.py`)."""

import logging
import re
import secrets

from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler

HEADER = "X-Request-Id"
SANE_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
LOG_FORMAT = "[%(asctime)s] %(levelname)s [%(request_id)s] %(name)s: %(message)s"


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record passing through a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or "-"
        return True


FILTER = RequestIdFilter()


def init_app(app: Flask) -> None:
    app.before_request(assign_request_id)
    app.after_request(send_request_id)
    app.context_processor(lambda: {"request_id": current_request_id()})
    for handler in [default_handler, *app.logger.handlers, *logging.getLogger().handlers]:
        if FILTER not in handler.filters:
            handler.addFilter(FILTER)
    default_handler.setFormatter(logging.Formatter(LOG_FORMAT))


def current_request_id() -> str | None:
    if not has_request_context():
        return None
    if "request_id" not in g:
        assign_request_id()
    return g.request_id


def assign_request_id() -> None:
    g.request_id = request_id_for(request.headers.get(HEADER, ""))


def request_id_for(given: str) -> str:
    """The proxy's id if it is a sane token, else a new one (also used by app.pages.fast_path)."""
    return given if SANE_ID.fullmatch(given) else secrets.token_hex(8)


def send_request_id(response: Response) -> Response:
    if has_request_context():
        response.headers[HEADER] = current_request_id()
    return response
