"""The report's gap maps: district polygons and points as a Vega-Lite spec, drawn offline
(no tiles, no request) by :mod:`dashboard.views.render`.

One map per district page and one for the city: the district outlines (the chosen one
filled), payment points in service, covered and uncovered key locations, and the
recommended new sites, in the colours of the District profile's map. Points are drawn
uncovered last so that gaps are never hidden under covered places; above
:data:`MAX_POINTS` per kind an evenly spread sample is drawn and the caption says so.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd

from dashboard.core.i18n import name_col, t
from dashboard.core.targets import CITY
from dashboard.engine.briefing import Briefing
from dashboard.views import charts
from dashboard.views.report import CORE_MAP, Figure

#: Most points of one kind drawn on one map (the rest are sampled evenly).
MAX_POINTS = 8000
#: The central urban districts (东城, 西城, 朝阳, 海淀, 丰台, 石景山): the city map's close-up.
CORE = ("110101", "110102", "110105", "110106", "110107", "110108")
#: The key of the close-up in :func:`map_maker`.
CORE_KEY = CORE_MAP
#: Simplification tolerance of the district outlines, in degrees (~50 m).
SIMPLIFY_DEG = 0.0005


def _hex(rgba: list[int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgba[:3])


def _sample(df: pd.DataFrame, n: int) -> pd.DataFrame:
    if len(df) <= n:
        return df
    idx = np.linspace(0, len(df) - 1, n).round().astype(int)
    return df.iloc[idx]


def outlines(districts: gpd.GeoDataFrame, lang: str) -> list[dict]:
    """GeoJSON features of the district outlines (simplified), named in ``lang``."""
    d = districts[["adcode", name_col(lang), "geometry"]].copy()
    d["geometry"] = d.geometry.simplify(SIMPLIFY_DEG, preserve_topology=True)
    d = d.rename(columns={name_col(lang): "name"})
    return json.loads(d.to_json(drop_id=True))["features"]


def gap_map_spec(
    districts: gpd.GeoDataFrame,
    places: pd.DataFrame,
    payments: pd.DataFrame,
    sites: pd.DataFrame,
    adcode: str,
    lang: str,
    *,
    width: int = 640,
    height: int = 480,
) -> tuple[dict, int]:
    """The gap map of ``adcode`` (:data:`CITY`: the whole city; :data:`CORE_KEY`: the
    central districts, labelled) and how many points were left out by sampling.

    ``places`` is :attr:`CoverageResult.places` (``lon``, ``lat``, ``covered``,
    ``adcode``), ``payments`` the points in service (``lon``, ``lat``, ``adcode``),
    ``sites`` the recommended sites (``lon``, ``lat``).
    """
    city = adcode == CITY
    labelled = adcode in (CITY, CORE_KEY)
    feats = outlines(districts, lang)
    if not city:
        keep = set(CORE) if adcode == CORE_KEY else {adcode}
        feats = [f for f in feats if str(f["properties"]["adcode"]) in keep]
        places = places[places["adcode"].astype(str).isin(keep)]
        payments = payments[payments["adcode"].astype(str).isin(keep)]
        districts = districts[districts["adcode"].astype(str).isin(keep)]
        if "adcode" in sites:
            sites = sites[sites["adcode"].astype(str).isin(keep)]
    kinds = {
        "payment": t("rp_status_payment", lang),
        "covered": t("dp_status_covered", lang),
        "uncovered": t("dp_status_uncovered", lang),
        "site": t("rp_status_site", lang),
    }
    frames = {
        "payment": payments,
        "covered": places[places["covered"].astype(bool)],
        "uncovered": places[~places["covered"].astype(bool)],
        "site": sites,
    }
    rows: list[dict] = []
    dropped = 0
    for kind, df in frames.items():
        shown = _sample(df, MAX_POINTS)
        dropped += len(df) - len(shown)
        rows += [
            {"lon": float(x), "lat": float(y), "kind": kinds[kind]}
            for x, y in zip(shown["lon"], shown["lat"])
        ]
    colours = [
        _hex(charts.PAYMENT_RGBA),
        _hex(charts.COVERED_RGBA),
        _hex(charts.UNCOVERED_RGBA),
        _hex(charts.PROPOSED_RGBA),
    ]
    size = 10 if city else 18 if labelled else 28
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": width,
        "height": height,
        "background": "white",
        "projection": {"type": "mercator"},
        "layer": [
            {
                "data": {"values": feats, "format": {"type": "json"}},
                "mark": {
                    "type": "geoshape",
                    "fill": "#f6f8fa" if city else "#eef2f6",
                    "stroke": "#8c959f",
                    "strokeWidth": 0.8,
                },
            },
            {
                "data": {"values": rows},
                "mark": {"type": "circle", "opacity": 0.85, "size": size},
                "encoding": {
                    "longitude": {"field": "lon", "type": "quantitative"},
                    "latitude": {"field": "lat", "type": "quantitative"},
                    "color": {
                        "field": "kind",
                        "type": "nominal",
                        "scale": {"domain": list(kinds.values()), "range": colours},
                        "legend": {"title": None, "orient": "bottom", "direction": "horizontal"},
                    },
                    # draw order: payment points, covered, uncovered, sites (gaps on top)
                    "order": {"field": "order", "type": "quantitative"},
                },
                "transform": [
                    {
                        "calculate": " : ".join(
                            f"datum.kind === {json.dumps(v)} ? {i}"
                            for i, v in enumerate(kinds.values())
                        )
                        + " : 9",
                        "as": "order",
                    }
                ],
            },
        ],
    }
    if labelled:
        labels = districts.copy()
        pts = labels.geometry.representative_point()
        spec["layer"].append(
            {
                "data": {
                    "values": [
                        {"lon": float(x), "lat": float(y), "name": n}
                        for x, y, n in zip(pts.x, pts.y, labels[name_col(lang)])
                    ]
                },
                "mark": {
                    "type": "text",
                    "fontSize": 10 if city else 13,
                    "color": "#24292f",
                    "fontWeight": "bold",
                },
                "encoding": {
                    "longitude": {"field": "lon", "type": "quantitative"},
                    "latitude": {"field": "lat", "type": "quantitative"},
                    "text": {"field": "name"},
                },
            }
        )
    return spec, dropped


def map_maker(districts: gpd.GeoDataFrame, payments: pd.DataFrame):
    """A ``maps`` callable for :func:`dashboard.views.report.report_blocks`: the gap map of
    a district page, the city or its central districts (:data:`CORE_KEY`) from the
    briefing's places and recommended sites."""

    def make(b: Briefing, adcode: str, lang: str) -> Figure | None:
        if adcode in (CITY, CORE_KEY):
            cols = ["lon", "lat", "adcode"]
            sites = pd.concat(
                [d.sites.assign(adcode=d.adcode)[cols] for d in b.districts]
                or [pd.DataFrame(columns=cols)]
            )
            w, h = (680, 560) if adcode == CITY else (680, 600)
        else:
            page = next((d for d in b.districts if d.adcode == adcode), None)
            if page is None:
                return None
            sites, (w, h) = page.sites[["lon", "lat"]], (600, 420)
        spec, dropped = gap_map_spec(
            districts, b.places, payments, sites, adcode, lang, width=w, height=h
        )
        caption = t("rp_map_caption", lang)
        if adcode == CORE_KEY:
            caption = t("rp_map_core", lang) + " " + caption
        if dropped:
            caption += " " + t("rp_map_sampled", lang, n=f"{dropped:,}")
        return Figure(spec, caption, w, h, raster=True)

    return make
