"""Sessions through the editor, the agenda, its iCalendar feeds, members' token feed, the embed."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events

from app.wiki.slugs import slugify

PARIS = ZoneInfo("Europe/Paris")


def local(days: int, hour: int = 18, minute: int = 30) -> datetime:
    return (datetime.now(PARIS) + timedelta(days=days)).replace(hour=hour, minute=minute, second=0, microsecond=0)


def field(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def save_session(client, title, start, *, end=None, place="", repeat="", until="", exceptions="", body="Notes",
                 base=None, headers=None):
    slug = slugify(title)
    data = {"title": title, "body": body, "event_start": field(start) if isinstance(start, datetime) else start,
            "event_end": field(end) if isinstance(end, datetime) else (end or ""), "event_place": place,
            "event_repeat": repeat, "event_until": until, "event_exceptions": exceptions}
    if base is not None:
        data["base_revision"] = str(base)
    return client.post(f"/wiki/{slug}/edit", data=data, headers=headers or {})


def calendar_of(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.data)


def test_a_session_made_in_the_editor_is_upcoming_on_the_agenda_and_the_portal(client, editor):
    start = local(10)
    assert save_session(editor, "Atelier numérique", start, end=start + timedelta(hours=2),
                        place="https://visio.example.org/atelier").status_code == 303
    agenda = client.get("/agenda").get_data(as_text=True)
    upcoming, past = agenda.split('id="past-title"')
    assert "Atelier numérique" in upcoming and "Atelier numérique" not in past
    assert 'href="https://visio.example.org/atelier"' in upcoming and "Rejoindre la visio" in upcoming
    assert f'datetime="{start.isoformat()}"' in upcoming
    assert "18:30" in upcoming and "20:30" in upcoming
    portal = client.get("/").get_data(as_text=True)
    assert "Prochaines séances" in portal and "Atelier numérique" in portal.split('id="sessions-title"')[1]


def test_a_session_page_shows_its_date_place_and_calendar_link_and_once_past_invites_the_notes(client, editor):
    start = local(5)
    save_session(editor, "Réunion mensuelle", start, place="Maison des associations, salle 2")
    page = client.get("/wiki/reunion-mensuelle").get_data(as_text=True)
    block = page.split('class="session-block"')[1].split("</section>")[0]
    assert "Séance :" in block and "18:30" in block and "Maison des associations, salle 2" in block
    assert 'href="/wiki/reunion-mensuelle/event.ics"' in block and "Ajouter à mon agenda" in block
    assert "Compléter le compte rendu" not in block
    (vevent,) = calendar_of(client.get("/wiki/reunion-mensuelle/event.ics")).walk("VEVENT")
    assert vevent.decoded("dtstart") == start
    save_session(editor, "Réunion passée", local(-3), place="Salle 1")
    past = editor.get("/wiki/reunion-passee").get_data(as_text=True)
    assert "Cette séance a eu lieu" in past and "Compléter le compte rendu" in past
    assert 'href="/wiki/reunion-passee/edit"' in past.split('class="session-notes"')[1]
    assert "Compléter le compte rendu" not in client.get("/wiki/reunion-passee").get_data(as_text=True)  # visitors
    assert client.get("/wiki/accueil/event.ics").status_code == 404


def test_a_past_session_is_listed_as_past_and_links_to_its_page(client, editor):
    save_session(editor, "Atelier de novembre", local(-20))
    agenda = client.get("/agenda").get_data(as_text=True)
    upcoming, past = agenda.split('id="past-title"')
    assert "Atelier de novembre" not in upcoming
    assert '<a href="/wiki/atelier-de-novembre">Atelier de novembre</a>' in past


def test_agenda_ics_holds_the_session_at_its_local_time_with_its_time_zone(client, editor):
    start = datetime(2031, 7, 3, 18, 30, tzinfo=PARIS)  # summer time: 16:30 UTC
    save_session(editor, "Atelier d'été", start, end=start + timedelta(hours=2), place="Jardin partagé")
    calendar = calendar_of(client.get("/agenda.ics"))
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["summary"]) == "Atelier d'été" and str(vevent["location"]) == "Jardin partagé"
    assert vevent["dtstart"].params["TZID"] == "Europe/Paris"
    assert vevent.decoded("dtstart") == start
    assert vevent.decoded("dtstart").astimezone(ZoneInfo("UTC")).hour == 16
    assert str(vevent["url"]).endswith("/wiki/atelier-d-ete")


def test_a_weekly_series_expands_to_its_dates_and_cancelling_one_removes_only_that_one(client, editor):
    first = datetime(2031, 3, 5, 19, 0, tzinfo=PARIS)  # a Wednesday; summer time starts on 30 March
    save_session(editor, "Yoga du mercredi", first, repeat="weekly", until="2031-04-09")
    days = [(3, 5), (3, 12), (3, 19), (3, 26), (4, 2), (4, 9)]
    expected = [first.replace(month=m, day=d) for m, d in days]
    expanded = recurring_ical_events.of(calendar_of(client.get("/agenda.ics"))).all()
    assert sorted(e.decoded("dtstart") for e in expanded) == expected
    assert all(e.decoded("dtstart").hour == 19 for e in expanded)  # 19:00 local, before and after the change
    assert client.get("/agenda").get_data(as_text=True).count('href="/wiki/yoga-du-mercredi"') == len(days)

    assert save_session(editor, "Yoga du mercredi", first, repeat="weekly", until="2031-04-09",
                        exceptions="2031-03-19", base=1).status_code == 303
    expanded = recurring_ical_events.of(calendar_of(client.get("/agenda.ics"))).all()
    assert sorted(e.decoded("dtstart") for e in expanded) == [m for m in expected if (m.month, m.day) != (3, 19)]
    assert client.get("/agenda").get_data(as_text=True).count('href="/wiki/yoga-du-mercredi"') == len(days) - 1


def test_moving_one_occurrence_moves_only_that_one(client, editor):
    first = datetime(2031, 3, 5, 19, 0, tzinfo=PARIS)
    save_session(editor, "Yoga", first, repeat="weekly", until="2031-03-26", exceptions="2031-03-12 -> 2031-03-13T10:00")
    expanded = recurring_ical_events.of(calendar_of(client.get("/agenda.ics"))).all()
    assert sorted(e.decoded("dtstart") for e in expanded) == [
        first, datetime(2031, 3, 13, 10, 0, tzinfo=PARIS), first.replace(day=19), first.replace(day=26)]


PUBLIC_VIEWS = ("/agenda", "/agenda.ics", "/agenda/embed", "/", "/templates", "/wiki/", "/recent",
                "/feeds/recent.atom", "/search?q=pending", "/search?q=internal", "/tags/")


def test_pending_and_members_only_sessions_are_absent_from_every_public_view_and_feed(client, client_as, editor):
    volunteer, facilitator = client_as("volunteer", name="Nouvelle"), client_as("facilitator", name="Fac")
    assert save_session(volunteer, "Secret pending", local(3)).status_code == 303  # untrusted: pending
    save_session(facilitator, "Secret internal", local(4))
    facilitator.post("/wiki/secret-internal/visibility", data={"visibility": "members"})
    save_session(editor, "Public session", local(6))
    # A published page whose session is only proposed (pending) stays off the agenda too.
    editor.post("/wiki/plain-page/edit", data={"title": "Plain page", "body": "x"})
    save_session(volunteer, "Plain page", local(7), body="x", base=1)
    for url in PUBLIC_VIEWS:
        text = client.get(url).get_data(as_text=True)
        assert "Secret" not in text, url
    agenda = client.get("/agenda").get_data(as_text=True)
    assert "Public session" in agenda and "Plain page" not in agenda
    assert "Plain page" not in client.get("/agenda.ics").get_data(as_text=True)
    for slug in ("secret-pending", "secret-internal"):
        assert client.get(f"/wiki/{slug}/event.ics").status_code == 404
    assert client.get("/wiki/plain-page/event.ics").status_code == 404
    # Members see the members-only one on the agenda, but the public feed never holds it.
    assert "Secret internal" in editor.get("/agenda").get_data(as_text=True)
    assert "Secret" not in editor.get("/agenda.ics").get_data(as_text=True)
    assert "Secret" not in editor.get("/agenda/embed").get_data(as_text=True)


def test_the_member_token_feed_shows_members_only_sessions_and_stops_when_revoked(client, client_as):
    facilitator = client_as("facilitator")
    save_session(facilitator, "Conseil interne", local(4))
    facilitator.post("/wiki/conseil-interne/visibility", data={"visibility": "members"})
    page = facilitator.post("/agenda/token").get_data(as_text=True)
    url = re.search(r'<code class="feed-url">http://localhost(/agenda/feed/[^<]+\.ics)</code>', page).group(1)
    assert 'href="webcal://localhost/agenda/feed/' in page
    summaries = [str(e["summary"]) for e in calendar_of(client.get(url)).walk("VEVENT")]
    assert summaries == ["Conseil interne"]
    assert client.get(url).headers["Cache-Control"] == "private, no-store"
    assert "Conseil interne" not in client.get("/agenda.ics").get_data(as_text=True)
    facilitator.post("/agenda/token/revoke")
    assert client.get(url).status_code == 404
    assert client.get("/agenda/feed/not-a-token.ics").status_code == 404
    # A new address replaces the old one at once.
    first = re.search(r"(/agenda/feed/[^<]+\.ics)", facilitator.post("/agenda/token").get_data(as_text=True)).group(1)
    second = re.search(r"(/agenda/feed/[^<]+\.ics)", facilitator.post("/agenda/token").get_data(as_text=True)).group(1)
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200


def test_token_creation_needs_a_member_and_csrf(client, app, client_as):
    refused = client.post("/agenda/token")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    app.config["WTF_CSRF_ENABLED"] = True
    member = client_as("volunteer")
    assert member.post("/agenda/token").status_code == 400
    app.config["WTF_CSRF_ENABLED"] = False


def test_the_token_is_stored_only_as_a_hash(app, client_as):
    from app.extensions import db
    from app.models import CalendarToken

    page = client_as("volunteer").post("/agenda/token").get_data(as_text=True)
    token = re.search(r"/agenda/feed/([^<]+)\.ics", page).group(1)
    with app.app_context():
        stored = db.session.scalars(db.select(CalendarToken)).one()
        assert stored.token_hash != token and token not in stored.token_hash and len(stored.token_hash) == 64


def test_the_agenda_offers_webcal_subscription_with_instructions(client):
    text = client.get("/agenda").get_data(as_text=True)
    assert 'href="webcal://localhost/agenda.ics"' in text and "Sur un téléphone" in text


def test_only_the_embed_may_be_framed_and_only_by_the_configured_origins(app, client):
    embed = client.get("/agenda/embed")
    assert "frame-ancestors 'none'" in embed.headers["Content-Security-Policy"]  # none by default
    assert embed.headers["X-Frame-Options"] == "DENY"
    app.config["WIKI_EMBED_ORIGINS"] = "https://support.example.org https://portail.example.net"
    embed = client.get("/agenda/embed")
    policy = embed.headers["Content-Security-Policy"]
    assert "frame-ancestors https://support.example.org https://portail.example.net" in policy
    assert "script-src 'self'" in policy and "X-Frame-Options" not in embed.headers
    for url in ("/agenda", "/", "/wiki/accueil", "/agenda.ics"):
        response = client.get(url)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], url
        assert response.headers["X-Frame-Options"] == "DENY", url


def test_embed_lists_next_sessions_and_latest_pages(client, editor):
    save_session(editor, "Permanence", local(2))
    text = client.get("/agenda/embed").get_data(as_text=True)
    assert "Permanence" in text and "Prochaines séances" in text and "Dernières pages" in text
    assert '<base target="_top">' in text and 'lang="fr"' in text


def test_bad_embed_origins_stop_the_start(app_config):
    from app import create_app

    with pytest.raises(ValueError, match="WIKI_EMBED_ORIGINS"):
        create_app({**app_config, "WIKI_EMBED_ORIGINS": "https://ok.example 'unsafe-inline'"})
    with pytest.raises(ValueError, match="WIKI_TIMEZONE"):
        create_app({**app_config, "WIKI_TIMEZONE": "Mars/Olympus"})


def test_the_portal_shows_sessions_changes_tags_templates_and_for_facilitators_the_review_count(client, client_as,
                                                                                                  editor):
    save_session(editor, "Café numérique", local(2))
    editor.post("/wiki/modele-atelier/edit", data={"title": "Modèle atelier", "body": "## Déroulé", "tags": "modèle"})
    client_as("volunteer", name="Nouveau").post("/wiki/en-attente/edit", data={"title": "En attente", "body": "x"})
    facilitator = client_as("facilitator").get("/").get_data(as_text=True)
    assert "1 page attend une relecture" in facilitator
    visitor = client.get("/").get_data(as_text=True)
    assert "attend une relecture" not in visitor and "En attente" not in visitor
    assert "Café numérique" in visitor.split('id="sessions-title"')[1]
    assert "Modèle atelier" in visitor.split('id="recent-title"')[1]
    assert 'href="/tags/modele"' in visitor.split('id="tags-title"')[1]
    side = editor.get("/").get_data(as_text=True).split('id="create-title"')[1]
    assert 'href="/new?template=modele-atelier"' in side and 'href="/new"' in side
    assert 'id="create-title"' not in visitor  # visitors cannot create pages
