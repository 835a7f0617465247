"""The deployment of docs/deploy.md, for real: Debian's nginx runs the site file of
``deploy/`` (test ports, a self-signed certificate made with openssl) in front of
``exchange-atlas run`` started with the systemd unit's own command line, and Debian's
Chromium goes through HTTPS: the app loads over the proxy (its websocket included),
sign-in is asked for and a district editor sees their rights, the map's tiles and the
app's routes answer through the proxy, plain HTTP is sent to HTTPS, HSTS is set, and
Streamlit's JavaScript is sent gzip-compressed."""

from __future__ import annotations

import gzip
import http.client
import os
import re
import shutil
import signal
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.citygen import build_city
from loaders.audit import read_audit
from loaders.users_store import add_user
from loaders.workspace import history, shipped_table
from tests.browser.conftest import (
    CHROMIUM,
    LAUNCH_ARGS,
    _exe,
    _free_port,
    settle,
    shot,
)
from tests.deploy.deployfiles import UNIT, nginx_main, option, render_site, run_arguments
from tests.fixtures import run_in_thread

pytestmark = pytest.mark.browser

PASSWORD = "district-editor-2026"
#: Chaoyang: the editor's district, with more places than are drawn dot by dot.
DISTRICT = "110105"


def _nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not found:
        pytest.fail("nginx is missing: install Debian's nginx (see .ci/run)")
    return found


