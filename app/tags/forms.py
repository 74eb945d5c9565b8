"""The facilitators' tag rename form."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length


class TagRenameForm(FlaskForm):
    """A new name (the domain trims it and checks it has a letter or digit); the name of another
    tag merges the two."""
    name = StringField(validators=[Length(max=1000)])
