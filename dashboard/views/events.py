"""Builders for the Events page: the Altair timeline, the venue map, display tables.

Pure (no Streamlit): everything returns Altair charts, pydeck decks or DataFrames, so
tests can inspect them. Data text reaches the screen only as chart/table cell values
or deck.gl tooltip fields (``tt_*``), which the components escape; never as HTML.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import altair as alt
import numpy as np
import pandas as pd
import pydeck as pdk

from dashboard.core.i18n import label_of, name_col, t
from dashboard.core.model import EVENT_CATEGORIES, MAJOR_EVENTS
from dashboard.engine.events import major_key
from dashboard.views import maps, tiles

if TYPE_CHECKING:
    from dashboard.engine.coverage import DateLike

#: One colour per event category (stable whatever the filters).
CATEGORY_COLORS = {
    "forum": "#4c6ef5",
    "exhibition": "#e8590c",
    "fair": "#2b8a3e",
    "festival": "#c2255c",
    "conference": "#7048e8",
}
#: One colour per major-event series (stable whatever the filters).
MAJOR_COLORS = {
    "zgc_forum": "#1971c2",
    "ciftis": "#2b8a3e",
    "financial_street_forum": "#e67700",
    "beijing_culture_forum": "#c2255c",
}
VENUE_RGB = (140, 40, 170)
COVERED_RGB = (30, 110, 220)
GAP_RGB = (220, 45, 45)
PAYMENT_RGB = (20, 150, 90)
STATUS_ICON = {"ongoing": "🟢", "upcoming": "🔜", "past": "⏺"}


def _name(df: pd.DataFrame, lang: str, prefix: str = "") -> pd.Series:
    """Name in ``lang``, falling back to the other language when empty."""
    main = df[f"{prefix}{name_col(lang)}"].fillna("").astype(str)
    other = df[f"{prefix}{'name_en' if lang == 'zh' else 'name_zh'}"].fillna("").astype(str)
    return main.where(main.str.strip() != "", other)


def status_label(status: str, lang: str) -> str:
    return f"{STATUS_ICON.get(status, '')} {t(f'ev_status_{status}', lang)}".strip()


def pct(x: float) -> str:
    """A share as a whole percentage; an em dash when undefined."""
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.0%}"


def event_label(row: pd.Series | dict, lang: str) -> str:
    """Selector label: status icon, start date, name."""
    name = row["name_zh"] if lang == "zh" else row["name_en"]
    if not isinstance(name, str) or not name.strip():
        name = row["name_en"] if lang == "zh" else row["name_zh"]
    start = pd.Timestamp(row["start_date"]).strftime("%Y-%m-%d")
    return f"{STATUS_ICON.get(row.get('status', ''), '')} {start} · {name}"


# --------------------------------------------------------------------------- timeline


#: Name of the timeline's dataset in :func:`timeline_spec`.
TIMELINE_DATA = "timeline"
#: Days of margin either side of the events in which the reference date is still drawn.
_REF_MARGIN = pd.Timedelta(days=10)


def timeline_data(
    events: pd.DataFrame, lang: str, group_by: str = "venue", ref: DateLike | None = None
) -> pd.DataFrame:
    """One row per event for the timeline, grouped by ``venue`` or ``year``.

    ``events`` is :func:`dashboard.engine.events.event_readiness`'s answer with ``status``.
    The bar runs from the start day to the end of the end day (``end_excl``). ``ref``
    (the reference date) is in every row when it lies within 10 days of the events'
    span, so the chart draws it; otherwise the column is empty. Dates are local ISO
    strings, read by Vega as the calendar days they name in any time zone.
    """
    start = pd.to_datetime(events["start_date"]).dt.normalize()
    end = pd.to_datetime(events["end_date"]).dt.normalize().fillna(start)
    end_excl = end + pd.Timedelta(days=1)
    venue = _name(events, lang, "venue_").replace("", t("ev_no_venue", lang))
    if group_by == "year":
        group = start.dt.year.astype(str)
    else:
        group = venue
    show_ref = None
    if ref is not None and len(events):
        r = pd.Timestamp(ref).normalize()
        if start.min() - _REF_MARGIN <= r <= end_excl.max() + _REF_MARGIN:
            show_ref = r.isoformat()
    iso = "%Y-%m-%dT%H:%M:%S"
    return pd.DataFrame(
        {
            "id": events["id"].astype(str).to_numpy(),
            "event": _name(events, lang).to_numpy(),
            "group": group.to_numpy(),
            "venue": venue.to_numpy(),
            "category": [label_of("events", c, lang) for c in events["category"]],
            "start": start.dt.strftime(iso).to_numpy(),
            "end_excl": end_excl.dt.strftime(iso).to_numpy(),
            "dates": (
                start.dt.strftime("%Y-%m-%d") + " – " + end.dt.strftime("%Y-%m-%d")
            ).to_numpy(),
            "status": [status_label(s, lang) for s in events["status"]],
            "readiness": [pct(x) for x in events["readiness"]],
            "ref": show_ref,
        }
    )


def _timeline(lang: str, width: int, data: pd.DataFrame | alt.NamedData) -> alt.FacetChart:
    """The timeline over ``data`` (rows of :func:`timeline_data`, or a named dataset)."""
    domain = [label_of("events", c, lang) for c in EVENT_CATEGORIES]
    colors = [CATEGORY_COLORS[c] for c in EVENT_CATEGORIES]
    x = alt.X(
        "start:T",
        title=t("ev_axis_date", lang),
        scale=alt.Scale(padding=12),  # pixels either side of the first and last event
        axis=alt.Axis(format="%Y-%m", labelAngle=0, grid=True),
    )
    bars = (
        alt.Chart()
        .mark_bar(cornerRadius=2, height={"band": 0.8})
        .encode(
            x=x,
            x2="end_excl:T",
            y=alt.Y(
                "event:N",
                title=None,
                sort=alt.EncodingSortField("start", op="min"),
                axis=alt.Axis(labelLimit=170),
            ),
            color=alt.Color(
                "category:N",
                title=t("ev_tt_category", lang),
                scale=alt.Scale(domain=domain, range=colors),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("event:N", title=t("ev_tt_event", lang)),
                alt.Tooltip("venue:N", title=t("ev_tt_venue", lang)),
                alt.Tooltip("category:N", title=t("ev_tt_category", lang)),
                alt.Tooltip("dates:N", title=t("ev_tt_dates", lang)),
                alt.Tooltip("status:N", title=t("ev_tt_status", lang)),
                alt.Tooltip("readiness:N", title=t("ev_tt_readiness", lang)),
            ],
        )
    )
    rule = (
        alt.Chart()
        .transform_filter("isValid(datum.ref)")
        .mark_rule(strokeDash=[4, 3], color="#333", strokeWidth=1.5)
        .encode(x="min(ref):T")
    )
    return (
        alt.layer(bars, rule, data=data)
        .properties(width=width, height=alt.Step(22))
        .facet(
            row=alt.Row(
                "group:N",
                title=None,
                # groups in the order of their first event: venues by first use, years
                # chronologically
                sort=alt.EncodingSortField("start", op="min"),
                header=alt.Header(
                    labelAngle=0, labelAlign="left", labelLimit=150, labelFontWeight="bold"
                ),
            ),
            spacing=6,
        )
        .resolve_scale(y="independent")
    )


def timeline_chart(
    events: pd.DataFrame,
    lang: str,
    ref: DateLike | None,
    group_by: str = "venue",
    width: int = 500,
) -> alt.FacetChart:
    """Altair timeline: a bar per event, coloured by category, one row block per group,
    the reference date ``ref`` as a dashed rule (when near the events)."""
    return _timeline(lang, width, timeline_data(events, lang, group_by, ref))


def timeline_spec(lang: str, width: int = 500) -> dict:
    """Vega-Lite spec of :func:`timeline_chart` reading its rows from the dataset named
    :data:`TIMELINE_DATA`, so the same spec serves every choice of events.

    Streamlit keeps a drawn chart whose spec is unchanged and only swaps its data, instead
    of building a new Vega view; hand it ``{**spec, "datasets": {TIMELINE_DATA: rows}}``
    with ``rows`` from :func:`timeline_data`.
    """
    from dashboard.views.charts import vega_spec

    return vega_spec(_timeline(lang, width, alt.NamedData(name=TIMELINE_DATA)))


# --------------------------------------------------------------------------- tables


def _major_labels(events: pd.DataFrame, lang: str) -> np.ndarray:
    """The major-event series label of each event; empty for the others."""
    return np.array(
        [label_of("major_event", k, lang) if k else "" for k in major_key(events)], dtype=object
    )


def events_table(events: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The events list for display, in the given order, with localised headers."""
    return pd.DataFrame(
        {
            t("ev_col_status", lang): [status_label(s, lang) for s in events["status"]],
            t("ev_col_start", lang): pd.to_datetime(events["start_date"]).dt.date.to_numpy(),
            t("ev_col_end", lang): pd.to_datetime(events["end_date"]).dt.date.to_numpy(),
            t("ev_col_name", lang): _name(events, lang).to_numpy(),
            t("ev_col_major", lang): _major_labels(events, lang),
            t("ev_col_venue", lang): _name(events, lang, "venue_")
            .replace("", t("ev_no_venue", lang))
            .to_numpy(),
            t("ev_col_category", lang): [label_of("events", c, lang) for c in events["category"]],
            t("ev_col_nearby", lang): events["nearby"].to_numpy(),
            t("ev_col_covered", lang): events["covered"].to_numpy(),
            t("ev_col_gaps", lang): events["gaps"].to_numpy(),
            t("ev_col_readiness", lang): (events["readiness"] * 100).round(0).to_numpy(),
            t("ev_col_venue_points", lang): events["venue_points"].to_numpy(),
        }
    )


