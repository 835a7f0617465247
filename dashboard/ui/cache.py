"""Cached data and results for the pages, keyed by the data in effect and the view.

Loaded layers and computed results are cached with ``st.cache_resource``: one shared
object per input, returned without a copy (``st.cache_data`` unpickles a copy on every
rerun, which cost more than the page itself). Callers must treat them as read-only;
``tests/app/test_cache_readonly.py`` checks that no page mutates them.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import geopandas as gpd
import pandas as pd
import streamlit as st

from dashboard.core.i18n import name_col
from dashboard.core.model import POINT_LAYERS
from dashboard.core.standards import (
    Standards,
    standards_from_dict,
    standards_to_dict,
    uniform_standards,
)
from dashboard.core.state import (
    ALL,
    RADIUS_RANGE,
    ViewState,
)
from dashboard.engine import coverage as engine_coverage
from dashboard.engine import layers as data
from dashboard.engine import stats
from dashboard.engine.coverage import CoverageResult, assess_coverage
from dashboard.engine.coverage_index import (
    CoverageIndex,
    assess_from_index,
    build_coverage_index,
    covered_from_index,
    requirement_structure,
)
from dashboard.engine.explore import Filters, filter_layer
from dashboard.engine.verification import effective_supply
from dashboard.views import maps
from loaders.documents import document_signature
from loaders.inspections_store import (
    SETTINGS_DOCUMENT,
    InspectionSettings,
    inspections_signature,
    load_inspections,
    load_settings,
)
from loaders.standards_store import load_standards
from loaders.workspace import current_layer_file, default_home

P = ParamSpec("P")
R = TypeVar("R")


def data_signature(home: Path | None = None) -> tuple[tuple[str, str], ...]:
    """What identifies the data in effect: each layer's current workspace file (or shipped)."""
    sig = []
    for layer in POINT_LAYERS:
        f = current_layer_file(layer, home)
        sig.append((layer, f"{f}:{f.stat().st_mtime_ns}" if f else "shipped"))
    return tuple(sig)


def _signature_file(signature: str) -> Path | None:
    """The version file a layer's entry of :func:`data_signature` names (None: shipped)."""
    if signature == "shipped":
        return None
    return Path(signature.rsplit(":", 1)[0])


@st.cache_resource(show_spinner=False, max_entries=64)
def _load(layer: str, signature: str, home: str | None) -> gpd.GeoDataFrame:
    # the version the signature names, not whatever is in effect by now: a result cached
    # under a signature is always computed from that signature's data
    if layer == "districts":
        return data.load_layer(layer, Path(home) if home else None)
    return data.load_layer_file(layer, _signature_file(signature))


@dataclasses.dataclass(frozen=True)
class LayerData:
    """One layer of the data in effect, and so the key results of it are cached under:
    its name, its current workspace file with its modification time (or ``shipped``) and
    the workspace."""

    name: str
    signature: str
    home: str | None

    @property
    def frame(self) -> gpd.GeoDataFrame:
        """The layer's rows (cached; do not modify)."""
        return _load(self.name, self.signature, self.home)


def layer_data(layer: str) -> LayerData:
    """The :class:`LayerData` of ``layer`` in effect now (the districts are always shipped)."""
    if layer == "districts":
        return LayerData("districts", "shipped", None)
    home = default_home()
    return LayerData(layer, dict(data_signature(home))[layer], str(home))


def _resource(
    fn: Callable[..., R], key: Callable[..., Any], max_entries: int, hash_funcs: dict | None = None
) -> Callable[..., R]:
    """``st.cache_resource`` of ``fn`` called with the three fields of its key object
    (:class:`LayerData` or :class:`ViewInputs`, rebuilt by ``key``) and its own arguments,
    so Streamlit hashes plain strings and tuples.

    Streamlit keys a cache by the function's module and qualified name: the decorated
    function's are copied, so that every decorated function has a cache of its own.
    """

    def compute(a: Any, b: Any, c: Any, *args: Any, **kwargs: Any) -> R:
        return fn(key(a, b, c), *args, **kwargs)

    compute.__module__, compute.__qualname__ = fn.__module__, fn.__qualname__
    compute.__name__, compute.__doc__ = fn.__name__, fn.__doc__
    return st.cache_resource(show_spinner=False, max_entries=max_entries, hash_funcs=hash_funcs)(
        compute
    )


