"""Forms of the pages blueprint. Field names are the public contract, shared by the full-page
and the htmx forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, Regexp

from app.config import LANGUAGES


class EditForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("The title cannot be empty.")), Length(max=200)])
    body = TextAreaField(_l("Text"), validators=[Optional()])
    summary = StringField(_l("Summary of your changes"), validators=[Optional(), Length(max=300)])
    base_revision = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$")])
    section = HiddenField(validators=[Optional(), Regexp(r"^\d{1,5}$")])
    tags = StringField(_l("Tags (separated by commas)"), validators=[Optional(), Length(max=1000)])
    licence = SelectField(_l("Licence"), validators=[Optional()], validate_choice=False)
    licence_confirmed = BooleanField(_l("I confirm: this page leaves the commons and stays inside the group."))
    # A session's fields (app.wiki.sessions checks them); plain text fields without a browser's date pickers.
    event_start = StringField(_l("Start"), validators=[Optional(), Length(max=40)], render_kw={"type": "datetime-local"})
    event_end = StringField(_l("End"), validators=[Optional(), Length(max=40)], render_kw={"type": "datetime-local"})
    event_place = StringField(_l("Place or video call link"), validators=[Optional(), Length(max=300)])
    event_repeat = SelectField(_l("Repeats"), choices=[("", _l("Does not repeat")), ("weekly", _l("Every week")),
                                                        ("monthly", _l("Every month, on the same day"))],
                               validators=[Optional()], validate_choice=False)
    event_until = StringField(_l("Last repetition"), validators=[Optional(), Length(max=40)], render_kw={"type": "date"})
    event_exceptions = TextAreaField(_l("Cancelled or moved dates"), validators=[Optional(), Length(max=10000)])

    def base_number(self) -> int | None:
        return int(self.base_revision.data) if self.base_revision.data else None

    def section_number(self) -> int | None:
        return int(self.section.data) if self.section.data else None

    def event_fields(self) -> dict[str, str]:
        return {name: self[name].data or "" for name in EVENT_FIELDS}

    def fill_event(self, event) -> None:
        for name, value in event.as_fields().items():
            self[name].data = value


EVENT_FIELDS = ("event_start", "event_end", "event_place", "event_repeat", "event_until", "event_exceptions")


class PreviewForm(FlaskForm):
    """The editor's text, sent as the user types (the domain checks its size)."""
    body = TextAreaField()


class TagsForm(FlaskForm):
    tags = StringField(_l("Tags (separated by commas)"), validators=[Optional(), Length(max=1000)])


class TitleForm(FlaskForm):
    title = StringField(_l("New title"), validators=[DataRequired(_l("The title cannot be empty.")), Length(max=200)])


class ProtectForm(FlaskForm):
    protected = HiddenField(validators=[AnyOf(("0", "1"))])

    def wants_protection(self) -> bool:
        return self.protected.data == "1"


class VisibilityForm(FlaskForm):
    """The domain (page_settings.set_visibility) says which values exist."""
    visibility = HiddenField(validators=[DataRequired()])


class LanguageForm(FlaskForm):
    """The footer's switch. No automatic CSRF check: a visitor has no session, so the view checks
    the token of signed-in members only."""

    class Meta:
        csrf = False

    code = HiddenField(validators=[AnyOf(LANGUAGES)])
    next = HiddenField()
    csrf_token = HiddenField()
