"""Many users at once, measured: concurrent sessions exploring pages while writers write.

Starts ``exchange-atlas run`` on 127.0.0.1 with a throwaway workspace, then for
``--duration`` seconds:

* **N sessions** (``--sessions``, default 20) are clients of Streamlit's own WebSocket
  protocol (``/_stcore/stream``, the protobuf ``BackMsg``/``ForwardMsg`` the browser
  speaks): each loads a page's HTML, opens its own WebSocket, and explores — switches
  pages, changes the shared district in the sidebar's selector, moves the one-radius
  slider — with a seeded think time between steps, and fetches the map data
  (``/atlas-data/…``) each run publishes, as the browser does. No JavaScript runs (that
  is what keeps 20 sessions within 2 cores; the server does all its real work).
* **W writers** (``--writers``, default 4), each its own process, alternately import a
  few rows into the payments layer and record one field inspection, through
  :mod:`loaders.writes` (``--writer-cli``: ``exchange-atlas import`` and
  ``exchange-atlas inspect add`` as subprocesses), logging every write they were told
  succeeded.

Figures printed (``--json``: also as JSON):

* **errors** (want 0): exception elements drawn on a page, runs that did not finish
  (timeout, disconnect, a compile error), HTTP loads (page HTML, map data) that failed,
  writes that raised.
* **lost updates** (want 0): a write reported as succeeded whose version or batch is
  missing from the final history, off the chain that leads to the version in effect, or
  whose rows are not in the data in effect; **out of order**: two writes of which one
  finished before the other started but got the later version number, or a version
  whose rows do not come after the earlier versions' rows.
* **cross-session leaks** (want 0): each session has its own district, language and
  radius (no two sessions share all three); after every run, every district selector,
  the language radio and the radius slider that the server sets, and the URL it writes
  back, must show this session's own choice (its latest, as it changed them). A mismatch
  is a leak; those equal to another session's choice are counted apart.
* **interaction time**: from the message leaving the client to the run finished and
  its new map data received, p50/p95/max per kind (open, page, district, radius).

Usage::

    python benchmarks/load.py [--sessions 20] [--writers 4] [--duration 60] [--json]
    python benchmarks/load.py --size 100k×50k        # a synthetic city (benchmarks/citygen.py)

It prints figures and asserts nothing; run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dashboard.core.state import ALL, DISTRICT_CODES  # noqa: E402

#: Pages a session explores (URL path of ``dashboard.ui.app.PAGES``; "" is the Overview).
EXPLORED = ["", "explore", "compare", "district", "progress", "events", "inspect", "worklist"]
#: The shared district codes, "all" first as the selector lists them.
DISTRICTS = [ALL, *DISTRICT_CODES]
LANG_LABEL = {"zh": "中文", "en": "English"}
RUN_TIMEOUT_S = 120.0
WRITE_LAYER = "payments"
#: Script-finished status of a run cut short by a rerun (another run follows).
FINISHED_EARLY_FOR_RERUN = 2


# --------------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home: Path) -> tuple[subprocess.Popen, str]:
    """``exchange-atlas run`` on a free loopback port; returns once warm (``/atlas-ready``)."""
    port = _free_port()
    exe = Path(sys.executable).with_name("exchange-atlas")
    log = open(home / "server.log", "wb")  # noqa: SIM115 - the server writes it
    proc = subprocess.Popen(
        [str(exe), "run", "--host", "127.0.0.1", "--port", str(port)],
        env=dict(os.environ, EXCHANGE_ATLAS_HOME=str(home)),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    for probe in ("/_stcore/health", "/atlas-ready"):
        while True:
            if proc.poll() is not None:
                tail = (home / "server.log").read_text("utf-8", "replace")[-3000:]
                raise SystemExit(f"the server exited ({proc.returncode}):\n{tail}")
            try:
                with urllib.request.urlopen(url + probe, timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"the server did not answer {probe}") from None
                time.sleep(0.25)
    return proc, url


def stop_server(proc: subprocess.Popen) -> None:
    """Stop the server's process group (SIGTERM, then SIGKILL)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


