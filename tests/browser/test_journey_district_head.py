"""A district head's journey in a real browser, offline: compare, download, profile, what-if."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.browser.conftest import choose, settle, shot

pytestmark = pytest.mark.browser


def _deck_drawn(pg) -> None:
    pg.wait_for_function(
        """() => { const c = document.querySelector('[data-testid=stDeckGlJsonChart] canvas');
                   return c && c.width > 300 && c.height > 300; }""",
        timeout=30_000,
    )
    pg.wait_for_timeout(1200)  # deck.gl's first frames


def test_district_head_compares_downloads_and_plans(app_url, page, tmp_path):
    page.goto(app_url + "/compare?lang=en")
    settle(page)
    page.wait_for_selector("[data-testid=stVegaLiteChart] canvas, .vega-embed", timeout=30_000)
    assert "How the districts compare" in page.inner_text("h1")
    assert "illustrative" in page.inner_text("[data-testid=stAlert]")
    shot(page, "journey-compare-en")

    # rank by weighted coverage, then put Chaoyang and Haidian side by side
    choose(page, "Rank by", "Weighted coverage")
    choose(page, "Districts to compare side by side", "Chaoyang District")
    choose(page, "Districts to compare side by side", "Haidian District")
    assert "compare=110105%2C110108" in page.url or "compare=110105,110108" in page.url
    page.get_by_text("Side by side", exact=True).scroll_into_view_if_needed()
    shot(page, "journey-compare-side-by-side-en")

    # download the table as CSV and read it back
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.suffix == ".csv" and path.name.endswith("-en.csv")
    table = pd.read_csv(path, encoding="utf-8-sig", dtype={"Adcode": str})
    assert len(table) == 16 and "Weighted coverage" in table.columns
    assert table["Rank"].iloc[0] == 1

    # the district profile: pick Chaoyang, then run the what-if
    page.locator("[data-testid=stSidebarNav] a").filter(has_text="District profile").click()
    settle(page)
    assert "Choose a district" in page.inner_text("[data-testid=stMain]")
    choose(page, "District", "Chaoyang District")
    assert "district=110105" in page.url
    page.wait_for_selector("[data-testid=stMetric]")
    _deck_drawn(page)
    assert "Chaoyang District" in page.inner_text("h1")
    shot(page, "journey-district-en")
    page.get_by_role("tab", name="Recommended new service points").click()
    settle(page)
    assert "dp_tab=siting" in page.url
    page.get_by_text("What if we add them", exact=True).click()
    settle(page)
    main = page.inner_text("[data-testid=stMain]")
    assert "Coverage · After" in main and "City coverage (after)" in main
    page.get_by_role("tab", name="Recommended new service points").scroll_into_view_if_needed()
    shot(page, "journey-district-whatif-en")
    page.get_by_text("Gaps on the map", exact=True).scroll_into_view_if_needed()
    _deck_drawn(page)
    shot(page, "journey-district-whatif-map-en")
    assert page.errors == []


def test_the_same_pages_in_chinese(app_url, page):
    page.goto(app_url + "/compare?lang=zh&district=110105&compare=110101,110102")
    settle(page)
    page.wait_for_selector("[data-testid=stVegaLiteChart]", timeout=30_000)
    assert "各区支付便利对比" in page.inner_text("h1")
    shot(page, "journey-compare-zh")
    page.goto(app_url + "/district?lang=zh&district=110105")
    settle(page)
    _deck_drawn(page)
    assert "朝阳区" in page.inner_text("h1")
    assert "示意数据" in page.inner_text("[data-testid=stMain]")
    shot(page, "journey-district-zh")
    assert page.errors == []