def _metres(x: float) -> object:
    return None if not np.isfinite(x) else int(round(x))


def gaps_table(gaps: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The gaps of one event for display (distances in whole metres; blank = none)."""
    out = pd.DataFrame(
        {
            t("ev_gcol_name", lang): _name(gaps, lang).to_numpy(),
            t("ev_gcol_category", lang): [
                label_of("key-locations", c, lang) for c in gaps["category"]
            ],
            t("ev_gcol_to_venue", lang): [_metres(x) for x in gaps["to_venue_m"]],
            t("ev_gcol_nearest", lang): [_metres(x) for x in gaps["distance_m"]],
            t("ev_gcol_standard", lang): [_metres(x) for x in gaps["radius_m"]],
            t("ev_gcol_shortfall", lang): [_metres(x) for x in gaps["shortfall_m"]],
        }
    )
    if "nearest_name_zh" in gaps.columns:
        out[t("ev_gcol_point", lang)] = _name(gaps, lang, "nearest_").to_numpy()
    return out


# --------------------------------------------------------------------------- map


def _ring(lon: float, lat: float, radius_m: float, rgb: tuple[int, int, int], rid: str):
    return pdk.Layer(
        "ScatterplotLayer",
        data=[{"lon": lon, "lat": lat}],
        id=rid,
        get_position="[lon, lat]",
        get_radius=float(radius_m),
        radius_units="'meters'",
        filled=True,
        get_fill_color=[*rgb, 18],
        stroked=True,
        get_line_color=[*rgb, 200],
        line_width_min_pixels=2,
        pickable=False,
    )


def _points(records: list[dict], rid: str, radius_px: float) -> pdk.Layer:
    from dashboard.views.maps import scatter_layer

    return scatter_layer(records, rid, "color", radius_px)


def view_around(lon: float, lat: float, radius_m: float, width_px: int = 900) -> dict:
    """A view centred on the site that fits a circle of ``radius_m`` with a margin."""
    extent = 2.4 * radius_m / (111_320.0 * math.cos(math.radians(lat)))
    zoom = math.log2(360.0 / max(extent, 1e-6)) + math.log2(width_px / 512) - 0.6
    return {"longitude": lon, "latitude": lat, "zoom": round(min(zoom, 17.0), 2)}


def place_classes(lang: str) -> tiles.Classes:
    """An event's nearby key locations as tile categories: gaps first (the more
    important: a cluster holding one is ringed in red), then covered."""
    return tiles.Classes(
        column="ev_state",
        codes=("gap", "covered"),
        labels=(t("ev_cls_gap", lang), t("ev_tt_covered", lang)),
        colors=((*GAP_RGB, 235), (*COVERED_RGB, 235)),
        title=t("ev_tt_state", lang),
        noun=t("ev_cls_noun", lang),
    )


def _state_lines(places: pd.DataFrame, lang: str) -> tuple[list[str], list[str]]:
    """Each nearby place's coverage line ("Covered", or a gap and its nearest qualifying
    point) and its distance to the venue, as its tooltip says them."""
    covered_text, none = t("ev_tt_covered", lang), t("ev_tt_none", lang)
    state = [
        covered_text if ok else t("ev_tt_gap", lang, d=f"{d:,.0f} m" if np.isfinite(d) else none)
        for ok, d in zip(
            places["covered"].to_numpy(dtype=bool),
            places["distance_m"].to_numpy("float64"),
            strict=True,
        )
    ]
    far = [
        t("ev_tt_to_venue", lang, d=f"{f:,.0f}") for f in places["to_venue_m"].to_numpy("float64")
    ]
    return state, far


def place_tile_rows(places: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``places`` (:func:`dashboard.engine.events.event_places`) with what a tile of them
    reads: their state (``ev_state``: gap or covered) and a plain-text note (the category,
    the nearest qualifying point of a gap, the distance to the venue), as a dot's tooltip
    says them."""
    covered = places["covered"].to_numpy(dtype=bool)
    cats = places["category"].astype(str)
    labels = {c: label_of("key-locations", c, lang) for c in cats.unique()}
    state, far = _state_lines(places, lang)
    notes = [
        f"{labels[c]}\n" + ("" if ok else f"{line}\n") + f
        for c, ok, line, f in zip(cats, covered, state, far, strict=True)
    ]
    return places.assign(
        ev_state=np.where(covered, "covered", "gap"), ev_note=np.asarray(notes, dtype=object)
    )


