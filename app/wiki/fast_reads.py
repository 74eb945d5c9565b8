"""The one-query proofs that a visitor's cached answer is current (used by app.pages.fast_path).

Each is a prebuilt SELECT (compiled once by SQLAlchemy's statement cache) that a WSGI middleware runs
on a pooled connection, without a Flask request: a page's state when a visitor may read it (the one
visibility rule, `readable_pages_filter(member=False)`), and the wiki's state for the portal."""

import sqlalchemy as sa

from app.models import Counter, Page, Revision
from app.wiki.permissions import readable_pages_filter

# What a cached page view depends on, as app.wiki.pages.page_state reads it for the per-process cache.
VIEW_STATE_COLUMNS = (Page.id, Page.change_seq, Page.head_id, Page.published_id, Page.protected, Page.visibility,
                      Page.deleted, Page.render_version)

VISITOR_PAGE_STATE = sa.select(*VIEW_STATE_COLUMNS).where(Page.slug == sa.bindparam("slug"),
                                                          readable_pages_filter(member=False))

# journal.wiki_state's query: the change sequence and the latest revision (pending ones too).
WIKI_STATE = sa.select(sa.select(Counter.value).where(Counter.name == "change_seq").scalar_subquery(),
                       sa.select(sa.func.max(Revision.id)).scalar_subquery())


def visitor_page_state(connection, slug: str):
    """The page's state if a visitor may read it (live, public, published), else None."""
    return connection.execute(VISITOR_PAGE_STATE, {"slug": slug}).first()


def wiki_state(connection) -> tuple:
    """The wiki-wide state the portal depends on (as journal.wiki_state)."""
    row = connection.execute(WIKI_STATE).one()
    return row[0] or 0, row[1] or 0
