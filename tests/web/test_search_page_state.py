"""The results page's tag names and session dates are kept per process and wiki state
(app.wiki.tagging.readable_tag_names, app.wiki.agenda.session_page_ids): they follow every change a
person makes through the site, and the one visibility rule, on the very next search."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.wiki import editing, page_settings, tagging
from app.wiki.slugs import slugify

PARIS = ZoneInfo("Europe/Paris")


def next_week() -> str:
    return (datetime.now(PARIS) + timedelta(days=7)).replace(hour=18, minute=30).strftime("%Y-%m-%dT%H:%M")


def results(client, text: str) -> str:
    response = client.get("/search", query_string={"q": text})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def save(client, title: str, body: str, **fields) -> None:
    response = client.post(f"/wiki/{slugify(title)}/edit", data={"title": title, "body": body, **fields})
    assert response.status_code in (200, 303), response.status_code


def test_a_renamed_tag_shows_its_new_name_on_the_next_search(app, client):
    with app.app_context():
        editing.create_page(title="Statuts types", body="Le modèle de statuts.", tags="Gouvernance", publish_now=True)
    assert ">Gouvernance</a>" in results(client, "statuts")
    with app.app_context():
        tagging.rename_tag(tagging.find_tag("gouvernance"), "Gouvernance partagée", by=None)
    html = results(client, "statuts")
    assert ">Gouvernance partagée</a>" in html and ">Gouvernance</a>" not in html


def test_a_tag_added_by_a_save_is_named_on_the_next_search(app, client, client_as):
    facilitator = client_as("facilitator")
    save(facilitator, "Statuts types", "Le modèle de statuts.", tags="Gouvernance")
    assert ">Gouvernance</a>" in results(client, "statuts")
    save(facilitator, "Statuts types", "Le modèle de statuts, revu.", tags="Gouvernance, Vie associative",
         base_revision="1")
    assert ">Vie associative</a>" in results(client, "statuts")


def test_a_page_made_a_session_shows_its_date_on_the_next_search(app, client, client_as):
    facilitator = client_as("facilitator")
    save(facilitator, "Atelier compost", "On apprend le compost.")
    assert "search-session" not in results(client, "compost")
    save(facilitator, "Atelier compost", "On apprend le compost.", event_start=next_week(), base_revision="1")
    html = results(client, "compost")
    assert 'class="search-session"' in html and "18:30" in html


def test_a_members_only_session_is_dated_for_members_and_hidden_from_visitors(app, client, client_as):
    facilitator = client_as("facilitator")
    save(facilitator, "Réunion compost", "Le compost du jardin.", event_start=next_week())
    assert 'class="search-session"' in results(client, "compost")  # cached for visitors, then:
    with app.app_context():
        page_settings.set_visibility(editing.find_page("reunion-compost")[0], "members", by=None)
    assert "reunion-compost" not in results(client, "compost")
    member_view = results(client_as("volunteer"), "compost")
    assert 'href="/wiki/reunion-compost"' in member_view and 'class="search-session"' in member_view
