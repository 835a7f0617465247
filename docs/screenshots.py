"""Retake the README's screenshots (docs/img/*.png) from the running app, offline.

Starts ``exchange-atlas run`` on loopback with a throwaway workspace and opens each view
as a link in headless Chromium (Debian's /usr/bin/chromium; never ``playwright install``),
with every request off loopback refused, as on an air-gapped network.

Usage::

    python docs/screenshots.py [events.png ...]   # all, or only the files named
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, start_server, stop_server  # noqa: E402

#: file -> the link it shows, or (link, element scrolled to the top of the window)
VIEWS: dict[str, str | tuple[str, str]] = {
    "overview-zh.png": "/?lang=zh",
    "overview.png": "/?lang=en&district=110105",
    "explore.png": "/explore?lang=en&district=110105&place=key-locations:K010",
    "compare.png": "/compare?lang=en&district=110105&compare=110101,110102",
    "district.png": "/district?lang=en&district=110105&what_if=1",
    "district-city-zh.png": "/district?lang=zh",
    "district-siting.png": (
        "/district?lang=en&district=110105&dp_tab=siting&sites=5&what_if=1",
        "[data-testid=stTabs]",
    ),
    "events.png": "/events?lang=en&as_of=2024-09-01",
    "events-event-zh.png": ("/events?lang=zh&as_of=2024-09-01&ev_tab=event", "[role=tablist]"),
    "standards.png": "/standards?lang=en",
    "data.png": "/data?lang=en",
}
SETTLED = """() => { const a = document.querySelector('[data-testid=stApp]');
  return a && a.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-testid=stSkeleton]'); }"""


def main(only: list[str]) -> None:
    from playwright.sync_api import sync_playwright

    unknown = set(only) - set(VIEWS)
    if unknown:
        raise SystemExit(
            f"no such screenshot: {', '.join(sorted(unknown))}; one of {', '.join(VIEWS)}"
        )

    home = Path(tempfile.mkdtemp(prefix="atlas-shots-"))
    proc, url = start_server(home, home)
    out = ROOT / "docs" / "img"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
            for name, view in VIEWS.items():
                if only and name not in only:
                    continue
                link, top = (view, None) if isinstance(view, str) else view
                page = browser.new_page(viewport={"width": 1400, "height": 1100})
                page.route(
                    "**/*",
                    lambda r: (
                        r.continue_()
                        if r.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:"))
                        else r.abort()
                    ),
                )
                page.goto(url + link)
                page.wait_for_function(SETTLED, timeout=60_000, polling=200)
                if top:
                    page.locator(top).first.evaluate("e => e.scrollIntoView({block: 'start'})")
                page.wait_for_timeout(2500)  # deck.gl and Vega draw after the script settles
                page.screenshot(path=str(out / name))
                print(out / name)
                page.close()
            browser.close()
    finally:
        stop_server(proc)


if __name__ == "__main__":
    main(sys.argv[1:])
