"""The interface language switch in every page's footer."""

from flask import abort, redirect, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError

from app.extensions import csrf
from app.pages import bp
from app.pages.forms import LanguageForm
from app.web.security import safe_next_url
from app.wiki import accounts

LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


@bp.post("/language")
@csrf.exempt
def language():
    """Switch the interface language (field `code`): a cookie, and the account's preference when signed in.

    A visitor's switch only sets a cookie, so it needs no session; a member's also writes to the
    database, so their CSRF token is checked here."""
    form = LanguageForm()
    if not form.validate():
        abort(400)
    if current_user.is_authenticated:
        try:
            validate_csrf(form.csrf_token.data)
        except ValidationError as error:
            raise CSRFError(error.args[0]) from error
        accounts.set_language(current_user, form.code.data)
    response = redirect(safe_next_url(form.next.data, url_for("pages.portal")), 303)
    response.set_cookie("lang", form.code.data, max_age=LANGUAGE_COOKIE_AGE, samesite="Lax", httponly=True)
    return response
