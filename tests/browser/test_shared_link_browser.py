"""A presenter sends a link; the colleague who opens it sees the same view."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import settle, shot

pytestmark = pytest.mark.browser


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def test_link_reopens_the_same_view_and_survives_page_switches(app_url, page):
    link = "/explore?district=110105&lang=en&as_of=2024-12-31&layers=venues,payments&basemap=none"
    page.goto(app_url + link)
    settle(page)
    main = page.locator("[data-testid=stMain]")
    assert "Map explorer" in main.inner_text()
    sidebar = page.get_by_test_id("stSidebarUserContent")
    assert sidebar.get_by_label("District", exact=True).input_value() == "Chaoyang District"
    assert "2024-12-31" in main.inner_text()  # the as-of slider
    toggles = {
        name: page.get_by_role("switch", name=name, exact=True).is_checked()
        for name in ("Venues", "Key locations", "Payment points")
    }
    assert toggles == {"Venues": True, "Key locations": False, "Payment points": True}
    shot(page, "shared-link-explore-en")
    # the same state follows the user to another page and back into the URL
    page.get_by_role("link", name="Compare districts", exact=True).click()
    settle(page)
    q = _query(page.url)
    assert q["district"] == "110105" and q["lang"] == "en" and q["as_of"] == "2024-12-31"
    assert q["layers"] == "venues,payments"
    assert page.errors == []


def test_link_with_page_filters_reopens_the_filters_and_the_selected_place(app_url, page):
    """A planner's filtered view with a place selected, sent as a link, reopens exactly."""
    link = (
        "/explore?lang=en&district=110101&sectors=accommodation&gaps=0&h3=1"
        "&place=key-locations:K002&radius=300&std=any"
    )
    page.goto(app_url + link)
    settle(page)
    main = page.locator("[data-testid=stMain]")
    side = page.get_by_test_id("stSidebarUserContent")
    # the selected place's details, from the link alone
    assert "Beijing Hotel" in main.inner_text()
    # the shared standard in the sidebar
    assert side.get_by_role("switch", name="One radius for every category").is_checked()
    assert side.get_by_role("slider", name="Radius (m)").get_attribute("aria-valuetext") == "300"
    assert side.get_by_role("switch", name="Any payment point counts").is_checked()
    # the page's own filters and analysis layers
    page.get_by_text("Filters · 1 active", exact=True).click()  # the count says filters are on
    sectors = main.locator("[data-testid=stMultiSelect]").filter(has_text="Key-location sectors")
    assert "Accommodation" in sectors.inner_text()
    page.get_by_text("Analysis layers", exact=True).click()
    assert not page.get_by_role("switch", name="Highlight coverage gaps").is_checked()
    assert page.get_by_role("switch", name="H3 coverage grid").is_checked()
    shot(page, "shared-link-explore-filters-en")
    # a round trip through another page keeps all of it in the URL
    page.get_by_role("link", name="Events", exact=True).click()
    settle(page)
    page.get_by_role("link", name="Map explorer", exact=True).click()
    settle(page)
    q = _query(page.url)
    assert q["sectors"] == "accommodation" and q["gaps"] == "0" and q["h3"] == "1"
    assert q["place"] == "key-locations:K002" and q["radius"] == "300" and q["std"] == "any"
    assert "Beijing Hotel" in main.inner_text()
    assert page.errors == []
