"""Layout of every page type (issue 14): no horizontal scrolling at 375 px, screenshots at 375 and
1280 px under test-artifacts/novice/ (git-ignored) to look at, and a facilitator's header on one line at 1280 px."""

import pytest

from tests.browser.novice_pages import PAGE_TYPES, pages_for, prepare

WIDTHS = {"phone": 375, "desktop": 1280}


@pytest.fixture(scope="module")
def prepared(live_app):
    return prepare(live_app)


@pytest.mark.parametrize("size", WIDTHS)
def test_no_page_scrolls_sideways_and_screenshots(browser, live_server, prepared, artifacts, size):
    width = WIDTHS[size]
    folder = artifacts / "novice"
    folder.mkdir(exist_ok=True)
    readers = pages_for(browser, live_server, viewport={"width": width, "height": 900})
    too_wide = {}
    for name, (path, who) in PAGE_TYPES.items():
        page = readers[who]
        page.goto(live_server + path.format(**prepared))
        page.screenshot(path=str(folder / f"{name}-{size}.png"), full_page=True)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        print(f"{size} {name}: {scroll_width} px")
        if scroll_width > width:
            too_wide[name] = scroll_width
    for page in readers.values():
        page.context.close()
    assert too_wide == {}, f"wider than {width} px: {too_wide}"


def test_a_facilitators_header_is_one_line_at_1280(browser, live_server, prepared):
    page = pages_for(browser, live_server, viewport={"width": 1280, "height": 900})["facilitator"]
    for path in ("/", "/wiki/{slug}".format(**prepared), "/review"):
        page.goto(live_server + path)
        header = page.locator(".site-header").bounding_box()
        line = page.locator(".site-header .brand").bounding_box()
        print(f"header at 1280 px on {path}: {header['height']:.0f} px")
        # one line: the header is its padding plus its tallest item (the search field), not two rows
        tops = page.evaluate("""() => [...document.querySelectorAll('.site-header > *, .site-header nav li')]
            .filter(e => e.offsetParent !== null).map(e => Math.round(e.getBoundingClientRect().top))""")
        assert max(tops) - min(tops) < line["height"], f"the header wraps on {path}: tops {tops}"
        assert header["height"] < 80, f"{header['height']} px tall on {path}"
    page.context.close()
