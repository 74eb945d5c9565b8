"""The one-query proofs that a cached answer is current (used by app.web.fast_path and, through
app.wiki.pages.page_state, by the page-view cache of app.pages.view_cache).

Each is a prebuilt SELECT (compiled once by SQLAlchemy's statement cache) that a WSGI middleware runs
on a pooled connection, without a Flask request: a page's state when a visitor may read it (the one
visibility rule, `readable_pages_filter(member=False)`), and the wiki's state for the portal and the
agenda. VIEW_STATE_COLUMNS is the one list of what a cached page view depends on."""

import sqlalchemy as sa

from app.models import Counter, Page, Revision
from app.wiki.permissions import readable_pages_filter

# What a cached page view depends on (render_version moves when links in its text change colour): the
# one list, read by the visitors' fast path and, whoever the reader, by app.wiki.pages.page_state.
VIEW_STATE_COLUMNS = (Page.id, Page.change_seq, Page.head_id, Page.published_id, Page.protected, Page.visibility,
                      Page.deleted, Page.render_version, Page.event_start)


def may_show_a_session(state) -> bool:
    """Whether a view of the page may hold a session block, the one part of a page view that depends on
    the time (next or last occurrence): its published revision is a session (event_start, kept on Page
    for the published state), or its head waits for review (members see the head, which may be one)."""
    return bool(state.event_start) or state.head_id != state.published_id



def view_state(page) -> tuple:
    """VIEW_STATE_COLUMNS read from a page (an ORM object, or a row of PAGE_STATE)."""
    return tuple(getattr(page, column.key) for column in VIEW_STATE_COLUMNS)


PAGE_STATE = sa.select(*VIEW_STATE_COLUMNS).where(Page.slug == sa.bindparam("slug"))
VISITOR_PAGE_STATE = PAGE_STATE.where(readable_pages_filter(member=False))

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
