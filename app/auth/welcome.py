"""The welcome after joining: one small first edit, guided (app/wiki/welcome.py), or skipped."""

from flask import make_response, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth import bp
from app.wiki import welcome
from app.wiki.permissions import require

# "Skip" is remembered in this browser for a year; "done" needs no memory: it is the person's first revision.
SKIPPED_COOKIE, SKIPPED_DAYS = "gare_welcome_skipped", 365


def skipped() -> bool:
    return request.cookies.get(SKIPPED_COOKIE) == "1"


@bp.get("/welcome")
def welcome_page():
    """Suggest one small first edit and show its three steps; once done or skipped, go to the portal."""
    require(current_user, "create")
    suggestion = welcome.welcome_for(current_user, skipped=skipped())
    if suggestion is None:
        return redirect(url_for("pages.portal"), 303)
    return render_template("auth/welcome.html", welcome=suggestion)


@bp.post("/welcome/skip")
def skip_welcome():
    """Skip the guided first edit; it is not offered again in this browser."""
    require(current_user, "create")
    response = make_response(redirect(url_for("pages.portal"), 303))
    response.set_cookie(SKIPPED_COOKIE, "1", max_age=SKIPPED_DAYS * 24 * 3600, httponly=True, samesite="Lax",
                        secure=request.is_secure)
    return response
