"""Presenter mode in Chromium at 1280×720: a presenter opens ?present=1, steps through
every slide by keyboard, sees no sidebar or Streamlit chrome, leaves with Esc; a shared
link with slide=K reopens slide K. Screenshots of the slides in test-artifacts/."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from dashboard.core.state import DISTRICT_CODES
from tests.browser.conftest import settle, shot

pytestmark = pytest.mark.browser

SLIDES = 3 + len(DISTRICT_CODES) + 1  # summary, ranking, trend, 16 districts, events
#: Streamlit's chrome and the app's sidebar: none may be visible while presenting.
CHROME = (
    "[data-testid=stSidebar]",
    "[data-testid=stSidebarCollapsedControl]",
    "[data-testid=stHeader]",
    "[data-testid=stToolbar]",
    "[data-testid=stMainMenu]",
    "[data-testid=stStatusWidget]",
    "[data-testid=stAppDeployButton]",
    "[data-testid=stDecoration]",
)


@pytest.fixture
def screen(page):
    page.set_viewport_size({"width": 1280, "height": 720})
    return page


def _slide(pg) -> int | None:
    raw = parse_qs(urlparse(pg.url).query).get("slide")
    return int(raw[0]) if raw else None


def _title(pg) -> str:
    return pg.locator("[data-testid=stMain] h1").first.inner_text()


def _no_chrome(pg) -> None:
    for sel in CHROME:
        shown = pg.locator(sel).evaluate_all(
            "els => els.filter(e => e.getClientRects().length && "
            "getComputedStyle(e).visibility !== 'hidden').length"
        )
        assert shown == 0, f"{sel} is visible"


def _press(pg, key: str) -> None:
    pg.keyboard.press(key)
    settle(pg)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_presenter_steps_through_every_slide_by_keyboard(app_url, screen, lang):
    pg = screen
    pg.goto(f"{app_url}/compare?present=1&lang={lang}")
    settle(pg)
    pg.locator("[data-testid=stMain] h1").first.wait_for()
    assert _slide(pg) == 1
    _no_chrome(pg)
    shot(pg, f"present-{lang}-01")
    titles = [_title(pg)]
    for n in range(2, SLIDES + 1):
        _press(pg, "ArrowRight" if n % 2 else "Space")  # both step forward
        assert _slide(pg) == n
        titles.append(_title(pg))
        if n in (2, 3, 4, SLIDES):
            shot(pg, f"present-{lang}-{n:02d}")
    assert len(set(titles)) == SLIDES  # every slide is a different one
    _no_chrome(pg)
    _press(pg, "ArrowRight")  # the last slide stays
    assert _slide(pg) == SLIDES
    _press(pg, "ArrowLeft")
    assert _slide(pg) == SLIDES - 1 and _title(pg) == titles[-2]
    _press(pg, "Escape")  # back to the page it was opened on
    assert "present" not in pg.url and "slide" not in pg.url
    assert urlparse(pg.url).path == "/compare"
    assert pg.locator("[data-testid=stSidebar]").is_visible()
    assert pg.get_by_test_id("stVegaLiteChart").first.is_visible()  # the page itself
    assert not pg.errors


def test_a_shared_link_reopens_the_same_slide(app_url, screen, browser):
    pg = screen
    pg.goto(f"{app_url}/?present=1&lang=en")
    settle(pg)
    for _ in range(4):
        _press(pg, "ArrowRight")
    link, title = pg.url, _title(pg)
    assert _slide(pg) == 5
    other = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    try:
        other.goto(link)
        settle(other)
        assert _slide(other) == 5 and _title(other) == title
        _no_chrome(other)
    finally:
        other.context.close()


def test_the_present_button_opens_the_presentation(app_url, screen):
    pg = screen
    pg.goto(f"{app_url}/district?lang=en&district=110108")
    settle(pg)
    pg.get_by_test_id("stSidebar").get_by_role("button", name="Present").click()
    settle(pg)
    assert _slide(pg) == 1 and "present=1" in pg.url
    _no_chrome(pg)
    pg.get_by_role("button", name="Leave").click()
    settle(pg)
    assert urlparse(pg.url).path == "/district" and "district=110108" in pg.url


def test_auto_advance_steps_on_its_own(app_url, screen):
    pg = screen
    pg.goto(f"{app_url}/?present=1&lang=en&auto=3&slide=2")
    settle(pg)
    assert _slide(pg) == 2
    pg.wait_for_function(
        "() => new URLSearchParams(location.search).get('slide') === '3'", timeout=15_000
    )
    settle(pg)
    assert "Coverage trend" in _title(pg) and "auto=3" in pg.url
