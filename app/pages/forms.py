"""Forms shared by the full-page and the htmx editors (field names are the public contract)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp


class EditForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("The title cannot be empty.")), Length(max=200)])
    body = TextAreaField(_l("Text"), validators=[Optional()])
    summary = StringField(_l("Summary of your changes"), validators=[Optional(), Length(max=300)])
    base_revision = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$")])
    section = HiddenField(validators=[Optional(), Regexp(r"^\d{1,5}$")])
    tags = StringField(_l("Tags (separated by commas)"), validators=[Optional(), Length(max=1000)])
    licence = SelectField(_l("Licence"), validators=[Optional()], validate_choice=False)
    licence_confirmed = BooleanField(_l("I confirm: this page leaves the commons and stays inside the group."))

    def base_number(self) -> int | None:
        return int(self.base_revision.data) if self.base_revision.data else None

    def section_number(self) -> int | None:
        return int(self.section.data) if self.section.data else None


class TagsForm(FlaskForm):
    tags = StringField(_l("Tags (separated by commas)"), validators=[Optional(), Length(max=1000)])


class TitleForm(FlaskForm):
    title = StringField(_l("New title"), validators=[DataRequired(_l("The title cannot be empty.")), Length(max=200)])
