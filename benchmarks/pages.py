"""Drive the app in headless Chromium and print how fast it feels.

Starts ``exchange-atlas run`` on loopback with a throwaway workspace, then measures, for
each page (the Events page on each of its two tabs): cold start (navigation until the app
has settled), a page switch from the sidebar, and four interactions: choosing a district in
the shared selector (whole city → Chaoyang), then another (Chaoyang → Haidian), one 50 m
step of the shared radius and one day back on the as-of slider (keyboard); and the presenter
mode's slide changes (→ at 1280×720: summary → ranking → trend → a district → the next
district, and the last district → the events). Each is wall time
from the input reaching the page until Streamlit reports the script finished and the page
stayed still for 1 s, minus that 1 s of stillness; with the bytes the browser received (HTTP
responses plus WebSocket frames, from the Chrome DevTools Protocol). Run it on an otherwise
idle machine: on 2 cores a concurrent job doubles the figures.

Usage::

    python benchmarks/pages.py [--repeat 5] [--json] [--gl gpu-process] [--pages overview ...]
    python benchmarks/pages.py --pages present --repeat 1   # the presenter's slide changes
    python benchmarks/pages.py --size 100k×50k [--seed 7]   # a synthetic city of that size
    python benchmarks/pages.py --size 1M×500k --screenshots docs/img   # and its maps, zh + en

``--size PLACES×POINTS`` builds a seeded, clustered synthetic city of that many key
locations and payment points into the throwaway workspace before the server starts
(:mod:`benchmarks.citygen`), prints how long the build took and labels the figures with
the size; without it the workspace is empty and the app shows the shipped data.

Needs Debian's ``chromium`` at /usr/bin/chromium and the ``[test]`` extra (Playwright).
Not part of the test suite: it prints figures, it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS  # noqa: E402

#: (name, path, English title in the sidebar navigation, query of the view measured)
PAGES = [
    ("overview", "/", "Overview", ""),
    ("explore", "/explore", "Map explorer", ""),
    ("compare", "/compare", "Compare districts", ""),
    ("district", "/district", "District profile", ""),
    ("events", "/events", "Events", ""),  # its first tab: the calendar
    ("events-event", "/events", "Events", "ev_tab=event"),
    ("progress", "/progress", "Progress", ""),
    ("standards", "/standards", "Service standards", ""),
    ("data", "/data", "Data", ""),
    ("inspect", "/inspect", "Inspect", ""),
    ("worklist", "/worklist", "Work list", ""),
    ("audit", "/audit", "Audit log", ""),
]
STILL_MS = 1000

#: Resolves once the app is connected, not running, without skeletons and unchanged for 1 s;
#: returns the time of the last change.
SETTLED_AT = """
() => new Promise(resolve => {
  let last = null, since = performance.now();
  const tick = () => {
    const app = document.querySelector('[data-testid=stApp]');
    const s = app ? [app.getAttribute('data-test-connection-state'),
                     app.getAttribute('data-test-script-state'),
                     !!document.querySelector('[data-testid=stSkeleton]')].join('|') : 'none';
    const now = performance.now();
    if (s !== last) { last = s; since = now; }
    if (s.startsWith('CONNECTED|notRunning|false') && now - since > STILL_MS) resolve(since);
    else setTimeout(tick, 25);
  };
  tick();
})
""".replace("STILL_MS", str(STILL_MS))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(home: str | None = None) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    home = home or tempfile.mkdtemp(prefix="atlas-bench-")
    env = dict(os.environ, EXCHANGE_ATLAS_HOME=home)
    exe = Path(sys.executable).with_name("exchange-atlas")
    log = open(Path(home) / "server.log", "wb")  # noqa: SIM115 - the server writes it
    proc = subprocess.Popen(
        [str(exe), "run", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as r:
                if r.read().strip() == b"ok":
                    break
        except OSError:
            time.sleep(0.25)
    else:
        raise SystemExit("server did not start")
    # a user opens the app on a running server: wait until it has warmed its caches
    # (dashboard/ui/warmup.py), and say how long that took
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 600:
        try:
            with urllib.request.urlopen(url + "/atlas-ready", timeout=2):
                print(f"server warm after {time.perf_counter() - t0:.1f} s", file=sys.stderr)
                return proc, url
        except OSError:
            if proc.poll() is not None:
                tail = (Path(home) / "server.log").read_text("utf-8", "replace")[-3000:]
                msg = f"the server exited ({proc.returncode}) while warming:\n{tail}"
                raise SystemExit(msg) from None
            time.sleep(0.5)
    return proc, url


class Bytes:
    """Counts bytes received over HTTP and WebSocket through a CDP session."""

    def __init__(self, page):
        self.n = 0
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.loadingFinished", lambda e: self._add(e.get("encodedDataLength", 0)))
        cdp.on(
            "Network.webSocketFrameReceived",
            lambda e: self._add(len(e["response"].get("payloadData", ""))),
        )

    def _add(self, n: float) -> None:
        self.n += int(n)

    def take(self) -> int:
        n, self.n = self.n, 0
        return n


#: Records when the user's input reached the page (capture phase, before any handler),
#: so Playwright's own actionability waits before a click are not counted.
INPUT_AT = """
() => { window.__inputAt = null;
  for (const type of ['pointerdown', 'keydown'])
    window.addEventListener(type, () => { if (window.__inputAt === null)
      window.__inputAt = performance.now(); }, {capture: true, once: true}); }
