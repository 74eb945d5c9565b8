"""Members' personal tokens: the private calendar address (CalendarToken) and the API read key
(ApiToken). One per member and kind; only a SHA-256 of the token is kept (invitations use the
same hash); creating one replaces the old one, and revoking deletes the row, so a revoked token
stops working on the very next request."""

import hashlib
import secrets

import sqlalchemy as sa

from app.database import begin_write
from app.extensions import db
from app.models import User
from app.wiki.permissions import is_member

MAX_TOKEN_LENGTH = 100


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_of(model, user):
    """The member's token row of this kind, or None."""
    return db.session.scalar(sa.select(model).where(model.user_id == user.id))


def create_token(model, user, *, prefix: str = "", nbytes: int = 32) -> str:
    """A new token of this kind for a member (the old one stops working); shown once."""
    begin_write()
    db.session.execute(sa.delete(model).where(model.user_id == user.id))
    token = prefix + secrets.token_urlsafe(nbytes)
    db.session.add(model(user_id=user.id, token_hash=token_hash(token)))
    db.session.commit()
    return token


def revoke_token(model, user) -> None:
    begin_write()
    db.session.execute(sa.delete(model).where(model.user_id == user.id))
    db.session.commit()


def member_for_token(model, token: str) -> User | None:
    """The active member a token of this kind belongs to, or None (unknown, revoked, deactivated)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    user = db.session.scalar(sa.select(User).join(model, model.user_id == User.id)
                             .where(model.token_hash == token_hash(token)))
    return user if is_member(user) else None
