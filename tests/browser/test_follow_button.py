"""Following in a real browser: the page view loads its follow button and the header's counter
through htmx, and pressing the button swaps it in place (no reload, no console or CSP error)."""

from playwright.sync_api import expect

from app.extensions import db
from app.models import Follow
from app.wiki.accounts import find_user


def follows_of_fanny(live_app, page_id_slug: str) -> int:
    with live_app.app_context():
        fanny = find_user("Fanny")
        return db.session.query(Follow).filter(Follow.user_id == fanny.id).count()


def test_follow_a_page_in_place(signed_in, live_server, live_app, make_page, console_problems):
    page = signed_in
    slug = make_page("Local du suivi en place", "Ouvert le mardi.")
    before = follows_of_fanny(live_app, slug)
    page.goto(f"{live_server}/wiki/{slug}")
    page.evaluate("window.gareMarker = 'still here'")
    button = page.locator("#follow-page button")
    expect(button).to_have_attribute("aria-pressed", "false")
    button.click()
    expect(page.locator("#follow-page button")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.gareMarker") == "still here"  # swapped in place
    assert follows_of_fanny(live_app, slug) == before + 1
    page.locator(".account-summary").click()  # the account menu holds the notifications link and its counter
    expect(page.locator(".notifications-link")).to_be_visible()
    expect(page.locator("#notification-count")).to_have_count(1)  # loaded by htmx
    page.locator("#follow-page button").click()
    expect(page.locator("#follow-page button")).to_have_attribute("aria-pressed", "false")
    assert follows_of_fanny(live_app, slug) == before
    assert console_problems == []
