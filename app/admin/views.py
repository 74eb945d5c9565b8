"""Admins change roles and deactivate accounts; facilitators trust volunteers."""

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import bp
from app.admin.forms import UserUpdateForm
from app.extensions import db
from app.models import User
from app.models.user import ROLES
from app.web.actors import current_actor
from app.web.htmx import render_htmx
from app.wiki import accounts
from app.wiki.permissions import require


def load_user_or_404(user_id: int) -> User:
    """The account with this id, or a 404."""
    return db.session.get(User, user_id) or abort(404)


@bp.get("/users")
def users():
    """Everyone with an account."""
    require(current_user, "trust")
    return render_htmx("admin/users.html", "admin/_users.html", users=accounts.all_users(), roles=ROLES)


@bp.post("/users/<int:user_id>")
def update_user(user_id):
    """Change one person's role, trust or activation (fields `role`, `trusted`, `active`)."""
    require(current_user, "trust")
    user = load_user_or_404(user_id)
    form = UserUpdateForm()
    if not form.validate_on_submit():
        abort(400)
    accounts.update_user(user, by=current_actor(), **form.changes())
    flash(_("Saved for %(name)s.", name=user.name), "success")
    return redirect(url_for("admin.users"), 303)
