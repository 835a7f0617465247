"""Shared view state and its round trip through URL query parameters.

Pure (no Streamlit): ``from_query`` parses whatever a link carries, dropping
values that are not valid rather than failing, and ``to_query`` writes only what
differs from the defaults, so links stay short and stable.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Final

from dashboard.core.i18n import DEFAULT_LANG, LANGS
from dashboard.core.model import POINT_LAYERS

ALL: Final[str] = "all"
DEFAULT_LAYERS: Final[tuple[str, ...]] = POINT_LAYERS
DISTRICT_CODES: Final[tuple[str, ...]] = (
    "110101",
    "110102",
    "110105",
    "110106",
    "110107",
    "110108",
    "110109",
    "110111",
    "110112",
    "110113",
    "110114",
    "110115",
    "110116",
    "110117",
    "110118",
    "110119",
)


#: How coverage is judged: each category's service standard, or any payment point.
STANDARD_MODES: Final[tuple[str, ...]] = ("standards", "any")
RADIUS_RANGE: Final[tuple[int, int]] = (50, 5000)
#: What coverage counts: the points' claimed capabilities (corrected by failed field checks)
#: or only capabilities a field check verified within the validity period.
BASES: Final[tuple[str, ...]] = ("claimed", "verified")


@dataclass(frozen=True)
class ViewState:
    """What every page shares.

    ``district`` (adcode or ``all``), ``lang``, the visible point ``layers``, the
    ``as_of`` date (None: today's data, everything in service), the service standard
    (``std``: per-category ``standards`` or ``any`` point; ``radius``: one radius in
    metres for every category, None for each category's own; ``basis``: ``claimed`` or
    ``verified`` coverage, see :data:`BASES`), the ``basemap`` and the districts chosen for
    side-by-side comparison (``compare``).
    """

    district: str = ALL
    lang: str = DEFAULT_LANG
    layers: tuple[str, ...] = field(default=DEFAULT_LAYERS)
    as_of: date | None = None
    std: str = "standards"
    radius: int | None = None
    basis: str = "claimed"
    basemap: str = "none"
    compare: tuple[str, ...] = ()

    def with_(self, **changes: object) -> ViewState:
        return replace(self, **changes)


def first_value(value: object) -> str | None:
    """One query-string value as text: the first of a list (as links repeat keys), or None."""
    if isinstance(value, (list, tuple)):
        return str(value[0]) if value else None
    return None if value is None else str(value)


BASEMAPS: Final[tuple[str, ...]] = ("none", "osm", "carto", "amap", "custom")


def from_query(params: dict[str, object]) -> ViewState:
    """Parse query parameters into a state; invalid values fall back to the defaults.

    Keys: ``district``, ``lang``, ``layers`` (comma list), ``as_of`` (ISO date), ``std``,
    ``radius`` (metres), ``basis``, ``basemap``, ``compare`` (comma list of adcodes).
    """
    s = ViewState()
    district = first_value(params.get("district"))
    if district in DISTRICT_CODES:
        s = s.with_(district=district)
    lang = first_value(params.get("lang"))
    if lang in LANGS:
        s = s.with_(lang=lang)
    layers = first_value(params.get("layers"))
    if layers is not None:
        chosen = tuple(x for x in POINT_LAYERS if x in layers.split(","))
        s = s.with_(layers=chosen)
    as_of = first_value(params.get("as_of"))
    if as_of:
        try:
            s = s.with_(as_of=date.fromisoformat(as_of))
        except ValueError:
            pass
    std = first_value(params.get("std"))
    if std in STANDARD_MODES:
        s = s.with_(std=std)
    radius = first_value(params.get("radius"))
    if radius and radius.isdigit() and RADIUS_RANGE[0] <= int(radius) <= RADIUS_RANGE[1]:
        s = s.with_(radius=int(radius))
    basis = first_value(params.get("basis"))
    if basis in BASES:
        s = s.with_(basis=basis)
    basemap = first_value(params.get("basemap"))
    if basemap in BASEMAPS:
        s = s.with_(basemap=basemap)
    compare = first_value(params.get("compare"))
    if compare:
        s = s.with_(compare=tuple(c for c in compare.split(",") if c in DISTRICT_CODES))
    return s


def to_query(s: ViewState) -> dict[str, str]:
    """Query parameters for ``s``, omitting defaults."""
    out: dict[str, str] = {}
    if s.district != ALL:
        out["district"] = s.district
    if s.lang != DEFAULT_LANG:
        out["lang"] = s.lang
    if tuple(s.layers) != DEFAULT_LAYERS:
        out["layers"] = ",".join(s.layers)
    if s.as_of is not None:
        out["as_of"] = s.as_of.isoformat()
    if s.std != "standards":
        out["std"] = s.std
    if s.radius is not None:
        out["radius"] = str(s.radius)
    if s.basis != "claimed":
        out["basis"] = s.basis
    if s.basemap != "none":
        out["basemap"] = s.basemap
    if s.compare:
        out["compare"] = ",".join(s.compare)
    return out