def layer_cached(
    *, max_entries: int = 64, hash_funcs: dict | None = None
) -> Callable[[Callable[Concatenate[LayerData, P], R]], Callable[Concatenate[str, P], R]]:
    """Cache a result of one layer's data: the decorated function takes :class:`LayerData`
    and its own hashable arguments and is called with the layer's name; entries are keyed
    by the layer's current file (a new import is a new key) and the arguments. Shared,
    returned without a copy, read-only to callers (as :func:`view_cached`)."""

    def decorate(
        fn: Callable[Concatenate[LayerData, P], R],
    ) -> Callable[Concatenate[str, P], R]:
        cached = _resource(fn, LayerData, max_entries, hash_funcs)

        @functools.wraps(fn)
        def call(layer: str, /, *args: P.args, **kwargs: P.kwargs) -> R:
            key = layer_data(layer)
            return cached(key.name, key.signature, key.home, *args, **kwargs)

        call.clear = cached.clear  # type: ignore[attr-defined]
        return call

    return decorate


@layer_cached()
def _records(data: LayerData, lang: str) -> dict[str, dict]:
    records = maps.point_records(data.frame, data.name, lang, district_names(lang))
    return {r["id"]: r for r in records}


#: A layer up to this size has its map records built once, whole, and picked by id; the
#: records of a bigger one are built for the rows asked for only (the maps tile it instead).
WHOLE_RECORDS_MAX = 50_000


def point_records(gdf: pd.DataFrame, layer: str, lang: str) -> list[dict]:
    """:func:`maps.point_records` for ``gdf``, rows of the loaded ``layer`` (filtered or
    reordered), built once per layer and language and picked by id."""
    if len(layer_data(layer).frame) > WHOLE_RECORDS_MAX:
        return maps.point_records(gdf, layer, lang, district_names(lang))  # type: ignore[arg-type]
    by_id = _records(layer, lang)
    return [by_id[i] for i in gdf["id"].astype(str) if i in by_id]


def _filters_key(filters: Filters) -> str:
    return json.dumps(dataclasses.asdict(filters), sort_keys=True, default=str)


@layer_cached(max_entries=512, hash_funcs={Filters: _filters_key})
def layer_rows(data: LayerData, district: str, filters: Filters | None = None) -> pd.DataFrame:
    """The rows of the point layer in ``district`` that pass ``filters``
    (:class:`dashboard.engine.explore.Filters`, None: all), cached; do not modify."""
    gdf = stats.in_district(data.frame, district)
    if filters is not None:
        gdf = filter_layer(gdf, data.name, filters)
    return gdf


@layer_cached(max_entries=512, hash_funcs={Filters: _filters_key})
def layer_view(
    data: LayerData, district: str, lang: str, filters: Filters | None = None
) -> tuple[pd.DataFrame, list[dict]]:
    """:func:`layer_rows` and their map records in ``lang`` (cached per data, district,
    filters and language; do not modify). A map of a big layer tiles the rows instead
    (:mod:`dashboard.ui.tiling`): it needs no records."""
    gdf = layer_rows(data.name, district, filters)
    return gdf, point_records(gdf, data.name, lang)


