"""District comparison and district profile: pure tables built from the engine's answers.

Nothing here computes coverage itself: the inputs are the per-district tables of
:func:`dashboard.engine.coverage.assess_coverage`,
:func:`dashboard.engine.coverage.coverage_progress` and
:func:`dashboard.engine.accessibility.district_accessibility`, and the per-place table
:attr:`dashboard.engine.coverage.CoverageResult.places`. These functions join, rank and
reshape them for the District comparison and District profile pages, the exports
and the tests. No Streamlit, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Protocol, cast

import numpy as np
import pandas as pd

from dashboard.core.i18n import label_of, name_col, t
from dashboard.engine.coverage import CITY_ADCODE

#: Metrics a user can rank the districts by, and whether larger is better.
RANK_METRICS: dict[str, bool] = {
    "coverage": True,
    "weighted_coverage": True,
    "uncovered": False,
    "access": True,
    "change": True,
}

#: Columns of :func:`comparison_table`.
COMPARISON_COLUMNS = (
    "rank",
    "adcode",
    "name_zh",
    "name_en",
    "demand",
    "covered",
    "uncovered",
    "coverage",
    "weighted_coverage",
    "access",
    "share_without_access",
    "coverage_baseline",
    "change",
    "newly_covered",
)


def comparison_table(
    districts: pd.DataFrame,
    progress: pd.DataFrame,
    access: pd.DataFrame,
    *,
    by: str = "coverage",
) -> pd.DataFrame:
    """One row per district (city total excluded), ranked by ``by``.

    Parameters
    ----------
    districts : DataFrame
        :attr:`CoverageResult.districts` at the view's date (city total last).
    progress : DataFrame
        :func:`coverage_progress` from the baseline to the view's date.
    access : DataFrame
        :func:`district_accessibility` at the view's date (districts without key
        locations are missing there and get NaN).
    by : str
        One of :data:`RANK_METRICS`. ``rank`` is 1 for the best district; ties share
        the better rank (``method="min"``) and districts with no value (no key
        locations) rank last with no rank (NaN).

    Returns
    -------
    DataFrame with :data:`COMPARISON_COLUMNS`, sorted by rank then adcode.
    """
    if by not in RANK_METRICS:
        raise ValueError(f"cannot rank by {by!r}; expected one of {', '.join(RANK_METRICS)}")
    p = progress[["adcode", "coverage_start", "change", "newly_covered"]].copy()
    p["adcode"] = p["adcode"].astype(str)
    p = p.rename(columns={"coverage_start": "coverage_baseline"})
    out = district_metrics(districts, access).merge(p, on="adcode", how="left")
    return rank_table(out, by)


def district_metrics(districts: pd.DataFrame, access: pd.DataFrame) -> pd.DataFrame:
    """Per-district coverage joined with accessibility (``access``, ``share_without_access``).

    ``districts`` is :attr:`CoverageResult.districts` (the city total row is dropped);
    ``access`` is :func:`district_accessibility`. Districts absent from ``access``
    (no key locations) get NaN.
    """
    d = districts[districts["adcode"].astype(str) != CITY_ADCODE].copy()
    d["adcode"] = d["adcode"].astype(str)
    a = access[["adcode", "mean_access", "share_without_access"]].copy()
    a["adcode"] = a["adcode"].astype(str)
    a = a.rename(columns={"mean_access": "access"})
    return d.merge(a, on="adcode", how="left").reset_index(drop=True)


def rank_table(table: pd.DataFrame, by: str) -> pd.DataFrame:
    """``table`` with a fresh ``rank`` by ``by`` (see :func:`comparison_table`), sorted."""
    if by not in RANK_METRICS:
        raise ValueError(f"cannot rank by {by!r}; expected one of {', '.join(RANK_METRICS)}")
    out = table.copy()
    # no rank without key locations: every metric is undefined or meaningless there
    values = out[by].where(out["demand"] > 0)
    out["rank"] = values.rank(ascending=not RANK_METRICS[by], method="min").astype("Int64")
    out = out.sort_values(["rank", "adcode"], na_position="last", kind="stable")
    cols = [c for c in COMPARISON_COLUMNS if c in out.columns]
    return out[cols].reset_index(drop=True)


def city_reference(
    districts: pd.DataFrame, scores: pd.DataFrame, progress: pd.DataFrame | None = None
) -> dict[str, float]:
    """City-wide values of the comparison metrics (the reference column and rule).

    Counts and shares are the city total row (every key location pooled);
    ``uncovered_mean`` is the mean number of gaps per district over the districts
    listed (the reference for one district's gaps); ``access`` is the demand-weighted
    mean over every place, :math:`\\sum P_i A_i / \\sum P_i`, and
    ``share_without_access`` the share of places with none. ``scores`` is
    :func:`dashboard.engine.accessibility.accessibility` (per place); ``progress``, when
    given, adds ``coverage_baseline``, ``change`` and ``newly_covered``.
    """
    city = districts[districts["adcode"].astype(str) == CITY_ADCODE].iloc[0]
    per = districts[districts["adcode"].astype(str) != CITY_ADCODE]
    dem = scores["demand"].to_numpy(dtype="float64")
    acc = scores["access"].to_numpy(dtype="float64")
    out = {
        "demand": float(city["demand"]),
        "covered": float(city["covered"]),
        "uncovered": float(city["uncovered"]),
        "uncovered_mean": float(per["uncovered"].mean()) if len(per) else float("nan"),
        "coverage": float(city["coverage"]),
        "weighted_coverage": float(city["weighted_coverage"]),
        "access": float((dem * acc).sum() / dem.sum()) if dem.sum() > 0 else float("nan"),
        "share_without_access": float((acc <= 0).mean()) if acc.size else float("nan"),
    }
    if progress is not None:
        prog = progress[progress["adcode"].astype(str) == CITY_ADCODE].iloc[0]
        out["coverage_baseline"] = float(prog["coverage_start"])
        out["change"] = float(prog["change"])
        out["newly_covered"] = float(prog["newly_covered"])
    return out


def side_by_side(table: pd.DataFrame, adcodes: Sequence[str], lang: str) -> pd.DataFrame:
    """The chosen districts as columns (named in ``lang``), one metric per row.

    Rows follow :data:`COMPARISON_COLUMNS` without names and adcode; the index is the
    metric code (translate it with :func:`dashboard.views.reports.header`).
    """
    chosen = [a for a in adcodes if a in set(table["adcode"])]
    sub = table.set_index("adcode").loc[chosen]
    metrics = [c for c in COMPARISON_COLUMNS if c not in ("adcode", "name_zh", "name_en")]
    out = sub[metrics].T
    out.columns = list(sub[name_col(lang)])
    return out


def sector_table(by_sector: pd.DataFrame, adcodes: Sequence[str] | None = None) -> pd.DataFrame:
    """Coverage per district and sector for small multiples: districts only, demand > 0.

    ``by_sector`` is :func:`dashboard.engine.coverage.coverage_by_sector`; ``adcodes`` keeps
    only those districts (None: all). Columns ``adcode``, ``sector``, ``demand``,
    ``covered``, ``coverage``.
    """
    df = by_sector[by_sector["adcode"].astype(str) != CITY_ADCODE]
    df = df[df["demand"] > 0]
    if adcodes:
        df = df[df["adcode"].astype(str).isin(list(adcodes))]
    return df[["adcode", "sector", "demand", "covered", "coverage"]].reset_index(drop=True)


# --------------------------------------------------------------------------- profile


def previous_date(as_of: date, earliest: date) -> date:
    """The previous period's date: one year before ``as_of``, not before ``earliest``."""
    try:
        prev = as_of.replace(year=as_of.year - 1)
    except ValueError:  # 29 February
        prev = as_of.replace(year=as_of.year - 1, day=28)
    return max(prev, earliest)


#: Most new service points the profile's siting proposes at once (the slider's end and
#: the link's ``sites`` bound).
MAX_SITES = 20

#: KPI metrics of the district profile and whether larger is better.
KPI_METRICS: dict[str, bool] = {
    "coverage": True,
    "weighted_coverage": True,
    "uncovered": False,
    "access": True,
}


def district_kpis(
    adcode: str,
    now: pd.DataFrame,
    previous: pd.DataFrame,
    city: dict[str, float],
    target: float | None = None,
) -> pd.DataFrame:
    """The district's KPIs against three references.

    Parameters
    ----------
    now, previous : DataFrame
        Rows with ``adcode`` and the :data:`KPI_METRICS` columns at the view's date
        and at the previous period's date (e.g. :func:`comparison_table` at each).
    city : dict
        :func:`city_reference` at the view's date (for gaps, its per-district mean).
    target : float, optional
        A coverage target (fraction); applies to ``coverage`` and
        ``weighted_coverage`` only.

    Returns
    -------
    DataFrame indexed by metric with ``value``, ``city``, ``previous``, ``target``
    (NaN where none applies) and ``higher_is_better``.
    """
    row = now.set_index(now["adcode"].astype(str)).loc[adcode]
    prev = previous.set_index(previous["adcode"].astype(str)).loc[adcode]
    ref = {m: city["uncovered_mean"] if m == "uncovered" else city[m] for m in KPI_METRICS}
    return _kpi_table(row, prev, ref, target)


def _kpi_table(
    value: Mapping, previous: Mapping, city: Mapping | None, target: float | None
) -> pd.DataFrame:
    """One row per :data:`KPI_METRICS` entry: value, city, previous, target (coverage
    shares only) and ``higher_is_better``; NaN where a reference does not apply."""
    rows = []
    for m, better in KPI_METRICS.items():
        tgt = target if target is not None and m in ("coverage", "weighted_coverage") else np.nan
        rows.append(
            {
                "metric": m,
                "value": float(value[m]),
                "city": np.nan if city is None else float(city[m]),
                "previous": float(previous[m]),
                "target": float(tgt),
                "higher_is_better": better,
            }
        )
    return pd.DataFrame(rows).set_index("metric")


def city_kpis(
    now: dict[str, float], previous: dict[str, float], target: float | None = None
) -> pd.DataFrame:
    """The whole city's KPIs against the previous period and an optional target.

    ``now`` and ``previous`` are :func:`city_reference` at the view's date and at the
    previous period's date; ``uncovered`` is the city's total. Same shape as
    :func:`district_kpis`, with ``city`` NaN (the city is not compared with itself).
    """
    return _kpi_table(now, previous, None, target)


def uncovered_list(places: pd.DataFrame, demand: pd.DataFrame, adcode: str) -> pd.DataFrame:
    """Uncovered key locations of one district (``"all"``: the whole city), by sector
    then farthest first.

    ``places`` is :attr:`CoverageResult.places`; ``demand`` the key-locations layer
    (for names). Columns ``sector``, ``id``, ``name_zh``, ``name_en``, ``category``,
    ``distance_m`` (to the nearest qualifying point; ``inf`` if none),
    ``radius_m``, ``weight``, ``adcode``, ``lon``, ``lat``.
    """
    p = places[~places["covered"].to_numpy(dtype=bool)]  # the few first, then the rest
    if adcode != "all":
        p = p[p["adcode"].astype(str).to_numpy() == adcode]
    ids = p["id"].astype(str)
    names = pd.DataFrame(demand)[["id", "name_zh", "name_en"]].astype({"id": str})
    names = names[names["id"].isin(ids)]  # join the names of the uncovered only
    out = p.assign(id=ids).merge(names, on="id", how="left")
    out = out.sort_values(["sector", "distance_m", "id"], ascending=[True, False, True])
    cols = ["sector", "id", "name_zh", "name_en", "category", "distance_m", "radius_m", "weight"]
    out["adcode"] = out["adcode"].astype(str)
    return out[cols + ["adcode", "lon", "lat"]].reset_index(drop=True)


def localize_uncovered(
    table: pd.DataFrame, lang: str, district_names: dict[str, str] | None = None
) -> pd.DataFrame:
    """:func:`uncovered_list` for display: labels in ``lang``, distance in whole metres;
    with ``district_names`` (adcode -> name), a ``district`` column after the sector."""
    other = "name_en" if lang == "zh" else "name_zh"
    name = table[name_col(lang)].fillna(table[other]).fillna(table["id"])
    dist = table["distance_m"].replace(np.inf, np.nan).round(0)
    district = (
        {
            "district": table["adcode"]
            .astype(str)
            .map(lambda a: district_names.get(a, a), na_action="ignore")  # NA stays NA
        }
        if district_names is not None
        else {}
    )
    return pd.DataFrame(
        {
            "sector": table["sector"].map(lambda c: label_of("sector", str(c), lang)),
            **district,
            "name": name,
            "category": table["category"].map(lambda c: label_of("key-locations", str(c), lang)),
            "distance_m": dist,
            "radius_m": table["radius_m"].round(0),
            "id": table["id"],
        }
    )


def what_if_summary(before: pd.DataFrame, after: pd.DataFrame, adcode: str) -> pd.DataFrame:
    """Before/after coverage of one district and the city (from a siting what-if).

    ``before``/``after`` are :attr:`CoverageResult.districts`. Index ``adcode`` and
    ``110000`` (only ``110000`` when ``adcode`` is ``"all"`` or the city); columns
    ``covered_before``, ``covered_after``, ``coverage_before``,
    ``coverage_after``, ``weighted_before``, ``weighted_after``, ``uncovered_before``,
    ``uncovered_after``.
    """
    b = before.set_index(before["adcode"].astype(str))
    a = after.set_index(after["adcode"].astype(str))
    keys = [CITY_ADCODE] if adcode in ("all", CITY_ADCODE) else [adcode, CITY_ADCODE]
    return pd.DataFrame(
        {
            "covered_before": b.loc[keys, "covered"].to_numpy(),
            "covered_after": a.loc[keys, "covered"].to_numpy(),
            "coverage_before": b.loc[keys, "coverage"].to_numpy(),
            "coverage_after": a.loc[keys, "coverage"].to_numpy(),
            "weighted_before": b.loc[keys, "weighted_coverage"].to_numpy(),
            "weighted_after": a.loc[keys, "weighted_coverage"].to_numpy(),
            "uncovered_before": b.loc[keys, "uncovered"].to_numpy(),
            "uncovered_after": a.loc[keys, "uncovered"].to_numpy(),
        },
        index=pd.Index(keys, name="adcode"),
    )


def districts_gaining(before: pd.DataFrame, after: pd.DataFrame) -> int:
    """How many districts a what-if raises the coverage of (:attr:`CoverageResult.districts`
    before and after; the city total row is not a district)."""
    b = before.set_index(before["adcode"].astype(str))["coverage"]
    a = after.set_index(after["adcode"].astype(str))["coverage"].reindex(b.index)
    gain = (a - b).drop(index=CITY_ADCODE, errors="ignore")
    return int((gain > 1e-12).sum())


def gap_records(
    places: pd.DataFrame,
    demand: pd.DataFrame,
    adcode: str,
    lang: str,
    status_labels: tuple[str, str],
    distance_label: str,
) -> tuple[list[dict], list[dict]]:
    """Map records (covered, uncovered) of one district's key locations (``"all"``: the
    whole city's).

    Each record has ``lon``, ``lat``, ``id`` and the plain-text tooltip fields
    ``tt_title`` (name), ``tt_sub`` (other-language name) and ``tt_body`` (sector,
    status and distance), which the deck.gl component escapes.
    ``status_labels`` is (covered, uncovered) text in ``lang``.
    """
    p = places if adcode == "all" else places[places["adcode"].astype(str) == adcode]
    names = pd.DataFrame(demand)[["id", "name_zh", "name_en"]].astype({"id": str})
    p = p.assign(id=p["id"].astype(str)).merge(names, on="id", how="left")
    other = "name_en" if lang == "zh" else "name_zh"
    covered, uncovered = [], []
    for r in p.itertuples(index=False):
        title = _text(getattr(r, name_col(lang))) or _text(getattr(r, other)) or r.id
        dist = "—" if not np.isfinite(r.distance_m) else f"{r.distance_m:,.0f} m"
        body = "\n".join(
            [
                label_of("sector", str(r.sector), lang),
                status_labels[0] if r.covered else status_labels[1],
                f"{distance_label}: {dist}",
            ]
        )
        rec = {
            "lon": float(r.lon),
            "lat": float(r.lat),
            "id": r.id,
            "tt_title": title,
            "tt_sub": _text(getattr(r, other)),
            "tt_body": body,
        }
        (covered if r.covered else uncovered).append(rec)
    return covered, uncovered


def _text(value: object) -> str:
    """Plain text of a cell (NaN/None → empty)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def named_sites(sites: pd.DataFrame, demand: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Recommended sites (:attr:`SitingResult.sites`) with the place name in ``lang``.

    Candidates are uncovered key locations, so a site's ``id`` is a place id; a site
    of another kind (an H3 cell) keeps its id as its name. Columns ``rank``,
    ``place``, ``newly_covered``, ``newly_covered_weight``, ``id``, ``adcode`` (the
    district it lies in), ``lon``, ``lat``.
    """
    d = pd.DataFrame(demand)
    other = "name_en" if lang == "zh" else "name_zh"
    by_id = dict(zip(d["id"].astype(str), d[name_col(lang)].fillna(d[other])))
    ids = sites["id"].astype(str)
    return pd.DataFrame(
        {
            "rank": sites["rank"].to_numpy(),
            "place": [_text(by_id.get(i)) or i for i in ids],
            "newly_covered": sites["newly_covered"].to_numpy(),
            "newly_covered_weight": sites["newly_covered_weight"].to_numpy(),
            "id": ids.to_numpy(),
            "adcode": sites["adcode"].astype(str).to_numpy(),
            "lon": sites["lon"].to_numpy(dtype="float64"),
            "lat": sites["lat"].to_numpy(dtype="float64"),
        }
    )


class _SiteRow(Protocol):
    """A row of :func:`named_sites` as :meth:`pandas.DataFrame.itertuples` gives it."""

    rank: int
    place: str
    newly_covered: int
    id: str
    lon: float
    lat: float


def site_records(named: pd.DataFrame, lang: str) -> list[dict]:
    """Map records of :func:`named_sites` with plain-text tooltip fields."""
    rows = cast("Iterator[_SiteRow]", named.itertuples(index=False))
    return [
        {
            "lon": float(r.lon),
            "lat": float(r.lat),
            "id": str(r.id),
            "tt_title": t("dp_site_name", lang, n=int(r.rank)),
            "tt_sub": "",
            "tt_body": t("dp_site_body", lang, place=r.place, n=int(r.newly_covered)),
        }
        for r in rows
    ]
