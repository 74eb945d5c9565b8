"""A session from the "Compte rendu de séance" template to the agenda, in Chromium; screenshots and axe of
/agenda, a session page and the portal."""

from datetime import datetime, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.wiki import demo, editing, pages
from app.wiki.sessions import clean_event

SIZES = {"desktop": 1280, "phone": 375}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A French-speaking browser: the collective's language (the screenshots show it)."""
    return {**browser_context_args, "locale": "fr-FR", "extra_http_headers": {"Accept-Language": "fr"}}


@pytest.fixture
def demo_wiki(live_app):
    """The demo pages (templates among them) and a past session, made once."""
    with live_app.app_context():
        demo.seed_demo()
        if pages.find_page("atelier-d-octobre")[0] is None:
            past = (datetime.now() - timedelta(days=40)).replace(hour=14, minute=0)
            editing.create_page(title="Atelier d'octobre", body="## Ce que nous avons vu\n\nLes bases du tableur.",
                                author_label="test", publish_now=True,
                                event=clean_event(event_start=past.strftime("%Y-%m-%dT%H:%M"),
                                                  event_place="Médiathèque, salle 3"))


def test_a_session_from_the_minutes_template_appears_on_the_agenda(signed_in, live_server, demo_wiki,
                                                                     console_problems):
    page = signed_in
    page.goto(f"{live_server}/templates")
    item = page.locator(".template-item", has_text="Modèle : compte rendu de séance")
    item.locator("input[name=title]").fill("Atelier smartphone de printemps")
    item.get_by_role("button", name="Créer à partir de ce modèle").click()
    page.wait_for_url(f"{live_server}/wiki/atelier-smartphone-de-printemps/edit**")
    block = page.locator("#event-block")
    expect(block).to_have_attribute("open", "")
    start = page.locator("input[name=event_start]")
    assert start.get_attribute("type") == "datetime-local" and start.input_value()  # pre-filled by the template
    expect(page.locator("textarea[name=body]")).to_contain_text("## Ce que nous avons vu")
    when = (datetime.now() + timedelta(days=12)).replace(hour=18, minute=30)
    start.fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.locator("input[name=event_end]").fill((when + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.locator("input[name=event_place]").fill("https://visio.example.org/printemps")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(f"{live_server}/wiki/atelier-smartphone-de-printemps")
    session = page.locator(".session-block")
    expect(session).to_contain_text("18:30")
    expect(session.get_by_role("link", name="Ajouter à mon agenda")).to_be_visible()
    page.goto(f"{live_server}/agenda")
    upcoming = page.locator("section", has=page.locator("#upcoming-title"))
    entry = upcoming.locator(".agenda-entry", has_text="Atelier smartphone de printemps")
    expect(entry).to_contain_text("18:30")
    expect(entry.get_by_role("link", name="Rejoindre la visio")).to_have_attribute(
        "href", "https://visio.example.org/printemps")
    entry.get_by_role("link", name="Atelier smartphone de printemps").click()
    page.wait_for_url(f"{live_server}/wiki/atelier-smartphone-de-printemps")
    assert console_problems == []


@pytest.fixture
def a_session(demo_wiki, live_app):
    with live_app.app_context():
        if pages.find_page("permanence-numerique")[0] is None:
            soon = (datetime.now() + timedelta(days=3)).replace(hour=10, minute=0)
            editing.create_page(title="Permanence numérique", body="Venez avec vos questions.\n\n## Au programme\n\n"
                                "- Messagerie\n- Démarches en ligne", author_label="test", publish_now=True,
                                tags="séance", event=clean_event(
                                    event_start=soon.strftime("%Y-%m-%dT%H:%M"),
                                    event_end=(soon + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
                                    event_place="Maison des associations", event_repeat="weekly",
                                    event_until=(soon + timedelta(weeks=8)).strftime("%Y-%m-%d")))
    return "permanence-numerique"


VIEWS = {"agenda": "/agenda", "session": "/wiki/permanence-numerique", "past-session": "/wiki/atelier-d-octobre",
         "portal": "/"}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("view", VIEWS)
def test_screenshots_and_accessibility_of_agenda_session_and_portal(signed_in, live_server, a_session, artifacts,
                                                                     view, size, console_problems):
    page = signed_in
    page.set_viewport_size({"width": SIZES[size], "height": 900})
    page.goto(live_server + VIEWS[view])
    page.screenshot(path=str(artifacts / f"{view}-{size}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size], f"horizontal scrolling at {SIZES[size]} px ({width} px wide)"
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, results.generate_report()
    assert console_problems == []


def test_the_embed_is_accessible(page, live_server, a_session, artifacts):
    page.set_viewport_size({"width": 375, "height": 600})
    page.goto(f"{live_server}/agenda/embed")
    expect(page.locator(".agenda-entry").first).to_be_visible()
    page.screenshot(path=str(artifacts / "embed-phone.png"), full_page=True)
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, results.generate_report()
