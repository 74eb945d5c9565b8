"""Pending changes, modelled on MediaWiki's FlaggedRevs: who is published at once, approve, reject."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.database import begin_write
from app.extensions import db
from app.models import Counter, Page, PageEvent, Revision, utcnow
from app.models.page import VISIBILITIES
from app.wiki.diffing import Diff, diff_texts
from app.wiki.errors import InvalidInput
from app.wiki.permissions import role_of


def is_auto_approved(author) -> bool:
    """Facilitators always; trusted volunteers unless the policy reviews everything; all under 'open'."""
    policy = current_app.config["WIKI_MODERATION"]
    role = role_of(author)
    if role in ("facilitator", "admin"):
        return True
    if role == "visitor":
        return policy == "open"
    if policy == "open":
        return True
    return policy == "new_contributors" and bool(author.trusted)


def has_pending(page: Page) -> bool:
    return page.head_id != page.published_id


def bump_change_seq(page: Page) -> None:
    """Give the page the next number of the global change sequence (search catches up on it)."""
    value = db.session.execute(
        sa.update(Counter).where(Counter.name == "change_seq").values(value=Counter.value + 1)
        .returning(Counter.value)
    ).scalar()
    if value is None:
        db.session.add(Counter(name="change_seq", value=1))
        db.session.flush()
        value = 1
    page.change_seq = value


def settle_new_revision(page: Page, revision: Revision, author) -> None:
    """Decide the status of a revision just added as the page's head, and publish it if it may be."""
    published = page.published
    if published is not None and has_pending_before(page, revision) and same_content(revision, published):
        # The edit returns the page to its published text: nothing is pending any more.
        supersede_pending(page, revision)
        publish(page, revision)
        return
    base_is_published = revision.parent_id is None or revision.parent_id == page.published_id
    if is_auto_approved(author) and base_is_published:
        publish(page, revision)
    else:
        revision.status = "pending"


def has_pending_before(page: Page, revision: Revision) -> bool:
    return revision.parent_id is not None and revision.parent_id != page.published_id


def same_content(a: Revision, b: Revision) -> bool:
    return (a.body, a.title, a.tags, a.licence_code) == (b.body, b.title, b.tags, b.licence_code)


def publish(page: Page, revision: Revision) -> None:
    """Make a revision the one readers see; the page's title, tags and licence follow it."""
    from app.wiki.tagging import tags_for

    revision.status = "approved"
    page.published = revision
    page.title = revision.title
    page.updated_at = revision.created_at
    if revision.licence_code:
        page.licence_code = revision.licence_code
    page.tags = tags_for(revision.tags)
    bump_change_seq(page)


def pending_revisions(page: Page) -> list[Revision]:
    """The pending revisions after the published one, oldest first."""
    after = page.published.number if page.published else 0
    return list(db.session.scalars(
        sa.select(Revision).where(Revision.page_id == page.id, Revision.number > after,
                                  Revision.status == "pending").order_by(Revision.number)))


def supersede_pending(page: Page, revision: Revision) -> None:
    for old in pending_revisions(page):
        if old.id != revision.id:
            old.status = "rejected"
            old.review_comment = _("Undone by a later edit.")


def review_pending(page: Page, status: str, *, reviewer, comment: str) -> None:
    """Give every pending revision of the page the reviewer's verdict (no commit)."""
    begin_write(page)
    if not has_pending(page):
        raise InvalidInput(_("There is nothing to review on this page."))
    now = utcnow()
    for revision in pending_revisions(page):
        revision.status = status
        revision.reviewer = reviewer
        revision.reviewed_at = now
        revision.review_comment = comment


def approve(page: Page, *, reviewer, comment: str = "") -> Revision:
    """Publish the head and every pending revision before it."""
    review_pending(page, "approved", reviewer=reviewer, comment=comment)
    head = page.head
    publish(page, head)
    record_event(page, reviewer, "approve", detail=str(head.number), comment=comment)
    db.session.commit()
    return head


