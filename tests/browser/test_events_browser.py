"""The Events page in a real browser, offline: the timeline renders, a row chosen in the
events list opens that event's tab, and its venue map renders.

The server gets its own workspace holding the sample events (tests/events_sample.py),
so the check does not depend on the shipped events file.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import canvas_painted, settle, shot, start_server, stop_server
from tests.events_sample import MAJOR, ROWS, install

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def events_url(tmp_path_factory):
    home = tmp_path_factory.mktemp("events-home")
    install(home)
    proc, url = start_server(home, tmp_path_factory.mktemp("events-logs"))
    yield url
    stop_server(proc)


def _timeline_marks(pg) -> int:
    """Bars drawn by Vega (SVG paths or a painted canvas) in the first Altair chart."""
    return pg.evaluate(
        """() => {
        const root = document.querySelector('[data-testid=stVegaLiteChart]');
        if (!root) return -1;
        const svg = root.querySelectorAll('g.mark-rect path');
        if (svg.length) return svg.length;
        const c = root.querySelector('canvas');
        if (!c || !c.width) return 0;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4 * 53) if (d[i] > 0) n++;
        return n;
    }"""
    )


def _open(pg, url: str) -> list[str]:
    """Open ``url`` on the calendar tab; the list of script dialogs (none expected)."""
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.goto(url)
    settle(pg)
    pg.wait_for_selector("[data-testid=stVegaLiteChart]", timeout=30_000)
    pg.wait_for_selector("[data-testid=stDataFrame]", timeout=30_000)
    return dialogs


def _choose_row(pg, i: int) -> None:
    """Click the selection marker of row ``i`` (0 = first) of the events list."""
    grid = pg.locator("[data-testid=stDataFrame]").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    row_px = 35  # Streamlit's default header and row height
    pg.mouse.click(box["x"] + 18, box["y"] + row_px * (i + 1) + row_px / 2)
    settle(pg)


def _map_drawn(pg) -> None:
    pg.wait_for_selector("[data-testid=stDeckGlJsonChart] canvas", timeout=30_000)
    pg.wait_for_function(
        """() => { const c = document.querySelector('[data-testid=stDeckGlJsonChart] canvas');
                   return c && c.width > 300 && c.height > 300; }""",
        timeout=30_000,
    )
    pg.wait_for_timeout(1500)  # deck.gl's first frames


@pytest.mark.parametrize(
    "lang,title,col",
    [("zh", "展会与论坛", 1), ("en", "Events: timeline", 2)],
)
def test_a_row_of_the_calendar_opens_the_event_and_its_map(events_url, page, lang, title, col):
    dialogs = _open(page, f"{events_url}/events?lang={lang}&as_of=2024-09-01")
    assert title in page.inner_text("h1")
    assert _timeline_marks(page) > 0, "the timeline drew nothing"
    # the calendar tab draws no map: the event's surroundings are one click away
    assert page.locator("[data-testid=stDeckGlJsonChart]").count() == 0
    shot(page, f"events-{lang}")
    first = page.url.split("event=", 1)[1].split("&", 1)[0]  # marked in the list
    _choose_row(page, 1)  # the second event of the order
    assert "ev_tab=event" in page.url
    chosen = page.url.split("event=", 1)[1].split("&", 1)[0]
    assert chosen != first
    name = next(r[col] for r in ROWS if r[0] == chosen)
    assert page.get_by_role("tab", selected=True).inner_text() == (
        "单个活动：场馆周边" if lang == "zh" else "One event: around its venue"
    )
    assert name in page.locator("[data-testid=stHeading]").filter(has_text=name).first.inner_text()
    assert page.locator("[data-testid=stVegaLiteChart]").count() == 0
    _map_drawn(page)
    assert canvas_painted(page) > 50, "the venue map stayed empty"
    page.locator("[data-testid=stDeckGlJsonChart]").scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    shot(page, f"events-{lang}-map")
    # back on the calendar, the list is still there and nothing ran as script
    page.get_by_role("tab").first.click()
    settle(page)
    assert "ev_tab" not in page.url and f"event={chosen}" in page.url
    assert _timeline_marks(page) > 0
    assert dialogs == [], "a data value ran as script"
    assert page.errors == []


@pytest.mark.parametrize(
    "lang,toggle,tab",
    [
        ("zh", "只看四大国际活动", "四大活动：历届准备度"),
        ("en", "Only the four major international events", "Four major events"),
    ],
)
def test_filter_to_the_four_major_events_and_their_readiness_by_edition(
    events_url, page, lang, toggle, tab
):
    dialogs = _open(page, f"{events_url}/events?lang={lang}&as_of=2024-09-01")
    kpi = page.locator("[data-testid=stMetricValue]").first
    assert kpi.inner_text().strip() == str(len(ROWS))
    page.get_by_text(toggle, exact=True).click()
    settle(page)
    assert "ev_major=1" in page.url
    assert kpi.inner_text().strip() == str(len(MAJOR))  # only the four major editions
    assert _timeline_marks(page) > 0
    shot(page, f"events-major-{lang}")
    # the readiness of each major event's venue, edition by edition
    page.get_by_role("tab", name=tab).click()
    settle(page)
    assert "ev_tab=major" in page.url
    page.wait_for_selector("[data-testid=stVegaLiteChart]", timeout=30_000)
    page.wait_for_selector("[data-testid=stDataFrame]", timeout=30_000)
    chart = page.locator("[data-testid=stVegaLiteChart]").first
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    assert _chart_painted(page) > 0, "the readiness chart drew nothing"
    shot(page, f"events-major-{lang}-editions")
    # a shared link reopens the tab with the filter on
    page.goto(page.url)
    settle(page)
    assert tab in page.get_by_role("tab", selected=True).inner_text()
    page.wait_for_selector("[data-testid=stVegaLiteChart]", timeout=30_000)
    assert dialogs == [] and page.errors == []


def _chart_painted(pg) -> int:
    """Non-transparent pixels (sampled) or SVG marks of the first Vega chart."""
    return pg.evaluate(
        """() => {
        const root = document.querySelector('[data-testid=stVegaLiteChart]');
        if (!root) return -1;
        const svg = root.querySelectorAll('g.mark-symbol path, g.mark-line path');
        if (svg.length) return svg.length;
        const c = root.querySelector('canvas');
        if (!c || !c.width) return 0;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4 * 53) if (d[i] > 0) n++;
        return n;
    }"""
    )
