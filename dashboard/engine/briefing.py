"""The leading group's briefing: every figure of the progress report and of the presenter's
slides, computed once from the layers, the standards in force and the targets.

Nothing here computes coverage in a new way: it calls the functions the pages call —
:func:`~dashboard.engine.coverage.assess_coverage`,
:func:`~dashboard.engine.coverage.progress_table`,
:func:`~dashboard.engine.compare.comparison_table`,
:func:`~dashboard.engine.progress.coverage_series`,
:func:`~dashboard.engine.progress.target_status`,
:func:`~dashboard.engine.siting.recommend_sites`,
:func:`~dashboard.engine.events.event_readiness` — and keeps their answers together, so
that a report, a slide and a test read the same numbers. No Streamlit, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import cast
from urllib.parse import urlsplit

import geopandas as gpd
import pandas as pd

from dashboard.core.standards import Standards
from dashboard.core.targets import CITY, Targets, target_for
from dashboard.engine import compare, progress
from dashboard.engine.accessibility import AccessIndex, access_index, district_accessibility
from dashboard.engine.coverage import assess_coverage, progress_table
from dashboard.engine.events import event_readiness, major_event_readiness, order_events
from dashboard.engine.siting import recommend_sites

#: How many uncovered places per sector, recommended sites and events a briefing keeps.
TOP_UNCOVERED = 5
SITES_PER_DISTRICT = 5
UPCOMING_EVENTS = 12
#: Seconds the exact siting solver may spend per district page.
SITING_TIME_LIMIT = 2.0
#: The layers a briefing names as its sources (cover page, method notes).
SOURCE_LAYERS = ("key-locations", "payments", "venues", "organizations", "events")


@dataclass(frozen=True)
class DistrictBrief:
    """One district's page: KPIs against city, previous period and target; its target
    statuses; its worst gaps by sector (:func:`compare.uncovered_list` rows); where new
    points would help most (:attr:`SitingResult.sites` with the place's ``name_zh`` and
    ``name_en``) and how many places they would cover (``sites_gain``)."""

    adcode: str
    name_zh: str
    name_en: str
    rank: int | None
    kpis: pd.DataFrame
    status: pd.DataFrame
    uncovered: pd.DataFrame
    uncovered_total: int
    sites: pd.DataFrame
    sites_gain: int


@dataclass(frozen=True)
class Briefing:
    """Every figure of one report (see the module docstring).

    ``as_of`` the report's date; ``since`` the previous period's date; ``start`` the first
    in-service date (where the monthly series begins); ``comparison`` the ranking
    (:func:`compare.comparison_table` by coverage, change since ``since``); ``city`` and
    ``city_previous`` :func:`compare.city_reference` at both dates; ``city_kpis`` the
    city's KPI table; ``series`` the monthly coverage (:func:`progress.coverage_series`);
    ``status`` every target's status; ``improved`` :func:`progress.most_improved`;
    ``districts`` the district pages in ranking order (or in the order asked for);
    ``events`` readiness around upcoming events (the four major ones first);
    ``major_editions`` readiness of every edition of the four major events; ``sources``
    one row per layer: rows, distinct sources, synthetic rows; ``places`` the per-place
    coverage at ``as_of`` (for the gap maps); ``basis`` what coverage counted (``claimed``
    or ``verified`` capabilities).
    """

    as_of: date
    since: date
    start: date
    standards: Standards
    targets: Targets
    comparison: pd.DataFrame
    city: dict[str, float]
    city_previous: dict[str, float]
    city_kpis: pd.DataFrame
    series: pd.DataFrame
    status: pd.DataFrame
    improved: pd.DataFrame
    districts: tuple[DistrictBrief, ...]
    events: pd.DataFrame
    major_editions: pd.DataFrame
    sources: pd.DataFrame
    places: pd.DataFrame
    scope: tuple[str, ...] = field(default=())
    basis: str = "claimed"

    @property
    def synthetic_layers(self) -> list[str]:
        """Layers with generated (synthetic) rows: named on the cover and every page."""
        s = self.sources
        return list(s.loc[s["synthetic"] > 0, "layer"])


def data_period(payments: pd.DataFrame) -> tuple[date, date]:
    """The first and last in-service dates of the payment points: the period with data."""
    dates = pd.to_datetime(payments["in_service_date"], errors="coerce").dropna()
    if dates.empty:
        raise ValueError("the payment points have no in-service dates: no period to report on")
    return dates.min().date(), dates.max().date()


def resolve_districts(names: Sequence[str], districts: pd.DataFrame) -> tuple[str, ...]:
    """Adcodes of ``names`` (adcodes, or Chinese or English names, any case).

    Raises ``ValueError`` naming the first unknown one and the valid choices."""
    table = districts.drop_duplicates("adcode")
    lookup: dict[str, str] = {}
    for ad, zh, en in zip(table["adcode"].astype(str), table["name_zh"], table["name_en"]):
        for key in (ad, str(zh), str(en), str(en).replace(" District", "")):
            lookup[key.casefold()] = ad
    out: list[str] = []
    for name in names:
        ad = lookup.get(str(name).strip().casefold())
        if ad is None:
            valid = ", ".join(f"{a} {z}" for a, z in zip(table["adcode"], table["name_zh"]))
            raise ValueError(f"unknown district {name!r}; expected one of: {valid}")
        if ad not in out:
            out.append(ad)
    return tuple(out)


def _source_name(text: str) -> str:
    """A source as the cover names it: a URL's host (``en.wikipedia.org``), else the text."""
    parsed = urlsplit(text.strip())
    return parsed.hostname or text.strip() if parsed.scheme in ("http", "https") else text.strip()


