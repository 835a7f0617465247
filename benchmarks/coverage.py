"""Benchmark: the coverage engine against the usual ways, and the MCLP siting.

For each size (demand × supply), uniform random points over Beijing's bounding box,
radius 500 m, "is there a supply point within the radius of each demand point":

* ``engine``  -- :func:`dashboard.engine.coverage.assess_coverage`: the whole job from WGS-84
  tables (projection, KD-tree, point-in-polygon districts, per-district table);
* ``floor``   -- a bare ``scipy.spatial.cKDTree`` build + ``query(k=1,
  distance_upper_bound=R)`` on coordinates already projected (default arguments,
  one thread); ``floor_mt`` the same query with ``workers=-1`` (all cores), shown
  for transparency since the engine's queries use all cores;
* ``sjoin_nearest`` -- ``geopandas.sjoin_nearest(max_distance=R)`` on projected
  GeoDataFrames (ties de-duplicated);
* ``buffer_union`` -- buffer every supply point, union, ``within`` (smallest size only).

Every method runs in a fresh subprocess; time is wall-clock of the method alone and
memory is the peak resident set above the process's size once its inputs exist
(sampled every 2 ms). Covered counts are checked to agree.

Siting: 10k demand × 2k candidates, k = 20, exact (HiGHS), timed with the cover
matrix build, on two instances (all of Beijing; a dense 20 km × 20 km centre).

Usage::

    python benchmarks/coverage.py                       # 10k×100k, 100k×1M, 1M×1M
    python benchmarks/coverage.py --sizes 10k×100k --json
    python benchmarks/coverage.py --repeat 3            # medians of 3 runs
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RADIUS = 500.0
DEFAULT_SIZES = "10k×100k,100k×1M,1M×1M"
METHODS = ("engine", "floor", "floor_mt", "sjoin_nearest", "buffer_union")
#: buffer-union-within only up to this many demand × supply (it takes ~15 s at 10k×100k)
BUFFER_LIMIT = 10_000 * 100_000


def parse_count(text: str) -> int:
    t = text.strip().lower().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    return int(float(t[:-1] if t[-1:] in "km" else t) * mult)


def parse_sizes(text: str) -> list[tuple[int, int]]:
    out = []
    for part in text.split(","):
        part = part.strip().replace("×", "x").replace("*", "x")
        if not part:
            continue
        d, s = part.split("x")
        out.append((parse_count(d), parse_count(s)))
    return out


def label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


# --------------------------------------------------------------------------- child side


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakRss:
    """Sample the resident set every 2 ms; ``peak`` is the largest seen."""

    def __enter__(self):
        self.base = _rss()
        self.peak = self.base
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss())
            time.sleep(0.002)

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, _rss())


def make_points(n: int, seed: int):
    import numpy as np
    import pandas as pd

    from dashboard.core.model import BEIJING_BBOX

    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = BEIJING_BBOX
    return pd.DataFrame(
        {
            "id": pd.array(np.char.add("P", np.arange(n).astype(str)), dtype="str"),
            "category": "shopping_mall",
            "lon": rng.uniform(x0, x1, n),
            "lat": rng.uniform(y0, y1, n),
        }
    )


def child(method: str, n_demand: int, n_supply: int) -> dict:
    import numpy as np

    from dashboard.core.standards import uniform_standards
    from dashboard.engine.coverage import assess_coverage, project_lonlat
    from dashboard.engine.layers import read_districts
    from loaders.standards_store import shipped_standards

    demand = make_points(n_demand, 1)
    supply = make_points(n_supply, 2)
    districts = read_districts()
    std = uniform_standards(shipped_standards(), radius_m=RADIUS, require=[])
    if method != "engine":  # baselines start from projected coordinates
        dx, dy = project_lonlat(demand["lon"].to_numpy(), demand["lat"].to_numpy())
        sx, sy = project_lonlat(supply["lon"].to_numpy(), supply["lat"].to_numpy())
        dxy, sxy = np.column_stack([dx, dy]), np.column_stack([sx, sy])
        del demand, supply
    else:  # warm up imports and the transformer on a tiny input
        assess_coverage(demand.head(10), supply.head(10), districts, std)

    def run():
        if method == "engine":
            res = assess_coverage(demand, supply, districts, std, max_distance=RADIUS)
            return int(res.city["covered"])
        if method in ("floor", "floor_mt"):
            from scipy.spatial import cKDTree

            d, _ = cKDTree(sxy).query(
                dxy,
                k=1,
                distance_upper_bound=np.nextafter(RADIUS, np.inf),
                workers=-1 if method == "floor_mt" else 1,
            )
            return int(np.isfinite(d).sum())
        import geopandas as gpd

        dg = gpd.GeoDataFrame(geometry=gpd.points_from_xy(dxy[:, 0], dxy[:, 1]), crs=32650)
        sg = gpd.GeoDataFrame(geometry=gpd.points_from_xy(sxy[:, 0], sxy[:, 1]), crs=32650)
        if method == "sjoin_nearest":
            j = gpd.sjoin_nearest(dg, sg, how="left", max_distance=RADIUS)
            j = j[~j.index.duplicated()]
            return int(j["index_right"].notna().sum())
        if method == "buffer_union":
            import shapely

            zone = shapely.union_all(sg.geometry.buffer(RADIUS).to_numpy())
            return int(dg.geometry.within(zone).sum())
        raise ValueError(method)

    with PeakRss() as mem:
        t0 = time.perf_counter()
        covered = run()
        seconds = time.perf_counter() - t0
    return {
        "method": method,
        "seconds": seconds,
        "peak_mb": (mem.peak - mem.base) / 2**20,
        "covered": covered,
    }


def siting_child() -> list[dict]:
    import numpy as np

    from dashboard.core.model import BEIJING_BBOX
    from dashboard.engine.coverage import project_lonlat
    from dashboard.engine.siting import cover_matrix, greedy_mclp, milp_mclp

    out = []
    rng = np.random.default_rng(3)
    x0, y0, x1, y1 = BEIJING_BBOX
    bx, by = project_lonlat(np.array([x0, x1]), np.array([y0, y1]))
    instances = {
        "beijing": ((bx[0], bx[1]), (by[0], by[1])),
        "centre_20km": ((440_000.0, 460_000.0), (4_410_000.0, 4_430_000.0)),
    }
    for name, ((ax, bx_), (ay, by_)) in instances.items():
        d = np.column_stack([rng.uniform(ax, bx_, 10_000), rng.uniform(ay, by_, 10_000)])
        c = np.column_stack([rng.uniform(ax, bx_, 2_000), rng.uniform(ay, by_, 2_000)])
        w = rng.uniform(1, 5, 10_000)
        milp_mclp(cover_matrix(d[:50], np.full(50, RADIUS), c[:50]), w[:50], 2)  # warm-up
        t0 = time.perf_counter()
        cover = cover_matrix(d, np.full(len(d), RADIUS), c)
        sol = milp_mclp(cover, w, 20)
        seconds = time.perf_counter() - t0
        g = greedy_mclp(cover, w, 20)
        out.append(
            {
                "instance": name,
                "demand": 10_000,
                "candidates": 2_000,
                "k": 20,
                "pairs": int(cover.nnz),
                "exact_s": seconds,
                "optimal": sol.optimal,
                "objective": sol.objective,
                "greedy_s": g.seconds,
                "greedy_objective": g.objective,
                "greedy_bound": g.bound,
            }
        )
    return out


# --------------------------------------------------------------------------- parent side


def spawn(args: list[str]) -> dict | list:
    cmd = [sys.executable, __file__, "--child", *args]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench(sizes, repeat: int, skip_slow: bool, log) -> dict:
    rows = []
    for n_d, n_s in sizes:
        row = {"demand": n_d, "supply": n_s, "radius_m": RADIUS}
        for method in METHODS:
            if method == "buffer_union" and (n_d * n_s > BUFFER_LIMIT or skip_slow):
                continue
            if method == "sjoin_nearest" and skip_slow and n_d * n_s > 10**11:
                continue
            runs = [spawn([method, str(n_d), str(n_s)]) for _ in range(repeat)]
            key = {
                "engine": "engine",
                "floor": "floor",
                "floor_mt": "floor_mt",
                "sjoin_nearest": "sjoin",
                "buffer_union": "buffer",
            }[method]
            row[f"{key}_s"] = statistics.median(r["seconds"] for r in runs)
            row[f"{key}_mb"] = statistics.median(r["peak_mb"] for r in runs)
            row[f"{key}_covered"] = runs[0]["covered"]
            log(
                f"  {label(n_d)}×{label(n_s)} {method}: "
                f"{row[f'{key}_s']:.3f} s, {row[f'{key}_mb']:.0f} MB"
            )
        row["engine_vs_floor"] = row["engine_s"] / row["floor_s"]
        row["engine_vs_floor_mt"] = row["engine_s"] / row["floor_mt_s"]
        if "sjoin_s" in row:
            row["sjoin_vs_floor"] = row["sjoin_s"] / row["floor_s"]
        if "buffer_s" in row:
            row["buffer_vs_floor"] = row["buffer_s"] / row["floor_s"]
        counts = {row[k] for k in row if k.endswith("_covered") and not k.startswith("buffer")}
        row["agree"] = len(counts) == 1
        rows.append(row)
    return {"coverage": rows, "siting": spawn(["siting"]), "cores": os.cpu_count()}


def print_table(result: dict) -> None:
    print(f"Coverage, radius {RADIUS:g} m, {result['cores']} cores (time s / peak MB above inputs)")
    head = (
        f"{'demand×supply':>14} {'engine':>16} {'cKDTree floor':>16} {'floor, all cores':>16} "
        f"{'sjoin_nearest':>16} {'buffer+union':>16} {'engine/floor':>12} {'agree':>6}"
    )
    print(head)
    for r in result["coverage"]:

        def cell(k, r=r):
            return f"{r[k + '_s']:7.3f} / {r[k + '_mb']:5.0f}" if f"{k}_s" in r else f"{'—':>16}"

        print(
            f"{label(r['demand']) + '×' + label(r['supply']):>14} "
            f"{cell('engine'):>16} {cell('floor'):>16} "
            f"{cell('floor_mt'):>16} {cell('sjoin'):>16} {cell('buffer'):>16} "
            f"{r['engine_vs_floor']:12.2f} {str(r['agree']):>6}"
        )
    print("\nSiting (MCLP, exact HiGHS incl. cover-matrix build; lazy greedy for comparison)")
    for s in result["siting"]:
        print(
            f"  {s['instance']:>12}: {s['demand']}×{s['candidates']}, k={s['k']}, "
            f"{s['pairs']} pairs: "
            f"exact {s['exact_s']:.3f} s (optimal={s['optimal']}, objective {s['objective']:.1f}); "
            f"greedy {s['greedy_s']:.4f} s, objective {s['greedy_objective']:.1f}, "
            f"bound {s['greedy_bound']:.1f}"
        )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--sizes", default=DEFAULT_SIZES, help=f"comma-separated D×S (default {DEFAULT_SIZES})"
    )
    p.add_argument("--repeat", type=int, default=1, help="runs per figure (median)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument(
        "--skip-slow", action="store_true", help="skip buffer-union and large sjoin runs"
    )
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        if args.child[0] == "siting":
            print(json.dumps(siting_child()))
        else:
            m, d, s = args.child
            print(json.dumps(child(m, int(d), int(s))))
        return 0

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    result = bench(parse_sizes(args.sizes), max(1, args.repeat), args.skip_slow, log)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
