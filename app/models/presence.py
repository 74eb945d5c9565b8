"""Who has the editor open on a page: one row per open editor, kept alive by its heartbeat.

In the database, not in a process, so every worker and every machine sees the same people."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.page import utcnow


class EditorPresence(db.Model):
    """An open editor: who (a member, or a visitor when anonymous edits are on), on which page,
    since when, the revision it started from; `seen_at` moves with each heartbeat and a row older
    than app.wiki.presence.EXPIRY_SECONDS counts for nothing (and is purged)."""

    __tablename__ = "editor_presence"
    __table_args__ = (sa.UniqueConstraint("page_id", "editor_key", name="uq_editor_presence_page_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(sa.ForeignKey("pages.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Random, minted by the first heartbeat of one open editor (a tab); proves who may refresh or end the row.
    editor_key: Mapped[str] = mapped_column(sa.String(64))
    base_revision: Mapped[int | None] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    user: Mapped["User | None"] = relationship()  # noqa: F821
