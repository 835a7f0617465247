"""Shared view state and its round trip through URL query parameters.

Pure (no Streamlit): ``from_query`` parses whatever a link carries, dropping
values that are not valid rather than failing, and ``to_query`` writes only what
differs from the defaults, so links stay short and stable.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Final

from dashboard.i18n import DEFAULT_LANG, LANGS
from dashboard.model import POINT_LAYERS

ALL: Final[str] = "all"
DEFAULT_LAYERS: Final[tuple[str, ...]] = POINT_LAYERS
DISTRICT_CODES: Final[tuple[str, ...]] = (
    "110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111",
    "110112", "110113", "110114", "110115", "110116", "110117", "110118", "110119",
)  # fmt: skip


@dataclass(frozen=True)
class ViewState:
    """What every page shares: district, language, visible layers and the as-of date."""

    district: str = ALL
    lang: str = DEFAULT_LANG
    layers: tuple[str, ...] = field(default=DEFAULT_LAYERS)
    as_of: date | None = None

    def with_(self, **changes: object) -> ViewState:
        return replace(self, **changes)


def _first(value: object) -> str | None:
    if isinstance(value, (list, tuple)):
        return str(value[0]) if value else None
    return None if value is None else str(value)


def from_query(params: dict[str, object]) -> ViewState:
    """Parse query parameters (``district``, ``lang``, ``layers``, ``as_of``); ignore bad values."""
    s = ViewState()
    district = _first(params.get("district"))
    if district in DISTRICT_CODES:
        s = s.with_(district=district)
    lang = _first(params.get("lang"))
    if lang in LANGS:
        s = s.with_(lang=lang)
    layers = _first(params.get("layers"))
    if layers is not None:
        chosen = tuple(x for x in POINT_LAYERS if x in layers.split(","))
        s = s.with_(layers=chosen)
    as_of = _first(params.get("as_of"))
    if as_of:
        try:
            s = s.with_(as_of=date.fromisoformat(as_of))
        except ValueError:
            pass
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
    return out
