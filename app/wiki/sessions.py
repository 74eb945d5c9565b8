"""Sessions (ateliers, réunions, AG): the event fields a page's revisions carry, checked, and
expanded into dated occurrences with icalendar (RRULE, EXDATE, RDATE) and recurring-ical-events.

Times are local to the site's zone (WIKI_TIMEZONE) and written `YYYY-MM-DDTHH:MM`. A series
repeats `weekly` or `monthly` (same day of the month) until `event_until`, at most
MAX_OCCURRENCES times; `event_exceptions` cancels or moves single occurrences, one per line:
`YYYY-MM-DD` cancels that day's occurrence, `YYYY-MM-DD -> YYYY-MM-DDTHH:MM` moves it."""

from dataclasses import astuple, dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _

from app.wiki.errors import InvalidEvent

FIELDS = ("event_start", "event_end", "event_place", "event_repeat", "event_until", "event_exceptions")
REPEATS = ("", "weekly", "monthly")
RRULE_FREQ = {"weekly": "WEEKLY", "monthly": "MONTHLY"}
MAX_OCCURRENCES = 200
MAX_PLACE_LENGTH = 300
DEFAULT_LENGTH = timedelta(hours=1)  # for calendars, when a session has no end
MINUTE_FORMAT, DAY_FORMAT = "%Y-%m-%dT%H:%M", "%Y-%m-%d"


@dataclass(frozen=True)
class Event:
    """The event fields as stored (strings, normalised); all empty for a page that is not a session."""

    start: str = ""
    end: str = ""
    place: str = ""
    repeat: str = ""
    until: str = ""
    exceptions: str = ""

    @property
    def is_session(self) -> bool:
        return bool(self.start)

    @classmethod
    def of(cls, row) -> "Event":
        """The event of a Revision (its snapshot) or a Page (its published state)."""
        return cls(*((getattr(row, name, "") or "") for name in FIELDS))

    def write_to(self, row) -> None:
        for name, value in zip(FIELDS, astuple(self)):
            setattr(row, name, value)

    def as_fields(self) -> dict[str, str]:
        return dict(zip(FIELDS, astuple(self)))


NO_EVENT = Event()


@dataclass(frozen=True)
class Occurrence:
    """One dated meeting of a session (aware datetimes in the site's zone)."""

    start: datetime
    end: datetime | None
    moved: bool = False


def site_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["WIKI_TIMEZONE"])


def parse_minute(value: str) -> datetime | None:
    """`YYYY-MM-DDTHH:MM` (seconds, or a space for the T, accepted from browsers and people), naive."""
    value = value.strip().replace(" ", "T", 1)
    for pattern in (MINUTE_FORMAT, MINUTE_FORMAT + ":%S"):
        try:
            return datetime.strptime(value, pattern).replace(second=0)
        except ValueError:
            continue
    return None


def parse_day(value: str) -> date | None:
    try:
        return datetime.strptime(value.strip(), DAY_FORMAT).date()
    except ValueError:
        return None


