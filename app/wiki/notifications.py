"""In-app notifications and each member's choices: what is recorded when a change is published or
an edit is judged, what a member may see of it (the one visibility rule, asked when it is shown or
mailed, not when it was recorded), the unread counter, settings and e-mail address."""

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.database import begin_write
from app.extensions import db
from app.models import Notification, Page, Revision, User, utcnow
from app.models.following import DIGEST_PERIODS, PERIODS
from app.wiki import following
from app.wiki.errors import InvalidInput
from app.wiki.permissions import can, is_member, readable_pages_filter

VERDICTS = ("approved", "rejected")
LIST_SIZE = 50
EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]+$")


def record_change(page: Page, revision: Revision, previous: Revision | None) -> None:
    """A revision is published: tell the followers of the page and its tags (no commit).

    Not its authors (every revision it publishes) nor its reviewer; nothing when the published
    text does not change (a rejection returning to it)."""
    if previous is not None and (previous.body, previous.title, previous.tags) == (revision.body, revision.title, revision.tags):
        return
    after = previous.number if previous is not None else 0
    authors = sa.select(Revision.author_id).where(
        Revision.page_id == page.id, Revision.number > after, Revision.number <= revision.number,
        Revision.author_id.is_not(None))
    actor = revision.author.id if revision.author is not None else None
    reviewer = revision.reviewer.id if revision.reviewer is not None else revision.reviewer_id
    # The page's tags as publish just set them (not flushed: `publish` asks without autoflush).
    followers = following.followers_of(page, tags=page.tags, excluding=authors)  # one query, authors left out
    for user_id in sorted(followers - {actor, reviewer}):
        db.session.add(Notification(user_id=user_id, kind="change", page_id=page.id, revision_id=revision.id,
                                    base_number=previous.number if previous else None, actor_id=actor,
                                    created_at=utcnow()))


def record_verdict(page: Page, revisions: list[Revision], verdict: str, *, reviewer, comment: str) -> None:
    """A facilitator approved or rejected edits: tell each author, with the comment (no commit)."""
    latest_by_author = {}
    for revision in revisions:
        if revision.author_id is not None and revision.author_id != getattr(reviewer, "id", None):
            latest_by_author[revision.author_id] = revision
    for author_id, revision in sorted(latest_by_author.items()):
        db.session.add(Notification(user_id=author_id, kind=verdict, page_id=page.id, revision_id=revision.id,
                                    actor_id=getattr(reviewer, "id", None), comment=comment or "",
                                    created_at=utcnow()))


def period_start(period: str, now: datetime) -> datetime:
    """The start (naive UTC) of the period `now` is in, in the site's time zone: what came before is due."""
    if period == "immediate":
        return now
    zone = ZoneInfo(current_app.config["WIKI_TIMEZONE"])
    local = now.replace(tzinfo=timezone.utc).astimezone(zone)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "weekly":
        start -= timedelta(days=local.weekday())
    return start.astimezone(timezone.utc).replace(tzinfo=None)


def visible_filter(user: User):
    """What of their notifications a member may see now: changes to pages they may read (THE
    rule, for them, today), and verdicts on their own edits."""
    return sa.and_(Notification.user_id == user.id, sa.or_(
        Notification.kind.in_(VERDICTS), readable_pages_filter(member=is_member(user))))


def visible_notifications(user: User, *, limit: int = LIST_SIZE) -> list[Notification]:
    """The member's latest notifications they may see, newest first."""
    return list(db.session.scalars(
        sa.select(Notification).join(Page, Notification.page_id == Page.id).where(visible_filter(user))
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def unread_count(user) -> int:
    """The header's counter."""
    if not is_member(user):
        return 0
    return db.session.scalar(sa.select(sa.func.count(Notification.id)).join(Page, Notification.page_id == Page.id)
                             .where(visible_filter(user), Notification.read_at.is_(None)))


def mark_all_read(user: User) -> None:
    begin_write()
    db.session.execute(sa.update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                       .values(read_at=utcnow()))
    db.session.commit()


def may_read_page(user: User, notification: Notification) -> bool:
    """May this member open the page a notification is about (for its link)?"""
    return can(user, "view", notification.page)


def update_settings(user: User, *, period: str, follow_own_edits: bool, mail_enabled: bool,
                    review_digest: str = "") -> None:
    """Save a member's choices; the facilitators' digest only for those who review."""
    if period not in PERIODS:
        raise InvalidInput(_("Choose how often you receive mail: immediately, daily or weekly."))
    if review_digest not in DIGEST_PERIODS or (review_digest and not can(user, "review")):
        raise InvalidInput(_("Choose the review digest: none, daily or weekly."))
    begin_write()
    settings = following.stored_settings(user)
    settings.period, settings.follow_own_edits, settings.mail_enabled = period, follow_own_edits, mail_enabled
    if review_digest and review_digest != settings.review_digest:
        # The first digest comes at the end of the period just begun, not at the next run.
        settings.digest_done_at = period_start(review_digest, utcnow())
    settings.review_digest = review_digest
    db.session.commit()


def clean_email(text: str | None) -> str | None:
    """An e-mail address, trimmed, or None for an empty one; a malformed one is refused."""
    address = (text or "").strip()
    if not address:
        return None
    if len(address) > 254 or not EMAIL.match(address):
        raise InvalidInput(_("This email address does not look right."))
    return address


def set_email(user: User, text: str | None) -> str | None:
    """Set or clear a member's e-mail address (mail goes there from the next `notify send`)."""
    address = clean_email(text)
    begin_write()
    user.email = address
    db.session.commit()
    return address


def unsubscribe(user: User) -> None:
    """The one-click link in every mail: no more mail to this member (the in-app list goes on)."""
    begin_write()
    following.stored_settings(user).mail_enabled = False
    db.session.commit()
