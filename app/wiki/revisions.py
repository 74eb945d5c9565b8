"""Writing revisions: append one after the head, record its links, drop the HTML its links change,
and the one way a write ends (commit_changes)."""

import sqlalchemy as sa

from app.extensions import db
from app.models import Link, Page, Redirect, Revision, utcnow
from app.wiki import search
from app.wiki.rendering import render_markdown, wiki_link_targets
from app.wiki.sessions import NO_EVENT, Event


def is_user(author) -> bool:
    return author is not None and getattr(author, "is_authenticated", False)


def add_revision(page: Page, *, title: str, body: str, summary: str, author, author_label: str = "",
                 tags: str | None = None, licence: str | None = None, html: str | None = None,
                 event: Event | None = None) -> Revision:
    """Append a revision after the head (no commit, no status decision); tags, licence and event default to the head's.

    `html` is the body rendered before the write lock was taken; without it the body is rendered here."""
    head = page.head
    revision = Revision(
        page=page, number=(head.number + 1) if head else 1, parent_id=head.id if head else None,
        title=title, body=body, summary=summary, author=author if is_user(author) else None,
        author_label="" if is_user(author) else author_label, created_at=utcnow(),
        tags=tags if tags is not None else (head.tags if head else ""),
        licence_code=licence or (head.licence_code if head and head.licence_code else page.licence_code),
    )
    (event if event is not None else Event.of(head) if head else NO_EVENT).write_to(revision)
    revision.html = html  # in the INSERT: set after it, the flush before the next query sent an UPDATE too
    db.session.add(revision)
    page.head = revision
    db.session.flush()
    if html is None:  # rendered after the flush, so links to this very page resolve
        revision.html = str(render_markdown(body))
    return revision


def update_links(page: Page, body: str) -> None:
    """Record the page's outgoing wiki links (backlinks, red links, cache invalidation)."""
    targets = wiki_link_targets(body)
    if set(db.session.scalars(sa.select(Link.to_slug).where(Link.from_page_id == page.id))) == targets:
        return  # most edits keep their links: one statement instead of a delete and an insert
    db.session.execute(sa.delete(Link).where(Link.from_page_id == page.id))
    if targets:
        db.session.execute(sa.insert(Link), [{"from_page_id": page.id, "to_slug": s} for s in sorted(targets)])


def invalidate_linking_pages(*slugs: str) -> None:
    """Drop the cached HTML of pages linking to these slugs: their links change colour."""
    linking = sa.select(Link.from_page_id).where(Link.to_slug.in_(slugs))
    db.session.execute(sa.update(Revision).where(Revision.page_id.in_(linking)).values(html=None))
    db.session.execute(sa.update(Page).where(Page.id.in_(linking)).values(render_version=Page.render_version + 1))


def slug_taken(slug: str, page: Page) -> bool:
    """Another page answers at this slug (as its slug or an old name of it)."""
    other = db.session.scalar(sa.select(Page.id).where(Page.slug == slug, Page.id != page.id))
    redirect = db.session.get(Redirect, slug)
    return other is not None or (redirect is not None and redirect.page_id != page.id)


def move_slug(page: Page, new_slug: str) -> None:
    """Give the page a new slug; its old one keeps answering with a redirect (no commit, no clash check)."""
    old_slug = page.slug
    if new_slug == old_slug:
        return
    stale = db.session.get(Redirect, new_slug)
    if stale is not None:  # going back to an old name of this same page
        db.session.delete(stale)
        db.session.flush()
    db.session.add(Redirect(slug=old_slug, page_id=page.id))
    page.slug = new_slug
    invalidate_linking_pages(old_slug, new_slug)


def commit_changes() -> None:
    """End a write: commit, then tell search that pages changed (the post-commit step).

    The search index is never written inside the database transaction; it catches up from the
    change sequence (see app.wiki.search), after the response when serving a request."""
    db.session.commit()
    search.schedule_catch_up()
