"""The pages benchmark's clock: a cold load is counted from the start of its navigation, in
a real Chromium, whatever time the blank page spent before it."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.pages import _cold
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, loopback_server
from tests.fixtures import run_in_thread

#: A stand-in for the app: it reports "connected, not running" 400 ms after it starts.
PAGE = b"""<!doctype html><html><body><div data-testid="stApp"
 data-test-connection-state="PINGING_SERVER" data-test-script-state="initial"></div>
<script>
setTimeout(() => {
  const app = document.querySelector('[data-testid=stApp]');
  app.setAttribute('data-test-connection-state', 'CONNECTED');
  app.setAttribute('data-test-script-state', 'notRunning');
}, 400);
</script></body></html>"""


def test_cold_load_counts_from_its_navigation():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (see .ci/run)")
    seconds = run_in_thread(_cold_after_a_second)  # the browser tests leave a loop running
    # settled when the state changed, 400 ms after the page's scripts started
    assert 0.4 <= seconds < 1.4


def _cold_after_a_second() -> float:
    from playwright.sync_api import sync_playwright

    with loopback_server(PAGE, "text/html") as (url, _hits), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_context().new_page()
            page.wait_for_timeout(1000)  # the blank page's clock runs on before the load
            return _cold(page, url + "/")
        finally:
            browser.close()
