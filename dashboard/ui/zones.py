"""Streamlit glue of boundary sets: the Data page's "Boundary sets" section, Compare by
set and the District profile's drill-down, with their caches.

The zones of a set are cached by the set's version in effect; the places' zones by the
key locations in effect and that version; the tables by the view as well
(:func:`dashboard.ui.cache.view_cached`). Computation is :mod:`dashboard.engine.zones`,
maps and tables :mod:`dashboard.views.zones`, storage :mod:`loaders.boundaries` through
the write gateway :mod:`loaders.writes`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import tempfile
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from dashboard.core.i18n import t
from dashboard.core.messages import error_text, localize
from dashboard.core.rights import Actor, can
from dashboard.core.safetext import md_literal
from dashboard.core.state import ALL, ViewState
from dashboard.engine.coverage import assign_districts
from dashboard.engine.zones import assign_zones, coverage_by, zone_comparison
from dashboard.ui import cache, session, widgets
from dashboard.ui import compare as uc
from dashboard.ui.cache import LayerData, ViewInputs
from dashboard.ui.data import UPLOAD_PREFIX
from dashboard.ui.page_state import PageState
from dashboard.views import maps, reports
from dashboard.views import zones as vz
from loaders import boundaries as store
from loaders.crsdetect import LABELS as CRS_LABELS
from loaders.errors import LoaderError
from loaders.examples import synthetic_subdistricts_geojson
from loaders.importer import confidence_label
from loaders.workspace import WorkspaceError, default_home
from loaders.writes import (
    can_undo_boundaries,
    import_boundaries,
    remove_boundaries,
    undo_boundaries,
)

UPLOAD_TYPES = ["geojson", "json", "zip", "gpkg", "parquet", "kml", "kmz"]
CRS_OPTIONS = ["auto", "wgs84", "cgcs2000", "gcj02", "bd09"]
SAMPLE_FILE = "sample-subdistricts-gcj02.geojson"
SAMPLE_NAME = "sample-subdistricts"
_FLASH = "bnd_flash"


# --------------------------------------------------------------------------- caches


def set_names(home: Path | None = None) -> list[str]:
    """The boundary sets in effect, by name (a folder listing: cheap on every rerun)."""
    return [s.name for s in store.list_boundaries(home or default_home())]


def info(name: str) -> store.BoundarySet | None:
    """Set ``name`` in effect (None: not, e.g. a link naming a removed set)."""
    return store.boundary_info(name, default_home())


@st.cache_resource(show_spinner=False, max_entries=16)
def _zones(name: str, signature: str, home: str) -> gpd.GeoDataFrame:
    return store.load_boundaries(name, Path(home))


def zones(name: str) -> gpd.GeoDataFrame:
    """The zones of set ``name`` in effect (cached by its version; do not modify)."""
    home = default_home()
    return _zones(name, store.boundary_signature(name, home), str(home))


def _signature(name: str) -> str:
    return store.boundary_signature(name, default_home())


@cache.layer_cached(max_entries=32)
def _zone_of(data: LayerData, name: str, signature: str) -> np.ndarray:
    places = data.frame
    districts = cache.layer_data("districts").frame
    lon, lat = places["lon"].to_numpy(dtype="float64"), places["lat"].to_numpy(dtype="float64")
    adcode = assign_districts(lon, lat, districts, places["adcode"].astype(str).to_numpy())
    return assign_zones(places.assign(adcode=adcode), zones(name))


def zone_of(name: str) -> np.ndarray:
    """The ``zone_id`` of every key location in effect (in the layer's order, as the
    coverage's places), cached by the layer and the set's version."""
    return _zone_of("key-locations", name, _signature(name))


@cache.view_cached(max_entries=64)
def _table(inputs: ViewInputs, name: str, signature: str, district: str) -> pd.DataFrame:
    cov = cache.coverage(inputs)
    return coverage_by(
        cov, zones(name), district=None if district == ALL else district, zone_of=zone_of(name)
    )


def zone_table(v: ViewState, name: str, district: str = ALL) -> pd.DataFrame:
    """:func:`coverage_by` of set ``name`` for the view: every zone (``district`` ``all``)
    or a district's drill-down (cached; do not modify)."""
    return _table(v, name, _signature(name), district)


@cache.view_cached(max_entries=32)
def _comparison(inputs: ViewInputs, name: str, signature: str, start: str, by: str) -> pd.DataFrame:
    now = cache.coverage(inputs)
    before = cache.coverage(dataclasses.replace(inputs, as_of=start))
    return zone_comparison(
        now, before, uc.place_access(inputs), zones(name), by=by, zone_of=zone_of(name)
    )


def comparison(v: ViewState, name: str, baseline: date, by: str) -> pd.DataFrame:
    """:func:`zone_comparison` of set ``name`` at the view's date against ``baseline``,
    ranked ``by`` (cached; do not modify)."""
    return _comparison(v, name, _signature(name), baseline.isoformat(), by)


@st.cache_resource(show_spinner=False, max_entries=32)
def _geojson(name: str, signature: str, lang: str) -> dict:
    return vz.zone_geojson(zones(name), lang)


def zone_geojson(name: str, lang: str) -> dict:
    """The display outlines of set ``name`` (cached by version and language)."""
    return _geojson(name, _signature(name), lang)


# --------------------------------------------------------------------------- shared pieces


def synthetic_warning(box, name: str, lang: str) -> None:
    """Say that set ``name`` is generated, when it is (on every page that shows it)."""
    found = info(name)
    if found is not None and found.synthetic:
        box.warning(t("bnd_synthetic_notice", lang, name=md_literal(name)))


def set_picker(box, param: str, label: str, none_label: str, lang: str) -> str:
    """A choice of boundary set bound to page parameter ``param`` (its URL name): the
    name chosen, or "" (the districts, or no drill-down). A link naming a set that is not
    in effect falls back to ""."""
    names = set_names()
    ps, slot = session.page_state(), getattr(PageState, param)
    if not ps.has(slot) or ps.get(slot) not in ("", *names):
        ps.set(slot, "")
    return box.selectbox(
        label,
        ["", *names],
        key=slot.key,
        format_func=lambda n: none_label if n == "" else n,
        help=t("bnd_by_help", lang),
    )


def _choropleth_deck(name: str, table: pd.DataFrame, metric: str, lang: str, ad: str):
    layer, legend = vz.zone_choropleth(zone_geojson(name, lang), table, metric, lang)
    base = cache.district_layers(lang, ad)
    view = maps.view_for(cache.load_layers()["districts"], None if ad == ALL else ad)
    return maps.make_deck([*base, layer], view, height=480), legend


def _map(name: str, table: pd.DataFrame, metric: str, lang: str, ad: str, key: str) -> None:
    deck, legend = _choropleth_deck(name, table, metric, lang, ad)
    st.pydeck_chart(deck, height=480, key=key)
    widgets.class_legend(t("bnd_map", lang, metric=t("m_" + metric, lang)), legend)


# --------------------------------------------------------------------------- Compare


def compare_by_set(v: ViewState, name: str, baseline: date, by: str) -> None:
    """Compare districts, by set ``name``: the zones ranked ``by`` (the comparison
    table's columns), a choropleth of them, the table as CSV."""
    lang = v.lang
    st.subheader(t("bnd_cmp_title", lang, name=md_literal(name)))
    synthetic_warning(st, name, lang)
    table = comparison(v, name, baseline, by)
    shown = vz.localize_zones(table, lang, cache.district_names(lang))
    widgets.metric_dataframe(shown, lang, key="cmp_zones")
    st.caption(t("bnd_cmp_caption", lang))
    st.download_button(
        t("bnd_download_csv", lang),
        reports.to_csv_bytes(shown),
        file_name=f"{name}-{uc.end_date(v).isoformat()}-{lang}.csv",
        mime="text/csv",
        key="cmp_zones_csv",
        icon=":material/download:",
    )
    metric = by if by in vz.ZONE_METRICS else "coverage"
    _map(name, table, metric, lang, ALL, "cmp-zones-map")


# --------------------------------------------------------------------------- District profile


def drilldown(v: ViewState, ad: str) -> None:
    """The District profile's drill-down: the zones of a chosen set in district ``ad``
    (the city's zones for ``all``), their coverage adding up to the figure above, and a
    choropleth of them. Nothing is computed until a set is chosen."""
    lang = v.lang
    if not set_names():
        st.caption(t("bnd_drill_empty", lang))
        return
    name = set_picker(st, "dp_set", t("bnd_drill", lang), t("bnd_drill_none", lang), lang)
    if not name:
        return
    place = t("all_districts", lang) if ad == ALL else cache.district_names(lang).get(ad, ad)
    st.subheader(t("bnd_drill_title", lang, district=md_literal(place), name=md_literal(name)))
    synthetic_warning(st, name, lang)
    table = zone_table(v, name, ad)
    shown = vz.localize_zones(table, lang, cache.district_names(lang))
    widgets.metric_dataframe(shown, lang, key="dp_zones")
    st.caption(t("bnd_drill_caption", lang, district=md_literal(place)))
    _map(name, table, "coverage", lang, ad, "dp-zones-map")


# --------------------------------------------------------------------------- Data page


@st.cache_resource(show_spinner=False, max_entries=1)
def _sample_bytes() -> bytes:
    return synthetic_subdistricts_geojson("gcj02")


def read_upload(data: bytes, file: str, name: str, crs: str) -> store.BoundaryResult:
    """Read an uploaded boundary file (on disk only while it is read, in a private
    temporary directory); the session keeps the last result, keyed by content and choices.

    Raises
    ------
    LoaderError
        When the file cannot be used (nothing is left on disk).
    """
    key = (hashlib.sha256(data).hexdigest(), file, name, crs)
    cached = st.session_state.get("bnd_read")
    if cached is not None and cached[0] == key:
        return cached[1]
    suffix = "".join(c for c in Path(file).suffix.lower() if c.isalnum() or c == ".")[:12]
    with tempfile.TemporaryDirectory(prefix=UPLOAD_PREFIX) as d:
        path = Path(d) / f"upload{suffix}"
        path.write_bytes(data)
        result = store.read_boundaries(path, name, crs=crs, display_name=file)
    st.session_state["bnd_read"] = (key, result)
    return result


def suggested_name(file: str) -> str:
    """A set name from a file's name (``街道.geojson`` → ``zones``)."""
    stem = re.sub(r"[^a-z0-9_-]+", "-", Path(file).stem.lower()).strip("-_")[:40]
    return (
        stem if stem and store.NAME_RE.fullmatch(stem) and stem not in store.RESERVED else "zones"
    )


def sets_table(sets: list[store.BoundarySet], lang: str) -> pd.DataFrame:
    """The sets in effect for reading, headers in ``lang``."""
    yes, no = t("bnd_yes", lang), t("bnd_no", lang)
    rows = [
        {
            "name": s.name,
            "zone_count": s.zone_count,
            "districts": len(s.districts),
            "synthetic": yes if s.synthetic else no,
            "source": s.source,
            "crs": CRS_LABELS.get(s.crs, s.crs),
            "version": s.version,
            "created": s.created,
        }
        for s in sets
    ]
    df = pd.DataFrame(rows, columns=["name", "zone_count", "districts", "synthetic", "source",
                                     "crs", "version", "created"])  # fmt: skip
    return df.rename(columns={c: t(f"bnd_col_{c}", lang) for c in df.columns})


def boundary_section(home: Path, actor: Actor, lang: str) -> None:
    """The Data page's "Boundary sets": the sets in effect with their zone counts and, for
    an account that may, an upload with its validation report, store, undo and remove."""
    st.subheader(t("bnd_title", lang))
    st.caption(t("bnd_intro", lang))
    flash = st.session_state.pop(_FLASH, None)
    if flash:  # worded with the name escaped (see _import_form, _manage)
        st.success(flash)
    sets = store.list_boundaries(home)
    if sets:
        widgets.dataframe(sets_table(sets, lang), key="bnd_sets")
        for s in sets:
            if s.synthetic:
                st.warning(t("bnd_synthetic_notice", lang, name=md_literal(s.name)))
    else:
        st.info(t("bnd_none", lang))
    if not can(actor, "boundaries"):
        return
    _import_form(home, actor, lang)
    if sets:
        _manage(sets, home, actor, lang)


def _import_form(home: Path, actor: Actor, lang: str) -> None:
    c1, c2 = st.columns([3, 2])
    upload = widgets.file_uploader(
        t("bnd_upload", lang), types=UPLOAD_TYPES, key="bnd_upload", lang=lang, box=c1
    )
    sample = c1.toggle(t("bnd_sample", lang), key="bnd_sample")
    source = None
    if upload is not None:
        source = (upload.getvalue(), upload.name)
    elif sample:
        source = (_sample_bytes(), SAMPLE_FILE)
    suggested = "zones" if source is None else suggested_name(source[1])
    if source is not None and source[1] == SAMPLE_FILE:
        suggested = SAMPLE_NAME
    typed = c2.text_input(t("bnd_name", lang), key="bnd_name", placeholder=suggested)
    crs = c2.selectbox(
        t("bnd_crs", lang),
        CRS_OPTIONS,
        key="bnd_crs",
        format_func=lambda c: t("bnd_auto", lang) if c == "auto" else str(CRS_LABELS.get(c, c)),
    )
    if source is None:
        return
    name = typed.strip() or suggested
    try:
        result = read_upload(source[0], source[1], name, crs or "auto")
    except LoaderError as exc:
        st.error(md_literal(exc))
        return
    _report(result, lang)
    if not result.ok:
        st.error(t("bnd_not_stored", lang))
        return
    if st.button(t("bnd_store", lang), type="primary", key="bnd_store"):
        try:
            stored = import_boundaries(actor, name, result, home, source=source[1])
        except (WorkspaceError, OSError, ValueError) as exc:  # PermissionDenied: an OSError
            st.error(md_literal(error_text(exc, lang)))
        else:
            n = f"{stored.zone_count:,}"
            msg = t("bnd_stored", lang, name=md_literal(name), v=stored.version, n=n)
            st.session_state[_FLASH] = msg
            st.session_state.pop("bnd_read", None)
            st.rerun()


def _report(result: store.BoundaryResult, lang: str) -> None:
    rep = result.report
    m = st.columns(5)
    m[0].metric(t("bnd_zones_read", lang), f"{rep.rows_read:,}")
    m[1].metric(t("bnd_errors", lang), f"{rep.errors:,}")
    m[2].metric(
        t("bnd_warnings_n", lang), f"{sum(p.severity == 'warning' for p in rep.problems):,}"
    )
    m[3].metric(t("data_crs_used", lang), CRS_LABELS.get(rep.crs, rep.crs))
    m[4].metric(t("data_confidence", lang), localize(confidence_label(rep.crs_confidence), lang))
    st.text(rep.summary(lang))
    for w in rep.warnings:
        st.warning(md_literal(localize(w, lang)))
    for note in rep.notes:
        st.caption(md_literal(localize(note, lang)))
    cols = ("source", "system", "strength", "text")
    ev = pd.DataFrame(rep.evidence(lang), columns=list(cols))
    ev["source"] = [t(f"imp_src_{x}", lang) for x in ev["source"]]
    widgets.dataframe(
        ev.set_axis([t(f"imp_ev_{c}", lang) for c in cols], axis=1),
        key="bnd_evidence",
    )
    st.markdown(f"**{t('data_problems', lang)}**")
    if rep.problems:
        rows = [(p.row, p.column, localize(p.message, lang), p.severity) for p in rep.problems]
        heads = [t(f"data_{c}", lang) for c in ("row", "column", "message", "severity")]
        widgets.dataframe(pd.DataFrame(rows, columns=heads), key="bnd_problems")
    else:
        st.success(t("data_no_problems", lang))
    st.download_button(
        t("bnd_download", lang),
        json.dumps(rep.to_dict(lang), ensure_ascii=False, indent=2, default=str),
        file_name="boundary-report.json",
        mime="application/json",
        key="bnd_report",
    )
    if result.ok:
        st.markdown(f"**{t('bnd_preview', lang)}**")
        geo = vz.zone_geojson(result.zones, lang)
        layers = [*cache.district_layers(lang, ALL), maps.district_layer(geo, layer_id="zones")]
        st.pydeck_chart(
            maps.make_deck(layers, maps.BEIJING_VIEW, height=420), height=420, key="bnd_preview"
        )


def _manage(sets: list[store.BoundarySet], home: Path, actor: Actor, lang: str) -> None:
    st.markdown(f"**{t('bnd_manage', lang)}**")
    names = [s.name for s in sets]
    c1, c2, c3 = st.columns([2, 2, 2])
    name = c1.selectbox(t("bnd_manage_pick", lang), names, key="bnd_manage")
    if name is None or not can_undo_boundaries(actor, name, home):
        return
    if c2.button(t("bnd_undo", lang, name=name), key="bnd_undo"):
        try:
            back = undo_boundaries(actor, name, home)
        except (WorkspaceError, OSError) as exc:
            st.error(md_literal(error_text(exc, lang)))
        else:
            key = "bnd_undone" if back else "bnd_undone_none"
            st.session_state[_FLASH] = t(key, lang, name=md_literal(name), v=back or "")
            st.rerun()
    if c3.button(t("bnd_remove", lang, name=name), key="bnd_remove"):
        try:
            remove_boundaries(actor, name, home)
        except (WorkspaceError, OSError) as exc:
            st.error(md_literal(error_text(exc, lang)))
        else:
            st.session_state[_FLASH] = t("bnd_removed", lang, name=md_literal(name))
            st.rerun()
