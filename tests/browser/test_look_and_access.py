"""Screenshots to look at, accessibility (axe-core), languages and CSP in a real browser."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import sign_in

SIZES = {"desktop": 1280, "phone": 375}


@pytest.fixture
def sample_page(make_page):
    return make_page("Guide du bénévole", "Bienvenue dans l'association.\n\n## Avant de commencer\n\n"
                     "- Lire la [[Charte]]\n- Passer au local\n\n## Contacts\n\n| Rôle | Qui |\n|---|---|\n"
                     "| Accueil | Fanny |\n\n> Une citation pour finir.")


@pytest.mark.parametrize("size", SIZES)
def test_screenshots_of_page_and_editor(signed_in, live_server, sample_page, artifacts, size, console_problems):
    page = signed_in
    page.set_viewport_size({"width": SIZES[size], "height": 900})
    page.goto(f"{live_server}/wiki/{sample_page}")
    page.screenshot(path=str(artifacts / f"page-{size}.png"), full_page=True)
    page.click("[data-edit-button]")
    page.locator("#preview h2").first.wait_for()
    page.screenshot(path=str(artifacts / f"editor-{size}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size], f"horizontal scrolling at {SIZES[size]} px ({width} px wide)"
    assert console_problems == []


@pytest.mark.parametrize("path", ["/wiki/{slug}", "/wiki/{slug}/edit", "/wiki/{slug}/history", "/recent", "/login"])
def test_no_serious_accessibility_violations(signed_in, live_server, sample_page, path):
    page = signed_in
    page.goto(live_server + path.format(slug=sample_page))
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, results.generate_report()


@pytest.mark.parametrize("language, word", [("fr", "Modifier"), ("en", "Edit")])
def test_interface_follows_the_browser_language(browser, live_server, sample_page, language, word):
    context = browser.new_context(locale=language, extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server}/wiki/{sample_page}")
    assert page.locator("[data-edit-button]").inner_text().strip() == word
    assert page.locator("html").get_attribute("lang") == language
    context.close()


def test_csp_violations_are_caught_by_the_fixture(signed_in, live_server, sample_page, console_problems):
    """The guard works: an inline script (forbidden by our CSP) is reported, so silence elsewhere means something."""
    page = signed_in
    page.goto(f"{live_server}/wiki/{sample_page}")
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = '1'; document.body.append(s); }")
    page.wait_for_timeout(200)
    assert any("CSP violation" in p or "Content Security Policy" in p for p in console_problems)
