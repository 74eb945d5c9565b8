"""What the author of a pending edit is told and may do: who will review it, and taking it back
while it waits (issue 14: a first contribution should be forgiving)."""

import sqlalchemy as sa
from flask_babel import gettext as _

from app.database import begin_write
from app.extensions import db
from app.models import Page, Revision, User, utcnow
from app.wiki import journal, permissions
from app.wiki.errors import InvalidInput, PermissionDenied
from app.wiki.moderation import has_pending, pending_revisions, publish
from app.wiki.revisions import add_revision, commit_changes
from app.wiki.sessions import Event

MAX_REVIEWER_NAMES = 5


def reviewer_roles() -> list[str]:
    """The roles whose members may review, read from the permissions table (no role name here)."""
    needed = permissions.ROLE_RANK[permissions.MIN_ROLE["review"]]
    return [role for role, rank in permissions.ROLE_RANK.items() if rank >= needed]


def reviewer_names(limit: int = MAX_REVIEWER_NAMES) -> list[str]:
    """The display names of active people who may review, the ones who reviewed most recently first."""
    last_review = (sa.select(sa.func.max(Revision.reviewed_at)).where(Revision.reviewer_id == User.id)
                   .correlate(User).scalar_subquery())
    rows = db.session.scalars(sa.select(User.name).where(User.active.is_(True), User.role.in_(reviewer_roles()))
                              .order_by(last_review.desc().nulls_last(), sa.func.lower(User.name)).limit(limit))
    return list(rows)


def may_withdraw(page: Page, user) -> bool:
    """The author of every pending change of the page may take them back, while they wait."""
    if page.deleted or not has_pending(page) or not permissions.is_member(user):
        return False
    pending = pending_revisions(page)
    return bool(pending) and pending[-1].id == page.head_id and all(r.author_id == user.id for r in pending)


def withdraw_pending(page: Page, *, author) -> Page:
    """Take back the author's pending changes: they are marked rejected ("withdrawn by its author"),
    the page returns to its published text in a new revision, and a never-published page goes away
    (history kept), as a rejection would do. The review queue no longer shows the page."""
    begin_write(page)
    if not permissions.is_member(author) or page.deleted:
        raise PermissionDenied()
    if not has_pending(page):
        raise InvalidInput(_("This change is no longer waiting for review, so it cannot be withdrawn."))
    if not may_withdraw(page, author):
        raise PermissionDenied(_("Only the author of the changes waiting on this page can withdraw them, "
                                 "and only if nobody else changed the page after them."))
    now = utcnow()
    for revision in pending_revisions(page):
        revision.status = "rejected"
        revision.reviewer = author
        revision.reviewed_at = now
        revision.review_comment = _("Withdrawn by its author.")
    journal.record_event(page, author, "withdraw", detail=str(page.head.number))
    published = page.published
    if published is None:
        page.deleted = True
        journal.bump_change_seq(page)
        commit_changes()
        return page
    revision = add_revision(page, title=published.title, body=published.body, summary=_("Change withdrawn by its author"),
                            author=author, tags=published.tags, licence=published.licence_code,
                            event=Event.of(published))
    publish(page, revision)
    commit_changes()
    return page
