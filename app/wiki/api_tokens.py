"""Members' personal API read tokens (sent as `Authorization: Bearer`): only a hash is kept, one
per member, and revoking deletes it, so a revoked token stops working at once."""

import hashlib
import secrets

import sqlalchemy as sa

from app.extensions import db
from app.models import ApiToken, User
from app.wiki.permissions import is_member

MAX_TOKEN_LENGTH = 100


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def read_token_of(user) -> ApiToken | None:
    return db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))


def create_read_token(user) -> str:
    """A new read token for a member (the old one stops working); shown once, only its hash is kept."""
    db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id))
    token = "gc_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=token_hash(token)))
    db.session.commit()
    return token


def revoke_read_token(user) -> None:
    db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.commit()


def member_for_read_token(token: str) -> User | None:
    """The active member a read token belongs to, or None (unknown, revoked, deactivated)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    user = db.session.scalar(sa.select(User).join(ApiToken, ApiToken.user_id == User.id)
                             .where(ApiToken.token_hash == token_hash(token)))
    return user if is_member(user) else None
