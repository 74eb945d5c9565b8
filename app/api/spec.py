"""The one description of the API (spectree): views are decorated with `spec.validate(...)`, which
checks their parameters and answers against the pydantic schemas, and /api/openapi.json is generated
from those same classes. Strict mode: only decorated views are described. `spec.register` is never
called: our own view serves the document (spectree's UI pages would load scripts from elsewhere)."""

from flask import abort
from flask_babel import gettext as _
from spectree import SecurityScheme, SpecTree
from spectree.models import SecureType, SecuritySchemeData

from app.api.http import error_response
from app.api.schemas import Error


def bad_parameters(_request, _response, error, _instance, _adapter):
    """A parameter that does not fit its schema: our JSON 400, naming the parameter."""
    if error is not None:
        names = sorted({".".join(str(p) for p in e.get("loc", ())) for e in error.errors()}) or ["?"]
        abort(error_response(400, _("Bad parameters: %(names)s.", names=", ".join(names))))


# Every operation reads as a visitor without credentials, or as a member with a read token.
OPTIONAL_TOKEN = [{}, {"readToken": []}]
READ_TOKEN = SecurityScheme(name="readToken", data=SecuritySchemeData(
    type=SecureType.HTTP, scheme="bearer",
    description="A member's personal read token, made on /account: reads members-only pages too."))

spec = SpecTree("flask", mode="strict", security_schemes=[READ_TOKEN], title="Gare centrale API", version="1.0.0", validation_error_status=400,
                validation_error_model=Error, before=bad_parameters,
                description="Read-only access to the wiki's published pages, changes, tags, search and agenda. "
                            "Visitors read public, published pages; a member's session or read token "
                            "(Authorization: Bearer) reads members-only pages too.")
