"""Files on pages: one row per (page, name), the bytes stored once by content hash (app.wiki.attachments.storage)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.page import utcnow


class Attachment(db.Model):
    """A file of a page, named `name` in its Markdown (`attachments/<name>`).

    `approved`: a visitor may fetch it (uploaded by someone published at once, or used by a
    revision a facilitator approved). Members see every file of the pages they may read."""

    __tablename__ = "attachments"
    __table_args__ = (sa.UniqueConstraint("page_id", "name", name="uq_attachments_page_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(sa.ForeignKey("pages.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(160))  # safe name, never a path: [A-Za-z0-9._-]
    original_name: Mapped[str] = mapped_column(sa.String(300), default="")  # as sent, metadata only
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    mime_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    width: Mapped[int | None]  # pictures only, after resizing
    height: Mapped[int | None]
    uploader_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    uploader_label: Mapped[str] = mapped_column(sa.String(80), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    approved: Mapped[bool] = mapped_column(default=False)

    page: Mapped["Page"] = relationship()  # noqa: F821
    uploader: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def uploader_name(self) -> str:
        return self.uploader.name if self.uploader else self.uploader_label

    @property
    def is_picture(self) -> bool:
        return self.width is not None

    def __repr__(self) -> str:
        return f"<Attachment {self.page_id}/{self.name}>"
