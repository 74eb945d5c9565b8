"""In-place editing in a real browser: what only a browser can show."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in

from app.extensions import db
from app.wiki import editing, pages


def read_body(live_app, slug):
    with live_app.app_context():
        page, _redirected = pages.find_page(slug)
        db.session.refresh(page)
        return page.head.body


def test_double_click_edit_type_ctrl_enter_saves_in_place(signed_in, live_server, live_app, make_page,
                                                         console_problems):
    page = signed_in
    slug = make_page("Atelier vélo", "Le samedi matin.")
    page.goto(f"{live_server}/wiki/{slug}")
    page.evaluate("window.gareMarker = 'still here'")
    page.dblclick("#article .prose p")
    editor = page.locator("#editor textarea[name=body]")
    expect(editor).to_be_visible()
    editor.fill("Le samedi matin et le mercredi soir.")
    editor.press("Control+Enter")
    expect(page.locator("#article .prose")).to_contain_text("mercredi soir")
    assert page.evaluate("window.gareMarker") == "still here"  # no full navigation
    expect(page.locator("#messages")).not_to_be_empty()
    assert read_body(live_app, slug) == "Le samedi matin et le mercredi soir."
    assert console_problems == []


def test_cancel_restores_the_article(signed_in, live_server, make_page, console_problems):
    page = signed_in
    slug = make_page("Annuler", "Texte d'origine.")
    page.goto(f"{live_server}/wiki/{slug}")
    page.click("[data-edit-button]")
    expect(page.locator("#editor")).to_be_visible()
    page.click("[data-editor-cancel]")
    expect(page.locator("#article .prose")).to_contain_text("Texte d'origine.")
    expect(page.locator("#editor")).to_have_count(0)
    assert console_problems == []


def test_preview_updates_while_typing(signed_in, live_server, make_page, console_problems):
    page = signed_in
    slug = make_page("Aperçu", "Début.")
    page.goto(f"{live_server}/wiki/{slug}/edit")
    page.locator("textarea[name=body]").fill("## Un titre\n\n**important**")
    expect(page.locator("#preview strong")).to_have_text("important")
    expect(page.locator("#preview h2")).to_have_text("Un titre")
    assert console_problems == []


def test_section_edit_changes_only_its_section(signed_in, live_server, live_app, make_page, console_problems):
    page = signed_in
    body = "Intro.\n\n## Horaires\n\nLe lundi.\n\n## Adresse\n\n12 rue de la Gare."
    slug = make_page("Local associatif", body)
    page.goto(f"{live_server}/wiki/{slug}")
    page.locator("a.section-edit[data-section='2']").click()
    editor = page.locator("#editor textarea[name=body]")
    expect(editor).to_have_value("## Adresse\n\n12 rue de la Gare.")
    editor.fill("## Adresse\n\n14 avenue du Port.")
    page.click("#editor button[type=submit]")
    expect(page.locator("#article .prose")).to_contain_text("14 avenue du Port")
    assert read_body(live_app, slug) == "Intro.\n\n## Horaires\n\nLe lundi.\n\n## Adresse\n\n14 avenue du Port."
    assert console_problems == []


def test_draft_is_offered_back_after_an_expired_session(signed_in, live_server, make_page, context):
    page = signed_in
    slug = make_page("Brouillon", "Version en ligne.")
    page.goto(f"{live_server}/wiki/{slug}/edit")
    page.locator("textarea[name=body]").fill("Mon long texte que je ne veux pas perdre.")
    page.wait_for_timeout(600)  # the draft is written 300 ms after typing stops
    context.clear_cookies()  # the session expires
    page.click("#editor button[type=submit]")
    expect(page.locator("#messages .message-error")).to_be_visible()
    expect(page.locator("textarea[name=body]")).to_have_value("Mon long texte que je ne veux pas perdre.")
    # sign in again and come back: the editor offers the draft
    sign_in(page, live_server)
    page.goto(f"{live_server}/wiki/{slug}/edit")
    expect(page.locator("[data-draft-offer]")).to_be_visible()
    page.click("[data-draft-restore]")
    expect(page.locator("textarea[name=body]")).to_have_value("Mon long texte que je ne veux pas perdre.")


def test_edit_and_save_without_javascript(browser, live_server, make_page, live_app):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server)
    slug = make_page("Sans JavaScript", "Avant.")
    page.goto(f"{live_server}/wiki/{slug}")
    page.click("[data-edit-button]")
    expect(page).to_have_url(re.compile(f"/wiki/{slug}/edit$"))
    page.fill("textarea[name=body]", "Après, sans JavaScript.")
    page.click("#editor button[type=submit]")
    expect(page).to_have_url(re.compile(f"/wiki/{slug}$"))
    expect(page.locator("#article .prose")).to_contain_text("Après, sans JavaScript.")
    page.click("[data-edit-button]")
    page.click("[data-editor-cancel]")
    expect(page).to_have_url(re.compile(f"/wiki/{slug}$"))
    context.close()
