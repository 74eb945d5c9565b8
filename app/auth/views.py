"""Sign in, sign out, join with an invitation, manage invitations."""

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth import bp
from app.auth import welcome  # noqa: F401  (the welcome after joining attaches to bp)
from app.auth.forms import InvitationForm, JoinForm, LoginForm
from app.web.actors import current_actor
from app.web.security import safe_next_url
from app.wiki import accounts
from app.wiki.errors import BadCredentials, TooManyAttempts, WikiError
from app.wiki.permissions import invitable_roles, require


def start_session(user) -> None:
    """A fresh session for a fresh login (no fixation), then the login itself."""
    session.clear()
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with a display name and a password."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        return render_template("auth/login.html", form=form)
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422
    try:
        user = accounts.authenticate(form.name.data, form.password.data, address=request.remote_addr or "")
    except TooManyAttempts as error:
        return (render_template("auth/login.html", form=form, error=error.message), 429,
                {"Retry-After": str(error.retry_after)})
    except BadCredentials as error:
        return render_template("auth/login.html", form=form, error=error.message), 401
    start_session(user)
    flash(_("Welcome, %(name)s!", name=user.name), "success")
    return redirect(safe_next_url(form.next.data, url_for("pages.portal")), 303)


@bp.post("/logout")
def logout():
    """Sign out, on this device and every other."""
    if current_user.is_authenticated:
        accounts.sign_out_everywhere(current_actor())
    logout_user()
    session.clear()
    flash(_("You are signed out."), "success")
    return redirect(url_for("pages.portal"), 303)


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token):
    """Create an account from an invitation link: a name and a password, nothing more."""
    invitation = accounts.find_invitation(token)
    if invitation is None:
        return render_template("auth/join_expired.html"), 404
    form = JoinForm()
    if request.method == "GET" or not form.validate_on_submit():
        return render_template("auth/join.html", form=form, invitation=invitation), (
            200 if request.method == "GET" else 422)
    try:
        user = accounts.join(token, name=form.name.data, password=form.password.data, email=form.email.data)
    except WikiError as error:
        return render_template("auth/join.html", form=form, invitation=invitation, error=error.message), 400
    start_session(user)
    flash(_("Welcome, %(name)s! You can now edit the wiki.", name=user.name), "success")
    return redirect(url_for("auth.welcome_page"), 303)


@bp.route("/invitations", methods=["GET", "POST"])
def invitations():
    """Facilitators create invitation links and see the ones still open."""
    require(current_user, "invite")
    form = InvitationForm()
    allowed = invitable_roles(current_user)
    form.role.choices = [c for c in form.role.choices if c[0] in allowed]
    new_link = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            invitation, token = accounts.create_invitation(
                created_by=current_actor(), role=form.role.data, days=form.days.data,
                max_uses=form.max_uses.data, note=form.note.data or "")
            new_link = url_for("auth.join", token=token, _external=True)
            status = 201
        else:
            status = 422
    return render_template("auth/invitations.html", form=form, new_link=new_link,
                           invitations=accounts.active_invitations()), status


@bp.post("/invitations/<int:invitation_id>/revoke")
def revoke_invitation(invitation_id):
    """Close an invitation link before it expires."""
    require(current_user, "invite")
    accounts.revoke_invitation(invitation_id)
    flash(_("The invitation link no longer works."), "success")
    return redirect(url_for("auth.invitations"), 303)
