"""Pending changes, modelled on MediaWiki's FlaggedRevs: who is published at once, approve, reject,
and the review queue."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.database import begin_write
from app.extensions import db
from app.models import Page, PageEvent, Revision, utcnow
from app.wiki import following, journal, licensing, notifications, permissions
from app.wiki.attachments.approval import approve_used, new_files
from app.wiki.diffing import Diff, diff_texts
from app.wiki.errors import InvalidInput, ReviewOutdated
from app.wiki.revisions import add_revision, commit_changes, move_slug, slug_taken
from app.wiki.sessions import Event
from app.wiki.slugs import slugify
from app.wiki.tagging import tags_for

REVIEW_PAGE_SIZE = 20
MAX_QUEUE_OFFSET = 2**31  # far past any queue, and within every database's integers


def is_auto_approved(author) -> bool:
    """Facilitators always; trusted volunteers unless the policy reviews everything; all under 'open'."""
    policy = current_app.config["WIKI_MODERATION"]
    if permissions.is_facilitator(author) or policy == "open":
        return True
    return permissions.is_member(author) and policy == "new_contributors" and bool(author.trusted)


def has_pending(page: Page) -> bool:
    return page.head_id != page.published_id


def settle_new_revision(page: Page, revision: Revision, author) -> None:
    """Decide the status of a revision just added as the page's head, and publish it if it may be."""
    published = page.published
    if published is not None and has_pending_before(page, revision) and same_content(revision, published):
        # The edit returns the page to its published text: nothing is pending any more.
        following.follow_as_author(page, author)
        supersede_pending(page, revision)
        publish(page, revision)
        return
    following.follow_as_author(page, author)
    base_is_published = revision.parent_id is None or revision.parent_id == page.published_id
    if is_auto_approved(author) and base_is_published:
        publish(page, revision)
    else:
        revision.status = "pending"


def has_pending_before(page: Page, revision: Revision) -> bool:
    return revision.parent_id is not None and revision.parent_id != page.published_id


def same_content(a: Revision, b: Revision) -> bool:
    return (a.body, a.title, a.tags, a.licence_code, Event.of(a)) == (b.body, b.title, b.tags, b.licence_code, Event.of(b))


def publish(page: Page, revision: Revision) -> None:
    """Make a revision the one readers see; the page's title, tags, licence and event fields follow it.

    Internal text stays between members: publishing it makes the page members-only. Leaving the
    internal licence later does not make the page public again; a facilitator decides that."""
    previous = page.published
    revision.status = "approved"
    move_to_published_name(page, revision)  # its queries see every change made so far (autoflush)
    # What follows reads nothing it writes (record_change asks for the followers of the tags set here by
    # their ids): its changes go in one flush at the next statement instead of one before each query.
    with db.session.no_autoflush:
        page.published = revision
        page.title = revision.title
        page.updated_at = revision.created_at
        if revision.licence_code:
            page.licence_code = revision.licence_code
        if page.licence_code == licensing.INTERNAL and page.visibility != "members":
            page.visibility = "members"
        page.tags = tags_for(revision.tags)
        Event.of(revision).write_to(page)  # listings and the agenda read the published session from Page
        approve_used(page, revision)  # the files it shows become visible to visitors
        journal.bump_change_seq(page)
        notifications.record_change(page, revision, previous)  # followers learn of published changes only


def move_to_published_name(page: Page, revision: Revision) -> None:
    """A rename published now (up to `revision`) moves the page to its new slug (editing.rename_page).

    The latest approved rename among the revisions being published wins; if another page took that
    slug in the meantime, the page keeps its address and only its title changes."""
    after = page.published.number if page.published else 0
    numbers = [int(detail) for detail in db.session.scalars(
        sa.select(PageEvent.detail).where(PageEvent.page_id == page.id, PageEvent.action == "rename"))
        if detail.isdigit() and after < int(detail) <= revision.number]
    if not numbers:
        return
    rename = db.session.scalar(sa.select(Revision).where(
        Revision.page_id == page.id, Revision.number.in_(numbers), Revision.status == "approved")
        .order_by(Revision.number.desc()).limit(1))
    new_slug = slugify(rename.title) if rename is not None else ""
    if new_slug and new_slug != page.slug and not slug_taken(new_slug, page):
        move_slug(page, new_slug)


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