def event_deck(
    event: pd.Series,
    places: pd.DataFrame,
    payments: pd.DataFrame,
    lang: str,
    district_names: dict[str, str],
    districts_geojson: dict | str,
    *,
    radius_m: float,
    venue_radius_m: float,
    height: int = 560,
    place_tiles: tiles.TileSource | None = None,
    payment_tiles: tiles.TileSource | None = None,
) -> pdk.Deck:
    """The venue, its two rings, the nearby key locations (covered/gap) and payment points.

    ``event`` is a row of :func:`dashboard.engine.events.event_readiness`; ``places`` its
    :func:`dashboard.engine.events.event_places`; ``payments`` the points to draw (in service on
    the start date). ``place_tiles`` / ``payment_tiles``: draw that layer from the tiles of
    this source instead of one dot per row (many rows: the caller decides). Offline: no
    basemap (:func:`dashboard.views.maps.make_deck`).
    """
    lon, lat = float(event["site_lon"]), float(event["site_lat"])
    view = view_around(lon, lat, radius_m)
    layers = [
        maps.district_layer(districts_geojson, pickable=False),
        _ring(lon, lat, radius_m, VENUE_RGB, "ring-r"),
        _ring(lon, lat, venue_radius_m, PAYMENT_RGB, "ring-venue"),
    ]
    # every layer is there even when empty, so choosing another event updates layers
    # instead of creating them (no shader compilation on that choice)
    recs: list[dict] = []
    if payment_tiles is not None:
        layers.append(tiles.tile_layer(payment_tiles, view["zoom"], "payments"))
    elif len(payments):
        tips = maps.tooltip_fields(payments, "payments", lang, district_names)
        recs = [
            {"lon": float(x), "lat": float(y), "color": [*PAYMENT_RGB, 230], **tip}
            for x, y, tip in zip(payments["lon"], payments["lat"], tips.to_dict("records"))
        ]
    if payment_tiles is None:
        layers.append(_points(recs, "payments", 4))
    recs = []
    if place_tiles is not None:
        layers.append(tiles.tile_layer(place_tiles, view["zoom"], "key-locations"))
    elif len(places):
        tips = maps.tooltip_fields(places, "key-locations", lang, district_names)
        state, far = _state_lines(places, lang)
        columns = (
            places["covered"].to_numpy(dtype=bool),
            places["lon"].to_numpy("float64"),
            places["lat"].to_numpy("float64"),
        )
        # column arrays, not iterrows: a 2 km ring holds thousands of places at city size
        for tip, line, f, (covered, x, y) in zip(
            tips.to_dict("records"), state, far, zip(*columns, strict=True), strict=True
        ):
            tip["tt_body"] = f"{tip['tt_body']}\n{line}\n{f}"
            rgb = COVERED_RGB if covered else GAP_RGB
            recs.append({"lon": float(x), "lat": float(y), "color": [*rgb, 235], **tip})
    if place_tiles is None:
        layers.append(_points(recs, "key-locations", 6))
    vname = (
        _name(pd.DataFrame([event]), lang, "venue_").iloc[0]
        or _name(pd.DataFrame([event]), lang).iloc[0]
    )
    other = "venue_name_en" if lang == "zh" else "venue_name_zh"
    site = {
        "lon": lon,
        "lat": lat,
        "color": [*VENUE_RGB, 255],
        "text": vname,
        "tt_title": vname,
        "tt_sub": str(event.get(other) or ""),
        "tt_body": _name(pd.DataFrame([event]), lang).iloc[0],
    }
    layers.append(_points([site], "venue", 10))
    layers.append(maps.label_layer([site], "venue-label", 15, (60, 20, 80, 255), (0, -22)))
    return maps.make_deck(layers, view, height=height)


