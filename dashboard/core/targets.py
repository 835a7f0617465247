"""Targets the municipal leading group sets: "coverage ≥ X % by DATE", per district or
for the city, optionally per sector, with several milestones.

A target is identified by its district (an adcode, or ``110000`` for the city), its
metric (``coverage`` or ``weighted_coverage``) and its sector (None: every sector). Its
milestones are (date, percent) pairs with rising dates and non-falling values. Targets
shipped as examples carry ``example=True`` and are labelled as examples wherever shown.
Pure: parsing, validation and edits; where targets are kept is
:mod:`loaders.targets_store`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Final

from dashboard.core.messages import Msg
from dashboard.core.model import SECTORS
from dashboard.core.state import DISTRICT_CODES

CITY: Final[str] = "110000"
METRICS: Final[tuple[str, ...]] = ("coverage", "weighted_coverage")


@dataclass(frozen=True)
class Milestone:
    """Reach ``percent`` (0–100] of the metric by ``due``."""

    due: date
    percent: float

    @property
    def share(self) -> float:
        """The milestone as a share (0–1), as the engine's tables hold coverage."""
        return self.percent / 100


@dataclass(frozen=True)
class Target:
    """One target: ``district`` (adcode or :data:`CITY`), ``metric``, ``sector`` (None:
    all), its ``milestones`` (rising dates), whether it is a shipped ``example``, and a
    ``note`` (who set it, the decision it comes from)."""

    district: str
    milestones: tuple[Milestone, ...]
    metric: str = "coverage"
    sector: str | None = None
    example: bool = False
    note: str = ""

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.district, self.metric, self.sector)

    def due_after(self, when: date) -> Milestone | None:
        """The first milestone due on or after ``when`` (None when all are past)."""
        return next((m for m in self.milestones if m.due >= when), None)


Targets = tuple[Target, ...]


def _where(i: int, raw: Mapping) -> str:
    return f"target {i + 1} ({raw.get('district', '?')}): "


def parse_milestones(items: Iterable[tuple[object, object]]) -> tuple[Milestone, ...]:
    """Milestones from (date, percent) pairs, checked: dates ISO and rising, percents in
    (0, 100] and not falling.

    Raises
    ------
    ValueError
        Naming the milestone that is wrong and why.
    """
    out: list[Milestone] = []
    for due, percent in items:
        try:
            d = due if isinstance(due, date) else date.fromisoformat(str(due))
        except ValueError:
            raise ValueError(Msg("tg_not_a_date", due=repr(due))) from None
        try:
            p = float(str(percent))
        except (TypeError, ValueError):
            raise ValueError(Msg("tg_not_a_percent", due=d, percent=repr(percent))) from None
        if not 0 < p <= 100:
            raise ValueError(Msg("tg_percent_range", due=d, percent=f"{p:g}"))
        if out and d <= out[-1].due:
            raise ValueError(Msg("tg_not_rising", due=d, previous=out[-1].due))
        if out and p < out[-1].percent:
            previous = f"{out[-1].percent:g}"
            raise ValueError(Msg("tg_falling", due=d, percent=f"{p:g}", previous=previous))
        out.append(Milestone(d, p))
    if not out:
        raise ValueError(Msg("tg_no_milestone"))
    return tuple(out)


def milestones_from_text(items: Iterable[str]) -> tuple[Milestone, ...]:
    """Milestones from ``DATE=PERCENT`` items (a trailing ``%`` allowed; blank items
    skipped), checked as :func:`parse_milestones` does: the form the CLI's
    ``--milestone`` and the Progress page's editor take.

    Raises
    ------
    ValueError
        Naming the item that is not ``DATE=PERCENT``, or the milestone that is wrong.
    """
    pairs = []
    for item in items:
        if not item.strip():
            continue
        due, sep, percent = item.partition("=")
        if not sep:
            raise ValueError(Msg("tg_pair", item=repr(item)))
        pairs.append((due.strip(), percent.strip().removesuffix("%").strip()))
    return parse_milestones(pairs)


