"""Reading pages: find one (following renames), its revisions, history, links, and listings.

Nothing here writes: a page view is a read, even when it renders a revision for the first time."""

import sqlalchemy as sa
from markupsafe import Markup

from app.extensions import db
from app.models import Link, Page, Redirect, Revision, Tag, page_tags
from app.wiki import fast_reads
from app.wiki.permissions import readable_pages_filter
from app.wiki.attachments.links import resolve as resolve_files
from app.wiki.rendering import page_url_builder, render_markdown, wiki_link_targets

# What a page view shows, loaded with the page in one query (no lazy loads while rendering).
PAGE_VIEW_LOADS = (
    sa.orm.joinedload(Page.published).joinedload(Revision.author),
    sa.orm.joinedload(Page.head).joinedload(Revision.author),
    sa.orm.joinedload(Page.licence),
    sa.orm.contains_eager(Page.tags),  # joined flat by with_tags()
)


def with_tags(select):
    """The page's tags joined one table at a time: joinedload's LEFT JOIN (page_tags JOIN tags) made
    SQLite materialise every page's tags on each lookup (19 ms a page view at 10,000 pages)."""
    return (select.outerjoin(page_tags, page_tags.c.page_id == Page.id).outerjoin(Tag, Tag.id == page_tags.c.tag_id)
            .order_by(Tag.slug))


def find_page(slug: str) -> tuple[Page | None, bool]:
    """The page for a slug, following a rename redirect; the flag says a redirect was followed."""
    page = db.session.scalars(with_tags(sa.select(Page)).where(Page.slug == slug)
                              .options(*PAGE_VIEW_LOADS)).unique().first()
    if page is not None:
        return page, False
    redirect = db.session.get(Redirect, slug)
    return (redirect.page, True) if redirect else (None, False)


def page_state(slug: str):
    """The few columns a cached page view depends on (fast_reads.VIEW_STATE_COLUMNS), in one light query."""
    return db.session.execute(fast_reads.PAGE_STATE, {"slug": slug}).first()


# Revision.number is a 32-bit integer column: a larger number names no revision (and must not reach
# the database, which would fail on it rather than find nothing).
MAX_REVISION_NUMBER = 2**31 - 1


def get_revision(page: Page, number: int) -> Revision | None:
    """A revision by its per-page number, only ever through its page; None for any number out of range."""
    if not isinstance(number, int) or not 1 <= number <= MAX_REVISION_NUMBER:
        return None
    return db.session.scalar(sa.select(Revision).where(Revision.page_id == page.id, Revision.number == number))


def history(page: Page) -> list[Revision]:
    """All revisions, newest first, with authors and reviewers loaded in the same query, without their
    texts (a list shows none; a long-lived page's texts and HTML weigh megabytes, which then stay in
    the worker's memory); one read after all is loaded then, by itself."""
    return list(db.session.scalars(
        sa.select(Revision).where(Revision.page_id == page.id).order_by(Revision.number.desc())
        .options(sa.orm.defer(Revision.body), sa.orm.defer(Revision.html),
                 sa.orm.selectinload(Revision.author), sa.orm.selectinload(Revision.reviewer))))


def rendered_html(revision: Revision, render=render_markdown) -> Markup:
    """The revision's HTML: the copy saved with it, or rendered now by `render` (without writing: a read
    stays a read; the page-view cache keeps the result, and the next save of a linking page stores it
    again), with its `attachments/<name>` references pointed at the page's files."""
    html = revision.html if revision.html is not None else render(revision.body)
    if "attachments/" not in html:
        return Markup(html)
    return resolve_files(html, page_url_builder()(revision.page.slug))


def page_slugs(page: Page) -> list[str]:
    """The current slug and every old one that redirects here."""
    return [page.slug, *db.session.scalars(sa.select(Redirect.slug).where(Redirect.page_id == page.id))]


def backlinks(page: Page, *, member: bool) -> list[Page]:
    """Pages this reader may see that link here, under the current slug or an old one.

    Link rows hold the links of each page's head, which is what members read. Other readers read
    the published text: a page whose head is its published revision answers from its Link rows; a
    page with pending changes answers from its published body, parsed here (few pages wait for
    review, and only their bodies that hold a wiki link are read)."""
    slugs = page_slugs(page)
    linked = (sa.select(Page).join(Link, Link.from_page_id == Page.id)
              .where(Link.to_slug.in_(slugs), readable_pages_filter(member=member), Page.id != page.id))
    if member:
        return list(db.session.scalars(linked.distinct().order_by(Page.title)))
    found = {p.id: p for p in db.session.scalars(linked.where(Page.head_id == Page.published_id).distinct())}
    waiting = db.session.execute(
        sa.select(Page, Revision.body).join(Revision, Revision.id == Page.published_id)
        .where(readable_pages_filter(member=False), Page.head_id != Page.published_id, Page.id != page.id,
               Revision.body.contains("[[")))
    wanted = set(slugs)
    for linking, body in waiting:
        if wiki_link_targets(body) & wanted:
            found[linking.id] = linking
    return sorted(found.values(), key=lambda p: (p.title, p.id))


def readable_pages(*, member: bool) -> list[Page]:
    """Every page this reader may see, by title."""
    return list(db.session.scalars(sa.select(Page).where(readable_pages_filter(member=member)).order_by(Page.title)))


def readable_page_count(*, member: bool) -> int:
    return db.session.scalar(sa.select(sa.func.count(Page.id)).where(readable_pages_filter(member=member)))


def readable_page_slice(*, member: bool, offset: int, limit: int) -> list[sa.Row]:
    """One slice of the readable pages by title: (slug, title, published_id) rows, not whole pages, so the
    index never holds every page's objects (20 MB of allocations at 10,000 pages, kept in the worker)."""
    query = (sa.select(Page.slug, Page.title, Page.published_id).where(readable_pages_filter(member=member))
             .order_by(Page.title, Page.id).offset(offset).limit(limit))
    return list(db.session.execute(query))


def recently_updated(*, member: bool, limit: int = 10) -> list[Page]:
    return list(db.session.scalars(sa.select(Page).where(readable_pages_filter(member=member))
                                   .order_by(Page.updated_at.desc()).limit(limit)))


def all_pages(*, include_deleted: bool = False) -> list[Page]:
    query = sa.select(Page).order_by(Page.title)
    if not include_deleted:
        query = query.where(Page.deleted.is_(False))
    return list(db.session.scalars(query))
