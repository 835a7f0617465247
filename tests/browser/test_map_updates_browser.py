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
# The events page's map is on its second tab.
@pytest.mark.parametrize(
    ("path", "districts"),
    [
        ("/", ("Chaoyang", "Pinggu", "Haidian")),
        ("/explore", ("Chaoyang", "Pinggu", "Haidian")),
        ("/district", ("Chaoyang", "Pinggu", "Haidian")),
        ("/events?ev_tab=event", ("Chaoyang", "Haidian", "Dongcheng")),
    ],
)
def test_another_district_updates_the_map_in_place(app_url, page, path, districts):
    page.add_init_script(COUNT_CONTEXTS)
    page.goto(f"{app_url}{path}{'&' if '?' in path else '?'}lang=en")
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


def test_a_radius_step_sends_only_the_layers_that_change(app_url, page):
    """Point layers go by URL (dashboard.views.served): a radius step re-sends the recoloured
    gaps, not the 240 payment points and every venue again."""
    from tests.browser.conftest import canvas_painted

    fetched: list[tuple[str, int]] = []
    page.on(
        "response",
        lambda r: fetched.append((r.url, r.status)) if "/atlas-data/" in r.url else None,
    )
    frames: list[int] = []
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on(
        "Network.webSocketFrameReceived", lambda e: frames.append(len(e["response"]["payloadData"]))
    )
    page.goto(f"{app_url}/explore?lang=en&radius=500")
    settle(page)
    loaded = list(fetched)
    assert len(loaded) >= 4 and {s for _, s in loaded} == {200}  # venues … payments
    assert canvas_painted(page) > 0
    frames.clear()
    slider = page.get_by_test_id("stSidebarUserContent").get_by_role("slider", name="Radius (m)")
    slider.first.focus()
    page.keyboard.press("ArrowRight")
    settle(page)
    again = fetched[len(loaded) :]
    assert 1 <= len(again) <= 2, again  # the gaps at the new radius, nothing else
    assert {u for u, _ in again}.isdisjoint({u for u, _ in loaded})
    assert sum(frames) < 100_000, sum(frames)  # was ~340 KB with every layer inline
    assert canvas_painted(page) > 0
    assert not page.errors
