"""Domain: sessions' event fields, checked, expanded into occurrences, kept by save, merge, restore and review."""

from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import User
from app.wiki import editing, moderation, sessions
from app.wiki.errors import InvalidEvent, NothingChanged
from app.wiki.sessions import Event, clean_event

PARIS = ZoneInfo("Europe/Paris")
WEEKLY = dict(event_start="2026-12-02T18:30", event_end="2026-12-02T20:00", event_place="Maison des assos",
              event_repeat="weekly", event_until="2026-12-30")


def user(name):
    return db.session.scalar(sa.select(User).where(User.name == name))


@pytest.fixture
def people(ctx, make_user):
    make_user("Alice", role="facilitator")
    make_user("Vera", role="volunteer")
    return user("Alice"), user("Vera")


def test_a_single_session_is_normalised():
    event = clean_event(event_start="2026-12-02 18:30:00", event_end="2026-12-02T20:00", event_place="  Salle   B ")
    assert event == Event("2026-12-02T18:30", "2026-12-02T20:00", "Salle B")
    assert clean_event() == sessions.NO_EVENT and not clean_event().is_session


@pytest.mark.parametrize(("fields", "field", "words"), [
    (dict(event_start="2026-13-02T18:30"), "event_start", "début"),
    (dict(event_start="demain"), "event_start", "début"),
    (dict(event_start="2026-12-02T25:00"), "event_start", "début"),
    (dict(event_place="Salle B"), "event_start", "début"),
    (dict(event_start="2026-12-02T18:30", event_end="2026-12-02T99:00"), "event_end", "fin"),
    (dict(event_start="2026-12-02T18:30", event_end="2026-12-02T17:00"), "event_end", "avant le début"),
    (dict(event_start="2026-12-02T18:30", event_repeat="daily", event_until="2026-12-30"), "event_repeat",
     "Répétition inconnue"),
    (dict(event_start="2026-12-02T18:30", event_repeat="weekly"), "event_until", "dernière répétition"),
    (dict(event_start="2026-12-02T18:30", event_repeat="weekly", event_until="30/12/2026"), "event_until", "valable"),
    (dict(event_start="2026-12-02T18:30", event_repeat="weekly", event_until="2026-11-30"), "event_until",
     "avant le début"),
    (dict(event_start="2026-12-02T18:30", event_repeat="weekly", event_until="2040-12-30"), "event_until", "au plus"),
    (dict(WEEKLY, event_exceptions="le 9"), "event_exceptions", "pas compris"),
    (dict(WEEKLY, event_exceptions="2026-12-10"), "event_exceptions", "pas une date de cette série"),
    (dict(WEEKLY, event_exceptions="2026-12-09 -> bientôt"), "event_exceptions", "pas compris"),
    (dict(event_start="2026-12-02T18:30", event_place="x" * 301), "event_place", "trop long"),
])
def test_bad_event_fields_name_the_field(ctx, fields, field, words):
    """In the site's language (French by default), naming what is wrong."""
    with pytest.raises(InvalidEvent) as raised:
        clean_event(**fields)
    assert raised.value.field == field
    assert words in str(raised.value.message)
    assert raised.value.status_code == 400


