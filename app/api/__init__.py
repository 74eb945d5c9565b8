"""The read-only JSON API under /api/, its OpenAPI description, its guide, the account page where a
member makes a read token, and the Atom feeds per tag and for the agenda."""

from flask import Blueprint

bp = Blueprint("api", __name__)  # the guide /api/, /account, /feeds/...: HTML and Atom
data = Blueprint("json", __name__, url_prefix="/api")  # the JSON answers, and only JSON, even errors
