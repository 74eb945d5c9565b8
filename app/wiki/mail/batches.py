"""Turning notifications into queued mails: one message per member per period (immediate: at the
next run; daily and weekly: at the first run of the day or week, with what came before it).

Every claim is an UPDATE whose WHERE says "not claimed yet", so two `notify send` runs at the same
moment (two machines' timers) never compose the same notification or digest twice: on SQLite the
write lock orders them, on PostgreSQL the second update waits for the first and then matches nothing."""

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from app.database import begin_write
from app.extensions import db
from app.models import Notification, NotificationSettings, OutgoingMail, Page, User
from app.wiki import following
from app.wiki.mail.compose import compose
from app.wiki.mail.digest import review_digest
from app.wiki.notifications import VERDICTS, period_start
from app.wiki.permissions import can, is_member, readable_pages_filter

PERIOD_LENGTH = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
NOT_MAILED = "none"  # mail_batch of notifications for members who get no mail


def candidates() -> list[int]:
    """Members with notifications not yet claimed, or with a facilitators' digest."""
    waiting = sa.select(Notification.user_id).where(Notification.mail_batch.is_(None))
    digests = sa.select(NotificationSettings.user_id).where(NotificationSettings.review_digest != "")
    return sorted(set(db.session.scalars(waiting)) | set(db.session.scalars(digests)))


def claim_notifications(user_id: int, cutoff: datetime, batch: str) -> list[Notification]:
    db.session.execute(sa.update(Notification).where(
        Notification.user_id == user_id, Notification.mail_batch.is_(None), Notification.created_at < cutoff)
        .values(mail_batch=batch).execution_options(synchronize_session=False))
    return list(db.session.scalars(sa.select(Notification).where(Notification.mail_batch == batch)
                                   .order_by(Notification.created_at, Notification.id)))


def claim_digest(user_id: int, cutoff: datetime) -> bool:
    """True for the one run that composes this period's digest for this facilitator."""
    result = db.session.execute(sa.update(NotificationSettings).where(
        NotificationSettings.user_id == user_id,
        sa.or_(NotificationSettings.digest_done_at.is_(None), NotificationSettings.digest_done_at < cutoff))
        .values(digest_done_at=cutoff).execution_options(synchronize_session=False))
    return result.rowcount == 1


def still_visible(user: User, claimed: list[Notification]) -> list[Notification]:
    """Asked now, for this reader: changes only to pages they may read (THE rule); verdicts on their own edits."""
    if not claimed:
        return []
    readable = set(db.session.scalars(sa.select(Page.id).where(
        Page.id.in_({n.page_id for n in claimed}), readable_pages_filter(member=is_member(user)))))
    return [n for n in claimed if n.kind in VERDICTS or n.page_id in readable]


def compose_for(user: User, now: datetime) -> bool:
    """Queue this member's message if one is due; True if a mail was queued (commits)."""
    settings = following.settings_of(user)
    begin_write()
    if not (user.active and user.email and settings.mail_enabled):
        claim_notifications(user.id, now, NOT_MAILED)
        db.session.commit()
        return False
    with_digest = bool(settings.review_digest) and can(user, "review")
    period = settings.review_digest if with_digest else settings.period
    cutoff = period_start(period, now)
    previous_digest = settings.digest_done_at
    digest = None
    if with_digest:
        if not claim_digest(user.id, cutoff):
            db.session.commit()
            return False
        digest = review_digest(now=now, members_since=previous_digest or cutoff - PERIOD_LENGTH[period])
    notifications = still_visible(user, claim_notifications(user.id, cutoff, secrets.token_hex(16)))
    if not notifications and (digest is None or digest.empty):
        db.session.commit()
        return False
    readable = {n.id for n in notifications if can(user, "view", n.page)}
    message = compose(user, notifications, readable=readable, digest=digest)
    db.session.add(OutgoingMail(user_id=user.id, recipient=user.email, subject=message.subject[:300],
                                text_body=message.text, html_body=message.html,
                                unsubscribe_url=message.unsubscribe_url, created_at=now))
    db.session.commit()
    return True


def compose_due(now: datetime) -> int:
    """Queue every message that is due; how many were queued."""
    queued = 0
    for user_id in candidates():
        user = db.session.get(User, user_id)
        if user is not None:
            queued += compose_for(user, now)
    return queued
