"""The people page's forms: each button sends one field of a person's account."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, Length, Optional


class UserUpdateForm(FlaskForm):
    """`role`, `trusted` (1/0) or `active` (1/0); a field left out is left unchanged.
    The domain (accounts.update_user) says which roles exist."""

    role = StringField(validators=[Optional(), Length(max=20)])
    trusted = HiddenField(validators=[Optional(), AnyOf(("0", "1"))])
    active = HiddenField(validators=[Optional(), AnyOf(("0", "1"))])

    def changes(self) -> dict:
        """The submitted fields as update_user's keyword arguments (None: not sent)."""
        def sent(field):
            return bool(field.raw_data)
        return {
            "role": self.role.data if sent(self.role) else None,
            "trusted": self.trusted.data == "1" if sent(self.trusted) else None,
            "active": self.active.data == "1" if sent(self.active) else None,
        }
