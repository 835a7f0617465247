"""Who may change what: the roles, the actions that write, and the one rule between them.

Three roles. A **viewer** sees everything and writes nothing. An **editor** may ``import``
rows, ``inspect`` places and import ``boundaries`` (zones) only when every district
involved is one of theirs, and may undo (``undo_layer``, ``undo_inspections``,
``undo_boundaries``, ``remove_boundaries``) only a version they made themselves (the
caller passes its ``creator``); nothing else. An **admin** may do anything. The write
gateway (:mod:`loaders.writes`) asks :func:`check` before every write, so a refusal leaves
nothing written. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from dashboard.core.messages import Msg
from dashboard.core.model import Problem

ROLES: Final[tuple[str, ...]] = ("viewer", "editor", "admin")

#: Every action that writes: rows of districts, whole layers, undos, documents, users.
ACTIONS: Final[tuple[str, ...]] = (
    "import",
    "replace",
    "undo_layer",
    "inspect",
    "undo_inspections",
    "standards",
    "targets",
    "settings",
    "users",
    "boundaries",
    "undo_boundaries",
    "remove_boundaries",
)
#: Actions an editor may take for their own districts.
DISTRICT_ACTIONS: Final[frozenset[str]] = frozenset({"import", "inspect", "boundaries"})
#: Undos an editor may take of a version they created.
OWN_UNDO_ACTIONS: Final[frozenset[str]] = frozenset(
    {"undo_layer", "undo_inspections", "undo_boundaries", "remove_boundaries"}
)


@dataclass(frozen=True)
class Actor:
    """Who writes: a name (a user, ``local``, ``cli:<login>``), a role of :data:`ROLES`,
    the districts (adcodes) an editor works in, and the way in (``local``, ``web``,
    ``cli``), which the audit log records."""

    name: str
    role: str
    districts: tuple[str, ...] = ()
    via: str = "local"

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r} (one of {', '.join(ROLES)})")
        object.__setattr__(self, "districts", tuple(str(d) for d in self.districts))


#: The single user of a dashboard without a users file: may do anything.
LOCAL: Final[Actor] = Actor("local", "admin")


class PermissionDenied(PermissionError):
    """A write the actor may not make. ``args[0]`` is a :class:`Msg` (the English text as
    a ``str``; ``error_text(exc, "zh")`` words it in Chinese); ``problems`` lists the
    refused rows (file, row, column) when rows were the reason."""

    def __init__(self, message: Msg, problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems: list[Problem] = list(problems)


#: How a missing adcode is shown (no district has it).
MISSING: Final[str] = "—"


def _series(adcodes: npt.ArrayLike) -> pd.Series:
    """The adcodes as a Series, without a copy when they are one already."""
    if isinstance(adcodes, pd.Series):
        return adcodes.reset_index(drop=True)
    if isinstance(adcodes, str):
        return pd.Series([adcodes], dtype=object)
    return pd.Series(np.asarray(adcodes, dtype=object).reshape(-1), dtype=object)


def _text(values: np.ndarray) -> list[str]:
    """Each (distinct) adcode as text; a missing one as :data:`MISSING`."""
    return [MISSING if v is None or v is pd.NA or v != v else str(v) for v in values]


def _distinct(adcodes: pd.Series) -> tuple[np.ndarray, list[str]]:
    uniq = np.asarray(pd.unique(adcodes), dtype=object)
    return uniq, _text(uniq)


def out_of_district(actor: Actor, adcodes: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """For each adcode, whether it lies outside the districts ``actor`` may write in (an
    admin's: none; a viewer's: all). Vectorised (hash look-ups of the distinct values),
    for row-level messages on large frames."""
    s = _series(adcodes)
    if actor.role != "editor":
        return np.full(len(s), actor.role != "admin", dtype=bool)
    own = set(actor.districts)
    uniq, text = _distinct(s)
    allowed = [u for u, c in zip(uniq, text, strict=True) if c in own]
    return ~s.isin(allowed).to_numpy(dtype=bool)


def refused_districts(actor: Actor, districts: npt.ArrayLike) -> list[str]:
    """The distinct districts of ``districts`` outside the actor's, sorted (a missing one
    as :data:`MISSING`)."""
    if actor.role == "admin":
        return []
    own = set(actor.districts) if actor.role == "editor" else set()
    _uniq, text = _distinct(_series(districts))
    return sorted({c for c in text if c not in own})


def _refusal(
    actor: Actor, action: str, districts: npt.ArrayLike, creator: str | None
) -> Msg | None:
    """Why ``actor`` may not take ``action`` (None: they may)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
    if actor.role == "admin":
        return None
    words = {
        "actor": actor.name,
        "role": Msg(f"rights_role_{actor.role}"),
        "action": Msg(f"rights_action_{action}"),
    }
    if actor.role == "viewer":
        return Msg("rights_denied_viewer", **words)
    if action in DISTRICT_ACTIONS:
        refused = refused_districts(actor, districts)
        if not refused:
            return None
        return Msg(
            "rights_denied_districts",
            **words,
            districts=", ".join(refused),
            own=", ".join(actor.districts) or Msg("rights_none"),
        )
    if action in OWN_UNDO_ACTIONS:
        if creator is not None and creator == actor.name:
            return None
        who = creator if creator else Msg("rights_unknown_creator")
        return Msg("rights_denied_not_own", **words, creator=who)
    return Msg("rights_denied_admin", **words)


