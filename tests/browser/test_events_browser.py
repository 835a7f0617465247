"""The Events page in a real browser, offline: the timeline and the venue map render.

The server gets its own workspace holding the sample events (tests/events_sample.py),
so the check does not depend on the shipped events file.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import canvas_painted, settle, shot, start_server, stop_server
from tests.events_sample import install

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


def _open(pg, url: str) -> None:
    dialogs = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.goto(url)
    settle(pg)
    pg.wait_for_selector("[data-testid=stVegaLiteChart]", timeout=30_000)
    pg.wait_for_selector("[data-testid=stDeckGlJsonChart] canvas", timeout=30_000)
    pg.wait_for_function(
        """() => { const c = document.querySelector('[data-testid=stDeckGlJsonChart] canvas');
                   return c && c.width > 300 && c.height > 300; }""",
        timeout=30_000,
    )
    pg.wait_for_timeout(1500)  # deck.gl's first frames
    assert dialogs == [], "a data value ran as script"


@pytest.mark.parametrize(
    "lang,title,name",
    [
        ("zh", "展会与论坛", "服贸会"),
        ("en", "Events: timeline", "China International Fair for Trade in Services"),
    ],
)
def test_events_page_renders_offline(events_url, page, lang, title, name):
    _open(page, f"{events_url}/events?lang={lang}&as_of=2024-09-01")
    assert title in page.inner_text("h1")
    assert _timeline_marks(page) > 0, "the timeline drew nothing"
    assert canvas_painted(page) > 50, "the venue map stayed empty"
    # the first event of the order (the next one after the reference date) is selected
    assert name in page.inner_text("[data-testid=stMain]")
    shot(page, f"events-{lang}")
    page.locator("[data-testid=stDeckGlJsonChart]").scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    shot(page, f"events-{lang}-map")
    assert page.errors == []
