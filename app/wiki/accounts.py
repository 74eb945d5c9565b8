"""Accounts: creation and checks, shared by the CLI and the web."""

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import User
from app.models.user import ROLES
from app.wiki.errors import InvalidInput

MIN_PASSWORD_LENGTH = 8


def find_user(name: str) -> User | None:
    """A user by display name, ignoring case."""
    return db.session.scalar(sa.select(User).where(sa.func.lower(User.name) == name.strip().lower()))


def create_user(*, name: str, password: str, role: str = "volunteer", email: str | None = None,
                trusted: bool = False) -> User:
    name = " ".join((name or "").split())
    if not name or len(name) > 80:
        raise InvalidInput(_("The name must have between 1 and 80 characters."))
    if role not in ROLES:
        raise InvalidInput(_("Unknown role."))
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(_("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    if find_user(name) is not None:
        raise InvalidInput(_("This name is already taken."))
    user = User(name=name, email=email or None, role=role, trusted=trusted)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user