def _certificate(d: Path) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1 (as docs/deploy.md makes one)."""
    cert, key = d / "fullchain.pem", d / "privkey.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert),
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


def _wait(
    url: str, context: ssl.SSLContext | None, proc: subprocess.Popen, log: Path, what: str
) -> None:
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{url} did not answer within 90 s:\n{log.read_text()[-3000:]}")
        time.sleep(0.25)


def _stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """The app behind nginx: yields the https and http base URLs, a TLS context that
    trusts the test certificate, the workspace and a scratch folder."""
    tmp = tmp_path_factory.mktemp("deploy")
    home = tmp / "home"
    build_city(home, 12_000, 4_000, seed=7)  # Chaoyang gets > 2,000 places: tiles
    add_user("wang", PASSWORD, "editor", (DISTRICT,), home=home)
    add_user("ada", PASSWORD, "admin", home=home)
    cert, key = _certificate(tmp)
    app_port, http_port, https_port = _free_port(), _free_port(), _free_port()
    args = run_arguments(UNIT.read_text(encoding="utf-8"))
    args[args.index("--port") + 1] = str(app_port)
    assert option(args, "--host") == "127.0.0.1"
    app_log = tmp / "app.log"
    env = dict(os.environ, EXCHANGE_ATLAS_HOME=str(home))
    env.pop("EXCHANGE_ATLAS_AUTH", None)
    with open(app_log, "w") as out:
        app = subprocess.Popen(
            [_exe(), *args], stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    site = tmp / "site.conf"
    site.write_text(render_site(cert, key, http_port, https_port, app_port), encoding="utf-8")
    conf = tmp / "nginx.conf"
    conf.write_text(nginx_main(tmp, site, os.geteuid() == 0), encoding="utf-8")
    nginx = _nginx()
    test = subprocess.run(
        [nginx, "-t", "-c", str(conf), "-p", str(tmp), "-e", str(tmp / "error.log")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if test.returncode != 0 or "[warn]" in test.stderr:
        _stop(app)
        pytest.fail(f"nginx -t refuses or warns about the site:\n{test.stderr}")
    proxy = subprocess.Popen(
        [nginx, "-c", str(conf), "-p", str(tmp), "-e", str(tmp / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    ca = ssl.create_default_context(cafile=str(cert))
    https, plain = f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}"
    try:
        _wait(f"http://127.0.0.1:{app_port}/_stcore/health", None, app, app_log, "the app")
        _wait(f"{https}/_stcore/health", ca, proxy, tmp / "error.log", "nginx")
        yield https, plain, ca, home, tmp
    finally:
        _stop(proxy)
        _stop(app)


def test_https_answers_with_hsts_and_http_is_sent_to_https(deployment):
    https, plain, ca, _home, _tmp = deployment
    with urllib.request.urlopen(f"{https}/_stcore/health", timeout=10, context=ca) as r:
        assert r.read().strip() == b"ok"  # the certificate verifies: real TLS
        assert r.headers["Strict-Transport-Security"] == "max-age=63072000"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
    host, port = plain.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", "/inspect?lang=en")
    resp = conn.getresponse()
    assert resp.status == 301
    assert resp.getheader("Location") == f"https://{host}/inspect?lang=en"
    conn.close()
    # the app's own readiness route, through the proxy (503 while warming, then 200)
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{https}/atlas-ready", timeout=10, context=ca) as r:
                assert r.read() == b"ready"
                break
        except urllib.error.HTTPError as exc:
            assert exc.code == 503 and exc.read() == b"warming"
            assert time.monotonic() < deadline, "the caches did not warm within 120 s"
            time.sleep(0.5)


def _request(
    base: str, ca: ssl.SSLContext, method: str, path: str, body: bytes | None = None, **headers: str
) -> tuple[http.client.HTTPResponse, bytes]:
    """One request to the proxy on its own connection: the response and its body, read."""
    host, port = base.removeprefix("https://").split(":")
    conn = http.client.HTTPSConnection(host, int(port), timeout=30, context=ca)
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp, resp.read()
    finally:
        conn.close()


def test_the_proxy_sends_the_apps_code_compressed(deployment):
    """Streamlit serves its JavaScript uncompressed: through nginx a browser that accepts
    gzip gets it compressed (the same bytes once unpacked, under half the size), one that
    does not gets it as it is."""
    https, _http, ca, _home, _tmp = deployment
    page = _request(https, ca, "GET", "/")[1].decode()
    entry = re.search(r'src="\./(static/js/index\.[^"]+\.js)"', page)
    assert entry, page[:500]
    plain, raw = _request(https, ca, "GET", "/" + entry[1])
    assert plain.getheader("Content-Encoding") is None and len(raw) > 100_000
    packed, body = _request(https, ca, "GET", "/" + entry[1], **{"Accept-Encoding": "gzip"})
    assert packed.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(body) == raw
    assert len(body) < len(raw) / 2
    assert "Accept-Encoding" in (packed.getheader("Vary") or "")


def test_an_upload_of_the_apps_size_limit_passes_the_proxy(deployment):
    """nginx lets a body up to Streamlit's upload limit through (its default is 1 MB):
    a 5 MB POST reaches the app, whose answer (not nginx's 413) comes back."""
    https, _http, ca, _home, _tmp = deployment
    upload = "/_stcore/upload_file/none/none"
    resp, body = _request(https, ca, "PUT", upload, b"x" * (5 * 2**20))
    assert resp.status != 413, body[:200]
    assert b"nginx" not in body
    resp, _ = _request(https, ca, "PUT", upload, b"x" * (201 * 2**20))
    assert resp.status == 413  # above the limit: refused by nginx


def _offline(route) -> None:
    ok = route.request.url.startswith(("https://127.0.0.1", "wss://127.0.0.1", "data:", "blob:"))
    route.continue_() if ok else route.abort()


def test_a_district_editor_signs_in_over_https_and_sees_their_rights(deployment):
    run_in_thread(_editor_journey, deployment)  # the browser tests leave a loop running


def _editor_journey(deployment) -> None:
    from playwright.sync_api import sync_playwright

    https, _http, _ca, home, tmp = deployment
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        ctx = browser.new_context(
            ignore_https_errors=True, viewport={"width": 1400, "height": 1000}
        )
        ctx.route("**/*", _offline)
        pg = ctx.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        sockets: list[str] = []
        frames: list[int] = []

        def on_socket(ws) -> None:
            sockets.append(ws.url)
            ws.on("framereceived", lambda _payload: frames.append(1))

        pg.on("websocket", on_socket)
        tiles: list[tuple[int, str, int]] = []

        def on_response(resp) -> None:
            if "/atlas-tiles/" in resp.url:
                tiles.append((resp.status, resp.url, len(resp.body())))

        pg.on("response", on_response)
        pg.goto(f"{https}/?lang=en")
        settle(pg, 90_000)
        # the app runs over the proxy: its websocket is open and talking
        assert any(u.startswith(https.replace("https", "wss") + "/_stcore/stream") for u in sockets)
        assert frames
        # sign-in is asked before anything is shown
        assert pg.get_by_role("heading", name="Sign in").count() == 1
        assert pg.locator("[data-testid=stDeckGlJsonChart]").count() == 0
        assert tiles == []
        pg.get_by_role("textbox", name="User name").fill("wang")
        pg.get_by_role("textbox", name="Password").fill("not-the-password")
        pg.get_by_role("button", name="Sign in").click()
        settle(pg, 60_000)
        assert pg.get_by_text("Signed in:").count() == 0  # a wrong password gets nowhere
        pg.get_by_role("textbox", name="Password").fill(PASSWORD)
        pg.get_by_role("button", name="Sign in").click()
        settle(pg, 90_000)
        side = pg.locator("[data-testid=stSidebar]")
        assert "Signed in: wang (district editor)" in side.inner_text()
        assert "Districts: Chaoyang" in side.inner_text()
        # the editor starts in their district, whose places are drawn from tiles
        pg.locator("[data-testid=stDeckGlJsonChart] canvas").first.wait_for(timeout=60_000)
        deadline = time.monotonic() + 60
        while not [t for t in tiles if t[0] == 200] and time.monotonic() < deadline:
            pg.wait_for_timeout(250)
        shot(pg, "deploy-editor-over-https")
        ok = [t for t in tiles if t[0] == 200]
        assert ok, f"no tile came through the proxy: {tiles[:5]}"
        assert all(u.startswith(f"{https}/atlas-tiles/") for _s, u, _n in ok)
        assert all(n > 0 for _s, _u, n in ok)
        # an import through the proxy (an upload, then a write): refused outside the
        # editor's district, row by row, and taken inside it
        pg.locator("[data-testid=stSidebarNavLink]").filter(has_text="Data").first.click()
        settle(pg, 60_000)
        assert "Signed in: wang" in side.inner_text()  # the same session
        assert pg.get_by_text("This account can view only").count() == 0
        theirs = _venues(tmp, "theirs.csv", ["110105", "110101"])
        _import(pg, theirs)
        alert = pg.locator("[data-testid=stAlertContentError]").inner_text()
        assert "may import only rows of their own districts (110105)" in alert
        assert "theirs.csv, row 2, column 'adcode'" in alert
        assert len(history("venues", home)) == 0  # nothing written
        _import(pg, _venues(tmp, "mine.csv", ["110105", "110105"]))
        assert "Imported" in pg.locator("[data-testid=stAlertContentSuccess]").inner_text()
        (made,) = history("venues", home)
        last = read_audit(home)[-1]
        assert (last.actor, last.role, last.via, last.version) == (
            "wang", "editor", "web", made.name,
        )  # fmt: skip
        assert errors == []
        ctx.close()
        browser.close()


def _venues(tmp: Path, name: str, districts: list[str]) -> Path:
    """A CSV of shipped venues, one of each district of ``districts``, new ids."""
    t = shipped_table("venues")
    rows = pd.concat([t[t["adcode"] == d].head(1) for d in districts], ignore_index=True)
    rows["id"] = [f"PROXY{i}" for i in range(len(rows))]
    path = tmp / name
    rows.to_csv(path, index=False)
    return path


def _import(pg, path: Path) -> None:
    # into the first layer, the venues (the page's default; checked by the history after)
    pg.locator("[data-testid=stFileUploaderDropzoneInput]").first.set_input_files(str(path))
    settle(pg, 60_000)
    pg.get_by_role("button", name="Confirm import").click()
    settle(pg, 60_000)


def test_the_sign_in_throttle_counts_the_client_behind_the_proxy(deployment):
    """Failed sign-ins under five different names from one browser: after three, each
    attempt waits 1, 2 … s because the throttle counts the client's address, which it
    sees only through the proxy's X-Real-IP (the TCP peer is nginx on loopback; without
    it every client is "" and a guesser trying many names is never slowed)."""
    run_in_thread(_throttle_journey, deployment)


def _throttle_journey(deployment) -> None:
    from playwright.sync_api import sync_playwright

    https = deployment[0]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        ctx = browser.new_context(ignore_https_errors=True)
        ctx.route("**/*", _offline)
        pg = ctx.new_page()
        pg.goto(f"{https}/?lang=en")
        settle(pg, 90_000)
        took = []
        for n in range(5):
            pg.get_by_role("textbox", name="User name").fill(f"guess{n}")
            pg.get_by_role("textbox", name="Password").fill("wrong")
            t0 = time.monotonic()
            pg.get_by_role("button", name="Sign in").click()
            settle(pg, 60_000)
            took.append(time.monotonic() - t0)
            assert pg.get_by_text("Signed in:").count() == 0
        # the fifth waited 2 s before its check (the fourth 1 s); the first three none
        assert took[4] - min(took[:3]) >= 1.5, took
        ctx.close()