def layer_sources(layers: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per source layer: ``layer``, ``rows``, ``sources`` (the publishers — a URL's
    host, or the source's text — with their row counts, most rows first: at most five,
    then how many more), ``synthetic`` (generated rows)."""
    rows = []
    for name in SOURCE_LAYERS:
        df = layers.get(name)
        if df is None:
            continue
        src = df["source"].dropna().astype(str) if "source" in df.columns else pd.Series([])
        counts = src[src.str.strip() != ""].map(_source_name).value_counts()
        parts = [f"{host} ({n})" for host, n in counts.head(5).items()]
        if len(counts) > 5:
            parts.append(f"… (+{len(counts) - 5})")
        syn = int(df["synthetic"].astype(bool).sum()) if "synthetic" in df.columns else 0
        rows.append({"layer": name, "rows": len(df), "sources": "; ".join(parts), "synthetic": syn})
    return pd.DataFrame(rows, columns=["layer", "rows", "sources", "synthetic"])


def _top_by_sector(unc: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` heaviest, then farthest, uncovered places of each sector."""
    ordered = unc.sort_values(
        ["sector", "weight", "distance_m", "id"], ascending=[True, False, False, True]
    )
    return ordered.groupby("sector", sort=True).head(n).reset_index(drop=True)


def _metrics(
    layers: Mapping[str, pd.DataFrame], supplies: Sequence[pd.DataFrame], std, dates: Sequence
) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """Accessibility per place and per district on each date, each against its supply;
    one :class:`~dashboard.engine.accessibility.AccessIndex` for dates sharing a supply."""
    indexes: dict[int, AccessIndex] = {}
    out = []
    for sup, when in zip(supplies, dates):
        if id(sup) not in indexes:
            indexes[id(sup)] = access_index(
                layers["key-locations"],
                sup,
                std,
                districts=cast(gpd.GeoDataFrame, layers["districts"]),
            )
        scores = indexes[id(sup)].at(when)
        out.append((scores, district_accessibility(scores)))
    return out


def _events(
    layers: Mapping[str, pd.DataFrame], supply: pd.DataFrame, std: Standards, as_of: date, n: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Readiness around the ongoing and upcoming events at ``as_of`` (the four major ones
    first, :func:`order_events`), at most ``n``; and every edition of the four major events
    (:func:`major_event_readiness`, against ``as_of``)."""
    events = layers.get("events")
    if events is None or events.empty:
        return pd.DataFrame(), pd.DataFrame()
    ev = pd.DataFrame(events).dropna(subset=["start_date"])
    if ev.empty:
        return pd.DataFrame(), pd.DataFrame()
    venues, demand = layers.get("venues"), layers["key-locations"]
    ordered = order_events(ev, as_of, major_first=True)
    soon = ordered[ordered["status"].isin(["ongoing", "upcoming"])].head(n)
    up = (
        event_readiness(soon, venues, demand, supply, std).reset_index(drop=True)
        if len(soon)
        else soon
    )
    editions = major_event_readiness(ev, venues, demand, supply, std, as_of=as_of)
    return up, editions


def build_briefing(
    layers: Mapping[str, pd.DataFrame],
    standards: Standards,
    targets: Targets,
    *,
    as_of: date | None = None,
    since: date | None = None,
    districts: Sequence[str] = (),
    top_uncovered: int = TOP_UNCOVERED,
    sites_per_district: int = SITES_PER_DISTRICT,
    upcoming_events: int = UPCOMING_EVENTS,
    siting_time_limit: float = SITING_TIME_LIMIT,
    supply_at: progress.SupplyAt | None = None,
    basis: str = "claimed",
) -> Briefing:
    """Every figure of the report as of ``as_of`` against ``since``.

    Parameters
    ----------
    layers : mapping
        ``key-locations``, ``payments``, ``districts`` (required); ``events``,
        ``venues``, ``organizations`` (optional; named as sources when present).
    standards : Standards
        The standards in force (radii and requirements per category).
    targets : Targets
        The targets in force; their statuses are taken at ``as_of``.
    as_of : date, optional
        The report's date; default: the last in-service date.
    since : date, optional
        The previous period's date; default: one year before ``as_of``, not before the
        first in-service date.
    districts : sequence of str
        Adcodes of the district pages, in this order; empty: every district in ranking
        order.
    siting_time_limit : float
        Seconds the exact siting solver may take per district before the better of its
        incumbent and the greedy solution is kept (sixteen districts: a bounded report).
    supply_at : callable, optional
        The payment points as coverage counts them on a date, when field checks change
        them (:func:`dashboard.engine.verification.effective_supply`); None: the layer's.
    basis : str
        What ``supply_at`` counts (``claimed`` or ``verified``), stated in the report.

    Raises
    ------
    ValueError
        When there is no data in the period (``as_of`` before the first in-service date),
        ``since`` is after ``as_of``, or a district is unknown.
    """
    demand, supply = layers["key-locations"], layers["payments"]
    polys = cast(gpd.GeoDataFrame, layers["districts"])
    first, last = data_period(supply)
    end = as_of or last
    if end < first:
        raise ValueError(
            f"no data for the period: --as-of {end} is before the first in-service date {first}"
        )
    prev = since or compare.previous_date(end, first)
    if prev > end:
        raise ValueError(f"--since {prev} is after --as-of {end}")
    known = set(polys["adcode"].astype(str))
    for ad in districts:
        if ad not in known:
            raise ValueError(f"unknown district {ad!r}")

    raw = supply
    supply = supply_at(pd.Timestamp(end)) if supply_at else raw
    supply_prev = supply_at(pd.Timestamp(prev)) if supply_at else raw
    now = assess_coverage(demand, supply, polys, standards, as_of=end)
    before = assess_coverage(demand, supply_prev, polys, standards, as_of=prev)
    (scores, access), (scores_prev, access_prev) = _metrics(
        layers, [supply, supply_prev], standards, [end, prev]
    )
    prog = progress_table(before, now, polys)  # = coverage_progress(prev, end)
    table = compare.comparison_table(now.districts, prog, access, by="coverage")
    city = compare.city_reference(now.districts, scores, prog)
    city_prev = compare.city_reference(before.districts, scores_prev)
    metrics_now = compare.district_metrics(now.districts, access)
    metrics_prev = compare.district_metrics(before.districts, access_prev)

    series = progress.coverage_series(
        demand, supply, polys, standards, first, end, supply_at=supply_at
    )
    sector_series = {
        s: progress.coverage_series(
            demand, supply, polys, standards, first, end, sector=s, supply_at=supply_at
        )
        for s in {t.sector for t in targets if t.sector}
    }
    status = progress.target_status(series, targets, end, sector_series=sector_series)
    improved = progress.most_improved(series)

    def goal(adcode: str) -> float | None:
        t = target_for(targets, adcode)
        m = t.due_after(end) if t is not None else None
        m = m or (t.milestones[-1] if t is not None else None)
        return None if m is None else m.share

    city_kpis = compare.city_kpis(city, city_prev, goal(CITY))
    ranked = table.dropna(subset=["rank"])
    order = list(districts) or list(ranked["adcode"].astype(str))
    pages = []
    for ad in order:
        row = table[table["adcode"] == ad]
        if row.empty:  # a district without key locations: nothing to report on
            continue
        r = row.iloc[0]
        unc = compare.uncovered_list(now.places, demand, ad)
        if len(unc) and sites_per_district > 0:
            k = min(sites_per_district, len(unc))
            siting = recommend_sites(
                demand,
                supply,
                polys,
                standards,
                k,
                district=ad,
                as_of=end,
                before=now,
                time_limit=siting_time_limit,
            )
            names = pd.DataFrame(demand)[["id", "name_zh", "name_en"]].astype({"id": str})
            sites = siting.sites.assign(id=siting.sites["id"].astype(str)).merge(
                names, on="id", how="left"
            )
            gain = int(sites["newly_covered"].sum())
        else:
            cols = ["rank", "id", "lon", "lat", "newly_covered", "name_zh", "name_en"]
            sites, gain = pd.DataFrame(columns=cols), 0
        pages.append(
            DistrictBrief(
                adcode=ad,
                name_zh=str(r["name_zh"]),
                name_en=str(r["name_en"]),
                rank=None if pd.isna(r["rank"]) else int(r["rank"]),
                kpis=compare.district_kpis(ad, metrics_now, metrics_prev, city, goal(ad)),
                status=status[status["adcode"] == ad].reset_index(drop=True),
                uncovered=_top_by_sector(unc, top_uncovered),
                uncovered_total=len(unc),
                sites=sites.reset_index(drop=True),
                sites_gain=gain,
            )
        )
    up, editions = _events(layers, supply, standards, end, upcoming_events)
    return Briefing(
        as_of=end,
        since=prev,
        start=first,
        standards=standards,
        targets=targets,
        comparison=table,
        city=city,
        city_previous=city_prev,
        city_kpis=city_kpis,
        series=series,
        status=status,
        improved=improved,
        districts=tuple(pages),
        events=up,
        major_editions=editions,
        sources=layer_sources(layers),
        places=now.places,
        scope=tuple(districts),
        basis=basis,
    )
