"""A newcomer's first contribution, end to end in Chromium (issue 14): a facilitator makes an invitation
link; the newcomer follows it, joins, is guided to a first edit, saves it and is told who will review it;
the facilitator approves it from the queue; the newcomer sees it published (page, history, notification)."""

import re
import uuid

from playwright.sync_api import expect

from app.wiki.welcome import PRESENTATION_SLUG


def test_invitation_join_guided_first_edit_review_and_publication(signed_in, browser, live_server, console_problems):
    fanny = signed_in
    fanny.goto(f"{live_server}/invitations")
    fanny.select_option("select[name=role]", "volunteer")
    fanny.click("form[action='/invitations'] button[type=submit]")
    link = fanny.locator("input.copy-field").input_value()
    assert "/join/" in link

    newcomer_context = browser.new_context(locale="fr-FR")
    lou = newcomer_context.new_page()
    name = f"Lou {uuid.uuid4().hex[:6]}"
    lou.goto(link)
    lou.fill("input[name=name]", name)
    lou.fill("input[name=password]", "un mot de passe")
    lou.click("#join form button[type=submit]")
    expect(lou).to_have_url(f"{live_server}/welcome")
    expect(lou.locator("h1")).to_contain_text(f"Bienvenue, {name}")
    steps = lou.locator(".welcome-steps li")
    expect(steps).to_have_count(3)
    for number, word in enumerate(("Modifier", "Écrire", "Enregistrer")):
        expect(steps.nth(number)).to_contain_text(word)
    expect(steps.nth(2)).to_contain_text("Fanny")  # who will review it

    lou.click("[data-welcome-start]")
    expect(lou).to_have_url(re.compile(rf"/wiki/{PRESENTATION_SLUG}/edit\?guide=1"))
    expect(lou.locator("#editor-guide")).to_contain_text("Votre première modification")
    expect(lou.locator("#editor-help")).not_to_have_attribute("open", "")  # the help is there, closed
    textarea = lou.locator("#editor textarea[name=body]")
    textarea.press("Control+End")
    textarea.type("\n\n## Les Jardins du Marais\n\nUn potager partagé, ouvert le samedi matin. Contact : jardins@exemple.org")
    lou.click("#editor button[type=submit]")
    message = lou.locator("#messages")
    expect(message).to_contain_text("attend la relecture d’un·e animateur·rice")
    expect(message).to_contain_text("Fanny")
    expect(lou).to_have_url(f"{live_server}/wiki/{PRESENTATION_SLUG}")
    expect(lou.locator(".banner-pending")).to_be_visible()
    expect(lou.locator("[data-withdraw]")).to_be_visible()  # the newcomer may still take it back
    # the welcome is done: it does not come back
    lou.goto(f"{live_server}/welcome")
    expect(lou).to_have_url(f"{live_server}/")

    fanny.goto(f"{live_server}/review")
    item = fanny.locator(f"#review-{PRESENTATION_SLUG}")
    expect(item).to_contain_text(name)
    item.locator("button.button-primary").click()  # "Publish": the facilitator's browser speaks English
    expect(fanny.locator(f"#review-{PRESENTATION_SLUG} button.button-primary")).to_have_count(0)

    lou.goto(f"{live_server}/wiki/{PRESENTATION_SLUG}")
    expect(lou.locator("#article .prose")).to_contain_text("Les Jardins du Marais")
    expect(lou.locator(".banner-pending")).to_have_count(0)
    lou.goto(f"{live_server}/wiki/{PRESENTATION_SLUG}/history")
    expect(lou.locator(".history-table tbody tr").first).to_contain_text("publiée")
    # and they are told (the notifications of issue 13)
    lou.goto(f"{live_server}/notifications")
    expect(lou.locator("main")).to_contain_text("Fanny a publié votre modification")
    newcomer_context.close()
    assert console_problems == []
