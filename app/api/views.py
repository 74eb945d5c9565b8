"""The API's routes. The HTML views (guide, account, feeds) attach by import; the JSON operations are
routed here to stand-ins, and app/api/operations.py, which holds them with spectree and pydantic
(about 8 MB a process), is imported on the first /api/ request that needs it: a web worker that only
serves pages never loads them. Once it is loaded, the real views replace the stand-ins in the app's
view functions, where spectree finds them to describe them in /api/openapi.json."""

import importlib

from flask import current_app, request
from flask_babel import gettext as _

from app.api import account, bp, data, feeds, guide  # noqa: F401  (account, feeds, guide attach views)
from app.api.http import cached_json, error_response

bp.register_blueprint(data)

OPERATIONS_MODULE = "app.api.operations"
# (rule under /api, view name in app/api/operations.py), in the order the document lists them.
OPERATIONS = (("/pages", "pages_list"), ("/pages/<slug>", "page"), ("/pages/<slug>/history", "history"),
              ("/recent", "recent"), ("/search", "search_pages"), ("/tags", "tags"), ("/agenda", "agenda_list"))


def operations():
    """app/api/operations.py, imported once per process (Python's import lock makes threads wait for
    it); its views then replace this app's stand-ins."""
    module = importlib.import_module(OPERATIONS_MODULE)
    views = current_app.view_functions
    for _rule, name in OPERATIONS:
        views[f"{bp.name}.{data.name}.{name}"] = getattr(module, name)
    return module


def stand_in(name: str):
    """A view that loads the operations, then answers as the real `name` would (validation included)."""
    def view(**arguments):
        return getattr(operations(), name)(**arguments)

    view.__name__ = view.__qualname__ = name
    return view


for rule, name in OPERATIONS:
    data.add_url_rule(rule, name, stand_in(name), methods=["GET"])


@data.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description, generated from the operations' schemas."""
    return cached_json(operations().openapi_document(), "public, max-age=300")


@data.route("/<path:rest>", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str):
    """Any other address under /api/ (or a method other than GET): a JSON error, never an HTML page."""
    if request.method not in ("GET", "HEAD"):
        return error_response(405, _("Only GET is allowed on the API."))
    return error_response(404, _("There is nothing at this API address."))