"""


def _timed(page, action) -> float:
    t0 = page.evaluate("() => performance.now()")
    page.evaluate(INPUT_AT)
    action()
    page.wait_for_timeout(50)
    settled = page.evaluate(SETTLED_AT)
    start = page.evaluate("() => window.__inputAt") or t0
    return max(settled - start, 0.0) / 1000.0


def _cold(page, target: str) -> float:
    """Seconds from the start of the navigation to ``target`` until the app settled.

    The new document's clock starts with its navigation, so the page's own settled time is
    the load's duration; the blank page's clock before it is not subtracted.
    """
    page.goto(target)
    page.wait_for_timeout(50)
    return page.evaluate(SETTLED_AT) / 1000.0


def _key_on_slider(page, where: str, name: str, key: str) -> float | None:
    """Time one arrow-key step on the slider labelled ``name`` in the container with test id
    ``where`` (None if there is none)."""
    slider = page.get_by_test_id(where).get_by_role("slider", name=name)
    if slider.count() == 0:
        return None
    slider.first.focus()
    return _timed(page, lambda: page.keyboard.press(key))


def _measure_once(browser, url: str, path: str, title: str, query: str = "") -> dict:
    """One cold start, one page switch and one district change of a page, in a new context.

    ``query`` (``ev_tab=event``) is in every link opened, so the page shows that view
    also when the sidebar switches to it.
    """
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    meter = Bytes(page)
    out: dict = {}
    q = "?lang=en" + (f"&{query}" if query else "")
    out["cold_s"] = _cold(page, url + path + q)
    out["cold_bytes"] = meter.take()
    page.goto(url + ("/events" if path != "/events" else "/") + q)
    page.evaluate(SETTLED_AT)
    meter.take()
    out["switch_s"] = _timed(page, page.get_by_role("link", name=title, exact=True).click)
    out["switch_bytes"] = meter.take()
    # from the whole city to a district, then from that district to another
    for key, name in (("district", "Chaoyang"), ("next", "Haidian")):
        box = page.get_by_test_id("stSidebarUserContent").get_by_label("District", exact=True)
        box.click()
        box.fill(name)  # typing into the combobox is the user's time, not the app's
        option = page.get_by_role("option", name=f"{name} District")
        option.wait_for()
        meter.take()
        out[f"{key}_s"] = _timed(page, option.click)
        out[f"{key}_bytes"] = meter.take()
    # one radius for all categories (a link turns it on), then one 50 m step, then one day
    page.goto(url + path + q + "&radius=500")
    page.evaluate(SETTLED_AT)
    meter.take()
    out["radius_s"] = _key_on_slider(page, "stSidebarUserContent", "Radius (m)", "ArrowRight")
    out["radius_bytes"] = meter.take()
    out["date_s"] = _key_on_slider(page, "stMain", "As of", "ArrowLeft")
    out["date_bytes"] = meter.take() if out["date_s"] is not None else None
    ctx.close()
    return out


#: The presenter's slide changes measured: (name, slide opened by the link); → goes on.
PRESENT_STEPS = (
    ("summary>ranking", 1),
    ("ranking>trend", 2),
    ("trend>district", 3),
    ("district>district", 4),
    ("district>events", 19),
)


def _measure_present(browser, url: str) -> dict:
    """Each of :data:`PRESENT_STEPS`: the link opens the slide, → shows the next one."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    page = ctx.new_page()
    out: dict = {}
    for name, slide in PRESENT_STEPS:
        page.goto(f"{url}/?present=1&lang=en&slide={slide}")
        page.evaluate(SETTLED_AT)
        out[name] = _timed(page, lambda: page.keyboard.press("ArrowRight"))
    ctx.close()
    return out