def load_layers(
    signature: tuple[tuple[str, str], ...] | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """All layers, from cache unless the workspace changed since they were read; with a
    ``signature`` (:func:`data_signature`'s, or a :class:`ViewInputs`'), the layers it
    names — so every part of one view is computed from the same data, even while a writer
    puts a new version in effect during the rerun."""
    home = str(default_home())
    sig = dict(data_signature(Path(home)) if signature is None else signature)
    out = {"districts": layer_data("districts").frame}
    for layer in POINT_LAYERS:
        out[layer] = _load(layer, sig[layer], home)
    return out


@st.cache_resource(show_spinner=False, max_entries=16)
def _counts(signature: tuple, home: str) -> tuple[pd.DataFrame, dict[str, dict[str, int]]]:
    layers = load_layers(signature)
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
    return maps.display_geometries(layer_data("districts").frame, tolerance)


@st.cache_resource(show_spinner=False, max_entries=64)
def districts_geojson(lang: str, highlight: str) -> dict:
    """Cached display GeoJSON of the districts (simplified, coloured, escaped); the
    simplification is done once, so a district seen for the first time costs ~5 ms."""
    return maps.districts_geojson(
        layer_data("districts").frame,
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
    return maps.district_labels(layer_data("districts").frame, lang)


def district_names(lang: str) -> dict[str, str]:
    d = layer_data("districts").frame
    return dict(zip(d["adcode"], d[name_col(lang)]))


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


def standards_for(v: ViewState) -> Standards:
    """The service standards in effect for the view: workspace standards + URL overrides."""
    require = [] if v.std == "any" else None
    return uniform_standards(load_standards(), radius_m=v.radius, require=require)


def standards_key(standards: Standards) -> str:
    """Canonical JSON text of ``standards``: the cache key of results that depend on them."""
    return json.dumps(standards_to_dict(standards), sort_keys=True)


@functools.lru_cache(maxsize=64)
def standards_from_key(standards_json: str) -> Standards:
    """The standards behind a :func:`standards_key` (parsed once per key)."""
    return standards_from_dict(json.loads(standards_json))


def evidence_signature(basis: str, home: Path | None = None) -> tuple[tuple[str, str], ...]:
    """What identifies the field evidence a view counts: the coverage basis, the field checks
    in effect and their validity period (part of :attr:`ViewInputs.signature`)."""
    settings = _inspection_settings(document_signature(SETTINGS_DOCUMENT, home), str(home))
    return (
        ("basis", basis),
        ("inspections", inspections_signature(home)),
        ("validity_days", str(settings.validity_days)),
    )


@st.cache_resource(show_spinner=False, max_entries=4)
def _inspection_settings(signature: str, home: str) -> InspectionSettings:
    return load_settings(Path(home))


@st.cache_resource(show_spinner=False, max_entries=8)
def _inspections(signature: str, home: str) -> pd.DataFrame:
    frame = load_inspections(Path(home))
    # "none": no batch in effect under this signature, whatever was added since
    return frame.iloc[:0] if signature == "none" else frame


def inspections() -> pd.DataFrame:
    """Every field check in effect (cached; do not modify)."""
    home = default_home()
    return _inspections(inspections_signature(home), str(home))


@st.cache_resource(show_spinner=False, max_entries=32)
def _supply(signature: tuple[tuple[str, str], ...], as_of: str | None) -> pd.DataFrame:
    keys = dict(signature)
    home = default_home()
    return effective_supply(
        load_layers(signature)["payments"],
        _inspections(keys["inspections"], str(home)),
        as_of=as_of,
        basis=keys["basis"],
        validity_days=int(keys["validity_days"]),
    )


@dataclasses.dataclass(frozen=True)
class ViewInputs:
    """What a result of the view is computed from, and so the key it is cached under: the
    data in effect (:func:`data_signature`, with the field evidence counted:
    :func:`evidence_signature`), the standards in effect (canonical JSON, see
    :func:`standards_key`) and the view's date (ISO text; None: all data)."""

    signature: tuple[tuple[str, str], ...]
    standards_json: str
    as_of: str | None = None

    @property
    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """Every layer of the data these inputs name (cached): the versions of
        :attr:`signature`, whatever a writer has put in effect since."""
        return load_layers(self.signature)

    @property
    def standards(self) -> Standards:
        """The standards in effect."""
        return standards_from_key(self.standards_json)

    @property
    def basis(self) -> str:
        """``claimed`` or ``verified`` coverage (:data:`dashboard.core.state.BASES`)."""
        return dict(self.signature).get("basis", "claimed")

    @property
    def supply(self) -> pd.DataFrame:
        """The payment points as coverage counts them on the view's date: claimed
        capabilities corrected, or replaced, by field checks
        (:func:`dashboard.engine.verification.effective_supply`, cached)."""
        return self.supply_at(self.as_of)

    def supply_at(self, as_of: str | None) -> pd.DataFrame:
        """:attr:`supply` on another date (ISO; None: today's evidence), for series."""
        keys = dict(self.signature)
        if "basis" not in keys:
            return load_layers(self.signature)["payments"]
        return _supply(self.signature, as_of)

    @property
    def field_checks(self) -> pd.DataFrame:
        """The field checks these inputs name (cached; do not modify): those of the
        signature's inspections entry, so every part of a view reads the same checks."""
        keys = dict(self.signature)
        if "inspections" not in keys:
            return inspections()
        return _inspections(keys["inspections"], str(default_home()))

    @property
    def evidence(self) -> bool:
        """Whether field checks change what coverage counts (verified basis, or any check
        recorded): a time series must then be assessed date by date."""
        keys = dict(self.signature)
        if keys.get("basis") == "verified":
            return True
        if "inspections" in keys:  # as the signature says, not as the store is by now
            return keys["inspections"] != "none"
        return not inspections().empty


def view_inputs(v: ViewState) -> ViewInputs:
    """The :class:`ViewInputs` of a view: reads the workspace's signature and standards."""
    as_of = v.as_of.isoformat() if v.as_of else None
    home = default_home()
    signature = data_signature(home) + evidence_signature(v.basis, home)
    return ViewInputs(signature, standards_key(standards_for(v)), as_of)


def view_cached(
    *, max_entries: int = 32, dated: bool = True
) -> Callable[
    [Callable[Concatenate[ViewInputs, P], R]], Callable[Concatenate[ViewState | ViewInputs, P], R]
]:
    """Cache a result of the view: the one way pages get results that depend on the data,
    the standards and (``dated``) the date in effect.

    The decorated function takes :class:`ViewInputs` and its own hashable arguments
    (district codes, numbers, ISO dates, language); it is called with a
    :class:`~dashboard.core.state.ViewState` (or, from another cached function, its
    ``ViewInputs``) and the same arguments. Results are ``st.cache_resource`` entries keyed
    by the inputs and the arguments: shared, returned without a copy, read-only to
    callers. ``dated=False`` for results that do not depend on the view's date (it is
    left out of their key).
    """

    def decorate(
        fn: Callable[Concatenate[ViewInputs, P], R],
    ) -> Callable[Concatenate[ViewState | ViewInputs, P], R]:
        cached = _resource(fn, ViewInputs, max_entries)

        @functools.wraps(fn)
        def call(view: ViewState | ViewInputs, /, *args: P.args, **kwargs: P.kwargs) -> R:
            key = view if isinstance(view, ViewInputs) else view_inputs(view)
            as_of = key.as_of if dated else None
            return cached(key.signature, key.standards_json, as_of, *args, **kwargs)

        call.clear = cached.clear  # type: ignore[attr-defined]
        return call

    return decorate


@view_cached(max_entries=64)
def coverage(inputs: ViewInputs) -> CoverageResult:
    """Coverage of the key locations for the view (:func:`assess_coverage`'s answer,
    cached): from the view's :func:`coverage_index` when no field check changes the
    supply (a radius or date step is then a vectorised pass over it), else assessed."""
    lay = inputs.layers
    if inputs.evidence:  # the supply itself changes with the date
        return assess_coverage(
            lay["key-locations"],
            inputs.supply,
            lay["districts"],
            inputs.standards,
            as_of=inputs.as_of,
        )
    index = coverage_index(inputs)
    return assess_from_index(index, inputs.standards, inputs.as_of, lay["districts"])


def points_in_service(v: ViewState) -> pd.DataFrame:
    """:func:`stats.in_service_in` of the payment points, in the view's district on its date
    (cached per data, district and date, not per standards: a radius step reuses it; do not
    modify)."""
    inputs = dataclasses.replace(view_inputs(v), standards_json="{}")
    return _points_in_service(inputs, v.district)


@view_cached(max_entries=16)
def _points_in_service(inputs: ViewInputs, district: str) -> pd.DataFrame:
    return stats.in_service_in(inputs.layers["payments"], district, inputs.as_of)


@view_cached(dated=False)
def covered_from(inputs: ViewInputs) -> pd.Series:
    """The date from which each key location is covered under the view's standards
    (:func:`dashboard.engine.coverage.covered_from`'s answer, cached, from the view's
    :func:`coverage_index`); only without field evidence (then coverage can also be lost,
    and a series is assessed date by date)."""
    if inputs.evidence:
        raise ValueError("with field checks in effect coverage is assessed date by date")
    return covered_from_index(coverage_index(inputs), inputs.standards)


#: Coverage indexes built in this process (a radius or date step builds none: the tests
#: count them).
INDEX_BUILDS = 0


def coverage_index(inputs: ViewInputs) -> CoverageIndex:
    """The :class:`~dashboard.engine.coverage_index.CoverageIndex` of the data in effect
    under the view's requirements (cached): keyed by the data and each category's clauses,
    not by the radii or the date, so a radius or date step reuses it. Its horizon is the
    radius slider's maximum or the standards' largest radius, whichever is larger."""
    standards = inputs.standards
    requirements = requirement_structure(standards)
    key = json.dumps({c: [list(cl) for cl in r] for c, r in requirements.items()})
    horizon = float(max([RADIUS_RANGE[1], *(s.radius_m for s in standards.values())]))
    return _coverage_index(inputs.signature, key, horizon)


#: Indexes kept: the standards' clauses and "any point" (about 250 MB each at 1M × 500k).
@st.cache_resource(show_spinner=False, max_entries=2)
def _coverage_index(
    signature: tuple[tuple[str, str], ...], requirements_json: str, horizon: float
) -> CoverageIndex:
    global INDEX_BUILDS
    INDEX_BUILDS += 1
    lay = load_layers(signature)
    requirements = {
        c: tuple(tuple(cl) for cl in r) for c, r in json.loads(requirements_json).items()
    }
    return build_coverage_index(
        lay["key-locations"], lay["payments"], lay["districts"], requirements, horizon=horizon
    )


@layer_cached(max_entries=16)
def _date_bounds(data: LayerData) -> tuple[date, date] | None:
    pay = data.frame["in_service_date"].dropna()
    if pay.empty:
        return None
    return pay.min().date(), max(pay.max().date(), pay.min().date())


def date_bounds() -> tuple[date, date]:
    """First and last in-service date of the payment points (the as-of slider's range)."""
    bounds = _date_bounds("payments")
    if bounds is None:
        today = date.today()
        return today, today
    return bounds


@view_cached()
def coverage_grid(inputs: ViewInputs, resolution: int) -> pd.DataFrame:
    """H3 coverage grid for the view (:func:`dashboard.engine.coverage.coverage_grid`,
    cached)."""
    return engine_coverage.coverage_grid(coverage(inputs).places, resolution)
