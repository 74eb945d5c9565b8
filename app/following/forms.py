"""The account page's forms: the e-mail address and the mail settings (checked by the domain)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import Length


class EmailForm(FlaskForm):
    email = StringField(validators=[Length(max=1000)])


class SettingsForm(FlaskForm):
    """`period`: immediate, daily or weekly; `review_digest`: "", daily or weekly (facilitators)."""
    period = StringField(validators=[Length(max=20)])
    follow_own_edits = BooleanField()
    mail_enabled = BooleanField()
    review_digest = StringField(validators=[Length(max=20)])


class FollowForm(FlaskForm):
    """The CSRF token, and `back=account` to come back to the account page."""
    back = StringField(validators=[Length(max=20)])
