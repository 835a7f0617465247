"""Widgets and page furniture every page shares: sidebar controls, selectors bound to the
shared view, lazy expanders and tabs, legends, notices and the place-details panel."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from types import ModuleType
from typing import Any, Literal, TypeVar, cast

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboard.core.i18n import LANGS, label_of, layer_label, name_col, t
from dashboard.core.model import POINT_LAYERS
from dashboard.core.safetext import md_link, md_literal, plain
from dashboard.core.standards import Requirement
from dashboard.core.state import (
    ALL,
    DISTRICT_CODES,
    RADIUS_RANGE,
    ViewState,
)
from dashboard.engine import explore
from dashboard.ui import search_index
from dashboard.ui.cache import date_bounds, district_names, standards_for, view_inputs
from dashboard.ui.session import bind_widget, page_value, set_view, view
from dashboard.views import maps, reports

#: The radius the "one radius" control starts at (metres).
DEFAULT_UNIFORM_RADIUS = 500


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


def synthetic_notice(box: DeltaGenerator | ModuleType, points: pd.DataFrame, lang: str) -> None:
    """Say in ``box`` how many of the payment ``points`` shown are synthetic (if any):
    every page that shows generated data says so."""
    n = int(points["synthetic"].sum()) if len(points) else 0
    if n:
        box.warning(t("synthetic_notice", lang, n=f"{n:,}"))


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
    current = str(page_value(key))
    if current not in labels:
        current = names[0]
    if st.session_state.get(key) != current:
        st.session_state[key] = current

    def _switched() -> None:
        st.session_state[key] = by_label.get(st.session_state[widget], names[0])

    bind_widget(widget, labels[current])
    tabs = st.tabs(list(labels.values()), key=widget, on_change=_switched)
    return [tab if tab.open else None for tab in tabs]


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
    bind_widget("w_verified", v.basis == "verified")
    box.toggle(
        t("std_verified", lang),
        key="w_verified",
        help=t("std_verified_help", lang),
        on_change=lambda: set_view(
            basis="verified" if st.session_state["w_verified"] else "claimed"
        ),
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
    lang = v.lang
    st.subheader(t("details", lang))
    if not selected or selected.get("layer") not in layers:
        st.caption(t("click_hint", lang))
        return
    layer = selected["layer"]
    gdf = layers[layer]
    rows = search_index.rows_of(gdf, layer, str(selected["id"]))  # by id, not a scan
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
    require: Requirement = ()
    if layer == "key-locations":
        std = standards_for(v)
        require = std[r["category"]].require if r["category"] in std else ()
        p = search_index.rows_of(cov.places, layer, str(r["id"]))
        if len(p):
            p = p.iloc[0]
            if bool(p["covered"]):
                st.success(t("d_covered", lang, d=p["radius_m"]))
            else:
                d = p["distance_m"]
                dist = f"{d:,.0f}" if d == d and d != float("inf") else t("d_none", lang)
                st.error(t("d_uncovered", lang, d=dist, r=p["radius_m"]))
    supply = view_inputs(v).supply  # as coverage counts them (field checks)
    near = explore.nearest_payment_points(
        float(r["lon"]), float(r["lat"]), supply, require=require, as_of=v.as_of
    )
    st.markdown(f"**{t('d_nearest', lang)}**")
    table = pd.DataFrame(
        {
            t("col_name", lang): near[name_col(lang)],
            t("col_type", lang): near["category"].map(lambda c: label_of("payments", str(c), lang)),
            t("col_distance", lang): near["distance_m"].astype(int),
            t("col_qualifies", lang): near["qualifies"],
        }
    )
    dataframe(table)
    if bool(layers["payments"]["synthetic"].any()):
        st.caption(t("tt_synthetic", lang))
    sources = [s.strip() for s in plain(r.get("source")).split(";") if s.strip()]
    if sources and not bool(r.get("synthetic", False)):
        # each source a link only when it is a valid http(s) URL, else literal text
        st.caption(f"{t('d_source', lang)}: " + " · ".join(md_link(s, s) for s in sources))
    prec = r.get("coord_precision_m")
    if prec == prec and prec:
        st.caption(t("d_precision", lang, m=float(prec)))


#: Most rows a table sends to the browser; the rest are in its download (a person reads
#: a thousand rows at most, and every row sent costs bytes and rendering on each rerun).
TABLE_ROWS = 1000


def table_head(frame: pd.DataFrame, lang: str, box=None, limit: int | None = None) -> pd.DataFrame:
    """The first ``limit`` (:data:`TABLE_ROWS`) rows of ``frame`` to draw; when there are
    more, a caption in ``box`` says so (the page's download holds them all)."""
    limit = TABLE_ROWS if limit is None else limit
    if len(frame) <= limit:
        return frame
    (box or st).caption(t("tl_table_head", lang, n=f"{limit:,}", total=f"{len(frame):,}"))
    return frame.head(limit)


#: How every table shows a missing value, as :func:`reports.format_metric` writes it;
#: Streamlit's own is the English word "None", on Chinese pages too.
MISSING = reports.format_metric("coverage", None)


def dataframe(data: pd.DataFrame | None, *, box: Any = None, **kwargs: Any) -> Any:
    """Draw ``data`` with ``st.dataframe`` (in ``box``, a column or container, when given)
    as every table of the app is drawn: no index, the page's width and a missing value
    as :data:`MISSING`; ``kwargs`` go to ``st.dataframe`` and override these. Returns what
    ``st.dataframe`` returns (the selection, for a table with ``on_select``).

    A table without rows is a line saying so in the page's language: Streamlit's empty
    grid reads "empty" in English, drawn on its canvas where no style can reach it.
    """
    if isinstance(data, pd.DataFrame) and data.empty and "on_select" not in kwargs:
        return (box or st).caption(t("table_empty", view().lang))
    options: dict[str, Any] = {"hide_index": True, "width": "stretch", "placeholder": MISSING}
    return (box or st).dataframe(data, **{**options, **kwargs})


def file_uploader(
    label: str,
    *,
    types: Sequence[str],
    key: str,
    lang: str,
    box: Any = None,
    max_upload_size: int | None = None,
    **kwargs: Any,
) -> Any:
    """``st.file_uploader`` (in ``box`` when given) whose own texts are in ``lang``.

    Streamlit writes the button ("Upload") and the limit line ("200MB per file • CSV")
    in English whatever the page's language, and has no setting for them
    (streamlit/streamlit#13500). In Chinese, a style scoped to this uploader's ``key``
    draws them from :func:`t` instead. Returns the uploaded file, as Streamlit does.
    """
    if lang != "en":
        mb = max_upload_size or int(st.get_option("server.maxUploadSize"))
        limit = t("upload_limit", lang, mb=mb, types=", ".join(x.upper() for x in types))
        st.html(_uploader_css(key, t("upload_button", lang), limit))
    return (box or st).file_uploader(
        label, type=list(types), key=key, max_upload_size=max_upload_size, **kwargs
    )


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal (quotes, backslashes and line ends escaped)."""
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    return '"' + out.replace("<", "\\3c ") + '"'


def _uploader_css(key: str, button: str, limit: str) -> str:
    """The style that shows ``button`` and ``limit`` in the uploader keyed ``key``."""
    root = f".st-key-{key} [data-testid=stFileUploaderDropzone]"
    label = f"{root} button [data-testid=stMarkdownContainer] p"
    note = f"{root} [data-testid=stFileUploaderDropzoneInstructions] span"
    return (
        "<style>"
        f"{label}, {note} {{font-size: 0}}"
        f"{label}::after {{content: {_css_string(button)}; font-size: 1rem}}"
        f"{note}::after {{content: {_css_string(limit)}; font-size: 0.875rem}}"
        "</style>"
    )


def metric_dataframe(frame: pd.DataFrame, lang: str, key: str) -> None:
    """Draw ``frame`` (see :func:`metric_table`) as a table: shares in percent, a missing
    value as "—" as :func:`reports.format_metric` writes it (Streamlit's own is the
    English word "None", on Chinese pages too)."""
    shown, config = metric_table(frame, lang)
    dataframe(shown, column_config=config, key=key)


def metric_table(frame: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, dict]:
    """``frame`` (metric columns headed in ``lang``, as :func:`reports.localize` makes them)
    to draw, and its column configuration: shares ×100 with one decimal and a ``%`` sign
    ("48.0%", change signed), as :func:`reports.format_metric` writes them everywhere else;
    Streamlit's ``percent`` preset trims decimals per cell ("48%", "33.9%", "33.33%")."""
    shown = frame.copy()
    config: dict = {}
    for code in reports.SHARE_CODES:
        head = reports.header(code, lang)
        if head in shown.columns:
            shown[head] = pd.to_numeric(shown[head], errors="coerce") * 100
            fmt = "%+.1f%%" if code == "change" else "%.1f%%"
            config[head] = st.column_config.NumberColumn(format=fmt)
    for code, fmt, help_key in (("rank", "%d", None), ("access", "%.2f", "cmpm_access_help")):
        head = reports.header(code, lang)
        if head in shown.columns:
            config[head] = st.column_config.NumberColumn(
                format=fmt, help=t(help_key, lang) if help_key else None
            )
    return shown, config


_T = TypeVar("_T")


def choice(
    box: DeltaGenerator | ModuleType,
    kind: Literal["selectbox", "radio"],
    label: str,
    options: Sequence[_T],
    **kwargs: Any,
) -> _T:
    """One of ``options``, from a selectbox or radio drawn in ``box`` (``st`` or a column).

    With options and no ``index=None`` the widget always returns one of them; Streamlit's
    overloads type it as None under Python 3.10 (which has no ``typing.Never``), so the
    pages read it through here, typed as the options are.
    """
    return cast(_T, getattr(box, kind)(label, options, **kwargs))
