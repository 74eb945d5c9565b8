"""Paged listings of published pages for readers who ask by number (the JSON API): the one
visibility rule, and only pages with a published revision (pending text is never listed here)."""

import sqlalchemy as sa

from app.extensions import db
from app.models import Page, Revision, Tag, page_tags
from app.wiki.permissions import readable_pages_filter


def published_readable(*, member: bool):
    """Pages this reader may see that have a published revision."""
    return sa.and_(readable_pages_filter(member=member), Page.published_id.is_not(None))


def published_pages(*, member: bool, page: int, per_page: int) -> tuple[list[Page], int]:
    """One page of published, readable pages by slug (a stable order), and how many there are."""
    condition = published_readable(member=member)
    total = db.session.scalar(sa.select(sa.func.count(Page.id)).where(condition)) or 0
    rows = db.session.scalars(sa.select(Page).where(condition).order_by(Page.slug)
                              .offset((page - 1) * per_page).limit(per_page)
                              .options(sa.orm.selectinload(Page.tags), sa.orm.joinedload(Page.licence),
                                       sa.orm.joinedload(Page.published)))
    return list(rows.unique()), total


def published_page(slug: str, *, member: bool) -> Page | None:
    """The published, readable page at this slug (current slug only), or None."""
    return db.session.scalars(sa.select(Page).where(Page.slug == slug, published_readable(member=member))
                              .options(sa.orm.joinedload(Page.published), sa.orm.selectinload(Page.tags),
                                       sa.orm.joinedload(Page.licence))).unique().first()


def visible_history(page: Page, *, member: bool) -> list[Revision]:
    """A page's revisions, newest first: members see pending and rejected ones too, others approved ones."""
    query = (sa.select(Revision).where(Revision.page_id == page.id).order_by(Revision.number.desc())
             .options(sa.orm.selectinload(Revision.author)))
    if not member:
        query = query.where(Revision.status == "approved")
    return list(db.session.scalars(query))


def tagged_published(tag: Tag, *, member: bool, limit: int = 50) -> list[Page]:
    """Published, readable pages carrying a tag, latest updated first (the tag's feed)."""
    return list(db.session.scalars(
        sa.select(Page).join(page_tags, page_tags.c.page_id == Page.id)
        .where(page_tags.c.tag_id == tag.id, published_readable(member=member))
        .order_by(Page.updated_at.desc(), Page.id.desc()).limit(limit)
        .options(sa.orm.joinedload(Page.published))))
