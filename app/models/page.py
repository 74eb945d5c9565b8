"""Pages and their immutable revisions, links between pages, and redirects after renames."""

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

VISIBILITIES = ("public", "members")


def utcnow() -> datetime:
    """Naive UTC, the same on SQLite and PostgreSQL."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class EventFields:
    """A session's fields (checked and expanded by app.wiki.sessions): a snapshot on each Revision,
    the published state on Page. An empty `event_start` means the page is not a session."""

    event_start: Mapped[str] = mapped_column(sa.String(16), default="", server_default="")  # YYYY-MM-DDTHH:MM, local
    event_end: Mapped[str] = mapped_column(sa.String(16), default="", server_default="")
    event_place: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")  # a place or a link
    event_repeat: Mapped[str] = mapped_column(sa.String(10), default="", server_default="")  # "", weekly, monthly
    event_until: Mapped[str] = mapped_column(sa.String(10), default="", server_default="")  # YYYY-MM-DD
    # One line per changed occurrence: "YYYY-MM-DD" cancels it, "YYYY-MM-DD -> YYYY-MM-DDTHH:MM" moves it.
    event_exceptions: Mapped[str] = mapped_column(sa.Text, default="", server_default="")


class Page(EventFields, db.Model):
    __tablename__ = "pages"
    __table_args__ = (sa.Index("ix_pages_event_start", "event_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(200), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    licence_code: Mapped[str] = mapped_column(sa.ForeignKey("licences.code"), index=True)
    visibility: Mapped[str] = mapped_column(sa.String(10), default="public")
    protected: Mapped[bool] = mapped_column(default=False)
    deleted: Mapped[bool] = mapped_column(default=False, index=True)
    # Head and published point into this page's revisions; the cycle pages <-> revisions
    # is closed after both tables exist (use_alter).
    head_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("revisions.id", use_alter=True, name="fk_pages_head_id"), index=True)
    published_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("revisions.id", use_alter=True, name="fk_pages_published_id"), index=True)
    # Position in the global change sequence; search catches up on pages above its watermark.
    change_seq: Mapped[int] = mapped_column(sa.BigInteger, default=0, index=True)
    # Moves when the cached HTML of this page's revisions is dropped (a linked page appeared or went).
    render_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    # Authors of content brought in by `flask import`, kept for attribution (comma separated).
    imported_authors: Mapped[str] = mapped_column(sa.String(500), default="")

    head: Mapped["Revision | None"] = relationship(foreign_keys=[head_id], post_update=True)
    published: Mapped["Revision | None"] = relationship(foreign_keys=[published_id], post_update=True)
    licence: Mapped["Licence"] = relationship()  # noqa: F821
    # The published state's tags (pending tag changes live in the head revision's snapshot).
    tags: Mapped[list["Tag"]] = relationship(secondary="page_tags", order_by="Tag.slug")  # noqa: F821

    def __repr__(self) -> str:
        return f"<Page {self.slug}>"


class Revision(EventFields, db.Model):
    """One saved state of a page. Never updated after it is written, except review fields and the HTML cache."""

    __tablename__ = "revisions"
    __table_args__ = (sa.UniqueConstraint("page_id", "number", name="uq_revisions_page_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(sa.ForeignKey("pages.id"), index=True)
    number: Mapped[int]
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("revisions.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    html: Mapped[str | None] = mapped_column(sa.Text)  # rendered cache; NULL means render again
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    # Snapshots, so tag and licence changes are revisions like any edit.
    tags: Mapped[str] = mapped_column(sa.String(1000), default="")  # display names, comma separated
    licence_code: Mapped[str | None] = mapped_column(sa.String(40))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    author_label: Mapped[str] = mapped_column(sa.String(80), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="approved", index=True)
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    reviewed_at: Mapped[datetime | None]
    review_comment: Mapped[str] = mapped_column(sa.String(500), default="")

    page: Mapped[Page] = relationship(foreign_keys=[page_id])
    author: Mapped["User | None"] = relationship(foreign_keys=[author_id])  # noqa: F821
    reviewer: Mapped["User | None"] = relationship(foreign_keys=[reviewer_id])  # noqa: F821

    @property
    def author_name(self) -> str:
        return self.author.name if self.author else self.author_label

    def __repr__(self) -> str:
        return f"<Revision {self.page_id}#{self.number} {self.status}>"


class Link(db.Model):
    """A wiki link from a page to a slug that may not exist yet: backlinks, red links, cache invalidation."""

    __tablename__ = "links"

    from_page_id: Mapped[int] = mapped_column(sa.ForeignKey("pages.id"), primary_key=True)
    to_slug: Mapped[str] = mapped_column(sa.String(200), primary_key=True, index=True)


class Redirect(db.Model):
    """An old slug that now answers with a 301 to the page's current slug."""

    __tablename__ = "redirects"

    slug: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    page_id: Mapped[int] = mapped_column(sa.ForeignKey("pages.id"), index=True)

    page: Mapped[Page] = relationship()


class Counter(db.Model):
    """Named global counters. 'change_seq' orders publishes, renames and deletes for search sync.

    Incrementing the row locks it until commit, so sequence order is commit order."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)
