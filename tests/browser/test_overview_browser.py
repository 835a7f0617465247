"""The Overview page in a real browser, offline: the map renders, nothing errors."""

from __future__ import annotations

import pytest

from tests.browser.conftest import canvas_painted, settle, shot

pytestmark = pytest.mark.browser


def test_overview_renders_map_offline(app_url, page):
    outside: list[str] = []  # requests that would leave the machine (all aborted here)
    page.on(
        "request",
        lambda r: (
            None
            if r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
            else outside.append(r.url)
        ),
    )
    page.goto(app_url + "/?lang=zh")
    settle(page)
    page.wait_for_selector("[data-testid=stDeckGlJsonChart] canvas", timeout=30_000)
    page.wait_for_function(
        """() => { const c = document.querySelector('[data-testid=stDeckGlJsonChart] canvas');
                   return c && c.width > 300 && c.height > 300; }""",
        timeout=30_000,
    )
    page.wait_for_timeout(1500)  # let deck.gl draw its first frames
    assert "北京国际交往地图" in page.inner_text("h1")
    assert canvas_painted(page) > 50, "the deck.gl canvas stayed empty"
    shot(page, "overview-zh")
    assert page.errors == []
    assert outside == []  # no basemap chosen: not even a basemap style is asked for


def test_overview_english_and_district(app_url, page):
    page.goto(app_url + "/?lang=en&district=110105")
    settle(page)
    page.wait_for_selector("[data-testid=stDeckGlJsonChart] canvas", timeout=30_000)
    page.wait_for_timeout(1500)
    assert "Beijing Exchange Atlas" in page.inner_text("h1")
    assert page.get_by_label("District", exact=True).input_value() == "Chaoyang District"
    shot(page, "overview-en-chaoyang")
    assert page.errors == []


def test_outlines_are_served_once_and_redraws_send_only_the_chosen_district(app_url, page):
    """The outlines come from the app's own static files (offline) and are not re-sent."""
    fetched = []
    page.on(
        "response",
        lambda r: fetched.append((r.url, r.status)) if "/app/static/" in r.url else None,
    )
    frames = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(len(f))))
    page.goto(app_url + "/?lang=en")
    settle(page)
    page.wait_for_timeout(1500)
    assert [s for _, s in fetched] == [200], fetched
    assert "districts-en-wgs84.json" in fetched[0][0]
    assert canvas_painted(page) > 50
    before = len(fetched)
    frames.clear()
    box = page.get_by_test_id("stSidebarUserContent").get_by_label("District", exact=True)
    box.click()
    box.fill("Dongcheng")
    page.get_by_role("option", name="Dongcheng District").click()
    settle(page)
    page.wait_for_timeout(1000)
    assert len(fetched) == before  # same URL: the browser keeps the outlines it has
    assert max(frames) < 100_000  # the rerun sent the small overlay, not 16 outlines
    assert canvas_painted(page) > 50
    shot(page, "overview-en-dongcheng-served-outlines")
    assert page.errors == []
