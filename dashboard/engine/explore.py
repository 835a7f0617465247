"""The questions the map explorer asks: filtering, search, a place's nearest payment points,
choropleth classes. Pure functions on (Geo)DataFrames; no Streamlit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from dashboard.core.model import LIST_SEP, split_list

#: Coverage metrics a choropleth can show: column of the per-district table → higher is better?
CHOROPLETH_METRICS: dict[str, bool] = {
    "coverage": True,
    "weighted_coverage": True,
    "uncovered": False,
    "demand": True,
}
CLASS_SCHEMES: tuple[str, ...] = ("NaturalBreaks", "Quantiles", "EqualInterval")

#: Sequential palette (light → dark blue), 5 classes; reversed when lower is better.
PALETTE: tuple[tuple[int, int, int], ...] = (
    (239, 243, 255),
    (189, 215, 231),
    (107, 174, 214),
    (49, 130, 189),
    (8, 81, 156),
)


@dataclass(frozen=True)
class Filters:
    """What the explorer shows of each layer. Empty tuples mean "no restriction"."""

    categories: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sectors: tuple[str, ...] = ()
    capabilities: tuple[str, ...] = ()
    card_schemes: tuple[str, ...] = ()
    event_dates: tuple[date, date] | None = None
    as_of: date | None = None


def _has_any(series: pd.Series, codes: Iterable[str]) -> np.ndarray:
    """Rows of a ``;``-joined list column holding any of ``codes``."""
    codes = list(codes)
    padded = LIST_SEP + series.fillna("").astype(str) + LIST_SEP
    mask = np.zeros(len(series), dtype=bool)
    for c in codes:
        mask |= padded.str.contains(LIST_SEP + c + LIST_SEP, regex=False).to_numpy()
    return mask


def filter_layer(gdf: pd.DataFrame, layer: str, f: Filters) -> pd.DataFrame:
    """Rows of ``layer`` that pass the filters.

    Categories apply to every layer; sectors to key locations; capabilities and card
    schemes to payment points (any-of), and ``as_of`` keeps points in service by then;
    ``event_dates`` keeps events overlapping the closed interval.
    """
    mask = np.ones(len(gdf), dtype=bool)
    cats = f.categories.get(layer, ())
    if cats:
        mask &= gdf["category"].isin(cats).to_numpy()
    if layer == "key-locations" and f.sectors:
        mask &= gdf["sector"].isin(f.sectors).to_numpy()
    if layer == "payments":
        if f.capabilities:
            mask &= _has_any(gdf["capabilities"], f.capabilities)
        if f.card_schemes:
            mask &= _has_any(gdf["card_schemes"], f.card_schemes)
        if f.as_of is not None:
            mask &= (gdf["in_service_date"] <= pd.Timestamp(f.as_of)).to_numpy()
    if layer == "events" and f.event_dates is not None:
        lo, hi = (pd.Timestamp(d) for d in f.event_dates)
        mask &= ((gdf["end_date"] >= lo) & (gdf["start_date"] <= hi)).to_numpy()
    return gdf[mask]


def search_places(layers: Mapping[str, pd.DataFrame], query: str, limit: int = 20) -> pd.DataFrame:
    """Places whose Chinese or English name (or id) contains ``query`` (case-insensitive).

    Returns ``layer``, ``id``, ``name_zh``, ``name_en``, ``lon``, ``lat``, ``adcode``;
    exact-prefix matches first, then shorter names.
    """
    q = query.strip().casefold()
    cols = ["layer", "id", "name_zh", "name_en", "lon", "lat", "adcode"]
    if not q:
        return pd.DataFrame(columns=cols)
    frames = []
    for name, gdf in layers.items():
        if name == "districts" or gdf.empty:
            continue
        zh = gdf["name_zh"].fillna("").astype(str)
        en = gdf["name_en"].fillna("").astype(str)
        ids = gdf["id"].astype(str)
        hay = (zh + "\n" + en + "\n" + ids).str.casefold()
        hit = hay.str.contains(q, regex=False)
        if hit.any():
            sub = pd.DataFrame(gdf.loc[hit, cols[1:]]).assign(layer=name)
            frames.append(sub[cols])
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True)
    starts = out["name_zh"].str.casefold().str.startswith(q) | out[
        "name_en"
    ].str.casefold().str.startswith(q)
    out["_rank"] = np.where(starts, 0, 1)
    out["_len"] = out["name_en"].str.len()
    return out.sort_values(["_rank", "_len"]).drop(columns=["_rank", "_len"]).head(limit)


def nearest_payment_points(
    lon: float,
    lat: float,
    supply: pd.DataFrame,
    *,
    require: tuple[tuple[str, ...], ...] = (),
    as_of: date | None = None,
    k: int = 5,
) -> pd.DataFrame:
    """The ``k`` nearest payment points to a position, with distances and whether they qualify.

    Distance is Euclidean in EPSG:32650 (metres), as in the coverage engine. A point
    *qualifies* when it is in service on ``as_of`` and offers some capability of some
    clause of ``require`` (any point qualifies when ``require`` is empty).

    Returns the supply columns ``id``, ``name_zh``, ``name_en``, ``category``,
    ``capabilities``, ``in_service_date`` plus ``distance_m`` and ``qualifies``,
    nearest first.
    """
    from dashboard.engine.coverage import project_lonlat

    if supply.empty:
        return supply.assign(distance_m=[], qualifies=[]).iloc[:0]
    sx, sy = project_lonlat(supply["lon"].to_numpy(), supply["lat"].to_numpy())
    px, py = project_lonlat(np.array([lon]), np.array([lat]))
    d = np.hypot(sx - px[0], sy - py[0])
    ok = np.ones(len(supply), dtype=bool)
    if as_of is not None:
        ok &= (supply["in_service_date"] <= pd.Timestamp(as_of)).to_numpy()
    if require:
        wanted = {c for clause in require for c in clause}
        ok &= _has_any(supply["capabilities"], wanted)
    order = np.argsort(d, kind="stable")[:k]
    cols = ["id", "name_zh", "name_en", "category", "capabilities", "in_service_date"]
    out = pd.DataFrame(supply.iloc[order][cols]).reset_index(drop=True)
    out["distance_m"] = d[order].round(0)
    out["qualifies"] = ok[order]
    return out


def choropleth_classes(
    values: pd.Series, scheme: str = "NaturalBreaks", k: int = 5
) -> tuple[np.ndarray, list[float]]:
    """Class index (0..k-1, -1 for missing) of each value and the upper class bounds.

    Uses ``mapclassify`` (``NaturalBreaks`` = Jenks–Caspall via k-means, ``Quantiles``,
    ``EqualInterval``). With fewer distinct values than ``k`` the number of classes
    shrinks to the number of distinct values.
    """
    import mapclassify

    if scheme not in CLASS_SCHEMES:
        raise ValueError(f"unknown classification scheme {scheme!r}; use one of {CLASS_SCHEMES}")
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
    ok = np.isfinite(v)
    classes = np.full(len(v), -1, dtype=int)
    distinct = np.unique(v[ok])
    if distinct.size == 0:
        return classes, []
    k = int(min(k, distinct.size))
    if k == 1:
        classes[ok] = 0
        return classes, [float(distinct[0])]
    classifier = getattr(mapclassify, scheme)(v[ok], k=k)
    classes[ok] = classifier.yb
    return classes, [float(b) for b in classifier.bins]


def class_colors(n_classes: int, higher_is_better: bool = True) -> list[tuple[int, int, int]]:
    """``n_classes`` colours from :data:`PALETTE`; dark = good when higher is better."""
    idx = np.linspace(0, len(PALETTE) - 1, max(n_classes, 1)).round().astype(int)
    colors = [PALETTE[i] for i in idx]
    return colors if higher_is_better else colors[::-1]


def list_label(value: object, table: dict[str, tuple[str, str]], lang: str) -> str:
    """A ``;``-joined code list as labels in ``lang``."""
    from dashboard.core.model import label

    return ", ".join(label(table, c, lang) for c in split_list(value))


def choropleth(
    table: pd.DataFrame, metric: str, scheme: str, metric_label: str
) -> tuple[dict[str, list[int]], dict[str, str], list[tuple[tuple[int, int, int], str]]]:
    """Fill colours, tooltip lines and legend rows of a district choropleth of ``metric``.

    ``table`` is the per-district coverage table (``adcode`` and the metric column,
    no city total). Shares are shown as percentages, counts as whole numbers.
    """
    if metric not in CHOROPLETH_METRICS:
        raise ValueError(f"unknown metric {metric!r}; use one of {tuple(CHOROPLETH_METRICS)}")
    classes, bins = choropleth_classes(table[metric], scheme)
    colors = class_colors(len(bins), CHOROPLETH_METRICS[metric])
    fills = {
        a: [*colors[c], 170] if c >= 0 else [220, 220, 220, 80]
        for a, c in zip(table["adcode"], classes)
    }
    fmt = "{:.0%}" if "coverage" in metric else "{:,.0f}"
    bodies = {
        a: f"{metric_label}: {fmt.format(x)}"
        for a, x in zip(table["adcode"], table[metric])
        if pd.notna(x)
    }
    lows = [table[metric].min(), *bins[:-1]]
    legend = [(c, f"{fmt.format(a)} – {fmt.format(b)}") for c, a, b in zip(colors, lows, bins)]
    return fills, bodies, legend
