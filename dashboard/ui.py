"""Streamlit glue shared by the pages: cached data, the shared view state, common widgets.

The only module in ``dashboard/`` besides ``app.py`` that imports Streamlit.
Loaded layers and computed results are cached with ``st.cache_resource``: one shared
object per input, returned without a copy (``st.cache_data`` unpickles a copy on every
rerun, which cost more than the page itself). Callers must treat them as read-only;
``tests/app/test_cache_readonly.py`` checks that no page mutates them. The
canonical view state lives in ``st.session_state["view"]`` (a
:class:`dashboard.state.ViewState`); widgets write to it through callbacks, so it
survives page switches, and the app entry mirrors it into the URL.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import time
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboard import data, maps, stats
from dashboard.explore import Filters, filter_layer
from dashboard.i18n import LANGS, layer_label, name_col, t
from dashboard.model import POINT_LAYERS
from dashboard.page_params import (
    DEFAULT_PREFIX,
    filter_value,
    page_params_from_query,
    page_params_to_query,
)
from dashboard.safetext import md_link, md_literal, plain
from dashboard.state import (
    ALL,
    DISTRICT_CODES,
    RADIUS_RANGE,
    ViewState,
    from_query,
    to_query,
)
from loaders.workspace import current_layer_file, default_home

VIEW_KEY = "view"
#: The radius the "one radius" control starts at (metres).
DEFAULT_UNIFORM_RADIUS = 500
#: Set when the session began from a link carrying page filters (pages may consume it).
RESTORED_KEY = "_restored_from_link"


# ----------------------------------------------------------------------------- data


def data_signature(home: Path | None = None) -> tuple[tuple[str, str], ...]:
    """What identifies the data in effect: each layer's current workspace file (or shipped)."""
    sig = []
    for layer in POINT_LAYERS:
        f = current_layer_file(layer, home)
        sig.append((layer, f"{f}:{f.stat().st_mtime_ns}" if f else "shipped"))
    return tuple(sig)


def _current(layer: str) -> tuple[str, str]:
    """``(signature, home)`` of the point ``layer`` in effect: the cache key of its data."""
    home = default_home()
    return dict(data_signature(home))[layer], str(home)


@st.cache_resource(show_spinner=False, max_entries=64)
def _load(layer: str, signature: str, home: str | None) -> gpd.GeoDataFrame:
    return data.load_layer(layer, Path(home) if home else None)


@st.cache_resource(show_spinner=False, max_entries=64)
def _records(layer: str, signature: str, home: str | None, lang: str) -> dict[str, dict]:
    gdf = _load(layer, signature, home)
    return {r["id"]: r for r in maps.point_records(gdf, layer, lang, district_names(lang))}


def point_records(gdf: pd.DataFrame, layer: str, lang: str) -> list[dict]:
    """:func:`maps.point_records` for ``gdf``, rows of the loaded ``layer`` (filtered or
    reordered), built once per layer and language and picked by id."""
    by_id = _records(layer, *_current(layer), lang)
    return [by_id[i] for i in gdf["id"].astype(str) if i in by_id]


def _filters_key(filters: Filters) -> str:
    return json.dumps(dataclasses.asdict(filters), sort_keys=True, default=str)


@st.cache_resource(show_spinner=False, max_entries=512, hash_funcs={Filters: _filters_key})
def _layer_view(
    layer: str, signature: str, home: str | None, district: str, filters: Filters | None, lang: str
) -> tuple[pd.DataFrame, list[dict]]:
    gdf = stats.in_district(_load(layer, signature, home), district)
    if filters is not None:
        gdf = filter_layer(gdf, layer, filters)
    return gdf, point_records(gdf, layer, lang)


def layer_view(
    layer: str, district: str, lang: str, filters: Filters | None = None
) -> tuple[pd.DataFrame, list[dict]]:
    """The rows of the point ``layer`` in ``district`` that pass ``filters``
    (:class:`dashboard.explore.Filters`, None: all) and their map records in ``lang``
    (cached per data, district, filters and language; do not modify)."""
    return _layer_view(layer, *_current(layer), district, filters, lang)


