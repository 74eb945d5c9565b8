"""The one-query proofs that a cached answer is current (used by app.web.fast_path and, through
app.wiki.pages.page_state, by the page-view cache of app.pages.view_cache).

Each is a prebuilt SELECT (compiled once by SQLAlchemy's statement cache) that a WSGI middleware runs
on a pooled connection, without a Flask request: a page's state when a visitor may read it (the one
visibility rule, `readable_pages_filter(member=False)`), and the wiki's state for the portal and the
agenda. VIEW_STATE_COLUMNS is the one list of what a cached page view depends on."""

import sqlalchemy as sa

from app.models import Counter, Page, Revision, User
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
CHANGE_SEQ = sa.select(Counter.value).where(Counter.name == "change_seq").scalar_subquery()
LATEST_REVISION = sa.select(sa.func.max(Revision.id)).scalar_subquery()
WIKI_STATE = sa.select(CHANGE_SEQ, LATEST_REVISION)


# The members' path (app.web.members_path): the session's user and, if a member may read it, the page's
# state and the wiki's state (reviewers' keys hold the review count, counted per wiki state), in one query.
MEMBER_COLUMNS = (User.id.label("user_id"), User.role, User.trusted, User.active, User.session_version,
                  User.language, User.name)
MEMBER_PAGE_STATE = (
    sa.select(*MEMBER_COLUMNS, *VIEW_STATE_COLUMNS, CHANGE_SEQ.label("wiki_seq"), LATEST_REVISION.label("wiki_latest"))
    .select_from(sa.outerjoin(User, Page, sa.and_(Page.slug == sa.bindparam("slug"),
                                                  readable_pages_filter(member=True))))
    .where(User.id == sa.bindparam("user_id")))


def member_page_state(connection, user_id: int, slug: str):
    """The user's row with the page's state (None columns if a member may not read it: missing or
    deleted) and the wiki's state (wiki_state_of); None if there is no such user."""
    return connection.execute(MEMBER_PAGE_STATE, {"user_id": user_id, "slug": slug}).first()


def visitor_page_state(connection, slug: str):
    """The page's state if a visitor may read it (live, public, published), else None."""
    return connection.execute(VISITOR_PAGE_STATE, {"slug": slug}).first()


def wiki_state(connection) -> tuple:
    """The wiki-wide state the portal depends on (as journal.wiki_state)."""
    row = connection.execute(WIKI_STATE).one()
    return row[0] or 0, row[1] or 0


def wiki_state_of(member_row) -> tuple:
    """The wiki's state read by member_page_state (as journal.wiki_state)."""
    return member_row.wiki_seq or 0, member_row.wiki_latest or 0