def review_pending(page: Page, status: str, *, reviewer, comment: str, reviewed: int | None) -> None:
    """Give every pending revision of the page the reviewer's verdict (no commit).

    `reviewed` is the head's number when the reviewer saw the diff: if the page moved since, the
    verdict would cover text they never saw, so nothing is decided."""
    begin_write(page)
    if not has_pending(page):
        raise InvalidInput(_("There is nothing to review on this page."))
    if reviewed is not None and reviewed != page.head.number:
        raise ReviewOutdated()
    now = utcnow()
    reviewed_revisions = pending_revisions(page)
    for revision in reviewed_revisions:
        revision.status = status
        revision.reviewer = reviewer
        revision.reviewed_at = now
        revision.review_comment = comment
    notifications.record_verdict(page, reviewed_revisions, status, reviewer=reviewer, comment=comment)


def approve(page: Page, *, reviewer, comment: str = "", reviewed: int | None = None) -> Revision:
    """Publish the head and every pending revision before it (the head numbered `reviewed`)."""
    review_pending(page, "approved", reviewer=reviewer, comment=comment, reviewed=reviewed)
    head = page.head
    publish(page, head)
    journal.record_event(page, reviewer, "approve", detail=str(head.number), comment=comment)
    commit_changes()
    return head


def reject(page: Page, *, reviewer, comment: str = "", reviewed: int | None = None) -> Revision:
    """Mark pending revisions rejected and return the head to the published text in a new revision."""
    review_pending(page, "rejected", reviewer=reviewer, comment=comment, reviewed=reviewed)
    published = page.published
    journal.record_event(page, reviewer, "reject", detail=str(page.head.number), comment=comment)
    if published is None:
        # A new page whose only revisions were rejected: it goes away with its history kept.
        page.deleted = True
        journal.bump_change_seq(page)
        commit_changes()
        return page.head
    summary = _("Changes rejected: %(comment)s", comment=comment) if comment else _("Changes rejected")
    revision = add_revision(page, title=published.title, body=published.body, summary=summary,
                            author=reviewer, tags=published.tags, licence=published.licence_code,
                            event=Event.of(published))
    publish(page, revision)
    commit_changes()
    return revision


WAITING = sa.and_(Page.deleted.is_(False), sa.or_(Page.published_id.is_(None), Page.head_id != Page.published_id))


def review_queue(*, page: int = 1, per_page: int = REVIEW_PAGE_SIZE) -> list[Page]:
    """Pages with pending changes, the longest waiting first, one page of the queue at a time."""
    first_pending = (
        sa.select(sa.func.min(Revision.created_at)).where(Revision.page_id == Page.id, Revision.status == "pending")
        .correlate(Page).scalar_subquery()
    )
    page = min(max(page, 1), MAX_QUEUE_OFFSET // per_page)  # past the end is an empty page, never an overflow
    return list(db.session.scalars(sa.select(Page).where(WAITING).order_by(first_pending, Page.id)
                                   .offset((page - 1) * per_page).limit(per_page)))


def pending_count() -> int:
    """How many pages wait for review (shown to facilitators in the navigation)."""
    return db.session.scalar(sa.select(sa.func.count(Page.id)).where(WAITING))


@dataclass(frozen=True)
class ReviewItem:
    page: Page
    published: Revision | None
    head: Revision
    pending: list[Revision]
    diff: Diff
    files: list = field(default_factory=list)  # files waiting for approval (app.wiki.attachments.approval)

    @property
    def authors(self) -> list[str]:
        return sorted({r.author_name for r in self.pending})


def review_item(page: Page) -> ReviewItem:
    """What a reviewer needs for one page: the diff from published to head and who wrote it."""
    published = page.published
    return ReviewItem(page=page, published=published, head=page.head, pending=pending_revisions(page),
                      diff=diff_texts(published.body if published else "", page.head.body),
                      files=new_files(page))


def review_items(*, page: int = 1) -> list[ReviewItem]:
    return [review_item(waiting) for waiting in review_queue(page=page)]