def test_bad_event_messages_follow_the_readers_language(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(InvalidEvent) as raised:
            clean_event(event_start="2026-12-02T18:30", event_end="2026-12-01T10:00")
        assert "before the start" in str(raised.value.message)


def test_weekly_series_expands_to_each_week_until_the_last_date(ctx):
    starts = [o.start for o in sessions.occurrences(clean_event(**WEEKLY))]
    assert starts == [datetime(2026, 12, d, 18, 30, tzinfo=PARIS) for d in (2, 9, 16, 23, 30)]


def test_cancelling_one_occurrence_removes_only_that_one_and_moving_one_moves_it(ctx):
    event = clean_event(**dict(WEEKLY, event_exceptions="2026-12-09\n2026-12-16 -> 2026-12-17T19:00"))
    found = sessions.occurrences(event)
    assert [o.start for o in found] == [datetime(2026, 12, 2, 18, 30, tzinfo=PARIS),
                                        datetime(2026, 12, 17, 19, 0, tzinfo=PARIS),
                                        datetime(2026, 12, 23, 18, 30, tzinfo=PARIS),
                                        datetime(2026, 12, 30, 18, 30, tzinfo=PARIS)]
    assert [o.moved for o in found] == [False, True, False, False]
    assert found[1].end == datetime(2026, 12, 17, 20, 30, tzinfo=PARIS)  # the same length


def test_monthly_series_skips_months_without_that_day(ctx):
    event = clean_event(event_start="2026-01-31T10:00", event_repeat="monthly", event_until="2026-06-30")
    assert [o.start.month for o in sessions.occurrences(event)] == [1, 3, 5]


def test_the_cap_counts_the_series(ctx):
    ok = clean_event(event_start="2026-01-01T10:00", event_repeat="weekly", event_until="2029-10-31")
    assert len(sessions.occurrences(ok)) == sessions.MAX_OCCURRENCES
    with pytest.raises(InvalidEvent) as raised:
        clean_event(event_start="2026-01-01T10:00", event_repeat="weekly", event_until="2029-11-01")
    assert "201" in str(raised.value.message)


def test_vevent_carries_the_rule_the_cancelled_and_the_moved_dates(ctx):
    event = clean_event(**dict(WEEKLY, event_exceptions="2026-12-09\n2026-12-16 -> 2026-12-17T19:00"))
    calendar = sessions.new_calendar("Agenda")
    sessions.add_event_to(calendar, event, uid="atelier@test", summary="Atelier", url="http://x/wiki/atelier")
    parsed = icalendar.Calendar.from_ical(sessions.calendar_bytes(calendar))
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == ["Europe/Paris"]
    (vevent,) = parsed.walk("VEVENT")
    assert vevent.decoded("dtstart") == datetime(2026, 12, 2, 18, 30, tzinfo=PARIS)
    assert vevent["dtstart"].params["TZID"] == "Europe/Paris"
    assert vevent["rrule"]["FREQ"] == ["WEEKLY"]
    assert "20261209T183000" in vevent.to_ical().decode() and "RDATE;TZID=Europe/Paris:20261217T190000" in \
        vevent.to_ical().decode()
    assert str(vevent["location"]) == "Maison des assos"


def test_event_fields_are_snapshotted_and_published_on_the_page(people):
    alice, vera = people
    page = editing.create_page(title="Atelier", body="Notes", author=alice, event=clean_event(**WEEKLY))
    assert Event.of(page.head) == Event.of(page) == clean_event(**WEEKLY)
    moved = clean_event(**dict(WEEKLY, event_place="Salle C"))
    result = editing.save_edit(page, title="Atelier", body="Notes", author=vera, base_revision=1, event=moved)
    assert result.revision.status == "pending"
    assert Event.of(page.head).place == "Salle C" and page.event_place == "Maison des assos"  # readers: published
    moderation.approve(page, reviewer=alice)
    assert page.event_place == "Salle C"


def test_an_edit_without_event_fields_keeps_the_heads_and_an_event_change_alone_is_a_change(people):
    alice, _vera = people
    page = editing.create_page(title="Réunion", body="Ordre du jour", author=alice, event=clean_event(**WEEKLY))
    editing.save_edit(page, title="Réunion", body="Ordre du jour modifié", author=alice, base_revision=1)
    assert Event.of(page.head) == clean_event(**WEEKLY)
    with pytest.raises(NothingChanged):
        editing.save_edit(page, title="Réunion", body="Ordre du jour modifié", author=alice, base_revision=2,
                          event=clean_event(**WEEKLY))
    editing.save_edit(page, title="Réunion", body="Ordre du jour modifié", author=alice, base_revision=2,
                      event=sessions.NO_EVENT)
    assert not page.event_start and not Event.of(page.head).is_session


def test_three_way_merge_keeps_their_event_change_unless_this_edit_changed_it(people):
    alice, _vera = people
    body = "un\ndeux\ntrois\nquatre"
    page = editing.create_page(title="AG", body=body, author=alice, event=clean_event(**WEEKLY))
    theirs = clean_event(**dict(WEEKLY, event_place="Salle C"))
    editing.save_edit(page, title="AG", body=body, author=alice, base_revision=1, event=theirs)
    # This edit started from revision 1 and did not touch the event: their place stays.
    result = editing.save_edit(page, title="AG", body=body + "\ncinq", author=alice, base_revision=1,
                               event=clean_event(**WEEKLY))
    assert result.merged and Event.of(page.head) == theirs
    # This one changed it: its change wins.
    mine = clean_event(**dict(WEEKLY, event_place="Jardin"))
    editing.save_edit(page, title="AG", body="zéro\n" + body, author=alice, base_revision=1, event=mine)
    assert Event.of(page.head) == mine


def test_restore_brings_back_the_old_event_and_reject_returns_to_the_published_one(people):
    alice, vera = people
    page = editing.create_page(title="Atelier vélo", body="Notes", author=alice, event=clean_event(**WEEKLY))
    editing.save_edit(page, title="Atelier vélo", body="Notes", author=alice, base_revision=1,
                      event=clean_event(event_start="2027-01-05T10:00"))
    editing.restore_revision(page, 1, author=alice)
    assert Event.of(page.head) == Event.of(page) == clean_event(**WEEKLY)
    editing.save_edit(page, title="Atelier vélo", body="Notes", author=vera, base_revision=3,
                      event=sessions.NO_EVENT)
    moderation.reject(page, reviewer=alice)
    assert Event.of(page.head) == Event.of(page) == clean_event(**WEEKLY)
