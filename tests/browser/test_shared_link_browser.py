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
