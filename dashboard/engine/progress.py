"""Progress over time: coverage month by month, and each target's status.

The series is computed from :func:`dashboard.engine.coverage.covered_from`: one radius
search gives, for every key location, the date from which it is covered, so the coverage
of any number of dates is a comparison and a count (no coverage run per month). The
status of a target projects the recent trend to the milestone's date:

* the **trend** is the least-squares slope of the metric over the last ``window`` monthly
  values (default 6), in share per day, with its standard error :math:`s_b`;
* the **projection** to the milestone's date :math:`d` days ahead is
  :math:`v + b\\,d`, with the band :math:`\\pm 1.96\\, s_b\\, d` (the slope's 95 %
  interval; it ignores that the months are not independent, so read it as a rough band),
  all kept within 0–100 %;
* **achieved**: the value already meets the milestone; **on track**: the projection
  meets it; **at risk**: only the band's upper end meets it; **off track**: not even
  that, or the milestone's date has passed unmet.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from dashboard.core.model import CATEGORY_SECTOR, KEY_LOCATION_CATEGORIES, SECTORS
from dashboard.core.standards import Standards
from dashboard.core.targets import CITY, Target, Targets
from dashboard.engine.coverage import (
    DateLike,
    assess_coverage,
    assign_districts,
    covered_from,
    place_coverage,
)

#: The payment points as coverage counts them on a date (field checks change them over
#: time: a failed check removes a capability from its date on, a pass expires).
SupplyAt = Callable[[pd.Timestamp], pd.DataFrame]


def covered_matrix(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    standards: Standards,
    dates: pd.DatetimeIndex,
    supply_at: SupplyAt | None = None,
) -> np.ndarray:
    """``covered[i, t]``: demand place ``i`` covered on ``dates[t]``.

    Without ``supply_at`` a place stays covered once covered (points only come into
    service), so one :func:`covered_from` radius search answers every date; with it,
    coverage can also be lost, and each date is assessed on its own supply.
    """
    if supply_at is None:
        since = covered_from(demand, supply, standards).to_numpy()
        return since[:, None] <= dates.to_numpy()[None, :]  # NaT (never) compares False
    out = np.zeros((len(demand), len(dates)), dtype=bool)
    for t, when in enumerate(dates):
        out[:, t] = place_coverage(demand, supply_at(when), standards, as_of=when)["covered"]
    return out


def covered_steps(since: pd.Series | np.ndarray, dates: pd.DatetimeIndex) -> np.ndarray:
    """The first of ``dates`` (ascending) on which each place is covered, as an index
    (``len(dates)``: on none), from :func:`covered_from`'s dates: the same as
    :func:`covered_matrix` without ``supply_at`` (``covered[i, t]`` is ``t >= steps[i]``),
    in one number per place instead of one per place and date."""
    when = np.asarray(since, dtype="datetime64[ns]")
    steps = np.searchsorted(dates.to_numpy(dtype="datetime64[ns]"), when, side="left")
    return np.where(np.isnat(when), len(dates), steps).astype(np.int64)


#: Whether each place is covered on each date of a series: the ``places × dates`` boolean
#: matrix of :func:`covered_matrix`, or (coverage only gained) :func:`covered_steps`.
Covered = np.ndarray


def _counts(
    codes: np.ndarray, covered: Covered, m: int, n_t: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """``m × n_t`` sums (of ``weights``, else counts) of the places covered on each date, by
    group ``codes`` (0…m-1; every code valid)."""
    if covered.ndim == 1:  # steps: count each place at its first date, then accumulate
        flat = codes * (n_t + 1) + covered
        first = np.bincount(flat, weights=weights, minlength=m * (n_t + 1))
        return np.cumsum(first.reshape(m, n_t + 1), axis=1)[:, :n_t].astype("float64")
    flat = (codes[:, None] * n_t + np.arange(n_t)[None, :]).ravel()
    w = covered.ravel() if weights is None else (covered * weights[:, None]).ravel()
    return np.bincount(flat, weights=w, minlength=m * n_t).reshape(m, n_t)


def _label_codes(values: pd.Series, labels) -> np.ndarray:
    """Each value's position among ``labels`` as text (-1: none), as
    ``pd.Categorical(values.astype(str), categories=labels).codes`` gives, computed once per
    distinct value (a categorical's codes are reused)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = np.asarray(values.cat.codes, dtype=np.int64)
        uniques = values.cat.categories
    else:
        codes, uniques = pd.factorize(values)
        codes = np.asarray(codes, dtype=np.int64)
    lut = pd.Index(list(labels)).get_indexer(pd.Index(uniques).astype(str))
    lut = np.append(np.asarray(lut, dtype=np.int64), -1)  # a missing value (-1) is none
    return lut[codes]


#: Status codes, best first.
STATUSES: tuple[str, ...] = ("achieved", "on_track", "at_risk", "off_track")
#: Monthly values the trend is fitted on.
TREND_WINDOW = 6
#: z of the band around the projection (95 %).
BAND_Z = 1.96

SERIES_COLUMNS = (
    "date",
    "adcode",
    "name_zh",
    "name_en",
    "demand",
    "covered",
    "coverage",
    "weighted_coverage",
)


def month_ends(start: DateLike, end: DateLike) -> pd.DatetimeIndex:
    """The last day of every month from ``start``'s to ``end``'s, the last one replaced
    by ``end`` itself (the as-of date need not be a month's end).

    Raises
    ------
    ValueError
        When ``end`` is before ``start``.
    """
    t0, t1 = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    if t1 < t0:
        raise ValueError(f"end date {t1.date()} is before start date {t0.date()}")
    ends = pd.date_range(t0 + pd.offsets.MonthEnd(0), t1, freq="ME")
    if len(ends) == 0 or ends[-1] != t1:
        ends = pd.DatetimeIndex(ends.append(pd.DatetimeIndex([t1])))
    return ends


def series_inputs(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    districts: gpd.GeoDataFrame,
    standards: Standards,
    start: DateLike,
    end: DateLike,
    *,
    supply_at: SupplyAt | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """What every :func:`coverage_series` of these arguments is counted from, whatever the
    sector: the places (:attr:`CoverageResult.places` of all the supply) and
    :func:`covered_matrix` on :func:`month_ends` of ``start`` to ``end``."""
    dates = month_ends(start, end)
    places = assess_coverage(demand, supply, districts, standards).places
    return places, covered_matrix(demand, supply, standards, dates, supply_at)


def coverage_series(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    districts: gpd.GeoDataFrame,
    standards: Standards,
    start: DateLike,
    end: DateLike,
    *,
    sector: str | None = None,
    supply_at: SupplyAt | None = None,
    assessed: tuple[pd.DataFrame, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Coverage per district and for the city (adcode ``110000``) at the end of every
    month from ``start`` to ``end`` (:func:`month_ends`), under ``standards``; only the
    key locations of ``sector`` when given.

    ``assessed`` is :func:`series_inputs` of the same arguments, when the caller already
    has it: the series of every sector then share one assessment and one radius search;
    its second part may also be :func:`covered_steps` (see :data:`Covered`).

    Each row equals what :func:`assess_coverage` gives ``as_of`` its date (tested), but
    every date costs a comparison, not a radius search — unless ``supply_at`` gives the
    supply of each date (field checks counted, see :func:`covered_matrix`).

    Returns
    -------
    DataFrame with :data:`SERIES_COLUMNS`, one row per date and district (16 + city),
    ordered by date then district.
    """
    dates = month_ends(start, end)
    places, covered = assessed or series_inputs(
        demand, supply, districts, standards, start, end, supply_at=supply_at
    )
    if sector is not None:
        keep = _label_codes(places["sector"], [sector]) == 0
        places, covered = places[keep], covered[keep]
    table = pd.DataFrame(districts)[["adcode", "name_zh", "name_en"]].astype(str)
    codes = _label_codes(places["adcode"], table["adcode"])
    w = places["weight"].to_numpy("float64")
    m, n_t = len(table), len(dates)
    ok = codes >= 0
    cov_ok = covered[ok]
    n_cov = _counts(codes[ok], cov_ok, m, n_t)
    w_cov = _counts(codes[ok], cov_ok, m, n_t, w[ok])
    n_dem = np.bincount(codes[ok], minlength=m).astype("float64")
    w_dem = np.bincount(codes[ok], weights=w[ok], minlength=m)
    # the city counts every place, also one in no listed district
    city = np.zeros(len(places), dtype=np.int64)
    n_cov = np.vstack([n_cov, _counts(city, covered, 1, n_t)])
    w_cov = np.vstack([w_cov, _counts(city, covered, 1, n_t, w)])
    n_dem = np.append(n_dem, len(places))
    w_dem = np.append(w_dem, w.sum())
    names = pd.concat(
        [table, pd.DataFrame({"adcode": [CITY], "name_zh": ["北京市"], "name_en": ["Beijing"]})],
        ignore_index=True,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n_dem[:, None] > 0, n_cov / n_dem[:, None], np.nan)
        wshare = np.where(w_dem[:, None] > 0, w_cov / w_dem[:, None], np.nan)
    k = len(names)
    out = pd.DataFrame(
        {
            "date": np.repeat(dates.to_numpy(), k),
            "adcode": np.tile(names["adcode"].to_numpy(), n_t),
            "name_zh": np.tile(names["name_zh"].to_numpy(), n_t),
            "name_en": np.tile(names["name_en"].to_numpy(), n_t),
            "demand": np.tile(n_dem.astype(np.int64), n_t),
            "covered": n_cov.T.ravel().astype(np.int64),
            "coverage": share.T.ravel(),
            "weighted_coverage": wshare.T.ravel(),
        }
    )
    return out[list(SERIES_COLUMNS)]


GAP_COLUMNS = ("date", "group", "demand", "covered", "uncovered", "coverage")
#: What the gaps can be grouped by, and the groups each shows (every one, in this order).
GAP_GROUPS: dict[str, tuple[str, ...]] = {
    "sector": tuple(SECTORS),
    "category": tuple(KEY_LOCATION_CATEGORIES),
}


def gap_series(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    districts: gpd.GeoDataFrame | None,
    standards: Standards,
    start: DateLike,
    end: DateLike,
    *,
    by: str = "sector",
    district: str | None = None,
    supply_at: SupplyAt | None = None,
    assessed: tuple[pd.DataFrame, np.ndarray] | None = None,
    group_codes: np.ndarray | None = None,
) -> pd.DataFrame:
    """Gaps by sector (or key-location category) over time: how many key locations of
    each group are uncovered, and the group's coverage, at the end of every month from
    ``start`` to ``end`` (:func:`month_ends`), in ``district`` (an adcode; None or
    :data:`~dashboard.core.targets.CITY`: the whole city; ``districts`` is needed only
    for one district).

    Like :func:`coverage_series`, one :func:`covered_from` radius search answers every
    month; districts are assigned by point in polygon, as :func:`assess_coverage` does. A
    place's sector is its ``sector`` (else its category's). Every group of
    :data:`GAP_GROUPS` is listed, also one without places (coverage NaN). ``supply_at``
    and ``assessed`` (:func:`series_inputs`, shared with the coverage series): as in
    :func:`coverage_series`; ``group_codes``: :func:`gap_groups` of ``demand`` and ``by``,
    when the caller keeps them (they depend on the data only).

    Returns
    -------
    DataFrame with :data:`GAP_COLUMNS`, ordered by date then group.

    Raises
    ------
    ValueError
        When ``by`` is not one of :data:`GAP_GROUPS` (or ``end`` is before ``start``).
    """
    if by not in GAP_GROUPS:
        raise ValueError(f"unknown grouping {by!r}; expected one of {', '.join(GAP_GROUPS)}")
    dates = month_ends(start, end)
    groups = GAP_GROUPS[by]
    if assessed is not None:
        places, covered = assessed
    else:
        places, covered = None, covered_matrix(demand, supply, standards, dates, supply_at)
    codes = gap_groups(demand, by) if group_codes is None else group_codes
    keep = codes >= 0
    if district is not None and district != CITY:
        if places is not None:  # assigned already, by the same rule
            keep &= _label_codes(places["adcode"], [district]) == 0
        elif districts is None:
            raise ValueError("the districts are needed for the gaps of one district")
        else:
            lon, lat = demand["lon"].to_numpy("float64"), demand["lat"].to_numpy("float64")
            fallback = demand["adcode"].astype(str).to_numpy() if "adcode" in demand else None
            keep &= assign_districts(lon, lat, districts, fallback) == district
    codes, covered = codes[keep], covered[keep]
    m, n_t = len(groups), len(dates)
    n_cov = _counts(codes, covered, m, n_t)
    n_dem = np.bincount(codes, minlength=m).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n_dem[:, None] > 0, n_cov / np.maximum(n_dem[:, None], 1), np.nan)
    n_cov = n_cov.astype(np.int64)
    out = pd.DataFrame(
        {
            "date": np.repeat(dates.to_numpy(), m),
            "group": np.tile(np.asarray(groups, dtype=object), n_t),
            "demand": np.tile(n_dem, n_t),
            "covered": n_cov.T.ravel(),
            "uncovered": (n_dem[:, None] - n_cov).T.ravel(),
            "coverage": share.T.ravel(),
        }
    )
    return out[list(GAP_COLUMNS)]


def gap_groups(demand: pd.DataFrame, by: str) -> np.ndarray:
    """Each key location's group of :data:`GAP_GROUPS` ``[by]`` as its position there (-1:
    none): its category, or its ``sector`` (else its category's).

    Raises
    ------
    ValueError
        When ``by`` is not one of :data:`GAP_GROUPS`.
    """
    if by not in GAP_GROUPS:
        raise ValueError(f"unknown grouping {by!r}; expected one of {', '.join(GAP_GROUPS)}")
    cats = demand["category"].astype(str)
    if by == "category":
        labels = cats
    elif "sector" in demand.columns:
        labels = demand["sector"].astype("string").fillna(cats.map(CATEGORY_SECTOR))
    else:
        labels = cats.map(CATEGORY_SECTOR)
    groups = GAP_GROUPS[by]
    return np.asarray(pd.Categorical(labels.astype(str), categories=groups).codes, np.int64)


@dataclass(frozen=True)
class Trend:
    """A least-squares trend: ``slope`` (share per day), its standard error, and the
    number of monthly values it was fitted on."""

    slope: float
    stderr: float
    n: int


def trend(dates: pd.Series | pd.DatetimeIndex, values: pd.Series | np.ndarray) -> Trend:
    """The least-squares slope of ``values`` over ``dates`` (NaN values left out); with
    fewer than two values the slope is 0, with two its standard error is 0."""
    x = np.asarray((pd.DatetimeIndex(dates) - pd.Timestamp(0)) / pd.Timedelta(days=1), "float64")
    y = np.asarray(values, dtype="float64")
    ok = ~np.isnan(y)
    x, y = x[ok], y[ok]
    n = len(y)
    if n < 2:
        return Trend(0.0, 0.0, n)
    xc = x - x.mean()
    sxx = float((xc**2).sum())
    if sxx == 0:
        return Trend(0.0, 0.0, n)
    slope = float((xc * (y - y.mean())).sum() / sxx)
    if n < 3:
        return Trend(slope, 0.0, n)
    resid = y - (y.mean() + slope * xc)
    stderr = math.sqrt(float((resid**2).sum()) / (n - 2) / sxx)
    return Trend(slope, stderr, n)


STATUS_COLUMNS = (
    "adcode",
    "metric",
    "sector",
    "example",
    "value",
    "due",
    "target",
    "slope_per_month",
    "projected",
    "projected_low",
    "projected_high",
    "gap",
    "status",
)


def target_status(
    series: pd.DataFrame,
    targets: Targets,
    as_of: DateLike,
    *,
    sector_series: dict[str, pd.DataFrame] | None = None,
    window: int = TREND_WINDOW,
) -> pd.DataFrame:
    """The status of every target at ``as_of`` (see the module docstring for the method).

    ``series`` is :func:`coverage_series` up to ``as_of``; ``sector_series`` the same per
    sector, for the targets that name one (a target whose series is missing is skipped).
    Shares are 0–1 like the series; ``gap`` is the target minus the projection (positive:
    behind).

    Returns
    -------
    DataFrame with :data:`STATUS_COLUMNS`, one row per target, furthest behind first.
    """
    when = pd.Timestamp(as_of).normalize()
    rows = []
    for t in targets:
        src = series if t.sector is None else (sector_series or {}).get(t.sector)
        if src is None:
            continue
        rows.append(_status_row(t, src, when, window))
    out = pd.DataFrame(rows, columns=list(STATUS_COLUMNS))
    return out.sort_values("gap", ascending=False, kind="stable").reset_index(drop=True)


def _status_row(t: Target, series: pd.DataFrame, when: pd.Timestamp, window: int) -> dict:
    mine = series[(series["adcode"] == t.district) & (series["date"] <= when)]
    mine = mine.sort_values("date").tail(window)
    value = float(mine[t.metric].iloc[-1]) if len(mine) else float("nan")
    milestone = t.due_after(when.date()) or t.milestones[-1]
    goal = milestone.share
    fit = trend(mine["date"], mine[t.metric]) if len(mine) else Trend(0.0, 0.0, 0)
    days = max((pd.Timestamp(milestone.due) - when).days, 0)
    # a share stays within [0, 1] whatever the trend says
    raw = value + fit.slope * days
    band = BAND_Z * fit.stderr * days
    projected, low, high = (min(max(x, 0.0), 1.0) for x in (raw, raw - band, raw + band))
    if value >= goal:
        status = "achieved"
    elif days == 0:
        status = "off_track"  # the date has come (or passed) unmet
    elif projected >= goal:
        status = "on_track"
    elif high >= goal:
        status = "at_risk"
    else:
        status = "off_track"
    return {
        "adcode": t.district,
        "metric": t.metric,
        "sector": t.sector,
        "example": t.example,
        "value": value,
        "due": milestone.due,
        "target": goal,
        "slope_per_month": fit.slope * 30.4375,
        "projected": projected,
        "projected_low": low,
        "projected_high": high,
        "gap": goal - projected,
        "status": status,
    }


def most_improved(series: pd.DataFrame, months: int = TREND_WINDOW) -> pd.DataFrame:
    """Change of coverage per district over the last ``months`` monthly values, most
    improved first (the city row left out): ``adcode``, ``name_zh``, ``name_en``,
    ``coverage_start``, ``coverage_end``, ``change``."""
    dates = np.sort(series["date"].unique())
    first, last = dates[max(len(dates) - months, 0)], dates[-1]
    a = series[series["date"] == first].set_index("adcode")
    b = series[series["date"] == last].set_index("adcode")
    out = b[["name_zh", "name_en"]].copy()
    out["coverage_start"] = a["coverage"]
    out["coverage_end"] = b["coverage"]
    out["change"] = out["coverage_end"] - out["coverage_start"]
    out = out.drop(index=CITY, errors="ignore").reset_index()
    return out.sort_values("change", ascending=False, kind="stable").reset_index(drop=True)
