"""Sessions in search results (with their date), in the export (front matter, agenda.ics) and back through import."""

import io
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar
import sqlalchemy as sa

from app.extensions import db
from app.models import Page
from app.wiki import search
from app.wiki.sessions import Event

PARIS = ZoneInfo("Europe/Paris")
SERIES = {"event_start": "2031-03-05T19:00", "event_end": "2031-03-05T21:00", "event_place": "Salle polyvalente",
          "event_repeat": "weekly", "event_until": "2031-04-09", "event_exceptions": "2031-03-19"}


def make_session(client, title="Atelier couture", slug="atelier-couture", **extra):
    data = {"title": title, "body": "Nous apprenons la couture ensemble.", "tags": "couture", **SERIES, **extra}
    assert client.post(f"/wiki/{slug}/edit", data=data).status_code == 303


def test_search_finds_a_session_by_words_and_by_tag_and_shows_its_date(app, client, editor):
    make_session(editor)
    with app.app_context():
        search.catch_up()
    for url in ("/search?q=couture", "/search?q=couture&tag=couture"):
        text = client.get(url).get_data(as_text=True)
        hit = text.split('class="search-hit"')[1]
        assert "Atelier couture" in hit and 'class="search-session"' in hit
        assert 'datetime="2031-03-05T19:00:00+01:00"' in hit or 'datetime="2031-' in hit


def zip_of(client) -> zipfile.ZipFile:
    response = client.get("/export.zip")
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_the_export_carries_the_event_fields_and_an_agenda(client, editor):
    make_session(editor)
    editor.post("/wiki/page-simple/edit", data={"title": "Page simple", "body": "Rien à voir"})
    bundle = zip_of(client)
    markdown = bundle.read("markdown/atelier-couture.md").decode()
    for name, value in SERIES.items():
        assert f"{name}: \"{value}\"" in markdown
    assert "event_" not in bundle.read("markdown/page-simple.md").decode()
    calendar = icalendar.Calendar.from_ical(bundle.read("agenda.ics"))
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["summary"]) == "Atelier couture"
    assert vevent.decoded("dtstart") == datetime(2031, 3, 5, 19, 0, tzinfo=PARIS)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert zip_of(client).read("agenda.ics") == bundle.read("agenda.ics")  # the same wiki, the same zip


def test_a_members_only_session_is_not_in_the_exported_agenda(client, client_as, editor):
    facilitator = client_as("facilitator")
    make_session(facilitator, title="Conseil", slug="conseil")
    facilitator.post("/wiki/conseil/visibility", data={"visibility": "members"})
    assert "agenda.ics" not in zip_of(client).namelist()


def test_import_reads_the_event_fields_back(app, client, editor, runner, tmp_path):
    make_session(editor)
    (tmp_path / "bundle.zip").write_bytes(client.get("/export.zip").data)
    other = tmp_path / "other"
    other.mkdir()
    with zipfile.ZipFile(tmp_path / "bundle.zip") as bundle:
        (other / "atelier.md").write_bytes(bundle.read("markdown/atelier-couture.md").replace(
            b'title: "Atelier couture"', b'title: "Atelier couture bis"'))
    result = runner.invoke(args=["import", str(other)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        page = db.session.scalar(sa.select(Page).where(Page.slug == "atelier-couture-bis"))
        assert Event.of(page) == Event.of(page.published) == Event(
            *(SERIES[name] for name in ("event_start", "event_end", "event_place", "event_repeat", "event_until",
                                        "event_exceptions")))
    assert "Atelier couture bis" in client.get("/agenda").get_data(as_text=True)


def test_import_refuses_bad_event_fields_naming_the_file(app, runner, tmp_path):
    (tmp_path / "Atelier.md").write_text('---\nevent_start: "2031-03-05T19:00"\nevent_end: "2031-03-04T10:00"\n---\n'
                                         "Texte", encoding="utf-8")
    result = runner.invoke(args=["import", str(tmp_path)])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "Atelier.md" in result.output and "avant le début" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Page.id))) == 0