def clean_event(*, event_start: str = "", event_end: str = "", event_place: str = "", event_repeat: str = "",
                event_until: str = "", event_exceptions: str = "") -> Event:
    """The event fields as typed, checked and normalised; InvalidEvent names the field at fault."""
    start_text, end_text = (event_start or "").strip(), (event_end or "").strip()
    place = " ".join((event_place or "").split())
    repeat, until_text = (event_repeat or "").strip().lower(), (event_until or "").strip()
    exception_lines = [line.strip() for line in (event_exceptions or "").splitlines() if line.strip()]
    if not start_text:
        if end_text or place or repeat or until_text or exception_lines:
            raise InvalidEvent("event_start", _("A session needs its start date and time."))
        return NO_EVENT
    start = parse_minute(start_text)
    if start is None:
        raise InvalidEvent("event_start", _("The start is not a valid date and time (day, month, year, hour)."))
    end = parse_minute(end_text) if end_text else None
    if end_text and end is None:
        raise InvalidEvent("event_end", _("The end is not a valid date and time (day, month, year, hour)."))
    if end is not None and end < start:
        raise InvalidEvent("event_end", _("The end comes before the start."))
    if len(place) > MAX_PLACE_LENGTH:
        raise InvalidEvent("event_place", _("The place is too long (at most %(n)d characters).", n=MAX_PLACE_LENGTH))
    if repeat not in REPEATS:
        raise InvalidEvent("event_repeat", _("Unknown repetition: choose every week, every month or none."))
    if not repeat:
        if until_text or exception_lines:
            raise InvalidEvent("event_repeat", _("Only a repeating session has a last date or changed dates."))
        return Event(start.strftime(MINUTE_FORMAT), end.strftime(MINUTE_FORMAT) if end else "", place)
    until = parse_day(until_text) if until_text else None
    if not until_text:
        raise InvalidEvent("event_until", _("A repeating session needs the date of its last repetition."))
    if until is None:
        raise InvalidEvent("event_until", _("The last repetition is not a valid date."))
    if until < start.date():
        raise InvalidEvent("event_until", _("The last repetition comes before the start."))
    event = Event(start.strftime(MINUTE_FORMAT), end.strftime(MINUTE_FORMAT) if end else "", place, repeat,
                  until.strftime(DAY_FORMAT), "")
    count = len(series_starts(event))
    if count > MAX_OCCURRENCES:
        raise InvalidEvent("event_until", _("This series has %(count)d sessions; at most %(n)d are allowed.",
                                            count=count, n=MAX_OCCURRENCES))
    return Event(*astuple(event)[:5], clean_exceptions(event, exception_lines))


def clean_exceptions(event: Event, lines: list[str]) -> str:
    """Each line cancels (`YYYY-MM-DD`) or moves (`YYYY-MM-DD -> YYYY-MM-DDTHH:MM`) one occurrence of the series."""
    days = {moment.date() for moment in series_starts(event)}
    cleaned = []
    for line in lines:
        day_text, arrow, target_text = line.partition("->")
        day = parse_day(day_text)
        target = parse_minute(target_text) if arrow else None
        if day is None or (arrow and target is None):
            raise InvalidEvent("event_exceptions", _(
                "“%(line)s” is not understood: write one date per line (YYYY-MM-DD) to cancel it, or "
                "YYYY-MM-DD -> YYYY-MM-DDTHH:MM to move it.", line=line[:80]))
        if day not in days:
            raise InvalidEvent("event_exceptions", _("%(day)s is not a date of this series.", day=day.isoformat()))
        cleaned.append(day.isoformat() + (f" -> {target.strftime(MINUTE_FORMAT)}" if target else ""))
    return "\n".join(dict.fromkeys(cleaned))


def exceptions_of(event: Event) -> tuple[set[date], dict[date, datetime]]:
    """The cancelled days and the moved ones (day -> new naive start) of a stored event."""
    cancelled, moved = set(), {}
    for line in event.exceptions.splitlines():
        day_text, arrow, target_text = line.partition("->")
        day = parse_day(day_text)
        target = parse_minute(target_text) if arrow else None
        if day is not None and target is not None:
            moved[day] = target
        elif day is not None:
            cancelled.add(day)
    return cancelled, moved


def series_starts(event: Event) -> list[datetime]:
    """The naive local starts of a series' repetitions, before exceptions (bounded: counted up to the cap + 1)."""
    start = parse_minute(event.start)
    if not event.repeat:
        return [start]
    until = parse_day(event.until)
    starts, moment, step = [], start, 0
    while moment.date() <= until and len(starts) <= MAX_OCCURRENCES:
        starts.append(moment)
        step += 1
        moment = start + timedelta(weeks=step) if event.repeat == "weekly" else add_months(start, step)
        while moment is None and step < 12 * 200:  # a 31st in a shorter month: that month has none
            step += 1
            moment = add_months(start, step)
    return starts


