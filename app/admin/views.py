"""Admins change roles and deactivate accounts; facilitators trust volunteers."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import bp
from app.extensions import db
from app.models import User
from app.models.user import ROLES
from app.web import render_htmx
from app.wiki import accounts
from app.wiki.permissions import can, require


@bp.get("/users")
def users():
    """Everyone with an account."""
    require(current_user, "trust")
    return render_htmx("admin/users.html", "admin/_users.html", users=accounts.all_users(), roles=ROLES)


@bp.post("/users/<int:user_id>")
def update_user(user_id):
    """Change one person's role, trust or activation (fields `role`, `trusted`, `active`)."""
    require(current_user, "trust")
    user = db.session.get(User, user_id) or abort(404)
    form = request.form
    accounts.update_user(
        user, by=current_user._get_current_object(),
        role=form.get("role") if "role" in form else None,
        trusted=form.get("trusted") == "1" if "trusted" in form else None,
        active=form.get("active") == "1" if "active" in form else None,
    )
    flash(_("Saved for %(name)s.", name=user.name), "success")
    return redirect(url_for("admin.users"), 303)