def check_after_data(milestones: tuple[Milestone, ...], first: date | None) -> None:
    """Refuse milestones whose first date is before ``first``, the date the data starts
    (the first in-service date; None: no dated data, nothing to refuse).

    Raises
    ------
    ValueError
        Naming the milestone and the first date.
    """
    if first is not None and milestones and milestones[0].due < first:
        raise ValueError(Msg("tg_before_data", due=milestones[0].due, first=first))


def check_target(t: Target) -> Target:
    """``t`` if its district, metric and sector are known (see :func:`parse_milestones`
    for the milestones)."""
    if t.district not in (CITY, *DISTRICT_CODES):
        first, last = DISTRICT_CODES[0], DISTRICT_CODES[-1]
        raise ValueError(
            Msg("tg_unknown_district", district=repr(t.district), city=CITY, first=first, last=last)
        )
    if t.metric not in METRICS:
        known = ", ".join(METRICS)
        raise ValueError(Msg("tg_unknown_metric", metric=repr(t.metric), known=known))
    if t.sector is not None and t.sector not in SECTORS:
        known = ", ".join(SECTORS)
        raise ValueError(Msg("tg_unknown_sector", sector=repr(t.sector), known=known))
    parse_milestones((m.due, m.percent) for m in t.milestones)
    return t


def targets_from_dict(data: Mapping) -> Targets:
    """Targets from their JSON form ``{"targets": [{district, metric, sector,
    milestones: [{date, percent}], example, note}]}``, validated; a key twice is an error.

    Raises
    ------
    ValueError
        Naming the target (its position and district) and what is wrong.
    """
    items = data.get("targets") if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        raise ValueError('expected {"targets": [...]}')
    out: list[Target] = []
    seen: set[tuple] = set()
    for i, raw in enumerate(items):
        if not isinstance(raw, Mapping):
            raise ValueError(f"target {i + 1}: expected an object")
        try:
            miles = raw.get("milestones") or []
            t = check_target(
                Target(
                    district=str(raw.get("district", "")),
                    metric=str(raw.get("metric", "coverage")),
                    sector=None if raw.get("sector") in (None, "") else str(raw["sector"]),
                    milestones=parse_milestones(
                        (m.get("date"), m.get("percent")) for m in miles if isinstance(m, Mapping)
                    ),
                    example=bool(raw.get("example", False)),
                    note=str(raw.get("note", "")),
                )
            )
        except ValueError as exc:
            raise ValueError(f"{_where(i, raw)}{exc}") from None
        if t.key in seen:
            raise ValueError(f"{_where(i, raw)}set twice for {t.metric}, sector {t.sector}")
        seen.add(t.key)
        out.append(t)
    return tuple(out)


def targets_to_dict(targets: Targets) -> dict:
    """The JSON form of ``targets`` (read back by :func:`targets_from_dict`)."""
    return {
        "targets": [
            {
                "district": t.district,
                "metric": t.metric,
                "sector": t.sector,
                "milestones": [
                    {"date": m.due.isoformat(), "percent": m.percent} for m in t.milestones
                ],
                "example": t.example,
                "note": t.note,
            }
            for t in targets
        ]
    }


def set_target(targets: Targets, target: Target) -> Targets:
    """``targets`` with ``target`` added, or replacing the one with the same key (an edit
    is never an example)."""
    new = check_target(replace(target, example=False))
    kept = [t for t in targets if t.key != new.key]
    return tuple(sorted([*kept, new], key=_order))


def remove_target(targets: Targets, district: str, metric: str, sector: str | None) -> Targets:
    """``targets`` without the one with this key.

    Raises
    ------
    ValueError
        When there is no such target.
    """
    kept = tuple(t for t in targets if t.key != (district, metric, sector))
    if len(kept) == len(targets):
        raise ValueError(
            Msg("tg_no_such_target", metric=metric, district=district, sector=sector or "all")
        )
    return kept


def _order(t: Target) -> tuple:
    return (t.district != CITY, t.district, t.metric, t.sector or "")


def target_for(
    targets: Targets, district: str, metric: str = "coverage", sector: str | None = None
) -> Target | None:
    """The target of ``district`` (``all`` or :data:`CITY` for the city) for ``metric`` and
    ``sector``, if one is set."""
    district = CITY if district == "all" else district
    return next((t for t in targets if t.key == (district, metric, sector)), None)
