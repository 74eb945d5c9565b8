"""The address bar follows in-place editing (hx-push-url / hx-replace-url): the editor has its
own address, a save or a cancel gives the page's back, reload keeps the text and back returns to the page."""

import re

from playwright.sync_api import expect


def open_editor_in_place(page, live_server, slug):
    page.goto(f"{live_server}/wiki/{slug}")
    page.evaluate("window.gareMarker = 'still here'")
    page.click("[data-edit-button]")
    expect(page.locator("#editor textarea[name=body]")).to_be_visible()
    expect(page).to_have_url(f"{live_server}/wiki/{slug}/edit")


def test_after_an_in_place_save_the_address_is_the_page(signed_in, live_server, make_page, console_problems):
    page = signed_in
    slug = make_page("Adresse après enregistrement", "Première version.")
    open_editor_in_place(page, live_server, slug)
    page.locator("#editor textarea[name=body]").fill("Deuxième version.")
    page.click("#editor button[type=submit]")
    expect(page.locator("#article .prose")).to_contain_text("Deuxième version.")
    expect(page).to_have_url(f"{live_server}/wiki/{slug}")
    assert page.evaluate("window.gareMarker") == "still here"  # saved in place, no full navigation
    # back returns to the page (as it is now), not to the editor
    page.go_back()
    expect(page).to_have_url(f"{live_server}/wiki/{slug}")
    expect(page.locator("#article .prose")).to_contain_text("Deuxième version.")
    expect(page.locator("#editor")).to_have_count(0)
    assert console_problems == []


def test_a_section_saved_in_place_gives_the_page_address(signed_in, live_server, make_page, console_problems):
    page = signed_in
    slug = make_page("Adresse d'une section", "Intro.\n\n## Horaires\n\nLe lundi.")
    page.goto(f"{live_server}/wiki/{slug}")
    page.locator("a.section-edit[data-section='1']").click()
    expect(page).to_have_url(f"{live_server}/wiki/{slug}/edit?section=1")
    page.locator("#editor textarea[name=body]").fill("## Horaires\n\nLe mardi.")
    page.click("#editor button[type=submit]")
    expect(page.locator("#article .prose")).to_contain_text("Le mardi.")
    expect(page).to_have_url(f"{live_server}/wiki/{slug}")
    assert console_problems == []


def test_cancel_and_back_from_the_editor_return_to_the_page(signed_in, live_server, make_page, console_problems):
    page = signed_in
    slug = make_page("Retour depuis l'éditeur", "Le texte publié.")
    open_editor_in_place(page, live_server, slug)
    page.click("[data-editor-cancel]")
    expect(page.locator("#editor")).to_have_count(0)
    expect(page).to_have_url(f"{live_server}/wiki/{slug}")
    open_editor_in_place(page, live_server, slug)
    page.go_back()
    expect(page).to_have_url(f"{live_server}/wiki/{slug}")
    expect(page.locator("#article .prose")).to_contain_text("Le texte publié.")
    expect(page.locator("#editor")).to_have_count(0)
    assert console_problems == []


def test_reload_in_the_editor_keeps_the_text(signed_in, live_server, make_page):
    page = signed_in
    slug = make_page("Recharger l'éditeur", "En ligne.")
    open_editor_in_place(page, live_server, slug)
    page.locator("#editor textarea[name=body]").fill("Un texte que je tape encore.")
    page.wait_for_timeout(600)  # the draft is written 300 ms after typing stops
    page.on("dialog", lambda dialog: dialog.accept())  # "leave the page?" before the reload
    page.reload()
    expect(page).to_have_url(f"{live_server}/wiki/{slug}/edit")
    expect(page.locator("[data-draft-offer]")).to_be_visible()
    page.click("[data-draft-restore]")
    expect(page.locator("textarea[name=body]")).to_have_value("Un texte que je tape encore.")


def test_a_page_created_in_place_gets_its_own_address(signed_in, live_server, console_problems):
    page = signed_in
    page.goto(f"{live_server}/wiki/cree-sur-place")
    console_problems.clear()  # the missing page itself answers 404, as it should
    page.evaluate("window.gareMarker = 'still here'")
    page.click("[data-create-button]")
    expect(page.locator("#editor textarea[name=body]")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/wiki/cree-sur-place/edit\?title="))
    page.locator("#editor textarea[name=body]").fill("Une page toute neuve.")
    page.click("#editor button[type=submit]")
    expect(page.locator("#article .prose")).to_contain_text("Une page toute neuve.")
    expect(page).to_have_url(f"{live_server}/wiki/cree-sur-place")
    assert page.evaluate("window.gareMarker") == "still here"
    assert console_problems == []


def test_a_page_created_from_the_new_page_form_gets_its_own_address(signed_in, live_server, console_problems):
    page = signed_in
    page.goto(f"{live_server}/new?title=Nouvelle+adresse")
    expect(page).to_have_url(re.compile(r"/wiki/nouvelle-adresse/edit\?title="))
    page.locator("#editor textarea[name=body]").fill("Créée depuis le formulaire.")
    page.click("#editor button[type=submit]")
    expect(page.locator("#article .prose")).to_contain_text("Créée depuis le formulaire.")
    expect(page).to_have_url(f"{live_server}/wiki/nouvelle-adresse")
    assert console_problems == []
