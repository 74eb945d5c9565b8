"""The reviewer's verdict form, shared by the plain and the htmx queue."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import Length, Optional, Regexp

MAX_COMMENT = 500


class ReviewForm(FlaskForm):
    comment = StringField(_l("Comment for the author (optional)"), validators=[Optional(), Length(max=MAX_COMMENT)])
    # The head's number when the reviewer read the diff: the verdict covers that text and no later one.
    revision = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$")])

    def reviewed_number(self) -> int | None:
        return int(self.revision.data) if self.revision.data else None
