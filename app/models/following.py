"""Following pages and tags, each member's notification settings, in-app notifications and the
queue of mails to send (all in the database: several workers and machines share them)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.page import utcnow

PERIODS = ("immediate", "daily", "weekly")
DIGEST_PERIODS = ("", "daily", "weekly")  # "": no facilitators' digest


class Follow(db.Model):
    """A member follows one page or one tag (exactly one of page_id, tag_id)."""

    __tablename__ = "follows"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "page_id", name="uq_follows_user_page"),
        sa.UniqueConstraint("user_id", "tag_id", name="uq_follows_user_tag"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    page_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    tag_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tags.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    page = relationship("Page")
    tag = relationship("Tag")


class NotificationSettings(db.Model):
    """A member's choices; a member without a row has the defaults below."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(10), default="daily")  # one of PERIODS
    follow_own_edits: Mapped[bool] = mapped_column(default=True)
    mail_enabled: Mapped[bool] = mapped_column(default=True)  # the unsubscribe link turns it off
    review_digest: Mapped[str] = mapped_column(sa.String(10), default="")  # one of DIGEST_PERIODS
    # Start of the last period whose facilitators' digest was composed (claimed atomically).
    digest_done_at: Mapped[datetime | None]


class Notification(db.Model):
    """Something one member is told about, in the app and (batched) by mail.

    kind: "change" (a published change to a followed page or tag), "approved" or "rejected" (a
    verdict on the member's own edit). `mail_batch` is NULL until a `notify send` run claims it."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    page_id: Mapped[int] = mapped_column(sa.ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("revisions.id", ondelete="SET NULL"))
    base_number: Mapped[int | None]  # the published revision before a change (its diff starts there)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]
    mail_batch: Mapped[str | None] = mapped_column(sa.String(40), index=True)

    page = relationship("Page")
    revision = relationship("Revision")
    actor = relationship("User", foreign_keys=[actor_id])


class OutgoingMail(db.Model):
    """One composed message waiting to be sent (status queued, sent or failed).

    A sender claims a row with UPDATE … WHERE claimed_by IS NULL: whichever process's update
    changes the row sends it; the others see zero rows changed."""

    __tablename__ = "outgoing_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text)
    unsubscribe_url: Mapped[str] = mapped_column(sa.String(500), default="")
    status: Mapped[str] = mapped_column(sa.String(10), default="queued", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(40))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