def load_layers() -> dict[str, gpd.GeoDataFrame]:
    """All layers, from cache unless the workspace changed since they were read."""
    home = str(default_home())
    sig = dict(data_signature(Path(home)))
    out = {"districts": _load("districts", "shipped", None)}
    for layer in POINT_LAYERS:
        out[layer] = _load(layer, sig[layer], home)
    return out


@st.cache_resource(show_spinner=False, max_entries=16)
def _counts(signature: tuple, home: str) -> tuple[pd.DataFrame, dict[str, dict[str, int]]]:
    layers = load_layers()
    totals = {ALL: stats.layer_totals(layers)}
    totals.update({ad: stats.layer_totals(layers, ad) for ad in layers["districts"]["adcode"]})
    return stats.district_counts(layers, layers["districts"]), totals


def district_counts() -> pd.DataFrame:
    """:func:`stats.district_counts` of the data in effect (cached; do not modify)."""
    home = default_home()
    return _counts(data_signature(home), str(home))[0]


def layer_totals(district: str = ALL) -> dict[str, int]:
    """:func:`stats.layer_totals` citywide or in ``district`` (cached)."""
    home = default_home()
    totals = _counts(data_signature(home), str(home))[1]
    return totals.get(district) or stats.layer_totals(load_layers(), district)


@st.cache_resource(show_spinner=False, max_entries=4)
def _display_geometries(tolerance: float):
    return maps.display_geometries(_load("districts", "shipped", None), tolerance)


