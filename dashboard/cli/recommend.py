"""``exchange-atlas recommend``: ``k`` new service points (MCLP) and the coverage before
and after, citywide or in one district."""

from __future__ import annotations

import argparse
import json

import pandas as pd

from dashboard.cli.common import (
    add_common_options,
    as_of_date,
    clean,
    effective_standards,
    emit,
    load_inputs,
    records,
    table_text,
)
from dashboard.cli.errors import CliError
from dashboard.core.safetext import csv_text

# Engine and loader modules are imported inside the commands: at module level they add
# 0.23 s (geopandas, shapely, scipy) to every start, --help and run included (0.42 → 0.65 s).


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
    as_of = as_of_date(args)
    demand, supply, districts = load_inputs(args)
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
            **{k: clean(v) for k, v in summary.items()},
            "before": {k: clean(v) for k, v in before.items()},
            "after": {k: clean(v) for k, v in after.items()},
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
        text += table_text(res.sites) if len(res.sites) else "no site adds coverage\n"
    emit(text, args.out)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("recommend", help="where k new service points would close the most gaps")
    add_common_options(r)
    r.add_argument("--district", metavar="ADCODE|NAME", help="one district (default: citywide)")
    r.add_argument("--k", type=int, required=True, metavar="N", help="number of new points")
    r.add_argument("--candidates", choices=("uncovered", "h3"), default="uncovered")
    r.add_argument("--method", choices=("auto", "milp", "greedy"), default="auto")
    r.set_defaults(func=_run_recommend)
