"""Search as you type in the header, with the keyboard."""

from playwright.sync_api import expect


def test_typing_shows_suggestions_and_arrow_keys_reach_them(page, live_server, make_page, console_problems):
    make_page("Coopération entre associations", "Texte sur la coopération.")
    page.goto(f"{live_server}/")
    box = page.locator("#search-q")
    box.press_sequentially("cooper", delay=40)
    suggestion = page.locator("#search-suggestions a", has_text="Coopération entre associations")
    expect(suggestion).to_be_visible()
    box.press("ArrowDown")
    expect(suggestion).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/wiki/cooperation-entre-associations")
    assert console_problems == []
