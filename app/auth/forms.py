"""Forms for signing in, joining with an invitation and creating invitations."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional


class LoginForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please give your name.")), Length(max=80)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please give your password."))],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class JoinForm(FlaskForm):
    name = StringField(_l("Your name, as others will see it"),
                       validators=[DataRequired(_l("Please choose a name.")), Length(max=80)],
                       render_kw={"autocomplete": "nickname"})
    password = PasswordField(_l("Choose a password (at least 8 characters)"),
                             validators=[DataRequired(_l("Please choose a password.")), Length(min=8, max=200)],
                             render_kw={"autocomplete": "new-password"})
    email = EmailField(_l("Email (optional, only to recover your password)"),
                       validators=[Optional(), Email(_l("This email address does not look right.")), Length(max=254)])


class InvitationForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[("volunteer", _l("Volunteer")), ("facilitator", _l("Facilitator"))])
    days = IntegerField(_l("Valid for (days)"), default=14, validators=[NumberRange(1, 365)])
    max_uses = IntegerField(_l("How many people can use it (empty: no limit)"),
                            validators=[Optional(), NumberRange(1, 1000)])
    note = StringField(_l("Note (for whom?)"), validators=[Optional(), Length(max=200)])
