"""``exchange-atlas coverage``: one row per district and the city total (last, adcode
``110000``).

By default each category's standard radius applies and *any* in-service payment point
qualifies; ``--radius`` sets one radius for every category, ``--require`` one requirement
for every category, ``--use-standards`` each category's own requirement from the service
standards. ``--require`` takes clauses: every clause must be met, alternatives inside a
clause are joined by ``|`` (``--require "foreign_card|foreign_wallet" cash``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

import pandas as pd

from dashboard.cli.common import (
    add_common_options,
    as_of_date,
    effective_standards,
    emit,
    load_inputs,
    parse_date,
    records,
    table_text,
    workspace_home,
)
from dashboard.cli.errors import CliError
from dashboard.core.safetext import csv_text

# Engine and loader modules are imported inside the commands: at module level they add
# 0.23 s (geopandas, shapely, scipy) to every start, --help and run included (0.42 → 0.65 s).


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


def field_supply(args: argparse.Namespace, supply: pd.DataFrame, when) -> pd.DataFrame:
    """The payment points as coverage counts them on ``when`` given the field checks in the
    workspace: claimed capabilities less those whose latest check failed, or with
    ``--verified`` only those a check within the validity period passed."""
    from dashboard.engine.verification import effective_supply
    from loaders.inspections_store import load_inspections, load_settings

    home = workspace_home(args)
    inspections = load_inspections(home)
    basis = "verified" if getattr(args, "verified", False) else "claimed"
    if inspections.empty and basis == "claimed":
        return supply
    days = load_settings(home).validity_days
    return effective_supply(supply, inspections, as_of=when, basis=basis, validity_days=days)


def _field_evidence(args: argparse.Namespace):
    """The field checks of the workspace as the files backend applies them to each task's
    supply (:class:`dashboard.engine.scale.FieldEvidence`), None when they change nothing:
    :func:`field_supply`'s rule."""
    from dashboard.engine.scale import FieldEvidence
    from loaders.inspections_store import load_inspections, load_settings

    home = workspace_home(args)
    inspections = load_inspections(home)
    basis = "verified" if getattr(args, "verified", False) else "claimed"
    if inspections.empty and basis == "claimed":
        return None
    return FieldEvidence(inspections, basis, load_settings(home).validity_days)


def _zones_of(args: argparse.Namespace):
    """``--by NAME``'s boundary set and whether it is synthetic ((None, False) for the
    districts); the message on standard error that :func:`table_by_set` gives."""
    by = getattr(args, "by", None)
    if not by:
        return None, False
    from dashboard.cli.boundaries import zones_for

    return zones_for(args)


def add_verified_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--verified",
        action="store_true",
        help="count only capabilities a field check passed within the validity period "
        "(default: claimed capabilities, less those whose latest check failed)",
    )


def coverage_table(args: argparse.Namespace) -> pd.DataFrame:
    """The per-district table the ``coverage`` command prints (used by tests too).

    With ``--since D0`` the columns ``covered_since``, ``coverage_since``,
    ``newly_covered`` and ``change`` compare with the coverage as of ``D0``.
    """
    from dashboard.engine.coverage import progress_table

    std = effective_standards(args)
    as_of = as_of_date(args)
    since = parse_date(args.since, "--since")
    if since is not None and as_of is not None and as_of < since:
        raise CliError(f"--since {since.date()} is after --as-of {as_of.date()}")
    demand, supply, districts = load_inputs(args)
    end = _assess(args, demand, field_supply(args, supply, as_of), districts, std, as_of)
    table = end.districts
    start = None
    if since is not None:
        start = _assess(args, demand, field_supply(args, supply, since), districts, std, since)
        prog = progress_table(start, end, districts)
        table = table.assign(
            covered_since=prog["covered_start"].to_numpy(),
            coverage_since=prog["coverage_start"].to_numpy(),
            newly_covered=prog["newly_covered"].to_numpy(),
            change=prog["change"].to_numpy(),
        )
    if args.by:  # one row per zone of the boundary set (dashboard.cli.boundaries)
        from dashboard.cli.boundaries import table_by_set

        table = table_by_set(args, end, start, table)
    return table


