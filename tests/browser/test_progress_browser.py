"""The Progress page in a real browser, offline, in both languages: the charts draw, the
status table is there, nothing errors."""

from __future__ import annotations

import pytest

from tests.browser.conftest import settle, shot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "lang, title, status", [("zh", "支付便利进展与目标", "状态"), ("en", "Progress", "Status")]
)
def test_progress_page_draws_in_both_languages(app_url, page, lang, title, status):
    page.goto(f"{app_url}/progress?lang={lang}&district=110105")
    settle(page)
    page.wait_for_selector("[data-testid=stVegaLiteChart]", timeout=30_000)
    page.wait_for_timeout(800)
    shot(page, f"progress-{lang}")
    # the trend line drawn: Vega renders SVG paths or a painted canvas
    drawn = page.evaluate(
        """() => {
        const root = document.querySelector('[data-testid=stVegaLiteChart]');
        const svg = root.querySelectorAll('g.mark-line path, g.mark-symbol path');
        if (svg.length) return svg.length;
        const c = root.querySelector('canvas');
        return c && c.width ? c.width : 0;
    }"""
    )
    assert drawn > 0
    assert title in page.inner_text("h1")
    # the trend, the districts' small multiples, the gaps by sector over time
    assert page.locator("[data-testid=stVegaLiteChart]").count() == 3
    grid = page.locator("[data-testid=stDataFrame]").first
    assert grid.is_visible()
    page.locator("[data-testid=stVegaLiteChart]").nth(1).scroll_into_view_if_needed()
    page.wait_for_timeout(600)
    shot(page, f"progress-{lang}-districts")
    assert page.errors == []


@pytest.mark.parametrize("lang, word", [("zh", "目标："), ("en", "Target:")])
def test_district_profile_shows_the_target_status(app_url, page, lang, word):
    page.goto(f"{app_url}/district?lang={lang}&district=110105")
    settle(page)
    line = page.get_by_text(word, exact=False).first
    line.scroll_into_view_if_needed()
    line.wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    shot(page, f"district-target-{lang}")
    assert page.errors == []
