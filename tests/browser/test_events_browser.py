"""The Events page in a real browser, offline: the timeline and the venue map render.

The server gets its own workspace holding the sample events (tests/events_sample.py),
so the check does not depend on the shipped events file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request

import pytest

from tests.browser.conftest import _exe, _free_port, settle, shot
from tests.events_sample import install

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def events_url(tmp_path_factory):
    home = tmp_path_factory.mktemp("events-home")
    install(home)
    port = _free_port()
    log = open(tmp_path_factory.mktemp("events-logs") / "server.log", "w+")
    proc = subprocess.Popen(
        [_exe(), "run", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=dict(os.environ, EXCHANGE_ATLAS_HOME=str(home)),
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            log.seek(0)
            pytest.fail(f"exchange-atlas run exited {proc.returncode}:\n{log.read()}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("server did not become healthy within 60 s")
        time.sleep(0.25)
    yield url
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    log.close()


def _deck_painted(pg) -> int:
    return pg.evaluate(
        """() => {
        const c = document.querySelector('[data-testid=stDeckGlJsonChart] canvas');
        if (!c) return -1;
        const off = document.createElement('canvas');
        off.width = c.width; off.height = c.height;
        const ctx = off.getContext('2d');
        ctx.drawImage(c, 0, 0);
        const d = ctx.getImageData(0, 0, off.width, off.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4 * 97) if (d[i] > 0) n++;
        return n;
    }"""
    )


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
    assert _deck_painted(page) > 50, "the venue map stayed empty"
    # the first event of the order (the next one after the reference date) is selected
    assert name in page.inner_text("[data-testid=stMain]")
    shot(page, f"events-{lang}")
    page.locator("[data-testid=stDeckGlJsonChart]").scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    shot(page, f"events-{lang}-map")
    assert page.errors == []