def can(
    actor: Actor,
    action: str,
    districts: npt.ArrayLike = (),
    *,
    creator: str | None = None,
) -> bool:
    """Whether ``actor`` may take ``action`` on rows/places of ``districts`` (adcodes,
    repeats allowed); for an undo, ``creator`` is who made the version in effect (None:
    not on record, which an editor may not undo).

    Raises
    ------
    ValueError
        When ``action`` is not one of :data:`ACTIONS` (a programming error).
    """
    return _refusal(actor, action, districts, creator) is None


def check(
    actor: Actor,
    action: str,
    districts: npt.ArrayLike = (),
    *,
    creator: str | None = None,
) -> None:
    """Refuse what :func:`can` does not allow.

    Raises
    ------
    PermissionDenied
        With a message naming the actor, the role and the refused districts (or the
        version's creator, or that only an admin may).
    """
    why = _refusal(actor, action, districts, creator)
    if why is not None:
        raise PermissionDenied(why)


def joined(items: list[Msg], total: int | None = None) -> Msg:
    """One message listing ``items`` (``; `` between them), with ``and N more`` when
    ``total`` counts more than were given. ``items`` must not be empty."""
    msg = reduce(lambda a, b: Msg("rights_join", a=a, b=b), items)
    if total is not None and total > len(items):
        msg = Msg("rights_more", a=msg, n=total - len(items))
    return msg


def rows_refusal(
    actor: Actor,
    file: str,
    rows: npt.ArrayLike,
    adcodes: npt.ArrayLike,
    column: str = "adcode",
    listed: int = 10,
) -> PermissionDenied | None:
    """The refusal of an editor's rows outside their districts: the message names up to
    ``listed`` of them as "file, row N, column 'adcode'" and the districts; ``rows`` are
    the rows' 1-based numbers as the importer counts them. None when every row is the
    actor's to write (or the actor is an admin). A viewer is refused without rows."""
    if actor.role == "viewer":
        return PermissionDenied(
            Msg(
                "rights_denied_viewer",
                actor=actor.name,
                role=Msg("rights_role_viewer"),
                action=Msg("rights_action_import"),
            )
        )
    codes = _series(adcodes)
    idx = np.flatnonzero(out_of_district(actor, codes))
    if len(idx) == 0:
        return None
    numbers = np.asarray(rows).reshape(-1)
    shown = [int(numbers[i]) for i in idx[:listed]]
    shown_codes = _text(codes.iloc[idx[:listed]].to_numpy())
    problems = [
        Problem(file, r, column, Msg("rights_denied_districts_row", district=c))
        for r, c in zip(shown, shown_codes, strict=True)
    ]
    where = [Msg("rights_where", file=file, row=r, column=column) for r in shown]
    msg = Msg(
        "rights_denied_rows",
        actor=actor.name,
        role=Msg(f"rights_role_{actor.role}"),
        own=", ".join(actor.districts) or Msg("rights_none"),
        n=len(idx),
        districts=", ".join(refused_districts(actor, codes.iloc[idx])),
        rows=joined(where, len(idx)),
    )
    return PermissionDenied(msg, problems)