# --------------------------------------------------------------------------- major events


def _dates(frame: pd.DataFrame) -> pd.Series:
    start = pd.to_datetime(frame["start_date"]).dt.strftime("%Y-%m-%d")
    end = pd.to_datetime(frame["end_date"]).dt.strftime("%Y-%m-%d").fillna(start)
    return (start + " – " + end).where(start != end, start)


def _pct_points(x: float) -> str:
    """A change in shares as signed whole percentage points; an em dash when undefined."""
    if x is None or not np.isfinite(x):
        return "—"
    n = int(round(x * 100))
    return f"{n:+d}" if n else "0"


def major_readiness_table(majors: pd.DataFrame, lang: str) -> pd.DataFrame:
    """:func:`dashboard.engine.events.major_event_readiness` for display: one row per
    edition, the series in their order, readiness in whole percent (blank = undefined),
    the change in signed percentage points (— for the first edition)."""
    venue = _name(majors, lang, "venue_").replace("", t("ev_no_venue", lang))
    return pd.DataFrame(
        {
            t("ev_mcol_series", lang): [
                label_of("major_event", k, lang) for k in majors["major_event"]
            ],
            t("ev_mcol_edition", lang): majors["edition"].to_numpy(),
            t("ev_mcol_dates", lang): _dates(majors).to_numpy(),
            t("ev_mcol_readiness", lang): (majors["readiness"] * 100).round(0).to_numpy(),
            t("ev_mcol_change", lang): [_pct_points(x) for x in majors["change"]],
            t("ev_mcol_readiness_as_of", lang): (majors["readiness_as_of"] * 100)
            .round(0)
            .to_numpy(),
            t("ev_mcol_nearby", lang): majors["nearby"].to_numpy(),
            t("ev_mcol_covered", lang): majors["covered"].to_numpy(),
            t("ev_mcol_venue", lang): venue.to_numpy(),
            t("ev_mcol_status", lang): [status_label(x, lang) for x in majors["status"]],
            t("ev_mcol_venue_points", lang): majors["venue_points"].to_numpy(),
        }
    )