def add_months(moment: datetime, months: int) -> datetime | None:
    year, month = divmod(moment.month - 1 + months, 12)
    try:
        return moment.replace(year=moment.year + year, month=month + 1)
    except ValueError:
        return None


def vevent(event: Event, *, uid: str, summary: str, url: str = "", zone: ZoneInfo | None = None,
           stamp: datetime | None = None) -> "icalendar.Event":
    """The session as an iCalendar VEVENT: RRULE for the series, EXDATE for cancelled and moved
    occurrences, RDATE for their new dates (times in the site's zone, with its TZID)."""
    zone = zone or site_zone()
    start = parse_minute(event.start).replace(tzinfo=zone)
    end = parse_minute(event.end).replace(tzinfo=zone) if event.end else start + DEFAULT_LENGTH
    component = ical().Event()
    component.add("uid", uid)
    component.add("summary", summary)
    component.add("dtstart", start)
    component.add("dtend", end)
    component.add("dtstamp", stamp or datetime.now(zone))
    if event.place:
        component.add("location", event.place)
    if url:
        component.add("url", url)
    if event.repeat:
        until = datetime.combine(parse_day(event.until), datetime.max.time().replace(microsecond=0), zone)
        component.add("rrule", {"freq": RRULE_FREQ[event.repeat], "until": until})
        cancelled, moved = exceptions_of(event)
        for day in sorted(cancelled | set(moved)):
            component.add("exdate", datetime.combine(day, start.time(), zone))
        for target in sorted(moved.values()):
            component.add("rdate", target.replace(tzinfo=zone))
    return component


def occurrences(event: Event, zone: ZoneInfo | None = None) -> list[Occurrence]:
    """Every occurrence of the session, in order, expanded by recurring-ical-events from its VEVENT."""
    if not event.is_session:
        return []
    zone = zone or site_zone()
    calendar = ical().Calendar()
    calendar.add_component(vevent(event, uid="expand", summary="", zone=zone))
    moved_starts = {target.replace(tzinfo=zone) for target in exceptions_of(event)[1].values()}
    found = []
    for component in ical_expander().of(calendar).all():
        start = component.decoded("dtstart").astimezone(zone)
        end = component.decoded("dtend").astimezone(zone) if event.end else None
        found.append(Occurrence(start, end, moved=start in moved_starts))
    return sorted(found, key=lambda o: o.start)[:MAX_OCCURRENCES]


def add_event_to(calendar: "icalendar.Calendar", event: Event, *, uid: str, summary: str, url: str,
                 stamp: datetime | None = None) -> None:
    calendar.add_component(vevent(event, uid=uid, summary=summary, url=url, stamp=stamp))


def new_calendar(name: str) -> "icalendar.Calendar":
    calendar = ical().Calendar()
    calendar.add("prodid", "-//Gare centrale//agenda//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", current_app.config["WIKI_TIMEZONE"])
    return calendar


def calendar_bytes(calendar: "icalendar.Calendar") -> bytes:
    """The calendar with a VTIMEZONE for every zone it uses (the site's), over the years its sessions span
    (so the same sessions always give the same file)."""
    years = [component.decoded("dtstart").year for component in calendar.walk("VEVENT")]
    for component in calendar.walk("VEVENT"):
        until = component["rrule"].get("UNTIL") if "rrule" in component else None
        years += [moment.year for moment in (until if isinstance(until, list) else [until]) if moment is not None]
    first, last = (min(years), max(years)) if years else (date.today().year, date.today().year)
    calendar.add_missing_timezones(first_date=date(first - 1, 1, 1), last_date=date(last + 2, 1, 1))
    return calendar.to_ical()


def ical():
    """icalendar, imported on first use (about 3 MB): a wiki without sessions never loads it."""
    import icalendar

    return icalendar


def ical_expander():
    """recurring-ical-events, imported on first use like icalendar."""
    import recurring_ical_events

    return recurring_ical_events
