"""The account page: a member's personal API read token (made, shown once, revoked)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.api import bp
from app.wiki import api_tokens
from app.wiki.permissions import is_member


def member_or_403():
    if not is_member(current_user):
        abort(403)


@bp.get("/account")
@login_required
def account():
    """The account area: the read token for the API (whether one exists, never its value)."""
    member_or_403()
    return render_template("api/account.html", token=api_tokens.read_token_of(current_user), new_token=None)


@bp.post("/account/token")
@login_required
def create_token():
    """A new read token (the old one stops working at once); shown only on this answer."""
    member_or_403()
    token = api_tokens.create_read_token(current_user)
    response = render_template("api/account.html", token=api_tokens.read_token_of(current_user), new_token=token)
    return response, 200, {"Cache-Control": "private, no-store"}


@bp.post("/account/token/revoke")
@login_required
def revoke_token():
    """Revoke the read token: the API refuses it from the next request on."""
    member_or_403()
    api_tokens.revoke_read_token(current_user)
    flash(_("Your API read token is revoked."), "success")
    return redirect(url_for("api.account"), 303)
