"""The presenter's slide sequence: which slides, in which order, and stepping through them.

Pure (no Streamlit): the deck is built from the districts' ranking (best first, as
:func:`dashboard.engine.compare.comparison_table` orders them) and an optional list of
districts the presenter chose; slide numbers are 1-based, as in the link (``slide=``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

#: The kinds of slide, in the order of the deck.
KINDS: Final[tuple[str, ...]] = ("summary", "ranking", "trend", "district", "events")
#: The shortest auto-advance interval honoured (seconds): a slide must have time to draw.
MIN_AUTO_S: Final[int] = 3


@dataclass(frozen=True)
class Slide:
    """One slide: its ``kind`` (one of :data:`KINDS`) and, for a district slide, the
    district's ``adcode``."""

    kind: str
    adcode: str | None = None


def slide_deck(
    ranking: Sequence[str], chosen: Sequence[str] = (), *, events: bool = True
) -> tuple[Slide, ...]:
    """The deck: city summary, ranking, trend, one slide per district, events.

    ``ranking`` lists the districts best first; ``chosen`` (when not empty) replaces it
    with the presenter's own list, in the presenter's order (repeats and districts not in
    ``ranking`` dropped). ``events=False`` leaves out the events slide (no dated events).
    """
    known = set(ranking)
    picked = [a for a in dict.fromkeys(chosen) if a in known]
    districts = picked or list(dict.fromkeys(ranking))
    return (
        Slide("summary"),
        Slide("ranking"),
        Slide("trend"),
        *(Slide("district", a) for a in districts),
        *((Slide("events"),) if events else ()),
    )


def clamp(number: int | None, total: int) -> int:
    """``number`` within ``1 … total`` (1 when it is missing or the deck is empty)."""
    if number is None or total < 1:
        return 1
    return min(max(int(number), 1), total)


def step(number: int, delta: int, total: int, *, wrap: bool = False) -> int:
    """The slide ``delta`` slides after ``number``: stops at the first and last slide,
    or with ``wrap`` (auto-advance on a meeting-room screen) goes round."""
    if total < 1:
        return 1
    if wrap:
        return (clamp(number, total) - 1 + delta) % total + 1
    return clamp(clamp(number, total) + delta, total)


def auto_interval(seconds: int | None) -> float | None:
    """Seconds between automatic slide changes: None for off (0 or missing), else at
    least :data:`MIN_AUTO_S`."""
    if not seconds or seconds <= 0:
        return None
    return float(max(seconds, MIN_AUTO_S))
