"""Invitations to join, and failed logins (for rate limiting across workers)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.page import utcnow


class Invitation(db.Model):
    """A link a facilitator hands out; only a hash of its token is stored."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    role: Mapped[str] = mapped_column(sa.String(20), default="volunteer")
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    max_uses: Mapped[int | None]
    uses: Mapped[int] = mapped_column(default=0)
    revoked: Mapped[bool] = mapped_column(default=False)

    created_by: Mapped["User"] = relationship()  # noqa: F821

    def is_usable(self, now: datetime) -> bool:
        return not self.revoked and now < self.expires_at and (self.max_uses is None or self.uses < self.max_uses)


class LoginFailure(db.Model):
    """One failed sign-in, keyed by account name and by address; old rows are pruned."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

