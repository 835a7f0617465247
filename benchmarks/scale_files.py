"""Benchmark: coverage from partitioned GeoParquet files on a real dask cluster on loopback.

For each size (demand × supply) and worker count W:

* synthetic uniform points over Beijing's bounding box, written once under ``--data`` as
  partitioned datasets (:func:`dashboard.engine.partitioned.write_synthetic`, chunk by
  chunk: the generator's memory does not grow with the size);
* a fresh ``dask scheduler`` and ``dask worker --nworkers W --nthreads 1`` on 127.0.0.1;
* the client as its own process, the real command:
  ``exchange-atlas coverage --backend dask --demand D --supply S --scheduler ADDR
  --radius 500 --format json --out OUT`` (per-place results written, distances exact).

Reported per run: wall time of the client command and its phases (``coverage.json``:
``check`` = manifests plus every partition's footer and bounds, ``cover`` = the tasks),
and peak resident memory (``VmHWM``, whole process, imports included) of the client, the
scheduler, the busiest worker process and the nanny process. For sizes up to
``--local-max`` the local engine (read both datasets whole, ``assess_coverage``) runs in a
subprocess for reference. Then ``time ≈ a + b·(N_demand + N_supply)/W`` is fitted by least
squares and extrapolated to 100M × 100M on N workers (a paper estimate).

Usage::

    python benchmarks/scale_files.py                  # 250k, 500k, 1M (×same), 1 and 2 workers
    python benchmarks/scale_files.py --sizes 10M×10M  # the 10M run (1 and 2 workers)
    python benchmarks/scale_files.py --json           # the figures as JSON too

Data sets are kept under ``--data`` (default ``/tmp/exchange-atlas-bench``; 10M × 10M
takes ~0.9 GB there plus ~0.4 GB of per-place results while a run lasts).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RADIUS = 500.0
DEFAULT_SIZES = "250k×250k,500k×500k,1M×1M"
DEFAULT_WORKERS = "1,2"
PARTITION_ROWS = 125_000
ESTIMATE = (100_000_000, 100_000_000)
DASK = str(Path(sys.executable).with_name("dask"))


def parse_count(text: str) -> int:
    t = text.strip().lower().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    return int(float(t[:-1] if t[-1:] in "km" else t) * mult)


def parse_sizes(text: str) -> list[tuple[int, int]]:
    out = []
    for part in text.split(","):
        part = part.strip().replace("×", "x").replace("*", "x")
        if part:
            d, s = part.split("x")
            out.append((parse_count(d), parse_count(s)))
    return out


def label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def hwm_mb(pid: int) -> float:
    """Peak resident set (VmHWM) of a live process, MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (from /proc, no psutil needed)."""
    kids: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.append(k)
            todo.append(k)
    return out


def run_measured(cmd: list[str], log: Path, timeout: float) -> tuple[int, float, float]:
    """Run ``cmd``; (exit status, wall seconds, peak RSS MB of the process)."""
    with log.open("wb") as f:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=ROOT)
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, wall, usage.ru_maxrss / 1024


# --------------------------------------------------------------------------- data


def dataset(data: Path, kind: str, n: int, rows: int, log) -> tuple[Path, dict]:
    """The synthetic dataset of ``n`` ``kind`` points, generated once (in a subprocess,
    whose time and peak memory are reported)."""
    path = data / f"{kind}-{label(n)}-p{label(rows)}"
    if (path / "_bounds.json").exists():
        return path, {}
    data.mkdir(parents=True, exist_ok=True)
    log(f"generating {label(n)} {kind} points in {path} …")
    seed = 1 if kind == "demand" else 2
    code = (
        "from dashboard.engine.partitioned import write_synthetic; "
        f"write_synthetic({str(path)!r}, {kind!r}, {n}, rows_per_partition={rows}, seed={seed})"
    )
    rc, wall, peak = run_measured(
        [sys.executable, "-c", code], data / f"gen-{kind}.log", timeout=6 * 3600
    )
    if rc:
        raise SystemExit(f"generating {path} failed; see {data / f'gen-{kind}.log'}")
    log(f"  {wall:.1f} s, peak {peak:.0f} MB")
    return path, {"generate_s": round(wall, 2), "generate_peak_mb": round(peak)}


# --------------------------------------------------------------------------- cluster


def _warm() -> None:
    import dashboard.engine.scale  # noqa: F401


class Cluster:
    """A ``dask scheduler`` and ``dask worker --nworkers W`` on 127.0.0.1 (ours to stop)."""

    def __init__(self, workers: int, tmp: Path):
        self.tmp, self.workers = tmp, workers
        sched_file = tmp / "scheduler.json"
        self.logs = [(tmp / "scheduler.log").open("wb"), (tmp / "worker.log").open("wb")]
        self.scheduler = subprocess.Popen(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(sched_file)],
            stdout=self.logs[0], stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.time() + 60
        while not sched_file.exists() or not sched_file.read_text().strip():
            if time.time() > deadline or self.scheduler.poll() is not None:
                self.stop()
                raise SystemExit(f"the scheduler did not start; see {tmp / 'scheduler.log'}")
            time.sleep(0.1)
        self.address = json.loads(sched_file.read_text())["address"]
        self.worker = subprocess.Popen(
            [DASK, "worker", self.address, "--nworkers", str(workers), "--nthreads", "1",
             "--memory-limit", "0", "--no-dashboard", "--local-directory", str(tmp)],
            stdout=self.logs[1], stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        from distributed import Client

        with Client(self.address, timeout="30s") as c:
            c.wait_for_workers(workers, timeout=120)
            # long-running workers have the engine imported: do it now, outside the timing
            c.run(_warm)
        # the worker processes are the nanny's children (multiprocessing may add a
        # resource tracker: the workers are those that registered, found by their count)
        time.sleep(0.5)

    def peaks(self) -> dict[str, float]:
        procs = children(self.worker.pid)
        rss = sorted((hwm_mb(p) for p in procs), reverse=True)
        return {
            "scheduler_peak_mb": hwm_mb(self.scheduler.pid),
            "worker_peak_mb": rss[0] if rss else float("nan"),
            "workers_total_peak_mb": sum(rss[: self.workers]),
            "nanny_peak_mb": hwm_mb(self.worker.pid),
        }

    def stop(self) -> None:
        for proc in (getattr(self, "worker", None), self.scheduler):
            if proc is None or proc.poll() is not None:
                continue
            try:
                os.killpg(proc.pid, signal.SIGTERM)  # its own session: it and its children
                proc.wait(timeout=30)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
        for f in self.logs:
            f.close()


# --------------------------------------------------------------------------- runs


def one_run(demand: Path, supply: Path, workers: int, log) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="ea-scale-"))
    cluster = Cluster(workers, tmp)
    try:
        out = tmp / "out"
        cmd = [
            sys.executable, "-m", "dashboard.cli", "coverage", "--backend", "dask",
            "--demand", str(demand), "--supply", str(supply), "--scheduler", cluster.address,
            "--radius", str(RADIUS), "--format", "json", "--out", str(out),
        ]  # fmt: skip
        rc, wall, client_peak = run_measured(cmd, tmp / "client.log", timeout=6 * 3600)
        peaks = cluster.peaks()
        if rc:
            raise SystemExit((tmp / "client.log").read_text()[-3000:])
        run = json.loads((out / "coverage.json").read_text())
        city = json.loads((out / "districts.json").read_text())[-1]
        return {
            "wall_s": round(wall, 2),
            **{f"{k}_s": v for k, v in run["seconds"].items()},
            "client_peak_mb": round(client_peak),
            **{k: round(v) for k, v in peaks.items()},
            "covered": city["covered"],
            "partitions": run["partitions"],
            "refine_rounds": run["refine_rounds"],
        }
    finally:
        cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)


LOCAL = """
import json, sys, time
t0 = time.perf_counter()
from dashboard.core.standards import uniform_standards
from dashboard.engine.coverage import assess_coverage
from dashboard.engine.layers import load_layer
from dashboard.engine.partitioned import read_dataset
from loaders.standards_store import shipped_standards
std = uniform_standards(shipped_standards(), radius_m=float(sys.argv[3]), require=[])
d = load_layer("districts")
t1 = time.perf_counter()
k, p = read_dataset(sys.argv[1]), read_dataset(sys.argv[2])
t2 = time.perf_counter()
res = assess_coverage(k, p, d, std)
t3 = time.perf_counter()
print(json.dumps({"read_s": t2 - t1, "assess_s": t3 - t2, "covered": int(res.city["covered"])}))
"""


def local_run(demand: Path, supply: Path) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="ea-local-"))
    try:
        cmd = [sys.executable, "-c", LOCAL, str(demand), str(supply), str(RADIUS)]
        rc, wall, peak = run_measured(cmd, tmp / "local.log", timeout=3600)
        text = (tmp / "local.log").read_text()
        if rc:
            raise SystemExit(text[-3000:])
        got = json.loads(text.strip().splitlines()[-1])
        return {
            "local_s": round(got["read_s"] + got["assess_s"], 2),
            "local_read_s": round(got["read_s"], 2),
            "local_peak_mb": round(peak),
            "local_covered": got["covered"],
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- the law


def fit(rows: list[dict]) -> dict:
    """Two least-squares fits, N = N_demand + N_supply in millions, W workers:

    * wall time of the whole command, ``wall ≈ a + b·N/W`` (what a user waits for; on a
      shared machine it carries the other jobs' load);
    * the tasks' CPU seconds summed over workers, ``cpu ≈ c·N`` (the work itself, which
      the load of other jobs hardly changes), giving the ideal-parallel law
      ``wall ≈ a + c·N/W``, the one the paper estimate uses.
    """
    import numpy as np

    n = np.array([(r["demand"] + r["supply"]) / 1e6 for r in rows])
    w = np.array([r["workers"] for r in rows], dtype=float)
    y = np.array([r["wall_s"] for r in rows])
    cpu = np.array([r.get("tasks_cpu_s", np.nan) for r in rows])
    if len(rows) < 2 or np.ptp(n / w) == 0:
        return {}
    A = np.column_stack([np.ones_like(n), n / w])
    (a, b), *_ = np.linalg.lstsq(A, y, rcond=None)
    pred = a + b * n / w
    ss = float(((y - y.mean()) ** 2).sum())
    r2 = 1 - float(((y - pred) ** 2).sum()) / ss if ss > 0 else float("nan")
    ok = np.isfinite(cpu)
    c = float((cpu[ok] * n[ok]).sum() / (n[ok] ** 2).sum()) if ok.any() else float("nan")
    total = sum(ESTIMATE) / 1e6
    return {
        "a_s": round(float(a), 2),
        "b_s_per_million_per_worker": round(float(b), 3),
        "r2": round(r2, 3),
        "residuals_s": [round(float(v), 2) for v in y - pred],
        "cpu_s_per_million": round(c, 3),
        "cpu_per_million_by_run": [round(float(v), 3) for v in cpu / n],
        "estimate_100Mx100M_s": {
            int(k): round(float(a + c * total / k)) for k in (8, 16, 32, 64, 128)
        },
    }


def print_table(rows: list[dict], law: dict) -> None:
    head = (
        f"{'demand × supply':>17} {'W':>2} {'wall s':>7} {'check':>6} {'cover':>6} "
        f"{'task CPU':>8} {'client MB':>9} {'sched MB':>8} {'worker MB':>9} {'nanny MB':>8} "
        f"{'local s':>7} {'local MB':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        size = f"{label(r['demand'])} × {label(r['supply'])}"
        print(
            f"{size:>17} {r['workers']:>2} {r['wall_s']:>7.1f} {r.get('check_s', 0):>6.1f} "
            f"{r.get('cover_s', 0):>6.1f} {r.get('tasks_cpu_s', 0):>8.1f} "
            f"{r['client_peak_mb']:>9} {r['scheduler_peak_mb']:>8} "
            f"{r['worker_peak_mb']:>9} {r['nanny_peak_mb']:>8} "
            f"{r.get('local_s', float('nan')):>7.1f} {r.get('local_peak_mb', '—'):>8}"
        )
    if law:
        print(
            f"\nfit: wall ≈ {law['a_s']} s + {law['b_s_per_million_per_worker']} s × "
            f"(N_demand + N_supply in millions) / W   (R² {law['r2']}, residuals "
            f"{law['residuals_s']} s)"
        )
        print(
            f"work: task CPU ≈ {law['cpu_s_per_million']} s per million points "
            f"(per run: {law['cpu_per_million_by_run']}), so ideally wall ≈ {law['a_s']} s + "
            f"{law['cpu_s_per_million']} s × N / W"
        )
        est = ", ".join(
            f"{w} workers ≈ {t / 60:.1f} min" for w, t in law["estimate_100Mx100M_s"].items()
        )
        print(f"paper estimate, 100M × 100M: {est}")
        print(
            "  (assumes one core per worker, storage that keeps up, the same partition size; "
            "worker memory is bounded by the partition size, not by N)"
        )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default=DEFAULT_SIZES, help=f"comma list (default {DEFAULT_SIZES})")
    p.add_argument("--workers", default=DEFAULT_WORKERS, help="comma list of worker counts")
    p.add_argument("--repeat", type=int, default=1, help="runs per figure (median wall time)")
    p.add_argument("--partition-rows", type=int, default=PARTITION_ROWS)
    p.add_argument(
        "--data", type=Path, default=Path(tempfile.gettempdir()) / "exchange-atlas-bench"
    )
    p.add_argument(
        "--local-max", default="1M", help="local-engine reference up to this many places"
    )
    p.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = p.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    rows = []
    workers = [int(w) for w in args.workers.split(",") if w.strip()]
    local_max = parse_count(args.local_max)
    for n_d, n_s in parse_sizes(args.sizes):
        dpath, gen_d = dataset(args.data, "demand", n_d, args.partition_rows, log)
        spath, gen_s = dataset(args.data, "supply", n_s, args.partition_rows, log)
        ref = local_run(dpath, spath) if n_d <= local_max and n_s <= local_max else {}
        for w in workers:
            runs = []
            for k in range(args.repeat):
                log(f"{label(n_d)} × {label(n_s)}, {w} worker(s), run {k + 1}/{args.repeat} …")
                runs.append(one_run(dpath, spath, w, log))
                log(f"  {runs[-1]['wall_s']} s")
            best = sorted(runs, key=lambda r: r["wall_s"])[len(runs) // 2]
            best = dict(best, wall_s=statistics.median(r["wall_s"] for r in runs))
            if ref and ref["local_covered"] != best["covered"]:
                raise SystemExit(
                    f"covered differs: local {ref['local_covered']}, dask {best['covered']}"
                )
            rows.append(
                {"demand": n_d, "supply": n_s, "workers": w, **best, **ref, **gen_d, **gen_s}
            )
    law = fit(rows)
    print_table(rows, law)
    if args.json:
        print(
            json.dumps(
                {
                    "radius_m": RADIUS,
                    "partition_rows": args.partition_rows,
                    "runs": rows,
                    "fit": law,
                },
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
