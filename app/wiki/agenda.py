"""The agenda: sessions a reader may see (published state on Page, the one visibility rule), their
occurrences upcoming and past, iCalendar feeds, and members' personal feed tokens."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from app.caching import app_cache
from app.extensions import db
from app.models import CalendarToken, Page, User
from app.wiki import journal, personal_tokens, sessions
from app.wiki.permissions import readable_pages_filter
from app.wiki.sessions import Event, Occurrence

PAST_LIMIT = 30

# "Not empty", written as a range so it reads the index on event_start (already in its order): `!= ""`
# walked every page (12.8 ms on PostgreSQL at 100,000 pages, against 0.15 ms).
IS_A_SESSION = Page.event_start > ""


@dataclass(frozen=True)
class Entry:
    """One occurrence of a session page, as a listing shows it."""

    slug: str
    title: str
    place: str
    occurrence: Occurrence

    @property
    def video_link(self) -> str:
        return self.place if is_link(self.place) else ""


@dataclass(frozen=True)
class Agenda:
    upcoming: list[Entry]
    past: list[Entry]


@dataclass(frozen=True)
class SessionSummary:
    """What a session page shows at its top."""

    event: Event
    next: Occurrence | None
    last: Occurrence | None  # the latest one already begun
    count: int

    @property
    def is_past(self) -> bool:
        return self.next is None

    @property
    def video_link(self) -> str:
        return self.event.place if is_link(self.event.place) else ""

    @property
    def until(self):
        return sessions.parse_day(self.event.until) if self.event.until else None


def is_link(place: str) -> bool:
    parts = urlsplit(place.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in place.strip()


def now_here() -> datetime:
    return datetime.now(sessions.site_zone())


def ends(occurrence: Occurrence) -> datetime:
    return occurrence.end or occurrence.start + sessions.DEFAULT_LENGTH


def summary(event: Event, now: datetime | None = None) -> SessionSummary | None:
    """The next and the last occurrence of a session (None for a page that is not one)."""
    if not event.is_session:
        return None
    now = now or now_here()
    found = sessions.occurrences(event)
    upcoming = [o for o in found if ends(o) >= now]
    begun = [o for o in found if o.start <= now]
    return SessionSummary(event, upcoming[0] if upcoming else None, begun[-1] if begun else None, len(found))


def session_pages(*, member: bool) -> list[Page]:
    """Live pages whose published revision is a session, among those the reader may see (no ORM relations loaded)."""
    return list(db.session.scalars(sa.select(Page).where(readable_pages_filter(member=member), IS_A_SESSION)
                                   .order_by(Page.event_start, Page.id)))


def agenda(*, member: bool, now: datetime | None = None, past_limit: int = PAST_LIMIT) -> Agenda:
    """Upcoming occurrences soonest first, then past ones latest first (each leads to its page)."""
    now = now or now_here()
    entries = [Entry(page.slug, page.title, page.event_place, occurrence)
               for page in session_pages(member=member) for occurrence in sessions.occurrences(Event.of(page))]
    upcoming = sorted((e for e in entries if ends(e.occurrence) >= now), key=lambda e: e.occurrence.start)
    past = sorted((e for e in entries if ends(e.occurrence) < now), key=lambda e: e.occurrence.start, reverse=True)
    return Agenda(upcoming, past[:past_limit])


def session_dates(page_ids: list[int], *, member: bool, wiki_state: tuple | None = None) -> dict[int, SessionSummary]:
    """The sessions among these pages (search results, by page id), each with its next or last date, in
    one query, and none when no page among them is a session (most results pages). By id, not slug:
    SQLite then reads each page by its key (by slug it chose the index on `deleted` and walked every
    live page: 2.5 ms of a results page at 10,000 pages). `wiki_state`: as journal.wiki_state()."""
    wanted = session_page_ids(member=member, wiki_state=wiki_state).intersection(page_ids)
    if not wanted:
        return {}
    found = db.session.scalars(sa.select(Page).where(readable_pages_filter(member=member), Page.id.in_(wanted),
                                                     IS_A_SESSION))
    now = now_here()
    return {page.id: summary(Event.of(page), now) for page in found}


def session_page_ids(*, member: bool, wiki_state: tuple | None = None) -> frozenset[int]:
    """The ids of the session pages this reader may see, kept per process and wiki state (a page
    becomes or stops being a session, or readable, only by a change that moves it)."""
    def compute():
        query = sa.select(Page.id).where(readable_pages_filter(member=member), IS_A_SESSION)
        return frozenset(db.session.scalars(query))

    return app_cache("session page ids", 4).get_or_compute((member, wiki_state or journal.wiki_state()), compute)


def next_sessions(*, member: bool, limit: int = 5) -> list[Entry]:
    return agenda(member=member, past_limit=0).upcoming[:limit]


def calendar(pages: list[Page], *, name: str, page_url: Callable[[str], str]) -> bytes:
    """An iCalendar feed of these pages' published sessions, with the site's VTIMEZONE."""
    feed = sessions.new_calendar(name)
    for page in pages:
        sessions.add_event_to(feed, Event.of(page), uid=uid_of(page), summary=page.title, url=page_url(page.slug))
    return sessions.calendar_bytes(feed)


def export_calendar(sessions_: list[tuple[Page, Event]], *, name: str) -> str:
    """The export's agenda.ics: the exported pages' published sessions."""
    feed = sessions.new_calendar(name)
    for page, event in sessions_:
        stamp = page.updated_at.replace(tzinfo=timezone.utc)  # the same wiki, the same zip
        sessions.add_event_to(feed, event, uid=uid_of(page), summary=page.title, url="", stamp=stamp)
    return sessions.calendar_bytes(feed).decode("utf-8")


def session_calendar(page: Page, event: Event, *, title: str, url: str) -> bytes:
    """One session (the revision its reader sees) as an .ics file."""
    feed = sessions.new_calendar(title)
    sessions.add_event_to(feed, event, uid=uid_of(page), summary=title, url=url)
    return sessions.calendar_bytes(feed)


def uid_of(page: Page) -> str:
    """Stable across renames: the page's id and the site's name."""
    site = "".join(c for c in current_app.config["WIKI_SITE_NAME"].lower() if c.isalnum()) or "wiki"
    return f"page-{page.id}@{site}"


def feed_token_of(user) -> CalendarToken | None:
    return personal_tokens.token_of(CalendarToken, user)


def create_feed_token(user) -> str:
    """A new personal feed token for a member (the old one stops working); only its hash is kept."""
    return personal_tokens.create_token(CalendarToken, user, nbytes=24)


def revoke_feed_token(user) -> None:
    personal_tokens.revoke_token(CalendarToken, user)


def member_for_token(token: str) -> User | None:
    """The active member a feed token belongs to, or None (unknown, revoked, deactivated)."""
    return personal_tokens.member_for_token(CalendarToken, token)