def reject(page: Page, *, reviewer, comment: str = "") -> Revision:
    """Mark pending revisions rejected and return the head to the published text in a new revision."""
    from app.wiki.editing import add_revision

    review_pending(page, "rejected", reviewer=reviewer, comment=comment)
    published = page.published
    record_event(page, reviewer, "reject", detail=str(page.head.number), comment=comment)
    if published is None:
        # A new page whose only revisions were rejected: it goes away with its history kept.
        page.deleted = True
        bump_change_seq(page)
        db.session.commit()
        return page.head
    summary = _("Changes rejected: %(comment)s", comment=comment) if comment else _("Changes rejected")
    revision = add_revision(page, title=published.title, body=published.body, summary=summary,
                            author=reviewer, tags=published.tags, licence=published.licence_code)
    publish(page, revision)
    db.session.commit()
    return revision


def review_queue() -> list[Page]:
    """Pages with pending changes, the longest waiting first."""
    first_pending = (
        sa.select(sa.func.min(Revision.created_at)).where(Revision.page_id == Page.id, Revision.status == "pending")
        .correlate(Page).scalar_subquery()
    )
    return list(db.session.scalars(
        sa.select(Page).where(Page.deleted.is_(False), sa.or_(Page.published_id.is_(None), Page.head_id != Page.published_id))
        .order_by(first_pending)))


def record_event(page: Page, actor, action: str, *, detail: str = "", comment: str = "") -> None:
    """Keep who did what to a page, shown in its history (no commit)."""
    actor_id = actor.id if getattr(actor, "is_authenticated", False) else None
    db.session.add(PageEvent(page_id=page.id, actor_id=actor_id, action=action, detail=detail[:200],
                             comment=(comment or "")[:500], created_at=utcnow()))


def set_protection(page: Page, protected: bool, *, by) -> None:
    """Protected pages take edits from facilitators only."""
    begin_write(page)
    if page.protected == protected:
        return
    page.protected = protected
    record_event(page, by, "protect" if protected else "unprotect")
    db.session.commit()


def set_visibility(page: Page, visibility: str, *, by) -> None:
    """Public pages are for everyone; members-only pages for signed-in members."""
    if visibility not in VISIBILITIES:
        raise InvalidInput(_("Unknown visibility."))
    begin_write(page)
    if page.visibility == visibility:
        return
    page.visibility = visibility
    bump_change_seq(page)
    record_event(page, by, "visibility", detail=visibility)
    db.session.commit()


def page_events(page: Page) -> list[PageEvent]:
    return list(db.session.scalars(sa.select(PageEvent).where(PageEvent.page_id == page.id)
                                   .order_by(PageEvent.created_at.desc(), PageEvent.id.desc())
                                   .options(sa.orm.selectinload(PageEvent.actor))))


def pending_count() -> int:
    """How many pages wait for review (shown to facilitators in the navigation)."""
    return db.session.scalar(sa.select(sa.func.count(Page.id)).where(
        Page.deleted.is_(False), sa.or_(Page.published_id.is_(None), Page.head_id != Page.published_id)))


def recent_revisions(*, include_pending: bool, include_members: bool, limit: int = 100) -> list[Revision]:
    """The latest revisions across the wiki, filtered by what the reader may see."""
    query = (sa.select(Revision).join(Page, Page.id == Revision.page_id).where(Page.deleted.is_(False))
             .order_by(Revision.created_at.desc(), Revision.id.desc()).limit(limit)
             .options(sa.orm.contains_eager(Revision.page), sa.orm.selectinload(Revision.author)))
    if not include_pending:
        query = query.where(Revision.status == "approved")
    if not include_members:
        query = query.where(Page.visibility == "public")
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class ReviewItem:
    page: Page
    published: Revision | None
    head: Revision
    pending: list[Revision]
    diff: Diff

    @property
    def authors(self) -> list[str]:
        return sorted({r.author_name for r in self.pending})


def review_item(page: Page) -> ReviewItem:
    """What a reviewer needs for one page: the diff from published to head and who wrote it."""
    published = page.published
    return ReviewItem(page=page, published=published, head=page.head, pending=pending_revisions(page),
                      diff=diff_texts(published.body if published else "", page.head.body))


def review_items() -> list[ReviewItem]:
    return [review_item(page) for page in review_queue()]