@st.cache_resource(show_spinner=False, max_entries=64)
def districts_geojson(lang: str, highlight: str) -> dict:
    """Cached display GeoJSON of the districts (simplified, coloured, escaped); the
    simplification is done once, so a district seen for the first time costs ~5 ms."""
    return maps.districts_geojson(
        _load("districts", "shipped", None),
        lang,
        highlight,
        fine=_display_geometries(maps.DISPLAY_TOLERANCE),
        context=_display_geometries(maps.CONTEXT_TOLERANCE),
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def _shifted_geojson(lang: str, highlight: str, system: str) -> dict:
    return maps.shift_geojson(districts_geojson(lang, highlight), system)


def district_outlines(lang: str, system: str = "wgs84") -> dict | str:
    """All districts for display: the URL of the served file, or the GeoJSON itself."""
    url = maps.outline_url(lang, system) if st.get_option("server.enableStaticServing") else None
    return url or _shifted_geojson(lang, ALL, system)


def district_layers(lang: str, district: str, system: str = "wgs84") -> list:
    """The district outlines and, on top, the chosen district highlighted, for display in
    ``system``.

    When the server serves static files (``exchange-atlas run`` turns it on) the outlines
    are a URL the browser fetches once, so a rerun re-sends only the small overlay;
    otherwise (``streamlit run`` without the option, AppTest) they are sent inline.
    Not pickable: the district labels name them, points under a pickable GeoJsonLayer
    lose their clicks, and a pickable outline layer costs about half a second on the first
    redraw in a software-rendered browser.
    """
    chosen = maps.highlight_geojson(_shifted_geojson(lang, district, system), district)
    # the overlay is there (empty) for the whole city too: the first district chosen then
    # updates a layer instead of creating one (no shader compilation on that click)
    return [
        maps.district_layer(district_outlines(lang, system), pickable=False),
        maps.district_layer(chosen, pickable=False, layer_id="district-chosen"),
    ]


@st.cache_resource(show_spinner=False, max_entries=64)
def district_labels(lang: str) -> list[dict]:
    return maps.district_labels(_load("districts", "shipped", None), lang)


def notices() -> DeltaGenerator:
    """A fixed place on the page for messages that come and go with the data (a synthetic
    data notice, "nothing near this event").

    Streamlit matches elements by their position on the page: a message that appears
    above a map shifts it, and a shifted map is rebuilt in the browser (a new WebGL
    context, every shader compiled again: 0.5–1.5 s in a software-rendered browser) where
    it would otherwise only be updated. Messages written into this container leave the
    position of everything after it unchanged; an empty one takes no space.
    """
    return st.container()


def synthetic_notice(box: DeltaGenerator, points: pd.DataFrame, lang: str) -> None:
    """Say in ``box`` how many of the payment ``points`` shown are synthetic (if any):
    every page that shows generated data says so."""
    n = int(points["synthetic"].sum()) if len(points) else 0
    if n:
        box.warning(t("synthetic_notice", lang, n=f"{n:,}"))


def district_names(lang: str) -> dict[str, str]:
    d = _load("districts", "shipped", None)
    return dict(zip(d["adcode"], d[name_col(lang)]))


# ----------------------------------------------------------------------------- state


def view() -> ViewState:
    """The shared view state, initialised once per session from the URL."""
    if VIEW_KEY not in st.session_state:
        query = st.query_params.to_dict()
        st.session_state[VIEW_KEY] = from_query(query)
        restored = page_params_from_query(query)
        for key, value in restored.items():  # page filters a link carries
            st.session_state[key] = value
        if restored:
            st.session_state[RESTORED_KEY] = True
    return st.session_state[VIEW_KEY]


def set_view(**changes: object) -> None:
    st.session_state[VIEW_KEY] = view().with_(**changes)


_HEAP_FROZEN = False


def freeze_heap_once() -> None:
    """Once per server process, with the modules imported and the shipped data loaded,
    collect garbage and move every surviving object out of the cycle collector's sight
    (:func:`gc.freeze`).

    Python's automatic full collections scan every tracked object: about 170k once the
    pages have run, 80-90 ms that stall a rerun whenever one falls inside it. Objects that
    live as long as the server (modules, layers) need never be scanned; they are still
    freed by reference counting when dropped.
    """
    global _HEAP_FROZEN
    if _HEAP_FROZEN:
        return
    _HEAP_FROZEN = True
    load_layers()
    gc.collect()
    gc.freeze()


def sync_url() -> None:
    """Mirror the view state and the page filters into the query string (non-defaults only)."""
    wanted = to_query(view()) | page_params_to_query(st.session_state)
    current = st.query_params.to_dict()
    if current != wanted:
        st.query_params.from_dict(wanted)


def stop() -> None:
    """End the page here (like ``st.stop``) with the URL still mirroring the view."""
    sync_url()
    st.stop()


def lazy_expander(label: str, name: str) -> DeltaGenerator | None:
    """An expander whose body is drawn only while it is open: the open expander, or None.

    Streamlit draws a closed expander's widgets all the same, and the browser renders
    every one of them again on each rerun: the Explorer's filter and analysis controls
    cost about 0.1 s of every district, radius or date change. Closed, they are not
    drawn; their values stay in the session (``k_`` keys, see :func:`keep_widget_state`)
    and apply through :func:`page_value`.

    Whether it is open is kept under ``_open_<name>`` and passed as ``expanded``, so the
    expander stays open when its label changes (a new label makes a new widget).
    """
    state, widget = f"_open_{name}", f"w_open_{name}"

    def _toggled() -> None:
        st.session_state[state] = bool(st.session_state[widget])

    box = st.expander(
        label,
        expanded=bool(st.session_state.get(state, False)),
        key=widget,
        on_change=_toggled,
    )
    return box if box.open else None


def lazy_tabs(labels: Mapping[str, str], key: str) -> list[DeltaGenerator | None]:
    """Tabs whose bodies are drawn only while selected: one container per tab, None for
    each hidden one.

    ``labels`` maps each tab's name to its label in the page's language. The selected
    tab's name is page filter ``key`` (so it persists across page switches, is in the link
    and survives a language switch); the first tab is the default. Streamlit draws every
    tab's body by default, and the browser re-renders all of them on each rerun: on the
    Events page the calendar and the event's map together cost about 0.1 s of every
    district change.
    """
    names = list(labels)
    widget = f"w_{key}"
    by_label = {label: name for name, label in labels.items()}
    current = page_value(key)
    if current not in labels:
        current = names[0]
    if st.session_state.get(key) != current:
        st.session_state[key] = current

    def _switched() -> None:
        st.session_state[key] = by_label.get(st.session_state[widget], names[0])

    bind_widget(widget, labels[current])
    tabs = st.tabs(list(labels.values()), key=widget, on_change=_switched)
    return [tab if tab.open else None for tab in tabs]


def page_value(key: str) -> object:
    """A page filter's value whether or not its widget is drawn in this run
    (:func:`dashboard.page_params.filter_value` of the session)."""
    return filter_value(st.session_state, key)


def page_default(key: str, value: object) -> None:
    """Record the default of page filter ``key`` that only the page can compute, so the
    link leaves it out (:data:`dashboard.page_params.DEFAULT_PREFIX`)."""
    st.session_state[DEFAULT_PREFIX + key] = value


def bind_widget(widget_key: str, value: object) -> None:
    """Set a widget's value from the view state before it is drawn.

    The view state is authoritative (callbacks update it before the rerun), so the
    widget always shows it, also after a page switch or when a link restored it.
    """
    if st.session_state.get(widget_key) != value:
        st.session_state[widget_key] = value


def sidebar_controls() -> ViewState:
    """Language and district selectors, shown on every page (rendered by the entry)."""
    v = view()
    bind_widget("w_lang", v.lang)
    st.sidebar.radio(
        t("language", v.lang),
        LANGS,
        key="w_lang",
        horizontal=True,
        format_func=lambda code: "中文" if code == "zh" else "English",
        on_change=lambda: set_view(lang=st.session_state["w_lang"]),
    )
    district_selector(st.sidebar, "w_district")
    standard_controls(st.sidebar)
    return view()


def district_selector(box, key: str, label: str | None = None) -> str:
    """The shared district (or ``"all"``) chosen in a selectbox in ``box``.

    Bound to the view state, so every selector drawn with a different ``key`` (the
    sidebar's, a page's own) shows the same district and changing one changes all.
    """
    v = view()
    names = district_names(v.lang)
    bind_widget(key, v.district)
    return box.selectbox(
        label or t("district", v.lang),
        (ALL,) + DISTRICT_CODES,
        key=key,
        format_func=lambda code: (
            t("all_districts", v.lang) if code == ALL else names.get(code, code)
        ),
        on_change=lambda: set_view(district=st.session_state[key]),
    )


def standard_controls(box) -> None:
    """The shared service standard: each category's own radius or one for all, and whether
    any payment point counts (``std``/``radius`` of the view state, so also in the URL)."""
    v = view()
    lang = v.lang
    one = v.radius is not None
    bind_widget("w_one_radius", one)
    bind_widget("w_radius", v.radius or DEFAULT_UNIFORM_RADIUS)
    bind_widget("w_std_any", v.std == "any")
    box.markdown(f"**{t('std_title', lang)}**")
    box.toggle(
        t("std_one_radius", lang),
        key="w_one_radius",
        help=t("std_one_radius_help", lang),
        on_change=lambda: set_view(
            radius=st.session_state["w_radius"] if st.session_state["w_one_radius"] else None
        ),
    )
    if one:
        box.slider(
            t("std_radius", lang),
            RADIUS_RANGE[0],
            RADIUS_RANGE[1],
            step=50,
            key="w_radius",
            on_change=lambda: set_view(radius=int(st.session_state["w_radius"])),
        )
    box.toggle(
        t("std_any", lang),
        key="w_std_any",
        help=t("std_any_help", lang),
        on_change=lambda: set_view(std="any" if st.session_state["w_std_any"] else "standards"),
    )


def layer_toggles(container=None, page: str = "overview") -> tuple[str, ...]:
    """One toggle per point layer, bound to the shared ``layers`` choice.

    Widget keys are per ``page`` so each page's toggles are distinct widgets; the
    shared choice itself lives in the view state.
    """
    v = view()
    box = container or st
    chosen = []
    cols = box.columns(len(POINT_LAYERS))
    for col, layer in zip(cols, POINT_LAYERS):
        key = f"w_layer_{page}_{layer}"
        bind_widget(key, layer in v.layers)

        def _changed() -> None:
            set_view(
                layers=tuple(x for x in POINT_LAYERS if st.session_state.get(f"w_layer_{page}_{x}"))
            )

        if col.toggle(
            layer_label(layer, v.lang, short=True),
            key=key,
            on_change=_changed,
            help=layer_label(layer, v.lang),
        ):
            chosen.append(layer)
    return tuple(chosen)


def legend(layers: tuple[str, ...], lang: str) -> None:
    """Coloured legend chips for the visible layers."""
    chips = " ".join(
        f"<span style='display:inline-flex;align-items:center;margin-right:14px'>"
        f"<span style='width:11px;height:11px;border-radius:50%;background:{c};"
        "display:inline-block;margin-right:5px;border:1px solid #fff'></span>"
        f"{maps.esc(label)}</span>"
        for c, label in maps.layer_legend(layers, lang)
    )
    if chips:
        st.markdown(f"<div data-testid='atlas-legend'>{chips}</div>", unsafe_allow_html=True)


# ----------------------------------------------------------------------------- coverage


def standards_for(v: ViewState):
    """The service standards in effect for the view: workspace standards + URL overrides."""
    from dashboard.standards import load_standards, uniform_standards

    require = [] if v.std == "any" else None
    return uniform_standards(load_standards(), radius_m=v.radius, require=require)


@st.cache_resource(show_spinner=False, max_entries=64)
def _coverage(signature: tuple, standards_json: str, as_of: str | None):
    from dashboard.coverage import assess_coverage

    layers = load_layers()
    std = standards_from_key(standards_json)
    return assess_coverage(
        layers["key-locations"], layers["payments"], layers["districts"], std, as_of=as_of
    )


def standards_key(standards) -> str:
    """Canonical JSON text of ``standards``: the cache key of results that depend on them."""
    from dashboard.standards import standards_to_dict

    return json.dumps(standards_to_dict(standards), sort_keys=True)


def standards_from_key(standards_json: str):
    """The standards behind a :func:`standards_key` (inside cached functions)."""
    from dashboard.standards import standards_from_dict

    return standards_from_dict(json.loads(standards_json))


def view_key(v: ViewState) -> tuple[tuple, str]:
    """``(data signature, standards key)`` of the view: what every cached result of the
    view's data depends on, besides its date."""
    return data_signature(default_home()), standards_key(standards_for(v))


def coverage(v: ViewState | None = None):
    """Coverage of the key locations for the view (cached per data, standards and date)."""
    v = v or view()
    return _coverage(*view_key(v), v.as_of.isoformat() if v.as_of else None)


@st.cache_resource(show_spinner=False, max_entries=16)
def _date_bounds(signature: str, home: str) -> tuple[date, date] | None:
    pay = _load("payments", signature, home)["in_service_date"].dropna()
    if pay.empty:
        return None
    return pay.min().date(), max(pay.max().date(), pay.min().date())


def date_bounds() -> tuple[date, date]:
    """First and last in-service date of the payment points (the as-of slider's range)."""
    bounds = _date_bounds(*_current("payments"))
    if bounds is None:
        today = date.today()
        return today, today
    return bounds


def as_of_slider(container=None, key: str = "w_as_of") -> date | None:
    """A month-stepped as-of slider bound to the shared ``as_of`` (end = all data)."""
    v = view()
    box = container or st
    lo, hi = date_bounds()
    bind_widget(key, min(max(v.as_of or hi, lo), hi))

    def _changed() -> None:
        chosen = st.session_state[key]
        set_view(as_of=None if chosen >= hi else chosen)

    box.slider(
        t("as_of", v.lang),
        min_value=lo,
        max_value=hi,
        key=key,
        step=timedelta(days=1),
        format="YYYY-MM-DD",
        on_change=_changed,
        help=t("as_of_help", v.lang),
    )
    return view().as_of


@st.cache_resource(show_spinner=False, max_entries=32)
def _grid(signature: tuple, standards_json: str, as_of: str | None, resolution: int):
    from dashboard.coverage import coverage_grid

    return coverage_grid(_coverage(signature, standards_json, as_of).places, resolution)


def coverage_grid(v: ViewState, resolution: int):
    """H3 coverage grid for the view (cached)."""
    return _grid(*view_key(v), v.as_of.isoformat() if v.as_of else None, resolution)


#: Widgets whose key starts with this prefix keep their value across page switches.
KEEP_PREFIX = "k_"


def keep_widget_state() -> None:
    """Stop Streamlit from discarding page widgets' values when another page is shown.

    Re-assigning a widget key in every run (from the entry script) detaches the value
    from the widget's lifetime, so filters survive a visit to another page.
    """
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and key.startswith(KEEP_PREFIX):
            st.session_state[key] = st.session_state[key]


# ----------------------------------------------------------------------------- widgets


def class_legend(title: str, rows: list[tuple[tuple[int, int, int], str]]) -> None:
    """A choropleth legend: one colour swatch per class with its value range."""
    chips = " ".join(
        f"<span style='display:inline-flex;align-items:center;margin-right:12px'>"
        f"<span style='width:18px;height:12px;background:rgb{tuple(c)};display:inline-block;"
        f"margin-right:5px;border:1px solid #999'></span>{maps.esc(label)}</span>"
        for c, label in rows
    )
    st.markdown(
        f"<div data-testid='atlas-class-legend'><b>{maps.esc(title)}</b><br/>{chips}</div>",
        unsafe_allow_html=True,
    )


def place_details(selected: dict | None, layers: dict, cov, v: ViewState, names: dict) -> None:
    """The side panel of a selected place: who/what/where, coverage, nearest payment points."""
    from dashboard import explore, model
    from dashboard.i18n import label_of

    lang = v.lang
    st.subheader(t("details", lang))
    if not selected or selected.get("layer") not in layers:
        st.caption(t("click_hint", lang))
        return
    layer = selected["layer"]
    gdf = layers[layer]
    rows = gdf[gdf["id"] == selected["id"]]
    if rows.empty:
        st.caption(t("click_hint", lang))
        return
    r = rows.iloc[0]
    other = "name_en" if lang == "zh" else "name_zh"
    st.markdown(f"**{md_literal(r[name_col(lang)])}**  \n{md_literal(r[other])}")
    lines = [
        f"{t('d_layer', lang)}: {layer_label(layer, lang)}",
        f"{t('tt_category', lang)}: {label_of(layer, r['category'], lang)}",
        f"{t('tt_district', lang)}: {names.get(r['adcode'], r['adcode'])}",
    ]
    if isinstance(r.get("address"), str) and r["address"]:
        lines.append(f"{t('tt_address', lang)}: {plain(r['address'])}")
    st.text("\n".join(lines))
    require: model.Requirement = ()
    if layer == "key-locations":
        std = standards_for(v)
        require = std[r["category"]].require if r["category"] in std else ()
        p = cov.places[cov.places["id"] == r["id"]]
        if len(p):
            p = p.iloc[0]
            if bool(p["covered"]):
                st.success(t("d_covered", lang, d=p["radius_m"]))
            else:
                d = p["distance_m"]
                dist = f"{d:,.0f}" if d == d and d != float("inf") else t("d_none", lang)
                st.error(t("d_uncovered", lang, d=dist, r=p["radius_m"]))
    near = explore.nearest_payment_points(
        float(r["lon"]), float(r["lat"]), layers["payments"], require=require, as_of=v.as_of
    )
    st.markdown(f"**{t('d_nearest', lang)}**")
    table = pd.DataFrame(
        {
            t("col_name", lang): near[name_col(lang)],
            t("col_type", lang): near["category"].map(lambda c: label_of("payments", c, lang)),
            t("col_distance", lang): near["distance_m"].astype(int),
            t("col_qualifies", lang): near["qualifies"],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    if bool(layers["payments"]["synthetic"].any()):
        st.caption(t("tt_synthetic", lang))
    sources = [s.strip() for s in plain(r.get("source")).split(";") if s.strip()]
    if sources and not bool(r.get("synthetic", False)):
        # each source a link only when it is a valid http(s) URL, else literal text
        st.caption(f"{t('d_source', lang)}: " + " · ".join(md_link(s, s) for s in sources))
    prec = r.get("coord_precision_m")
    if prec == prec and prec:
        st.caption(t("d_precision", lang, m=float(prec)))


def selection(layers: dict, layer: str, place_id: str) -> dict | None:
    """A selected place as stored in the session: layer, id and its WGS-84 position."""
    gdf = layers.get(layer)
    if gdf is None:
        return None
    rows = gdf[gdf["id"] == str(place_id)]
    if rows.empty:
        return None
    r = rows.iloc[0]
    return {"layer": layer, "id": str(place_id), "lon": float(r["lon"]), "lat": float(r["lat"])}


def restore_selection(layers: dict) -> None:
    """Select the place a link names (``k_place``) once, when the session began from it.

    Also marks the link's search pick as already applied, so it does not replace the
    place the link restored.
    """
    if not st.session_state.pop(RESTORED_KEY, False):
        return
    st.session_state["_last_pick"] = (
        st.session_state.get("k_search", ""),
        st.session_state.get("k_search_pick", 0),
    )
    ref = st.session_state.get("k_place")
    chosen = selection(layers, *ref.split(":", 1)) if ref and ":" in ref else None
    if chosen:
        st.session_state["k_selected"] = chosen
    else:  # a place the data does not have: drop it rather than carry it on in the URL
        st.session_state.pop("k_place", None)


def sync_selection() -> dict | None:
    """The selected place, mirrored into ``k_place`` (``layer:id``) for the URL."""
    selected = st.session_state.get("k_selected")
    if selected:
        st.session_state["k_place"] = f"{selected['layer']}:{selected['id']}"
    return selected


def map_selection(key: str) -> tuple[str, str] | None:
    """``(layer, id)`` of the point last clicked on the pydeck chart ``key`` (read before drawing).

    Clicks on the gap rings select the key location under them.
    """
    from dashboard.model import POINT_LAYERS as _POINT

    state = st.session_state.get(key)
    selection = (
        getattr(state, "selection", None) or (state or {}).get("selection") if state else None
    )
    objects = (selection or {}).get("objects") or {}
    for layer_id, items in objects.items():
        if items and "id" in items[0] and layer_id in _POINT + ("gaps",):
            return ("key-locations" if layer_id == "gaps" else layer_id, str(items[0]["id"]))
    return None


# ----------------------------------------------------------------------------- playback

PLAY_STEP = timedelta(days=30)
PLAY_DELAY_S = 0.8


def playback_advance(lo: date, hi: date) -> ViewState:
    """If a playback step is due, move the shared date one step (call before any widget).

    Reaching the last date ends the playback and shows all data again.
    """
    if st.session_state.pop("_advance", False) and st.session_state.get("k_play"):
        v = view()
        nxt = min((v.as_of or lo) + PLAY_STEP, hi)
        st.session_state["w_as_of"] = nxt
        set_view(as_of=None if nxt >= hi else nxt)
        if nxt >= hi:
            st.session_state["k_play"] = False
    return view()


def play_button(container, lo: date) -> None:
    """Play / pause the rollout (a toggle, so a click during a step is never lost).

    Starting from "all data" plays from the first date.
    """
    lang = view().lang

    def _changed() -> None:
        if st.session_state.get("k_play"):
            if view().as_of is None:
                set_view(as_of=lo - PLAY_STEP)
            st.session_state["_advance"] = True

    container.toggle(t("play", lang), key="k_play", on_change=_changed)


def playback_tick(hi: date) -> None:
    """At the end of a page run: while playing, wait a moment and schedule the next step."""
    if st.session_state.get("k_play"):
        v = view()
        st.caption(t("playing_at", v.lang, date=(v.as_of or hi).isoformat()))
        time.sleep(PLAY_DELAY_S)
        st.session_state["_advance"] = True
        st.rerun()
