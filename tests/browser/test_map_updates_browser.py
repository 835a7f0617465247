"""Choosing another district updates each page's map in place, in a real browser.

A map that Streamlit rebuilds (when an element above it comes or goes, or its key
changes) gets a new WebGL context and compiles every shader again: 0.5–1 s in a
software-rendered browser, on every click. The pages keep their maps in place; this
counts the WebGL contexts the page creates while the user switches districts.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import settle

pytestmark = pytest.mark.browser

#: Counts WebGL contexts created in the page (before any page script runs).
COUNT_CONTEXTS = """
(() => { window.__webgl = 0;
  const get = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (type, ...rest) {
    if (String(type).startsWith('webgl')) window.__webgl++;
    return get.call(this, type, ...rest);
  };
})();
"""


def _pick_district(pg, name: str) -> None:
    box = pg.get_by_test_id("stSidebarUserContent").get_by_label("District", exact=True)
    box.click()
    box.fill(name)
    pg.get_by_role("option", name=f"{name} District", exact=True).click()
    settle(pg)


# Pinggu has no synthetic payment points, so the synthetic-data notice above the map goes
# away and comes back; it has no events, so the events page keeps to districts with some.
@pytest.mark.parametrize(
    ("path", "districts"),
    [
        ("/", ("Chaoyang", "Pinggu", "Haidian")),
        ("/explore", ("Chaoyang", "Pinggu", "Haidian")),
        ("/district", ("Chaoyang", "Pinggu", "Haidian")),
        ("/events", ("Chaoyang", "Haidian", "Dongcheng")),
    ],
)
def test_another_district_updates_the_map_in_place(app_url, page, path, districts):
    page.add_init_script(COUNT_CONTEXTS)
    page.goto(f"{app_url}{path}?lang=en")
    settle(page)
    canvas = "[data-testid=stDeckGlJsonChart] canvas#deckgl-overlay"
    page.wait_for_selector(canvas, timeout=30_000)  # the district page too, before a choice
    page.evaluate(f"document.querySelector('{canvas}').__atlas = 1")
    made = page.evaluate("window.__webgl")
    assert made >= 1
    for name in districts:
        _pick_district(page, name)
        assert page.locator(canvas).count() == 1, name
        assert page.evaluate(f"document.querySelector('{canvas}').__atlas") == 1, name
    assert page.evaluate("window.__webgl") == made  # no map was rebuilt
    assert not page.errors
