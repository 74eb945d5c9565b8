"""RGAA checks that need a browser and that axe does not make (issue 14, docs/accessibility.md):
reflow at 320 CSS px (RGAA 10.11, WCAG 1.4.10: a 1280 px screen at 400 % zoom) with no horizontal
scrolling, and text enlarged to 200 % (RGAA 10.4) at 1280 px without the page growing wider than the
screen, on every page type of tests/browser/novice_pages.py. Screenshots go to test-artifacts/rgaa/."""

import pytest

from tests.browser.novice_pages import PAGE_TYPES, pages_for, prepare

# the root font size doubled (the stylesheet's 106.25 % becomes 212.5 %), as a reader's browser setting would
DOUBLE_TEXT = "document.documentElement.style.fontSize = '212.5%'"
LOOKED_AT = ("page", "editor-volunteer", "history", "review", "sign-in", "welcome")


@pytest.fixture(scope="module")
def prepared(live_app):
    return prepare(live_app)


def overflow(page, width):
    """How much wider than the screen the page is, and the widest elements that stick out."""
    return page.evaluate("""(width) => {
      const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > width + 1
        && !e.closest('[data-scroll-focus], pre, table, .diff, .editor-panes textarea'))
        .slice(0, 3).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className);
      return [document.documentElement.scrollWidth - width, wide];
    }""", width)


@pytest.mark.parametrize("case", ["reflow-320", "text-200"])
def test_no_horizontal_scrolling_at_320_px_or_with_text_at_200_percent(browser, live_server, prepared, artifacts,
                                                                       case):
    width = 320 if case == "reflow-320" else 1280
    readers = pages_for(browser, live_server, viewport={"width": width, "height": 800})
    shots = artifacts / "rgaa"
    shots.mkdir(exist_ok=True)
    found = {}
    for name, (path, who) in PAGE_TYPES.items():
        page = readers[who]
        page.goto(live_server + path.format(**prepared))
        if case == "text-200":
            page.evaluate(DOUBLE_TEXT)
        page.wait_for_timeout(150)  # app.js marks wide tables focusable after a resize
        extra, wide = overflow(page, width)
        if extra > 0:
            found[name] = (extra, wide)
        if name in LOOKED_AT:
            page.screenshot(path=str(shots / f"{case}-{name}.png"), full_page=True)
    for reader in readers.values():
        reader.context.close()
    print(f"{case}: {len(PAGE_TYPES)} page types, too wide: {found}")
    assert found == {}
