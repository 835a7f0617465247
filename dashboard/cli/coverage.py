"""``exchange-atlas coverage | recommend | standards``: the coverage engine from the shell.

* ``coverage``: one row per district and the city total (last, adcode ``110000``).
  By default each category's standard radius applies and *any* in-service payment
  point qualifies; ``--radius`` sets one radius for every category, ``--require``
  one requirement for every category, ``--use-standards`` each category's own
  requirement from the service standards.
* ``recommend``: ``k`` new service points (MCLP) and the coverage before and after.
* ``standards show | set | reset``: view or edit the service standards saved in
  the workspace (the shipped ``geodata/standards.json`` stays the default).

``--require`` takes clauses: every clause must be met, alternatives inside a clause
are joined by ``|`` (``--require "foreign_card|foreign_wallet" cash``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.cli.errors import CliError
from dashboard.core.safetext import csv_text
from loaders.workspace import home_option

FORMATS = ("table", "csv", "json")


def _home(args: argparse.Namespace) -> Path | None:
    return home_option(getattr(args, "home", None))


def effective_standards(args: argparse.Namespace):
    """The standards the command uses (workspace standards modified by the options)."""
    from dashboard.core.standards import uniform_standards
    from loaders.standards_store import load_standards

    try:
        std = load_standards(_home(args))
        require = args.require
        if require is None and not args.use_standards:
            require = []  # any payment point qualifies
        return uniform_standards(std, radius_m=args.radius, require=require)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _date(value: str | None, option: str) -> pd.Timestamp | None:

    if not value:
        return None
    try:
        return pd.Timestamp(value)
    except (ValueError, TypeError):
        raise CliError(f"{option}: not a date: {value!r} (use YYYY-MM-DD)") from None


def _as_of(args: argparse.Namespace) -> pd.Timestamp | None:
    return _date(args.as_of, "--as-of")


def _clean(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        v = float(v)
        return None if (math.isnan(v) or math.isinf(v)) else v
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    if v is pd.NA or v is None:
        return None
    return v


def records(df: pd.DataFrame) -> list[dict]:
    """JSON-safe row dicts (NaN/inf → null, numpy scalars → Python)."""
    return [{k: _clean(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def _emit(text: str, out: str | None) -> None:

    if out:
        try:
            Path(out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
        print(f"wrote {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def _table_text(df: pd.DataFrame) -> str:
    show = df.copy()
    for col in show.columns:
        if col in ("coverage", "weighted_coverage", "change") or col.startswith("coverage_"):
            show[col] = [("—" if pd.isna(v) else f"{100 * v:5.1f}%") for v in show[col]]
        elif col in ("lon", "lat"):
            show[col] = show[col].round(6)
        elif show[col].dtype.kind == "f":
            show[col] = show[col].round(2)
    return show.to_string(index=False) + "\n"


def _load(args: argparse.Namespace):
    from dashboard.engine.layers import load_layer

    home = _home(args)
    return (
        load_layer("key-locations", home),
        load_layer("payments", home),
        load_layer("districts", home),
    )


# --------------------------------------------------------------------------- coverage


def _assess(args: argparse.Namespace, demand, supply, districts, std, as_of):
    from dashboard.engine.coverage import assess_coverage

    if args.backend == "dask":
        try:
            from dashboard.engine.scale import assess_coverage_dask
        except ImportError as exc:
            raise CliError(
                "the dask backend needs the [scale] extra "
                f"(pip install 'exchange-atlas[scale]'): {exc}"
            ) from None
        try:
            return assess_coverage_dask(
                demand, supply, districts, std, as_of=as_of, scheduler=args.scheduler
            )
        except OSError as exc:
            raise CliError(f"cannot reach the dask scheduler {args.scheduler!r}: {exc}") from None
    if args.scheduler:
        raise CliError("--scheduler needs --backend dask")
    try:
        return assess_coverage(demand, supply, districts, std, as_of=as_of)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def coverage_table(args: argparse.Namespace) -> pd.DataFrame:
    """The per-district table the ``coverage`` command prints (used by tests too).

    With ``--since D0`` the columns ``covered_since``, ``coverage_since``,
    ``newly_covered`` and ``change`` compare with the coverage as of ``D0``.
    """
    from dashboard.engine.coverage import progress_table

    std = effective_standards(args)
    as_of = _as_of(args)
    since = _date(args.since, "--since")
    if since is not None and as_of is not None and as_of < since:
        raise CliError(f"--since {since.date()} is after --as-of {as_of.date()}")
    demand, supply, districts = _load(args)
    end = _assess(args, demand, supply, districts, std, as_of)
    table = end.districts
    if since is not None:
        start = _assess(args, demand, supply, districts, std, since)
        prog = progress_table(start, end, districts)
        table = table.assign(
            covered_since=prog["covered_start"].to_numpy(),
            coverage_since=prog["coverage_start"].to_numpy(),
            newly_covered=prog["newly_covered"].to_numpy(),
            change=prog["change"].to_numpy(),
        )
    return table


def _run_coverage(args: argparse.Namespace) -> int:
    table = coverage_table(args)
    if args.format == "json":
        text = json.dumps(records(table), ensure_ascii=False, indent=2) + "\n"
    elif args.format == "csv":
        text = csv_text(table)
    else:
        text = _table_text(table)
    _emit(text, args.out)
    return 0


# --------------------------------------------------------------------------- recommend


def resolve_district(value: str, districts: pd.DataFrame) -> str:
    """Adcode of a district given by adcode, English or Chinese name (case-insensitive)."""

    v = value.strip().lower()
    for _, row in districts.iterrows():
        names = {
            str(row["adcode"]).lower(),
            str(row["name_en"]).lower(),
            str(row["name_zh"]).lower(),
            str(row["name_en"]).lower().replace(" district", ""),
            str(row["name_zh"]).removesuffix("区"),
        }
        if v in names:
            return str(row["adcode"])
    choices = ", ".join(f"{a} {n}" for a, n in zip(districts["adcode"], districts["name_en"]))
    raise CliError(f"unknown district {value!r}; expected one of: {choices}")


def recommend(args: argparse.Namespace):
    """Run the siting the ``recommend`` command prints (used by tests too)."""
    from dashboard.engine.siting import recommend_sites

    std = effective_standards(args)
    as_of = _as_of(args)
    demand, supply, districts = _load(args)
    adcode = resolve_district(args.district, districts) if args.district else None
    if args.k < 1:
        raise CliError("--k must be at least 1")
    try:
        return recommend_sites(
            demand,
            supply,
            districts,
            std,
            args.k,
            district=adcode,
            candidates=args.candidates,
            as_of=as_of,
            method=args.method,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _scope_rows(res) -> tuple[pd.Series, pd.Series]:
    code = "110000" if res.scope == "city" else res.scope
    b = res.before.districts.set_index("adcode").loc[code]
    a = res.after.districts.set_index("adcode").loc[code]
    return b, a


def _run_recommend(args: argparse.Namespace) -> int:
    res = recommend(args)
    b, a = _scope_rows(res)
    sol = res.solution
    summary = {
        "scope": res.scope,
        "name_en": b["name_en"],
        "k": args.k,
        "candidates": res.candidates,
        "method": sol.method,
        "optimal": sol.optimal,
        "objective": sol.objective,
        "bound": sol.bound,
        "gap": sol.gap,
        "seconds": sol.seconds,
    }
    before = {c: b[c] for c in ("demand", "covered", "coverage", "weighted_coverage")}
    after = {c: a[c] for c in ("demand", "covered", "coverage", "weighted_coverage")}
    if args.format == "json":
        doc = {
            **{k: _clean(v) for k, v in summary.items()},
            "before": {k: _clean(v) for k, v in before.items()},
            "after": {k: _clean(v) for k, v in after.items()},
            "sites": records(res.sites),
        }
        text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    elif args.format == "csv":
        text = csv_text(res.sites)
    else:
        status = "optimal" if sol.optimal else f"gap ≤ {100 * sol.gap:.1f}%"
        text = (
            f"{summary['name_en']} ({res.scope}): {len(res.sites)} of k={args.k} sites from "
            f"{res.candidates} candidates, {sol.method}, {status}\n"
            f"coverage before {100 * before['coverage']:.1f}% "
            f"({before['covered']}/{before['demand']}),"
            f" after {100 * after['coverage']:.1f}% ({after['covered']}/{after['demand']});"
            f" newly covered weight {sol.objective:g}\n\n"
        )
        text += _table_text(res.sites) if len(res.sites) else "no site adds coverage\n"
    _emit(text, args.out)
    return 0


# --------------------------------------------------------------------------- standards


def _run_standards(args: argparse.Namespace) -> int:
    from dashboard.core.standards import set_standard, standards_table, standards_to_dict
    from loaders.standards_store import load_standards, reset_standards, save_standards

    home = _home(args)
    try:
        std = load_standards(home)
    except ValueError as exc:
        raise CliError(
            f"{exc} (run 'exchange-atlas standards reset' to restore defaults)"
        ) from None
    if args.action == "show":
        if args.format == "json":
            text = json.dumps(standards_to_dict(std), ensure_ascii=False, indent=2) + "\n"
        else:
            df = pd.DataFrame(standards_table(std)).drop(columns="label")
            if args.format == "csv":
                text = csv_text(df)
            else:
                text = df.to_string(index=False) + "\n"
        _emit(text, getattr(args, "out", None))
        return 0
    if args.action == "reset":
        removed = reset_standards(home)
        print("standards reset to the shipped defaults" if removed else "standards already default")
        return 0
    # set
    if args.radius is None and args.require is None and args.weight is None:
        raise CliError("nothing to set: give --radius, --require and/or --weight")
    try:
        new = set_standard(
            std, args.category, radius_m=args.radius, require=args.require, weight=args.weight
        )
        path = save_standards(new, home)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot save standards: {exc.strerror or exc}") from None
    s = new[args.category]
    from dashboard.core.standards import format_requirement

    print(
        f"{args.category}: radius {s.radius_m:g} m, require {format_requirement(s.require)}, "
        f"weight {s.weight:g} (saved to {path})"
    )
    return 0


# --------------------------------------------------------------------------- parser


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--radius", type=float, metavar="M", help="one radius (metres) for every category"
    )
    p.add_argument(
        "--require",
        nargs="+",
        action="extend",
        metavar="CAPABILITY",
        help="required capabilities: each argument is a clause that must be met; "
        "alternatives joined by '|' (e.g. 'foreign_card|foreign_wallet' cash). "
        "Default: any payment point qualifies",
    )
    p.add_argument(
        "--use-standards",
        action="store_true",
        help="apply each category's own required capabilities from the service standards",
    )
    p.add_argument("--as-of", metavar="DATE", help="count points in service on DATE (YYYY-MM-DD)")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "coverage",
        help="payment-service coverage of key locations per district and for the city",
    )
    _common(p)
    p.add_argument(
        "--since",
        metavar="DATE",
        help="also show the progress since DATE "
        "(covered_since, coverage_since, newly_covered, change)",
    )
    p.add_argument("--backend", choices=("local", "dask"), default="local")
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="dask scheduler address (tcp://host:8786); default: a local cluster",
    )
    p.set_defaults(func=_run_coverage)

    r = sub.add_parser("recommend", help="where k new service points would close the most gaps")
    _common(r)
    r.add_argument("--district", metavar="ADCODE|NAME", help="one district (default: citywide)")
    r.add_argument("--k", type=int, required=True, metavar="N", help="number of new points")
    r.add_argument("--candidates", choices=("uncovered", "h3"), default="uncovered")
    r.add_argument("--method", choices=("auto", "milp", "greedy"), default="auto")
    r.set_defaults(func=_run_recommend)

    s = sub.add_parser("standards", help="show, set or reset the service standards")
    ss = s.add_subparsers(dest="action", metavar="ACTION")
    ss.required = True
    show = ss.add_parser("show", help="print the standards in effect")
    show.add_argument("--format", choices=FORMATS, default="table")
    show.add_argument("--out", metavar="FILE")
    show.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")
    st = ss.add_parser("set", help="change one category's standard (saved in the workspace)")
    st.add_argument("category")
    st.add_argument("--radius", type=float, metavar="M")
    st.add_argument("--require", nargs="+", action="extend", metavar="CAPABILITY")
    st.add_argument("--weight", type=float)
    st.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")
    rs = ss.add_parser("reset", help="drop the workspace's standards (shipped defaults apply)")
    rs.add_argument("--home", help="workspace directory (overrides EXCHANGE_ATLAS_HOME)")
    s.set_defaults(func=_run_standards)
