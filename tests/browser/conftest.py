"""Real-browser fixtures: `exchange-atlas run` on loopback, driven by Debian's Chromium.

The server is started exactly as a user starts it (the console script), in its own
process group, with a throwaway workspace; the browser is Playwright's Python API
launching /usr/bin/chromium headless (never `playwright install`).
"""

from __future__ import annotations

import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("ATLAS_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: Settled = connected, script not running, no skeleton, and no state change for 1 s.
SETTLE_JS = """
() => {
  const app = document.querySelector('[data-testid=stApp]');
  if (!app) return false;
  const state = [app.getAttribute('data-test-connection-state'),
                 app.getAttribute('data-test-script-state'),
                 !!document.querySelector('[data-testid=stSkeleton]')].join('|');
  const now = performance.now();
  if (!window.__atlasSettle) window.__atlasSettle = {start: now, state: null, since: now};
  const w = window.__atlasSettle;
  if (state !== w.state) { w.state = state; w.since = now; }
  const ok = state.startsWith('CONNECTED|notRunning|false');
  return ok && now - Math.max(w.since, w.start) > 1000;
}
"""


@contextmanager
def loopback_server(
    body: bytes = b"", content_type: str = "image/png"
) -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on loopback answering every GET with ``body``; yields its base
    URL and the list of paths requested (what a page fetched from it)."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _exe() -> str:
    found = shutil.which("exchange-atlas", path=str(Path(sys.executable).parent))
    return found or shutil.which("exchange-atlas") or "exchange-atlas"


def start_server(
    home: Path, log_dir: Path, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen, str]:
    """`exchange-atlas run` on a free loopback port with workspace ``home`` (and ``env`` on
    top of this process's environment); waits until healthy."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (see .ci/run)")
    port = _free_port()
    log = open(log_dir / "server.log", "w+")  # noqa: SIM115 (closed by stop_server)
    proc = subprocess.Popen(
        [_exe(), "run", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=dict(os.environ, EXCHANGE_ATLAS_HOME=str(home), **(env or {})),
        start_new_session=True,
    )
    proc.log = log  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            log.seek(0)
            pytest.fail(f"exchange-atlas run exited {proc.returncode}:\n{log.read()}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return proc, url
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("server did not become healthy within 60 s")
        time.sleep(0.25)


def stop_server(proc: subprocess.Popen) -> None:
    """Stop the server's whole process group."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.log.close()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def app_url(tmp_path_factory) -> str:
    proc, url = start_server(tmp_path_factory.mktemp("atlas-home"), tmp_path_factory.mktemp("logs"))
    yield url
    stop_server(proc)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    pg = ctx.new_page()
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    # offline, like an air-gapped government network: anything not on loopback fails
    pg.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(
                ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")
            )
            else route.abort()
        ),
    )
    yield pg
    ctx.close()


def settle(pg, timeout: float = 45_000) -> None:
    """Wait until the Streamlit app has finished running and stayed still for 1 s."""
    pg.evaluate("() => { window.__atlasSettle = null; }")
    pg.wait_for_function(SETTLE_JS, timeout=timeout, polling=100)


def choose(pg, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox or multiselect labelled ``label``."""
    box = pg.locator("[data-testid=stSelectbox], [data-testid=stMultiSelect]").filter(
        has_text=label
    )
    field = box.locator("input[role=combobox]").first
    field.click()
    field.press("Control+a")
    pg.keyboard.type(option)  # the react-aria combobox lists options once typed in
    pg.get_by_role("option", name=option, exact=True).click()
    pg.keyboard.press("Escape")  # a multiselect keeps its list open
    settle(pg)


def canvas_painted(pg) -> int:
    """Non-transparent pixels sampled from the first deck.gl canvas (WebGL, SwiftShader)."""
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


def shot(pg, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=False)
    return path
