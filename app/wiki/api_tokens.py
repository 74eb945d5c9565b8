"""Members' personal API read tokens (sent as `Authorization: Bearer`), on app.wiki.personal_tokens."""

from app.models import ApiToken, User
from app.wiki import personal_tokens

PREFIX = "gc_"  # recognisable in a leaked config file


def read_token_of(user) -> ApiToken | None:
    return personal_tokens.token_of(ApiToken, user)


def create_read_token(user) -> str:
    """A new read token for a member (the old one stops working); shown once, only its hash is kept."""
    return personal_tokens.create_token(ApiToken, user, prefix=PREFIX)


def revoke_read_token(user) -> None:
    personal_tokens.revoke_token(ApiToken, user)


def member_for_read_token(token: str) -> User | None:
    """The active member a read token belongs to, or None (unknown, revoked, deactivated)."""
    return personal_tokens.member_for_token(ApiToken, token)
