"""Presence in a real browser (issue 13): two people, two browser contexts. The second sees that
the first has the editor open; the first is warned before saving that the second saved, and merges."""

import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import EditorPresence
from app.wiki import pages, presence
from app.wiki.accounts import create_user, find_user
from app.wiki.presence import HEARTBEAT_SECONDS
from tests.browser.conftest import sign_in

WAIT_MS = (HEARTBEAT_SECONDS + 15) * 1000  # one heartbeat, on a loaded machine


@pytest.fixture
def basile(live_app):
    with live_app.app_context():
        if find_user("Basile") is None:
            create_user(name="Basile", password="motdepasse", role="facilitator")


def open_as(browser, live_server, name, problems):
    """A new browser context (its own cookies) signed in as `name`, with its console watched."""
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.on("console", lambda msg: problems.append(f"{name}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"{name}: {error}"))
    page.goto(f"{live_server}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", "motdepasse")
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    return context, page


def presence_rows(live_app, slug):
    with live_app.app_context():
        page = pages.find_page(slug)[0]
        return db.session.scalar(sa.select(sa.func.count()).select_from(EditorPresence)
                                 .where(EditorPresence.page_id == page.id))


def read_body(live_app, slug):
    with live_app.app_context():
        page, _redirected = pages.find_page(slug)
        db.session.refresh(page)
        return page.head.body


def test_the_second_sees_the_first_editing_and_the_first_is_warned_before_saving(
        browser, live_server, live_app, make_page, basile):
    slug = make_page("Charte du local", "Ouverture le lundi.\n\nFermeture à 18 h.\n\nClés chez Ana.")
    problems = []
    first_context, first = open_as(browser, live_server, "Fanny", problems)
    second_context, second = open_as(browser, live_server, "Basile", problems)
    try:
        first.goto(f"{live_server}/wiki/{slug}")
        first.click("[data-edit-button]")  # in place, as people do
        expect(first.locator("#editor-presence input[name=editor_key]")).not_to_have_value("")
        first.locator("#editor textarea[name=body]").fill(
            "Ouverture le lundi et le jeudi.\n\nFermeture à 18 h.\n\nClés chez Ana.")

        second.goto(f"{live_server}/wiki/{slug}")
        expect(second.locator("#presence")).to_contain_text("Fanny modifie cette page depuis moins d’une minute")
        second.click("[data-edit-button]")
        expect(second.locator("#editor-presence")).to_contain_text("Fanny modifie cette page")
        second.locator("#editor textarea[name=body]").fill(
            "Ouverture le lundi.\n\nFermeture à 18 h.\n\nClés chez Basile.")
        second.click("#editor button[type=submit]:not([formaction])")
        expect(second.locator("#article .prose")).to_contain_text("Clés chez Basile")

        # The first has not pressed Save: the next heartbeat warns, with the other change.
        warning = first.locator("[data-stale-warning]")
        expect(warning).to_be_visible(timeout=WAIT_MS)
        expect(warning).to_contain_text("Cette page a été enregistrée pendant que vous la modifiiez")
        expect(warning).to_contain_text("Basile")
        expect(warning.locator("table.diff")).to_contain_text("Clés chez Basile")
        assert "jeudi" not in read_body(live_app, slug)  # the first's text is not saved yet

        warning.get_by_role("button", name="Fusionner dans mon texte").click()
        body = first.locator("#editor textarea[name=body]")
        expect(body).to_have_value("Ouverture le lundi et le jeudi.\n\nFermeture à 18 h.\n\nClés chez Basile.")
        expect(first.locator("#messages")).to_contain_text("L’autre modification est maintenant dans votre texte")
        expect(first.locator("[data-stale-warning]")).to_have_count(0)  # the editor now builds on the head
        assert first.url.endswith(f"/wiki/{slug}/edit")  # the merge did not move the address bar

        first.click("#editor button[type=submit]:not([formaction])")
        expect(first.locator("#article .prose")).to_contain_text("jeudi")
        expect(first.locator("#article .prose")).to_contain_text("Clés chez Basile")
        assert read_body(live_app, slug) == "Ouverture le lundi et le jeudi.\n\nFermeture à 18 h.\n\nClés chez Basile."
        assert presence_rows(live_app, slug) == 0  # both saved: nobody is editing
        assert problems == []
    finally:
        first_context.close()
        second_context.close()


def test_cancelling_the_editor_ends_the_presence_at_once(signed_in, live_server, live_app, make_page,
                                                         console_problems):
    page = signed_in
    slug = make_page("Annuler la présence", "Texte.")
    page.goto(f"{live_server}/wiki/{slug}")
    page.click("[data-edit-button]")
    expect(page.locator("#editor-presence input[name=editor_key]")).not_to_have_value("")
    assert presence_rows(live_app, slug) == 1
    page.click("[data-editor-cancel]")
    expect(page.locator("#article")).to_be_visible()
    deadline = time.monotonic() + 10
    while presence_rows(live_app, slug) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert presence_rows(live_app, slug) == 0
    assert console_problems == []


def test_the_copy_button_copies_the_attribution(signed_in, live_server, make_page, context, console_problems):
    page = signed_in
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    slug = make_page("Fiche à réutiliser", "Texte libre.")
    page.goto(f"{live_server}/wiki/{slug}")
    page.click("#reuse summary")
    button = page.locator("button[data-copy='reuse-markdown']")
    button.click()
    expect(page.locator("#reuse [data-copy-status]")).to_have_text(button.get_attribute("data-copied"))
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#reuse-markdown").input_value()
    assert copied.startswith(f"[Fiche à réutiliser]({live_server}/wiki/{slug})")
    assert console_problems == []


def test_a_hostile_display_name_stays_inert_in_the_notice(page, live_server, live_app, make_page, console_problems):
    """A member named like an XSS payload edits; a reader's browser shows the name as text and runs nothing."""
    name = '<img src=x onerror="alert(1)">'
    slug = make_page("Nom piégé", "Texte.")
    with live_app.app_context():
        user = find_user(name) or create_user(name=name, password="motdepasse", role="volunteer")
        presence.heartbeat(pages.find_page(slug)[0], user=user, key=None, base_revision=1)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{live_server}/wiki/{slug}")
    expect(page.locator("#presence .presence-notice")).to_contain_text(name)
    assert page.locator("#presence img").count() == 0
    assert dialogs == [] and console_problems == []
