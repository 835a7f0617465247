"""The Overview page in a real browser, offline: the map renders, nothing errors."""

from __future__ import annotations

import pytest

from tests.browser.conftest import canvas_painted, settle, shot

pytestmark = pytest.mark.browser


def test_overview_renders_map_offline(app_url, page):
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


def test_overview_english_and_district(app_url, page):
    page.goto(app_url + "/?lang=en&district=110105")
    settle(page)
    page.wait_for_selector("[data-testid=stDeckGlJsonChart] canvas", timeout=30_000)
    page.wait_for_timeout(1500)
    assert "Beijing Exchange Atlas" in page.inner_text("h1")
    assert page.get_by_label("District", exact=True).input_value() == "Chaoyang District"
    shot(page, "overview-en-chaoyang")
    assert page.errors == []
