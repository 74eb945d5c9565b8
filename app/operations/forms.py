"""The first admin's form at /setup."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class SetupForm(FlaskForm):
    name = StringField(_l("Your name, as others will see it"),
                       validators=[DataRequired(_l("Please choose a name.")), Length(max=80)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Choose a password (at least 8 characters)"),
                             validators=[DataRequired(_l("Please choose a password.")), Length(min=8, max=200)],
                             render_kw={"autocomplete": "new-password"})
    code = StringField(_l("One-time code (shown on the server's console)"),
                       validators=[DataRequired(_l("Please give the one-time code.")), Length(max=40)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
