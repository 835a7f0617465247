"""Page filters in the URL: each page's own choices, next to the shared view state.

The shared :class:`dashboard.core.state.ViewState` carries what every page uses (district,
date, language, standard, layers). Each page also has its own filters (the explorer's
categories and analysis layers, the comparison's ranking, the events page's radius and
chosen event, …). They are Streamlit widgets keyed ``k_…`` that keep their values
across page switches; this module gives each a short URL parameter so a link restores
them too. Pure (no Streamlit): it maps ``{widget key: value}`` to and from query
parameters, validating every value and dropping invalid ones rather than failing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

from dashboard.core.model import CAPABILITIES, CARD_SCHEMES, LAYERS, POINT_LAYERS, SECTORS
from dashboard.core.state import DISTRICT_CODES, first_value
from dashboard.core.targets import METRICS as TARGET_METRICS
from dashboard.engine.compare import MAX_SITES, RANK_METRICS
from dashboard.engine.events import DEFAULT_RADIUS_M, DEFAULT_VENUE_RADIUS_M
from dashboard.engine.explore import CHOROPLETH_METRICS, CLASS_SCHEMES
from dashboard.engine.progress import GAP_GROUPS
from dashboard.views.maps import valid_tile_url

#: A default only the page can compute (the baseline one year before the view's date,
#: "all the years the data has") is recorded by the page under ``DEFAULT_PREFIX + key``
#: (see :func:`dashboard.ui.page_default`); it wins over the registry's default.
DEFAULT_PREFIX: Final[str] = "_default_"
#: URL token for an explicitly empty multi-choice whose default is "all".
NONE_TOKEN: Final[str] = "none"
_REF = re.compile(r"^[a-z-]+:[A-Za-z0-9_.\-]{1,64}$")
MAX_TEXT: Final[int] = 100


@dataclass(frozen=True)
class PageParam:
    """One page filter: its widget ``key``, value ``kind`` and what is valid.

    ``kind``: ``list`` (of strings from ``choices``), ``intlist``, ``bool``, ``int``,
    ``float`` (within ``bounds``), ``choice`` (one of ``choices``), ``text``, ``ref``
    (``layer:id``), ``ref_id``, ``tiles`` (an http(s) XYZ template) or ``date``. Values
    equal to ``default`` are left out of the URL.
    """

    key: str
    kind: str
    default: object = None
    choices: tuple | None = None
    bounds: tuple[float, float] | None = None


def _cats(layer: str) -> tuple[str, ...]:
    return tuple(LAYERS[layer].categories)


#: URL parameter -> page filter. Parameter names are a contract: links in the wild use them.
PAGE_PARAMS: Final[dict[str, PageParam]] = {
    # map explorer
    **{
        f"cat_{layer.replace('-', '_')}": PageParam(f"k_cat_{layer}", "list", (), _cats(layer))
        for layer in POINT_LAYERS
    },
    "sectors": PageParam("k_sectors", "list", (), tuple(SECTORS)),
    "caps": PageParam("k_caps", "list", (), tuple(CAPABILITIES)),
    "schemes": PageParam("k_schemes", "list", (), tuple(CARD_SCHEMES)),
    "ev_window": PageParam("k_events_window", "bool", False),
    "gaps": PageParam("k_gaps", "bool", True),
    "heat": PageParam("k_heat", "bool", False),
    "h3": PageParam("k_h3", "bool", False),
    "h3_res": PageParam("k_h3_res", "int", 8, bounds=(7, 9)),
    "metric": PageParam("k_metric", "choice", "none", ("none", *CHOROPLETH_METRICS)),
    "classes": PageParam("k_scheme", "choice", CLASS_SCHEMES[0], CLASS_SCHEMES),
    "q": PageParam("k_search", "text", ""),
    "pick": PageParam("k_search_pick", "int", 0, bounds=(0, 999)),
    "place": PageParam("k_place", "ref", None),
    "tiles": PageParam("k_custom_url", "tiles", ""),
    # district comparison
    "rank_by": PageParam("k_cmp_rank_by", "choice", "coverage", tuple(RANK_METRICS)),
    "baseline": PageParam("k_cmp_baseline", "date", None),
    "cmp_set": PageParam("k_cmp_set", "ref_id", ""),  # a boundary set's name; "": the districts
    # district profile
    "ref": PageParam("k_dp_ref", "choice", "city", ("city", "previous", "target")),
    "target": PageParam("k_dp_target", "float", None, bounds=(0.0, 100.0)),
    "sites": PageParam("k_dp_k", "int", None, bounds=(1, MAX_SITES)),
    "city_ref": PageParam("k_dp_city_ref", "choice", "previous", ("previous", "target")),
    "what_if": PageParam("k_dp_what_if", "bool", False),
    "dp_tab": PageParam("k_dp_tab", "choice", "uncovered", ("uncovered", "siting")),
    "dp_set": PageParam("k_dp_set", "ref_id", ""),  # the drill-down's boundary set; "": none
    # events
    "ev_years": PageParam("k_ev_years", "intlist", bounds=(1900, 2100)),  # default: all years
    "ev_cats": PageParam("k_ev_cats", "list"),  # default: all categories
    "ev_group": PageParam("k_ev_group", "choice", "venue", ("venue", "year")),
    "ev_r": PageParam("k_ev_radius", "float", DEFAULT_RADIUS_M / 1000, bounds=(0.5, 5.0)),
    "venue_r": PageParam(
        "k_ev_venue_radius", "int", int(DEFAULT_VENUE_RADIUS_M), bounds=(100, 1000)
    ),
    "event": PageParam("k_event", "ref_id", None),
    "ev_tab": PageParam("k_ev_tab", "choice", "calendar", ("calendar", "event", "major")),
    "ev_major": PageParam("k_ev_major", "bool", False),
    # progress: the trend's metric and sector, the gaps' grouping
    "pg_metric": PageParam("k_pg_metric", "choice", "coverage", TARGET_METRICS),
    "pg_sector": PageParam("k_pg_sector", "choice", "all", ("all", *SECTORS)),
    "pg_gaps": PageParam("k_pg_gaps", "choice", "sector", tuple(GAP_GROUPS)),
    # presenter mode (any page): on/off, the slide shown, seconds between slides (0: off),
    # the districts presented (none chosen: every district in ranking order)
    "present": PageParam("k_present", "bool", False),
    "slide": PageParam("k_slide", "int", 1, bounds=(1, 999)),
    "auto": PageParam("k_present_auto", "int", 0, bounds=(0, 3600)),
    "districts": PageParam("k_present_districts", "list", (), DISTRICT_CODES),
}


#: A tab parameter that other parameters imply when the link does not name the tab:
#: ``{tab parameter: (implying parameters, tab)}``. Links written before the District
#: profile had tabs showed the siting and its what-if on the page; with ``what_if`` or
#: ``sites`` they still open on it. Links written since name the tab whenever one of those
#: parameters is in them, so the rule never overrides a tab that was chosen.
IMPLIED_TABS: Final[dict[str, tuple[tuple[str, ...], str]]] = {
    "dp_tab": (("what_if", "sites"), "siting"),
}


def _number(raw: str, cast: Callable, bounds: tuple[float, float] | None):
    try:
        x = cast(raw)
    except ValueError:
        return None
    if x != x or (bounds and not bounds[0] <= x <= bounds[1]):  # NaN or out of range
        return None
    return x


def _parse(spec: PageParam, raw: str) -> object:
    """The value ``raw`` encodes for ``spec``, or None when it is not valid."""
    kind = spec.kind
    if kind in ("list", "intlist"):
        if raw == NONE_TOKEN:
            return []
        items = [x for x in raw.split(",") if x]
        if kind == "intlist":
            nums = [_number(x, int, spec.bounds) for x in items]
            return None if any(n is None for n in nums) or not nums else nums
        if spec.choices is not None:
            items = [x for x in items if x in spec.choices]
        return items or None
    if kind == "bool":
        return {"1": True, "0": False}.get(raw)
    if kind == "int":
        return _number(raw, int, spec.bounds)
    if kind == "float":
        return _number(raw, float, spec.bounds)
    if kind == "choice":
        return raw if raw in (spec.choices or ()) else None
    if kind == "text":
        return raw[:MAX_TEXT]
    if kind == "tiles":
        return raw if len(raw) <= 500 and valid_tile_url(raw) else None
    if kind == "ref":
        return raw if _REF.match(raw) else None
    if kind == "ref_id":
        return raw if re.fullmatch(r"[A-Za-z0-9_.\-]{1,64}", raw) else None
    if kind == "date":
        try:
            return date.fromisoformat(raw)
        except ValueError:
            return None
    raise ValueError(f"unknown page-parameter kind {kind!r}")


def page_params_from_query(params: Mapping[str, object]) -> dict[str, object]:
    """Widget values (by widget key) that the query parameters ``params`` ask for.

    Unknown parameters and invalid values are ignored, so a mangled link still opens.
    """
    out: dict[str, object] = {}
    for name, spec in PAGE_PARAMS.items():
        raw = first_value(params.get(name))
        if raw is None:
            continue
        value = _parse(spec, raw)
        if value is not None:
            out[spec.key] = value
    for tab, (implying, value) in IMPLIED_TABS.items():
        key = PAGE_PARAMS[tab].key
        if key not in out and any(PAGE_PARAMS[p].key in out for p in implying):
            out[key] = value
    return out


def _encode(spec: PageParam, value: object) -> str | None:
    kind = spec.kind
    if kind in ("list", "intlist"):
        items = [str(x) for x in value]  # type: ignore[union-attr]
        return ",".join(items) if items else NONE_TOKEN
    if kind == "bool":
        return "1" if value else "0"
    if kind == "float":
        return f"{float(value):g}"  # type: ignore[arg-type]
    if kind == "date":
        return value.isoformat() if isinstance(value, date) else None
    return str(value)


def page_params_to_query(session: Mapping[str, object]) -> dict[str, str]:
    """Query parameters for the page filters set in ``session``, omitting defaults.

    ``session`` maps widget keys to values (Streamlit's session state); filters a page
    has not drawn yet are absent and so are left out.
    """
    out: dict[str, str] = {}
    for name, spec in PAGE_PARAMS.items():
        if spec.key not in session:
            continue
        value = session[spec.key]
        if value is None:
            continue
        default = session.get(DEFAULT_PREFIX + spec.key, spec.default)
        if spec.kind in ("list", "intlist"):
            if list(value) == list(default or ()):  # type: ignore[call-overload]
                continue
        elif value == default:
            continue
        if spec.kind in ("text", "tiles") and not str(value):
            continue
        encoded = _encode(spec, value)
        if encoded is not None:
            out[name] = encoded
    for tab, (implying, _) in IMPLIED_TABS.items():  # name the tab, so it is not implied
        spec = PAGE_PARAMS[tab]
        if tab not in out and any(p in out for p in implying):
            out[tab] = str(session.get(spec.key, spec.default))
    return out


_BY_KEY: Final[dict[str, PageParam]] = {spec.key: spec for spec in PAGE_PARAMS.values()}


def filter_value(session: Mapping[str, object], key: str) -> object:
    """The value of page filter ``key``: the session's, else its registry default.

    A filter whose widget is not drawn in this run (it sits in a closed expander, see
    :func:`dashboard.ui.lazy_expander`) still applies: its value lives in the session
    under the widget key, or it was never set and is the default.
    """
    if key in session:
        return session[key]
    spec = _BY_KEY.get(key)
    if spec is None:
        raise KeyError(f"{key!r} is not a page filter; expected one of {', '.join(_BY_KEY)}")
    default = spec.default
    return list(default) if isinstance(default, tuple) else default