def _run_coverage(args: argparse.Namespace) -> int:
    if args.demand or args.supply:
        return _run_files(args)
    table = coverage_table(args)
    emit(_formatted(table, args.format), args.out)
    return 0


def _formatted(table: pd.DataFrame, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(records(table), ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return csv_text(table)
    return table_text(table)


def _run_files(args: argparse.Namespace) -> int:
    """``--demand PATH --supply PATH``: coverage from partitioned GeoParquet datasets on
    the cluster; the table on standard output and, with ``--out DIR``, the per-place
    results (``DIR/places``) beside ``districts.json`` and ``districts.csv``."""
    from dashboard.core.messages import Msg, localize

    def fail(message: object) -> CliError:
        return CliError(localize(message, args.lang))

    if not (args.demand and args.supply):
        raise fail(Msg("part_needs_both"))
    if args.backend != "dask":
        raise fail(Msg("part_needs_dask"))
    try:
        from dashboard.engine.scale import assess_coverage_files
    except ImportError as exc:
        raise CliError(
            f"the dask backend needs the [scale] extra (pip install 'exchange-atlas[scale]'): {exc}"
        ) from None
    from dashboard.engine.layers import load_layer
    from dashboard.engine.partitioned import DatasetError

    std = effective_standards(args)
    home = workspace_home(args)
    districts = load_layer("districts", home)
    as_of = as_of_date(args)
    since = parse_date(args.since, "--since")
    if since is not None and as_of is not None and as_of < since:
        raise CliError(f"--since {since.date()} is after --as-of {as_of.date()}")
    zones, synthetic = _zones_of(args)

    def beside(folder, table: pd.DataFrame) -> None:
        if zones is not None:
            table = table.assign(synthetic=synthetic)
        (folder / "districts.json").write_text(_formatted(table, "json"), encoding="utf-8")
        (folder / "districts.csv").write_text(csv_text(table), encoding="utf-8")

    try:
        res = assess_coverage_files(
            args.demand,
            args.supply,
            districts,
            std,
            as_of=as_of,
            out=args.out,
            scheduler=args.scheduler,
            write_extra=beside,
            since=since,
            zones=zones,
            evidence=_field_evidence(args),
        )
    except DatasetError as exc:
        raise fail(exc.args[0]) from None
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if zones is not None:
        res = dataclasses.replace(res, districts=res.districts.assign(synthetic=synthetic))
    emit(_formatted(res.districts, args.format), None)
    if res.places:
        print(
            f"wrote {args.out} ({res.rows} places in {res.partitions} partitions)", file=sys.stderr
        )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "coverage",
        help="payment-service coverage of key locations per district and for the city",
    )
    add_common_options(p)
    p.add_argument(
        "--since",
        metavar="DATE",
        help="also show the progress since DATE "
        "(covered_since, coverage_since, newly_covered, change)",
    )
    add_verified_option(p)
    p.add_argument(
        "--by",
        metavar="NAME",
        help="one row per zone of boundary set NAME (exchange-atlas boundaries list), the "
        "rows outside any zone and the city total last (default: the districts)",
    )
    p.add_argument("--backend", choices=("local", "dask"), default="local")
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="dask scheduler address (tcp://host:8786); default: a local cluster",
    )
    p.add_argument(
        "--demand",
        metavar="PATH",
        help="with --backend dask: the places as a partitioned GeoParquet dataset the workers "
        "read (exchange-atlas export key-locations --partitioned DIR); --out is then a "
        "directory: DIR/places (per place), districts.json, districts.csv",
    )
    p.add_argument(
        "--supply",
        metavar="PATH",
        help="with --demand: the payment points as a partitioned GeoParquet dataset",
    )
    p.add_argument(
        "--lang",
        choices=("zh", "en"),
        default="en",
        help="language of the messages about --demand/--supply datasets (default en)",
    )
    p.set_defaults(func=_run_coverage)
