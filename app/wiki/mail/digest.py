"""What a facilitators' digest holds besides followed changes: the edits waiting for review (and
for how long) and the members who joined since the last digest."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import Page, Revision, User
from app.wiki import moderation

DIGEST_LIST_SIZE = 20


@dataclass(frozen=True)
class WaitingEdit:
    page: Page
    since: datetime  # the oldest pending revision's date
    waited: timedelta


@dataclass(frozen=True)
class ReviewDigest:
    waiting: list[WaitingEdit]
    waiting_total: int
    new_members: list[User]

    @property
    def empty(self) -> bool:
        return not (self.waiting or self.new_members)


def review_digest(*, now: datetime, members_since: datetime) -> ReviewDigest:
    """The review queue's head (longest waiting first) and the members who joined since then."""
    pages = moderation.review_queue(page=1, per_page=DIGEST_LIST_SIZE)
    firsts = dict(db.session.execute(
        sa.select(Revision.page_id, sa.func.min(Revision.created_at))
        .where(Revision.page_id.in_([p.id for p in pages]), Revision.status == "pending")
        .group_by(Revision.page_id)).all()) if pages else {}
    waiting = [WaitingEdit(page=p, since=firsts.get(p.id, p.updated_at), waited=now - firsts.get(p.id, p.updated_at))
               for p in pages]
    members = list(db.session.scalars(sa.select(User).where(User.created_at >= members_since, User.active.is_(True))
                                      .order_by(User.created_at)))
    return ReviewDigest(waiting=waiting, waiting_total=moderation.pending_count(), new_members=members)