# --------------------------------------------------------------------------- sessions


@dataclass
class Choice:
    """What one session has chosen (the leak check compares every run with it)."""

    district: str
    lang: str
    radius: int

    def query(self) -> str:
        d = "" if self.district == "all" else f"district={self.district}&"
        return f"{d}lang={self.lang}&radius={self.radius}"


@dataclass
class Stats:
    """What all sessions observed."""

    times: dict[str, list[float]] = field(default_factory=dict)
    pages: dict[str, list[float]] = field(default_factory=dict)  # every run, by page
    errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    leaks_other: int = 0
    error_alerts: list[str] = field(default_factory=list)
    runs: int = 0
    loads: int = 0
    bytes: int = 0
    checks: int = 0


class Session:
    """One user: a WebSocket to the server speaking Streamlit's protocol."""

    def __init__(self, number: int, url: str, choice: Choice, stats: Stats, rng: random.Random):
        self.number, self.url, self.choice, self.stats, self.rng = number, url, choice, stats, rng
        self.pages: dict[str, str] = {}  # url path → page script hash
        self.page = ""
        self.widgets: dict[str, str] = {}  # key suffix (w_district, w_radius) → widget id
        self.district_labels: list[str] = []
        self.fetched: set[str] = set()
        self.query = choice.query()  # the page's URL query, as the server last wrote it
        self.ws = None

    # ---- protocol
    async def _run(self, kind: str, back) -> None:
        """Send ``back`` (a BackMsg) and read until the run finished; time it."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        assert self.ws is not None
        t0 = time.perf_counter()
        await self.ws.send(back.SerializeToString())
        data_urls: list[str] = []
        seen_query: str | None = None
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), RUN_TIMEOUT_S)
            if isinstance(raw, str):  # Streamlit sends binary frames only
                raw = raw.encode()
            self.stats.bytes += len(raw)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            what = msg.WhichOneof("type")
            if what == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._element(msg.delta.new_element, data_urls)
            elif what == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            elif what == "page_info_changed":
                seen_query = msg.page_info_changed.query_string
            elif what == "page_not_found":
                self._error(f"page not found: {msg.page_not_found.page_name!r}")
            elif what == "script_finished":
                if msg.script_finished == FINISHED_EARLY_FOR_RERUN:
                    continue
                if msg.script_finished not in (0, 3):  # successfully / fragment successfully
                    self._error(f"run of /{self.page} finished with status {msg.script_finished}")
                break
        self.stats.runs += 1
        if seen_query is not None:
            self._check_query(seen_query)
        for u in data_urls:
            if u not in self.fetched:
                self.fetched.add(u)
                await asyncio.to_thread(self._load, u)
        took = time.perf_counter() - t0
        self.stats.times.setdefault(kind, []).append(took)
        self.stats.pages.setdefault(f"/{self.page}", []).append(took)

    def _element(self, el, data_urls: list[str]) -> None:
        what = el.WhichOneof("type")
        if what is None:
            return
        w = getattr(el, what)
        if what == "exception":
            self._error(f"exception on /{self.page}: {w.type}: {w.message[:200]}")
        elif what == "alert" and w.format == 1:  # ERROR
            self.stats.error_alerts.append(f"/{self.page}: {w.body[:160]}")
        elif what == "deck_gl_json_chart":
            data_urls += re.findall(r'"([^"]*atlas-data/[^"\\]+)"', w.json)
        elif what in ("selectbox", "radio", "slider"):
            key = w.id.rsplit("-", 1)[-1]
            self.widgets[key] = w.id
            if what == "selectbox" and len(w.options) == len(DISTRICTS) and "district" in key:
                self.district_labels = list(w.options)
                if w.set_value:
                    seen = DISTRICTS[self.district_labels.index(w.raw_value)]
                    self._check("district", seen)
            elif what == "radio" and key == "w_lang" and w.set_value:
                by_label = {v: k for k, v in LANG_LABEL.items()}
                self._check("lang", by_label.get(w.raw_value, str(w.raw_value)))
            elif what == "slider" and key == "w_radius" and w.set_value:
                self._check("radius", str(int(w.value[0])))

    def _label(self, code: str) -> str:
        return self.district_labels[DISTRICTS.index(code)] if self.district_labels else code

    def _check(self, what: str, seen: str, where: str = "page") -> None:
        """One observation of this session's ``what`` (district code, lang, radius)."""
        self.stats.checks += 1
        want = str(getattr(self.choice, what))
        if seen != want:
            self.stats.leaks.append(
                f"session {self.number} on /{self.page}: {where} shows {what} {seen!r}, "
                f"its own is {want!r}"
            )
            if any(str(getattr(c, what)) == seen for c in CHOICES if c is not self.choice):
                self.stats.leaks_other += 1

    def _check_query(self, query: str) -> None:
        """The URL the server wrote back carries this session's own choices."""
        self.query = query
        got = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        self._check("district", got.get("district", "all"), "the URL")
        self._check("lang", got.get("lang", "zh"), "the URL")
        self._check("radius", got.get("radius", ""), "the URL")

    def _error(self, text: str) -> None:
        self.stats.errors.append(f"session {self.number}: {text}")

    def _load(self, path: str) -> None:
        """One HTTP GET as the browser makes it; a failure is an error."""
        url = path if path.startswith("http") else f"{self.url}/{path.lstrip('/')}"
        self.stats.loads += 1
        try:
            with urllib.request.urlopen(url, timeout=RUN_TIMEOUT_S) as r:
                self.stats.bytes += len(r.read())
                if r.status != 200:
                    self._error(f"GET {path}: HTTP {r.status}")
        except (OSError, urllib.error.HTTPError) as exc:
            self._error(f"GET {path}: {exc}")

    def _back(self, page: str | None = None):
        from streamlit.proto.BackMsg_pb2 import BackMsg

        back = BackMsg()
        back.rerun_script.query_string = self.query  # the URL the browser shows
        if page is not None:
            self.page = page
        if self.page in self.pages:
            back.rerun_script.page_script_hash = self.pages[self.page]
        elif self.page:
            back.rerun_script.page_name = self.page
        return back

    # ---- a user
    async def open(self, page: str) -> None:
        """Load the page's HTML, connect, and run the page with this session's URL."""
        import websockets

        self.page = page
        t0 = time.perf_counter()
        await asyncio.to_thread(self._load, f"/{page}?{self.choice.query()}")
        ws_url = self.url.replace("http://", "ws://") + "/_stcore/stream"
        self.ws = await websockets.connect(
            ws_url, subprotocols=[websockets.Subprotocol("streamlit")], max_size=None
        )
        await self._run("open", self._back(page))
        self.stats.times["open"][-1] = time.perf_counter() - t0

    async def switch_page(self) -> None:
        page = self.rng.choice([p for p in EXPLORED if p != self.page])
        await self._run("page", self._back(page))

    async def change_district(self) -> None:
        others = [d for d in DISTRICTS if d != self.choice.district]
        self.choice.district = self.rng.choice(others)
        back = self._back()
        w = back.rerun_script.widget_states.widgets.add()
        w.id = self.widgets["w_district"]
        w.string_value = self._label(self.choice.district)
        await self._run("district", back)

    async def change_radius(self) -> None:
        """Another radius of this session's own (no other session ever has it)."""
        n = len(CHOICES)
        own = [r for r in range(50, 5001, 50) if (r // 50) % n == self.number % n]
        own = [r for r in own if r != self.choice.radius]
        if not own:
            return await self.switch_page()
        self.choice.radius = self.rng.choice(own)
        back = self._back()
        w = back.rerun_script.widget_states.widgets.add()
        w.id = self.widgets["w_radius"]
        w.double_array_value.data.append(float(self.choice.radius))
        await self._run("radius", back)

    async def explore(self, deadline: float, think: tuple[float, float]) -> None:
        """Open a page, then switch pages and change choices until ``deadline``."""
        try:
            await self.open(self.rng.choice(EXPLORED))
            while time.monotonic() < deadline:
                await asyncio.sleep(self.rng.uniform(*think))
                if time.monotonic() >= deadline:
                    break
                step = self.rng.random()
                if step < 0.5:
                    await self.switch_page()
                elif step < 0.8 and "w_district" in self.widgets:
                    await self.change_district()
                elif "w_radius" in self.widgets:
                    await self.change_radius()
        except (TimeoutError, asyncio.TimeoutError):
            self._error(f"no answer within {RUN_TIMEOUT_S:.0f} s on /{self.page}")
        except Exception as exc:  # a dropped connection and the like: the session failed
            self._error(f"{type(exc).__name__}: {exc}")
        finally:
            if self.ws is not None:
                await self.ws.close()


#: Every session's current choice (a mismatch equal to another session's is counted
#: as a leak from it).
CHOICES: list[Choice] = []


def session_choices(n: int, seed: int) -> list[Choice]:
    """``n`` choices, no two alike: districts and languages round-robin, and a radius
    each, from radii of its own (session ``i`` only ever uses multiples of 50 m whose
    number ``r // 50`` is ``i`` modulo ``n``)."""
    rng = random.Random(seed)
    codes = DISTRICTS[1:]
    rng.shuffle(codes)
    out = []
    for i in range(n):
        k = i if i > 0 else n  # 0 m is no radius: session 0 starts at n × 50 m
        out.append(Choice(codes[i % len(codes)], ("zh", "en")[i % 2], 50 * k))
    return out


async def run_sessions(url: str, n: int, duration: float, seed: int, think) -> Stats:
    stats = Stats()
    choices = session_choices(n, seed)
    CHOICES[:] = choices
    deadline = time.monotonic() + duration
    sessions = [
        Session(i, url, c, stats, random.Random(seed * 1000 + i)) for i, c in enumerate(choices)
    ]
    await asyncio.gather(*(s.explore(deadline, think) for s in sessions))
    return stats


# --------------------------------------------------------------------------- writers


def writer_main(args: argparse.Namespace) -> int:
    """One writer process: alternately import rows and record an inspection until
    ``--until``, one JSON line per write in ``--log``."""
    import pandas as pd

    from dashboard.core.rights import Actor
    from loaders import workspace, writes
    from loaders.inspections_store import prepare_inspections

    home = Path(args.home)
    k = args.writer
    rng = random.Random(args.seed * 100 + k)
    actor = Actor(f"bench:writer{k}", "admin", via="cli")
    base = workspace.effective_table(WRITE_LAYER, home)
    base = base[base["lon"].notna()].head(200).reset_index(drop=True)
    from dashboard.engine.layers import load_layer

    payments = load_layer("payments", home)
    keys = load_layer("key-locations", home)
    districts = load_layer("districts", home)
    places = list(payments["id"].astype(str).head(50))
    log = open(args.log, "a", encoding="utf-8")  # noqa: SIM115 - closed below
    n = 0

    def note(entry: dict) -> None:
        log.write(json.dumps(entry, ensure_ascii=False) + "\n")
        log.flush()

    while time.time() < args.until:
        op = "import" if (n + k) % 2 == 0 else "inspect"
        t0 = time.time()
        try:
            if op == "import":
                rows = base.sample(3, random_state=rng.randrange(2**31)).copy()
                rows["id"] = [f"LW{k}-{n:04d}-{j}" for j in range(3)]
                rows["name_en"] = [f"Load writer {k} #{n}.{j}" for j in range(3)]
                rows["lon"] = pd.to_numeric(rows["lon"]) + 0.0001
                if args.cli:
                    version, number, ids = _cli_import(home, rows, k, n)
                else:
                    v, _ = writes.import_layer(
                        actor, WRITE_LAYER, rows, home=home, source=f"load writer {k}"
                    )
                    version, number, ids = v.name, v.number, list(rows["id"])
                note(
                    {
                        "op": op,
                        "writer": k,
                        "seq": n,
                        "version": version,
                        "number": number,
                        "ids": ids,
                        "t0": t0,
                        "t1": time.time(),
                    }
                )
            else:
                place = rng.choice(places)
                if args.cli:
                    number, ids = _cli_inspect(home, place, k)
                else:
                    now = pd.Timestamp.now(tz="Asia/Shanghai").tz_localize(None).to_pydatetime()
                    row = {
                        "place_id": place,
                        "inspector": f"writer {k}",
                        "check_cash": "accepted",
                        "inspected_at": now.strftime("%Y-%m-%d %H:%M:%S"),
                        "notes": f"load writer {k} #{n}",
                    }
                    frame, problems = prepare_inspections(
                        pd.DataFrame([row]),
                        payments=payments,
                        key_locations=keys,
                        now=now,
                        file="load",
                        districts=districts,
                    )
                    bad = [str(p) for p in problems if p.severity == "error"]
                    if bad:
                        raise ValueError("; ".join(bad))
                    batch = writes.add_inspections(actor, frame, home, source=f"load writer {k}")
                    number, ids = batch.number, list(batch.ids)
                note(
                    {
                        "op": op,
                        "writer": k,
                        "seq": n,
                        "number": number,
                        "ids": ids,
                        "t0": t0,
                        "t1": time.time(),
                    }
                )
        except Exception as exc:  # every failed write is counted as an error
            note({"op": op, "writer": k, "seq": n, "error": f"{type(exc).__name__}: {exc}"})
        n += 1
        time.sleep(rng.uniform(*args.pause))
    log.close()
    return 0


def _cli(home: Path, argv: list[str]) -> str:
    exe = Path(sys.executable).with_name("exchange-atlas")
    env = dict(os.environ, EXCHANGE_ATLAS_HOME=str(home))
    done = subprocess.run([str(exe), *argv], capture_output=True, text=True, env=env, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"exit {done.returncode}: {done.stderr.strip()[-300:]}")
    return done.stdout


def _cli_import(home: Path, rows, k: int, n: int) -> tuple[str, int, list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"writer{k}-{n}.csv"
        rows.to_csv(path, index=False)
        out = _cli(home, ["import", str(path), "--layer", WRITE_LAYER, "--crs", "wgs84"])
    m = re.search(r"version (v(\d+)\.parquet)", out)
    if not m:
        raise RuntimeError(f"no version in the import's output: {out[-300:]}")
    return m.group(1), int(m.group(2)), list(rows["id"])


def _cli_inspect(home: Path, place: str, k: int) -> tuple[int, list[str]]:
    argv = ["inspect", "add", "--place", place, "--inspector", f"writer {k}", "--cash", "accepted"]
    out = json.loads(_cli(home, [*argv, "--json"]))
    return int(out["batch"]["number"]), list(out["batch"]["ids"])


def start_writers(
    home: Path, w: int, duration: float, seed: int, cli: bool, pause
) -> tuple[list[subprocess.Popen], Path]:
    log = home / "writers.jsonl"
    until = time.time() + duration
    procs = []
    for k in range(w):
        argv = [sys.executable, __file__, "--writer", str(k), "--home", str(home)]
        argv += ["--until", str(until), "--log", str(log), "--seed", str(seed)]
        argv += ["--pause", str(pause[0]), str(pause[1])] + (["--writer-cli"] if cli else [])
        procs.append(subprocess.Popen(argv, start_new_session=True))
    return procs, log


# --------------------------------------------------------------------------- lost updates


def check_writes(home: Path, log: Path) -> dict:
    """Every write a writer was told succeeded is in the final history and data, in order."""
    from loaders import inspections_store, workspace

    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]
    ok = [e for e in entries if "error" not in e]
    failed = [e for e in entries if "error" in e]
    lost: list[str] = []
    order: list[str] = []

    # ---- the layer: versions on one chain to the version in effect, rows all there
    hist = {v.name: v for v in workspace.history(WRITE_LAYER, home)}
    current = next((v.name for v in hist.values() if v.current), None)
    chain, name = [], current
    while name in hist:
        chain.append(name)
        name = hist[name].previous
    on_chain = set(chain)
    ids = list(workspace.effective_table(WRITE_LAYER, home)["id"].astype(str))
    where = {i: n for n, i in enumerate(ids)}
    imports = sorted((e for e in ok if e["op"] == "import"), key=lambda e: e["number"])
    last_pos = -1
    for e in imports:
        label = f"writer {e['writer']} import #{e['seq']} ({e['version']})"
        if e["version"] not in hist:
            lost.append(f"{label}: not in the history")
        elif e["version"] not in on_chain:
            lost.append(f"{label}: not on the chain to {current} (overwritten)")
        missing = [i for i in e["ids"] if i not in where]
        if missing:
            lost.append(f"{label}: rows {missing} not in the data in effect")
            continue
        pos = [where[i] for i in e["ids"]]
        if min(pos) < last_pos:
            order.append(f"{label}: its rows come before an earlier version's")
        last_pos = max(last_pos, max(pos))

    # ---- inspections: batches in the chain in effect, their rows there, in order
    batches = {b.number: b for b in inspections_store.inspections_history(home)}
    cur = next((b.number for b in batches.values() if b.current), None)
    bchain, nb = [], cur
    while nb in batches:
        bchain.append(nb)
        nb = batches[nb].previous
    in_effect = list(inspections_store.load_inspections(home)["id"].astype(str))
    where_i = {i: n for n, i in enumerate(in_effect)}
    inspects = sorted((e for e in ok if e["op"] == "inspect"), key=lambda e: e["number"])
    last_pos = -1
    for e in inspects:
        label = f"writer {e['writer']} inspection #{e['seq']} (batch {e['number']})"
        if e["number"] not in batches:
            lost.append(f"{label}: not in the history")
        elif e["number"] not in bchain:
            lost.append(f"{label}: not on the chain in effect (overwritten)")
        missing = [i for i in e["ids"] if i not in where_i]
        if missing:
            lost.append(f"{label}: rows {missing} not in effect")
            continue
        pos = [where_i[i] for i in e["ids"]]
        if min(pos) < last_pos:
            order.append(f"{label}: its rows come before an earlier batch's")
        last_pos = max(last_pos, max(pos))

    # ---- real-time order: a write that finished before another started has the lower number
    for group in (imports, inspects):
        for a in group:
            for b in group:
                if a["t1"] < b["t0"] and a["number"] > b["number"]:
                    order.append(
                        f"writer {a['writer']} {a['op']} #{a['seq']} finished before writer "
                        f"{b['writer']} #{b['seq']} started but has the later number"
                    )
    return {
        "writes_ok": len(ok),
        "imports_ok": len(imports),
        "inspections_ok": len(inspects),
        "writes_failed": len(failed),
        "write_errors": [
            f"writer {e['writer']} {e['op']} #{e['seq']}: {e['error']}" for e in failed
        ],
        "lost_updates": len(lost),
        "lost": lost,
        "out_of_order": len(order),
        "order": order,
        "versions": len(hist),
        "batches": len(batches),
    }


# --------------------------------------------------------------------------- main


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def _server_rss_mb(proc: subprocess.Popen) -> float | None:
    try:
        import psutil
    except ImportError:
        return None
    try:
        p = psutil.Process(proc.pid)
        return sum(c.memory_info().rss for c in [p, *p.children(recursive=True)]) / 2**20
    except psutil.Error:
        return None


def _fresh_schema(base: str) -> tuple[str, str]:
    """A new schema in the database ``base`` names (PostGIS in ``public``): its name and a
    URL whose connections work in it (the run's store; dropped after unless ``--keep``)."""
    import psycopg

    schema = f"load_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    options = urllib.parse.quote(f"-csearch_path={schema},public")
    return schema, f"{base}{'&' if '?' in base else '?'}options={options}"


def _drop_schema(base: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def run(args: argparse.Namespace) -> dict:
    home = Path(tempfile.mkdtemp(prefix="atlas-load-"))
    label = "shipped data"
    schema = None
    if args.db:  # the server, the writers and the checks below all use the database
        schema, url = _fresh_schema(args.db)
        os.environ["EXCHANGE_ATLAS_DB"] = url
    else:
        os.environ.pop("EXCHANGE_ATLAS_DB", None)
    if args.size:
        from benchmarks.citygen import build_city, parse_size

        demand, supply = parse_size(args.size)
        built = home / "built" if args.db else home
        info = build_city(built, demand, supply, args.seed)
        label = f"synthetic {info['size']} seed {args.seed}"
        print(f"built {label} in {info['seconds']:.1f} s", file=sys.stderr)
        if args.db:  # into the database as a deployment would: exchange-atlas store copy
            exe = Path(sys.executable).with_name("exchange-atlas")
            r = subprocess.run(
                [str(exe), "store", "copy", "--to", os.environ["EXCHANGE_ATLAS_DB"]]
                + ["--home", str(built)],
                capture_output=True,
                text=True,
            )
            if r.returncode != 0:
                raise SystemExit(f"store copy failed: {r.stderr.strip()}")
    if args.db:
        label += " on PostgreSQL"
    proc, url = start_server(home)
    print(
        f"server warm at {url}; {args.sessions} sessions, {args.writers} writers, "
        f"{args.duration:.0f} s",
        file=sys.stderr,
    )
    writers: list[subprocess.Popen] = []
    rss_peak = 0.0
    try:
        writers, log = start_writers(
            home, args.writers, args.duration, args.seed, args.writer_cli, args.pause
        )
        log.touch()

        async def sample_rss():
            nonlocal rss_peak
            while True:
                rss_peak = max(rss_peak, _server_rss_mb(proc) or 0.0)
                await asyncio.sleep(1)

        async def both():
            sampler = asyncio.create_task(sample_rss())
            try:
                return await run_sessions(
                    url, args.sessions, args.duration, args.seed, tuple(args.think)
                )
            finally:
                sampler.cancel()

        t0 = time.perf_counter()
        stats = asyncio.run(both())
        wall = time.perf_counter() - t0
        for w in writers:
            w.wait(max(30.0, args.duration))
        if proc.poll() is not None:
            stats.errors.append(f"the server exited ({proc.returncode}) during the run")
    finally:
        for w in writers:
            if w.poll() is None:
                os.killpg(w.pid, signal.SIGKILL)
        stop_server(proc)
    writes = check_writes(home, log)
    all_times = [t for ts in stats.times.values() for t in ts]
    out = {
        "data": label,
        "sessions": args.sessions,
        "writers": args.writers,
        "writer_mode": "cli" if args.writer_cli else "loaders.writes",
        "duration_s": args.duration,
        "wall_s": round(wall, 1),
        "errors": len(stats.errors) + writes["writes_failed"],
        "page_errors": stats.errors[:20],
        "lost_updates": writes["lost_updates"],
        "out_of_order": writes["out_of_order"],
        "cross_session_leaks": len(stats.leaks),
        "leaks_equal_to_another_session": stats.leaks_other,
        "leak_checks": stats.checks,
        "interactions": len(all_times),
        "runs": stats.runs,
        "http_loads": stats.loads,
        "mb_received": round(stats.bytes / 2**20, 1),
        "p50_s": round(_pct(all_times, 0.5), 3),
        "p95_s": round(_pct(all_times, 0.95), 3),
        "by_kind": {
            k: {
                "n": len(v),
                "p50_s": round(_pct(v, 0.5), 3),
                "p95_s": round(_pct(v, 0.95), 3),
                "max_s": round(max(v), 3),
                "mean_s": round(statistics.fmean(v), 3),
            }
            for k, v in sorted(stats.times.items())
        },
        "by_page": {
            k: {"n": len(v), "p50_s": round(_pct(v, 0.5), 3), "p95_s": round(_pct(v, 0.95), 3)}
            for k, v in sorted(stats.pages.items())
        },
        "server_rss_peak_mb": round(rss_peak),
        "error_alerts_shown": len(stats.error_alerts),
        "error_alert_examples": sorted(set(stats.error_alerts))[:5],
        "leak_examples": stats.leaks[:10],
        **{k: writes[k] for k in ("writes_ok", "imports_ok", "inspections_ok", "writes_failed")},
        "write_errors": writes["write_errors"][:10],
        "lost_examples": writes["lost"][:10],
        "order_examples": writes["order"][:10],
        "layer_versions": writes["versions"],
        "inspection_batches": writes["batches"],
        "workspace": str(home),
    }
    out["store"] = "postgresql" if args.db else "workspace"
    if not args.keep:
        import shutil

        shutil.rmtree(home, ignore_errors=True)
        out["workspace"] = "(removed; --keep keeps it)"
        if schema is not None:
            _drop_schema(args.db, schema)
    elif schema is not None:
        out["schema"] = schema
    return out


def report(out: dict) -> str:
    lines = [
        f"load: {out['sessions']} sessions × {out['duration_s']:.0f} s, {out['writers']} writers "
        f"({out['writer_mode']}), {out['data']}",
        f"  errors                {out['errors']}",
        f"  lost updates          {out['lost_updates']}   (out of order: {out['out_of_order']}; "
        f"{out['writes_ok']} writes ok: {out['imports_ok']} imports, "
        f"{out['inspections_ok']} inspections; {out['writes_failed']} failed)",
        f"  cross-session leaks   {out['cross_session_leaks']}   "
        f"({out['leak_checks']} checks; equal to another session's: "
        f"{out['leaks_equal_to_another_session']})",
        f"  interaction time      p50 {out['p50_s']:.2f} s, p95 {out['p95_s']:.2f} s "
        f"({out['interactions']} interactions, {out['http_loads']} HTTP loads, "
        f"{out['mb_received']} MB received)",
    ]
    for k, v in out["by_kind"].items():
        lines.append(
            f"    {k:<9} n={v['n']:<4} p50 {v['p50_s']:.2f} s  p95 {v['p95_s']:.2f} s  "
            f"max {v['max_s']:.2f} s"
        )
    pages = ", ".join(f"{k} {v['p50_s']:.1f}/{v['p95_s']:.1f}" for k, v in out["by_page"].items())
    lines.append(f"    by page (p50/p95 s): {pages}")
    lines.append(f"  server peak RSS       {out['server_rss_peak_mb']} MB")
    for key in ("page_errors", "write_errors", "leak_examples", "lost_examples", "order_examples"):
        for text in out[key]:
            lines.append(f"  ! {text}")
    if out["error_alerts_shown"]:
        lines.append(
            f"  (error messages drawn by pages: {out['error_alerts_shown']}, e.g. "
            f"{out['error_alert_examples'][:2]})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=20, help="concurrent sessions (default 20)")
    ap.add_argument("--writers", type=int, default=4, help="writer processes (default 4)")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds (default 60)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--size", help="a synthetic city PLACES×POINTS (benchmarks/citygen.py)")
    ap.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(1.0, 3.0),
        metavar=("MIN", "MAX"),
        help="a session's pause between steps, seconds (default 1 3)",
    )
    ap.add_argument(
        "--pause",
        type=float,
        nargs=2,
        default=(0.5, 2.0),
        metavar=("MIN", "MAX"),
        help="a writer's pause between writes, seconds (default 0.5 2)",
    )
    ap.add_argument(
        "--writer-cli", action="store_true", help="writers run exchange-atlas import / inspect add"
    )
    ap.add_argument(
        "--db",
        metavar="URL",
        help="run on the PostgreSQL store: a fresh schema of this database (PostGIS in "
        "public; the login may create schemas), dropped after the run",
    )
    ap.add_argument("--json", action="store_true", help="print the figures as JSON too")
    ap.add_argument("--keep", action="store_true", help="keep the workspace (and the schema)")
    # a writer process (started by the benchmark itself)
    ap.add_argument("--writer", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--home", help=argparse.SUPPRESS)
    ap.add_argument("--until", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--log", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.cli = args.writer_cli
    if args.writer is not None:
        return writer_main(args)
    if not 1 <= args.sessions <= 99 or not 0 <= args.writers <= 32:
        ap.error("--sessions 1..99, --writers 0..32")
    out = run(args)
    print(report(out))
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