def major_readiness_rows(majors: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One chart row per edition with a defined readiness (the others cannot be drawn)."""
    ok = majors[majors["readiness"].notna()]
    return pd.DataFrame(
        {
            "series": [label_of("major_event", k, lang) for k in ok["major_event"]],
            "start": pd.to_datetime(ok["start_date"]).dt.strftime("%Y-%m-%dT00:00:00").to_numpy(),
            "edition": ok["edition"].astype(str).to_numpy(),
            "dates": _dates(ok).to_numpy(),
            "venue": _name(ok, lang, "venue_").to_numpy(),
            "readiness": ok["readiness"].to_numpy(dtype="float64"),
            "covered": [f"{c} / {n}" for c, n in zip(ok["covered"], ok["nearby"])],
            "status": [status_label(x, lang) for x in ok["status"]],
        }
    )


def major_readiness_chart(majors: pd.DataFrame, lang: str, width: int = 640) -> alt.LayerChart:
    """Readiness on each edition's opening day, one line per series (the four colours
    fixed), a point per edition with its venue and counts in the tooltip."""
    rows = major_readiness_rows(majors, lang)
    domain = [label_of("major_event", k, lang) for k in MAJOR_EVENTS]
    color = alt.Color(
        "series:N",
        title=t("ev_major_series", lang),
        scale=alt.Scale(domain=domain, range=[MAJOR_COLORS[k] for k in MAJOR_EVENTS]),
        legend=alt.Legend(orient="top", columns=2, labelLimit=320),
    )
    x = alt.X(
        "start:T",
        title=t("ev_major_axis", lang),
        axis=alt.Axis(format="%Y-%m", labelAngle=0),
        scale=alt.Scale(padding=16),
    )
    y = alt.Y(
        "readiness:Q",
        title=t("ev_mcol_readiness", lang),
        scale=alt.Scale(domain=[0, 1]),
        axis=alt.Axis(format="%"),
    )
    base = alt.Chart(rows).encode(x=x, y=y, color=color)
    tips = [
        alt.Tooltip("series:N", title=t("ev_mcol_series", lang)),
        alt.Tooltip("dates:N", title=t("ev_mcol_dates", lang)),
        alt.Tooltip("venue:N", title=t("ev_mcol_venue", lang)),
        alt.Tooltip("readiness:Q", title=t("ev_mcol_readiness", lang), format=".0%"),
        alt.Tooltip("covered:N", title=t("ev_mcol_covered", lang)),
        alt.Tooltip("status:N", title=t("ev_mcol_status", lang)),
    ]
    lines = base.mark_line(strokeWidth=2)
    dots = base.mark_point(filled=True, size=70).encode(tooltip=tips)
    return alt.layer(lines, dots).properties(width=width, height=380)


def major_readiness_spec(majors: pd.DataFrame, lang: str, width: int = 640) -> dict:
    """Vega-Lite spec of :func:`major_readiness_chart` (data inline) for the page."""
    from dashboard.views.charts import vega_spec

    return vega_spec(major_readiness_chart(majors, lang, width))