TIMES = ("cold_s", "switch_s", "district_s", "next_s", "radius_s", "date_s")
BYTES = ("cold_bytes", "switch_bytes", "district_bytes", "next_bytes", "radius_bytes", "date_bytes")


def _median(values: list, digits: int | None = None):
    """Median of the samples, None when the page has no such control."""
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    m = statistics.median(vals)
    return round(m, digits) if digits is not None else int(m)


def _spread(values: list, digits: int = 2) -> list | None:
    """``[fastest, slowest]`` of the samples (None without any): how far one sample may be
    from the median on this machine."""
    vals = [v for v in values if v is not None]
    return [round(min(vals), digits), round(max(vals), digits)] if vals else None


def _spread_cell(spread: list | None, width: int = 11) -> str:
    """``spread`` as ``1.95–2.61``, right-aligned in ``width``; ``–`` without samples."""
    text = "–" if spread is None else f"{spread[0]:.2f}–{spread[1]:.2f}"
    return text.rjust(width)


#: ``--gl gpu-process``: WebGL and compositing in Chromium's GPU process (SwiftShader when
#: there is no GPU), as a desktop browser does; the default ``software`` is the test
#: suite's ``--disable-gpu``, the slowest path (compositing on the main thread).
GL_MODES = {
    "software": LAUNCH_ARGS,
    "gpu-process": [a for a in LAUNCH_ARGS if a != "--disable-gpu"]
    + ["--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
}


def build_workspace(size: str | None, seed: int = 7) -> tuple[str, str]:
    """A throwaway workspace: empty (the shipped data) or, with ``size`` (``100k×50k``), the
    synthetic city of :func:`benchmarks.citygen.build_city` built into it with ``seed``.
    Returns the directory and the label of what it holds; prints the build time."""
    home = tempfile.mkdtemp(prefix="atlas-bench-")
    if not size:
        return home, "shipped"
    from benchmarks.citygen import build_city, parse_size

    demand, supply = parse_size(size)
    info = build_city(Path(home), demand, supply, seed)
    label = f"{info['size']} seed {seed}"
    print(
        f"built {label} in {info['seconds']:.1f} s "
        f"(generate {info['generate_s']:.1f} s, store {info['store_s']:.1f} s)",
        file=sys.stderr,
    )
    return home, label


#: ``--screenshots``: (page name, path and query) of the maps shown at each size, each
#: taken in both languages after the figures (Chaoyang on the District profile).
SHOTS = [
    ("explore", "/explore?"),
    ("district", "/district?district=110105&"),
    ("inspect", "/inspect?district=110105&"),
    ("worklist", "/worklist?district=110105&"),
    ("event", "/events?ev_tab=event&"),  # the first event's surroundings (R = 2 km)
]


class MapData:
    """The map data a page requests (``/atlas-data/…`` and ``/atlas-tiles/…``): :meth:`wait`
    returns once none has been pending or new for ``still_ms`` (and the map has drawn it)."""

    def __init__(self, page, still_ms: int = 1000) -> None:
        self.page, self.still_ms = page, still_ms
        self.pending: set = set()
        self.last = time.monotonic()
        self.failed: list[str] = []  # map data answered with an error: the map draws less
        page.on("request", self._start)
        page.on("requestfinished", self._end)
        page.on("requestfailed", self._end)
        page.on("response", self._status)

    @staticmethod
    def _ours(request) -> bool:
        return "/atlas-tiles/" in request.url or "/atlas-data/" in request.url

    def _start(self, request) -> None:
        if self._ours(request):
            self.pending.add(request)
            self.last = time.monotonic()

    def _end(self, request) -> None:
        if self._ours(request):
            self.pending.discard(request)
            self.last = time.monotonic()

    def _status(self, response) -> None:
        if self._ours(response.request) and response.status >= 400:
            self.failed.append(f"{response.status} {response.url}")

    def wait(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(100)  # lets Playwright deliver the events
            if not self.pending and time.monotonic() - self.last > self.still_ms / 1000:
                break
        self.page.wait_for_timeout(500)  # deck.gl draws what arrived on the next frames


def screenshots(browser, url: str, out: Path, label: str) -> list[Path]:
    """Screenshots of :data:`SHOTS` in Chinese and English (1280×900), named
    ``size-<label>-<page>-<lang>.png`` in ``out``, once each page has settled and its map
    has drawn."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, path in SHOTS:
        for lang in ("zh", "en"):
            ctx = browser.new_context(viewport={"width": 1280, "height": 900})
            page = ctx.new_page()
            # at 1M deck.gl asks for its tiles 1–2 s after the page has settled: a 1 s
            # pause in the map's requests is not yet the end of them
            quiet = MapData(page, still_ms=2500)
            page.goto(f"{url}{path}lang={lang}")
            page.wait_for_selector("[data-testid=stApp]")
            page.wait_for_timeout(500)
            page.evaluate(SETTLED_AT)
            deck = page.locator("[data-testid=stDeckGlJsonChart]").first
            if deck.count():  # the map in view, with what is above it on the screen
                deck.scroll_into_view_if_needed()
                page.mouse.wheel(0, -250)
            quiet.wait()  # the map's tiles arrive after the page settles
            shot = out / f"size-{label}-{name}-{lang}.png"
            page.screenshot(path=str(shot))
            paths.append(shot)
            print(f"screenshot {shot}", file=sys.stderr)
            if quiet.failed:
                n, first = len(quiet.failed), quiet.failed[0]
                print(f"  warning: {n} map requests failed, first {first}", file=sys.stderr)
            ctx.close()
    return paths


def run(
    repeat: int,
    gl: str = "software",
    only: list[str] | None = None,
    home: str | None = None,
    shots: tuple[Path, str] | None = None,
) -> list[dict]:
    from playwright.sync_api import sync_playwright

    proc, url = _start_server(home)
    rows: list[dict] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=GL_MODES[gl])
            if not only or "present" in only:
                runs = [_measure_present(browser, url) for _ in range(repeat)]
                row = {"page": "present"}
                row |= {f"{k}_s": _median([r[k] for r in runs], 3) for k, _ in PRESENT_STEPS}
                rows.append(row)
                print(json.dumps(row), file=sys.stderr)
            for name, path, title, query in PAGES:
                if only and name not in only:
                    continue
                samples: dict[str, list] = {k: [] for k in TIMES}
                sent: dict[str, list] = {k: [] for k in BYTES}
                for _ in range(repeat):
                    once = _measure_once(browser, url, path, title, query)
                    for k in samples:
                        samples[k].append(once[k])
                    for k in sent:
                        sent[k].append(once[k])
                row = {
                    "page": name,
                    **{k: _median(v, 3) for k, v in samples.items()},
                    **{f"{k}_range": _spread(v) for k, v in samples.items()},
                    **{k: _median(v) for k, v in sent.items()},
                }
                rows.append(row)
                print(json.dumps(row), file=sys.stderr)
            if shots is not None:
                screenshots(browser, url, *shots)
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument(
        "--repeat",
        type=int,
        default=5,
        help="samples per figure (the median is printed, and the fastest and slowest)",
    )
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--gl",
        choices=sorted(GL_MODES),
        default="software",
        help="how Chromium renders WebGL (default: software, as the tests)",
    )
    ap.add_argument(
        "--pages",
        nargs="+",
        choices=[p[0] for p in PAGES] + ["present"],
        help="measure only these pages (default: all)",
    )
    ap.add_argument(
        "--size",
        help="measure a synthetic city of PLACES×POINTS (100k×50k, 1M×500k), built by "
        "benchmarks/citygen.py into the throwaway workspace (default: the shipped data)",
    )
    ap.add_argument("--seed", type=int, default=7, help="seed of the --size city (default 7)")
    ap.add_argument(
        "--screenshots",
        type=Path,
        metavar="DIR",
        help="after the figures, screenshot the Map explorer, District profile (Chaoyang), "
        "Inspect, Work list and one-event maps in both languages into DIR "
        "(size-<shipped|100k|1m>-<page>-<lang>.png)",
    )
    args = ap.parse_args()
    if args.size:
        from benchmarks.citygen import parse_size

        try:
            parse_size(args.size)
        except ValueError as exc:
            ap.error(str(exc))
    home, measured = build_workspace(args.size, args.seed)
    label = "shipped" if not args.size else args.size.split("×")[0].split("x")[0].lower()
    shots = (args.screenshots, label) if args.screenshots else None
    rows = run(args.repeat, args.gl, args.pages, home, shots)
    if args.json:
        print(json.dumps([r | {"size": measured, "gl": args.gl} for r in rows], indent=2))
        return
    print(f"data: {measured}; --gl {args.gl}; median of {args.repeat}")
    heads = ["cold", "switch", "district", "next", "radius", "date"]
    print(
        f"{'page':<10}"
        + "".join(f"{h + ' s':>11}" for h in heads)
        + "".join(f"{h + ' KB':>13}" for h in heads)
    )
    for r in rows:
        if r["page"] == "present":
            continue
        cells = [f"{r[k]:>11.2f}" if r[k] is not None else f"{'–':>11}" for k in TIMES]
        cells += [f"{r[k] / 1e3:>13.0f}" if r[k] is not None else f"{'–':>13}" for k in BYTES]
        print(f"{r['page']:<10}" + "".join(cells))
    print("times run from the start of the navigation (cold) or the user's input reaching the")
    print("page until Streamlit reports the run finished (the 1 s of stillness used to decide")
    print("that is excluded); – = no such control; district: whole city → Chaoyang, next:")
    print("Chaoyang → Haidian")
    if args.repeat > 1:
        print(f"\nfastest–slowest of the {args.repeat} samples, s")
        print(f"{'page':<10}" + "".join(f"{h:>11}" for h in heads))
        for r in rows:
            if r["page"] != "present":
                cells = [_spread_cell(r.get(f"{k}_range")) for k in TIMES]
                print(f"{r['page']:<10}" + "".join(cells))
    for r in rows:
        if r["page"] == "present":
            steps = "  ".join(f"{k} {r[f'{k}_s']:.2f} s" for k, _ in PRESENT_STEPS)
            print(f"presenter slide change (→, 1280×720): {steps}")


if __name__ == "__main__":
    main()
