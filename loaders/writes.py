"""The write gateway: every write of the app and of the command line goes through here.

Each function first asks :func:`dashboard.core.rights.check` whether the actor may make
the write (a refusal raises :class:`~dashboard.core.rights.PermissionDenied` before
anything is written), then writes through the store that owns the data
(:mod:`loaders.workspace`, :mod:`loaders.standards_store`, :mod:`loaders.targets_store`,
:mod:`loaders.inspections_store`, :mod:`loaders.users_store`), then appends one entry to
the audit log (:mod:`loaders.audit`) with the version the write made. An editor may undo
only a version they made: who made a layer's version in effect is read from its record
(written before the switch, so a crash before the audit entry loses no creator), else
from the audit log (versions recorded before records named their maker; the other
stores).

The stores' own errors (``WorkspaceError``, ``ValueError``, ``UsersError``) pass through
unchanged, so callers handle them as before. A write that succeeded but could not be
logged raises the logging error (the write stands in the workspace).

With a database in use each write and its audit entry are one transaction (both or
neither), and an editor's imported rows are checked again in that transaction against
the districts of the rows the database stored (a refusal rolls the import back).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from dashboard.core.rights import Actor, can, check, rows_refusal
from dashboard.core.standards import Standards
from dashboard.core.targets import Targets
from loaders import audit, boundaries, standards_store, targets_store, users_store, workspace
from loaders.documents import DocumentVersion
from loaders.pg import database_url

if TYPE_CHECKING:  # the inspections' store is imported where it is used
    from loaders.inspections_store import InspectionBatch, InspectionSettings

#: Audit actions that create a layer's version, and an inspection batch.
LAYER_CREATES = ("import", "replace")
INSPECTION_CREATES = ("inspect",)
INSPECTIONS = "inspections"


P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def _one_transaction() -> Iterator[None]:
    """With a database in use, one transaction for everything inside (the store's write
    and its audit entry); with the workspace, nothing."""
    if database_url() is None:
        yield
        return
    from loaders.pg.connection import transaction

    with transaction():
        yield


def _transactional(fn: Callable[P, R]) -> Callable[P, R]:
    """Run the write ``fn`` in :func:`_one_transaction`."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with _one_transaction():
            return fn(*args, **kwargs)

    return run


def _check_stored_rows(actor: Actor, layer: str, version: workspace.Version) -> None:
    """In the database, check the districts of the rows ``version`` stored (inside the
    import's transaction: a refusal rolls it back)."""
    if database_url() is None or actor.role == "admin":
        return
    codes = workspace.pg_new_districts(layer, version)
    check(actor, "import", pd.Series(codes, dtype=object))


def _check_stored_inspections(actor: Actor, number: int, home: Path | None) -> None:
    """In the database, check the districts of the rows inspection batch ``number``
    stored, as :func:`_check_stored_rows` does for an import (a refusal rolls it back)."""
    if database_url() is None or actor.role == "admin":
        return
    from loaders import inspections_store

    codes = inspections_store.batch_districts(number, home)
    check(actor, "inspect", pd.Series(codes, dtype=object))


def _home(home: Path | None) -> Path:
    return home or workspace.default_home()


def _log(
    home: Path | None, actor: Actor, action: str, target: str, detail: str, version: str
) -> None:
    audit.append(_home(home), actor, action, target, detail, version)


def _current_doc(history: list[DocumentVersion]) -> str:
    return next((v.name for v in history if v.current), "")


# --------------------------------------------------------------------------- layers


def _row_numbers(frame: pd.DataFrame, rows: npt.ArrayLike | None) -> np.ndarray:
    """The rows' numbers for messages: as given (the importer's), else index + 1."""
    if rows is not None:
        numbers = np.asarray(rows).reshape(-1)
        if len(numbers) != len(frame):
            raise ValueError(f"{len(numbers)} row numbers for {len(frame)} rows")
        return numbers
    if pd.api.types.is_integer_dtype(frame.index.dtype):
        return np.asarray(frame.index, dtype=np.int64) + 1
    return np.arange(1, len(frame) + 1)


@_transactional
def import_layer(
    actor: Actor,
    layer: str,
    frame: pd.DataFrame,
    *,
    replace: bool = False,
    home: Path | None = None,
    source: str = "",
    file: str = "",
    rows: npt.ArrayLike | None = None,
) -> tuple[workspace.Version, int]:
    """Add ``frame`` to ``layer`` (or replace the layer: admin only) as a new version.

    An editor's rows must all lie in their districts (column ``adcode``); otherwise the
    refusal names up to 10 of the others as "file, row N, column 'adcode'", numbered by
    ``rows`` (the importer's data-row numbers of the frame's rows) or the index + 1.

    Returns
    -------
    (Version, int)
        As :func:`loaders.workspace.commit`: the version and the ids renamed.

    Raises
    ------
    PermissionDenied
        When the actor may not (nothing is written).
    WorkspaceError
        As :func:`loaders.workspace.commit`.
    """
    if replace:
        check(actor, "replace")
    elif actor.role != "admin":
        codes = frame["adcode"] if "adcode" in frame.columns else pd.Series([None] * len(frame))
        refusal = rows_refusal(
            actor, file or source or layer, _row_numbers(frame, rows), codes, "adcode"
        )
        if refusal is not None:
            raise refusal
        check(actor, "import", codes)
    version, renamed = workspace.commit(
        layer, frame, replace=replace, home=home, source=source, actor=actor.name
    )
    _check_stored_rows(actor, layer, version)
    origin = f" from {source}" if source else ""
    if replace:
        detail = f"replaced the layer with {version.rows} row(s){origin}"
    else:
        detail = f"added {version.added} row(s){origin}; {version.rows} in the layer"
        if renamed:
            detail += f"; {renamed} id(s) renamed"
    _log(home, actor, "replace" if replace else "import", layer, detail, version.name)
    return version, renamed


@_transactional
def import_layer_file(
    actor: Actor,
    layer: str,
    rows_file: Path,
    *,
    replace: bool = False,
    home: Path | None = None,
    source: str = "",
) -> tuple[workspace.Version, int]:
    """:func:`import_layer` for the rows of a streamed import, in a file
    (:func:`loaders.workspace.commit_file`). An editor's rows must all lie in their
    districts; the refusal names the districts (the file keeps no row numbers)."""
    if replace:
        check(actor, "replace")
    elif actor.role != "admin":
        import pyarrow.parquet as pq

        col = pq.read_table(rows_file, columns=["adcode"], read_dictionary=["adcode"])["adcode"]
        distinct = {v for ch in col.chunks for v in ch.dictionary.to_pylist()}  # per row group
        if col.null_count:
            distinct.add(None)
        check(actor, "import", pd.Series(sorted(distinct, key=str), dtype=object))
    version, renamed = workspace.commit_file(
        layer, rows_file, replace=replace, home=home, source=source, actor=actor.name
    )
    _check_stored_rows(actor, layer, version)
    origin = f" from {source}" if source else ""
    if replace:
        detail = f"replaced the layer with {version.rows} row(s){origin}"
    else:
        detail = f"added {version.added} row(s){origin}; {version.rows} in the layer"
        if renamed:
            detail += f"; {renamed} id(s) renamed"
    _log(home, actor, "replace" if replace else "import", layer, detail, version.name)
    return version, renamed


def layer_creator(layer: str, home: Path | None = None) -> str | None:
    """Who made the layer's version in effect (None: not on record, or no imported
    version): the actor its record names, else the audit log's entry for it."""
    current = workspace.current_version(layer, home)
    if current is None:
        return None
    if current.actor:
        return current.actor
    return audit.creator_of(_home(home), LAYER_CREATES, layer, current.name)


def _layer_version(layer: str, home: Path | None) -> str | None:
    """The name of the layer's version in effect (``v0003.parquet``; None: none)."""
    if database_url():  # the file read back is named by the version's token
        return next((v.name for v in workspace.history(layer, home) if v.current), None)
    current = workspace.current_layer_file(layer, home)
    return None if current is None else current.name


def can_undo_layer(actor: Actor, layer: str, home: Path | None = None) -> bool:
    """Whether ``actor`` may undo the layer's version in effect (for a button's state)."""
    return can(actor, "undo_layer", creator=layer_creator(layer, home))


@_transactional
def undo_layer(actor: Actor, layer: str, home: Path | None = None) -> str | None:
    """Put the layer's previous version back in effect (:func:`loaders.workspace.undo`);
    return its file name (None: the shipped data).

    Raises
    ------
    PermissionDenied
        When the actor may not (an editor: the version in effect is not theirs).
    WorkspaceError
        When there is nothing to undo.
    """
    current = _layer_version(layer, home)
    if current is None and can(actor, "undo_layer", creator=actor.name):
        return workspace.undo(layer, home)  # nothing to undo: the store says so
    check(actor, "undo_layer", creator=layer_creator(layer, home))
    restored = workspace.undo(layer, home)
    undone = current if current is not None else "-"
    detail = f"undid {undone}; {restored or 'the shipped data'} in effect"
    _log(home, actor, "undo_layer", layer, detail, restored or "")
    return restored


# --------------------------------------------------------------------------- boundary sets

#: Audit actions that create a boundary set's version in effect.
BOUNDARY_CREATES = ("boundaries_import", "boundaries_remove")


def _boundary_target(name: str) -> str:
    return f"boundaries:{name}"


def boundaries_creator(name: str, home: Path | None = None) -> str | None:
    """Who made the version in effect of boundary set ``name`` (an import or a removal),
    by the audit log (None: not on record, or no version in effect)."""
    current = next((v for v in boundaries.boundary_history(name, home) if v.current), None)
    if current is None:
        return None
    return audit.creator_of(_home(home), BOUNDARY_CREATES, _boundary_target(name), current.name)


@_transactional
def import_boundaries(
    actor: Actor,
    name: str,
    result: boundaries.BoundaryResult,
    home: Path | None = None,
    source: str = "",
) -> boundaries.BoundarySet:
    """Store a checked boundary file as set ``name`` (:func:`loaders.boundaries.commit_boundaries`).

    An admin may import any set. An editor only one whose zones all belong to their
    districts (the refusal names up to 10 other zones as "file, row N, column 'adcode'"),
    and replace a set in effect only when they made its version in effect.

    Raises
    ------
    PermissionDenied
        When the actor may not (nothing is written).
    WorkspaceError
        When the result has errors, or as the store.
    """
    codes = result.zones["adcode"]
    if actor.role != "admin":
        file = source or result.report.file
        rows = np.arange(1, len(result.zones) + 1)
        refusal = rows_refusal(actor, file, rows, codes, "adcode")
        if refusal is not None:
            raise refusal
        check(actor, "boundaries", codes)
        if boundaries.boundary_info(name, home) is not None:
            check(actor, "remove_boundaries", creator=boundaries_creator(name, home))
    info = boundaries.commit_boundaries(name, result, home, source)
    label = "synthetic " if info.synthetic else ""
    detail = f"{info.zone_count} {label}zone(s) from {info.source}; coordinates were {info.crs}"
    _log(home, actor, "boundaries_import", _boundary_target(name), detail, info.version)
    return info


def can_undo_boundaries(actor: Actor, name: str, home: Path | None = None) -> bool:
    """Whether ``actor`` may undo (or remove) the version in effect of set ``name``."""
    return can(actor, "undo_boundaries", creator=boundaries_creator(name, home))


@_transactional
def undo_boundaries(actor: Actor, name: str, home: Path | None = None) -> str | None:
    """Put the previous version of set ``name`` back (:func:`loaders.boundaries.undo_boundaries`);
    return it (None: the set is then not in effect). An editor only a version they made.

    Raises
    ------
    PermissionDenied
        When the actor may not.
    WorkspaceError
        When there is nothing to undo.
    """
    current = next((v for v in boundaries.boundary_history(name, home) if v.current), None)
    if current is None and can(actor, "undo_boundaries", creator=actor.name):
        return boundaries.undo_boundaries(name, home)  # nothing to undo: the store says so
    check(actor, "undo_boundaries", creator=boundaries_creator(name, home))
    back = boundaries.undo_boundaries(name, home)
    undone = current.name if current is not None else "-"
    detail = f"undid {undone}; " + (f"{back} in effect" if back else "the set is not in effect")
    _log(home, actor, "boundaries_undo", _boundary_target(name), detail, back or "")
    return back


@_transactional
def remove_boundaries(actor: Actor, name: str, home: Path | None = None) -> str:
    """Take set ``name`` out of effect as a new, undoable version; return it. An editor
    only a set whose version in effect they made.

    Raises
    ------
    PermissionDenied
        When the actor may not.
    WorkspaceError
        When no such set is in effect.
    """
    if boundaries.boundary_info(name, home) is None:
        return boundaries.remove_boundaries(name, home)  # not in effect: the store says so
    check(actor, "remove_boundaries", creator=boundaries_creator(name, home))
    version = boundaries.remove_boundaries(name, home, source=actor.name)
    _log(home, actor, "boundaries_remove", _boundary_target(name), "removed", version)
    return version


# --------------------------------------------------------------------------- documents


@_transactional
def save_standards(
    actor: Actor, standards: Standards, home: Path | None = None, source: str = ""
) -> str:
    """Save the standards as a new version (:func:`loaders.standards_store.save_standards`);
    admin only. Returns the version's file name."""
    check(actor, "standards")
    version = standards_store.save_standards(standards, home, source)
    _log(home, actor, "standards_save", "standards", _saved(source), version)
    return version


@_transactional
def reset_standards(actor: Actor, home: Path | None = None) -> bool:
    """Make the shipped standards apply again; admin only. False (and nothing logged)
    when they already did."""
    check(actor, "standards")
    done = standards_store.reset_standards(home)
    if done:
        version = _current_doc(standards_store.standards_history(home))
        _log(home, actor, "standards_reset", "standards", "the shipped defaults apply", version)
    return done


@_transactional
def undo_standards(actor: Actor, home: Path | None = None) -> str | None:
    """Step the standards back one version; admin only. Returns the version now in
    effect (None: the shipped defaults)."""
    check(actor, "standards")
    back = standards_store.undo_standards(home)
    detail = _back(back, "the shipped defaults")
    _log(home, actor, "standards_undo", "standards", detail, back or "")
    return back


@_transactional
def save_targets(actor: Actor, targets: Targets, home: Path | None = None, source: str = "") -> str:
    """Save the targets as a new version; admin only. Returns the version's file name."""
    check(actor, "targets")
    version = targets_store.save_targets(targets, home, source)
    _log(home, actor, "targets_save", "targets", _saved(source), version)
    return version


@_transactional
def reset_targets(actor: Actor, home: Path | None = None) -> bool:
    """Make the shipped example targets apply again; admin only. False (and nothing
    logged) when they already did."""
    check(actor, "targets")
    done = targets_store.reset_targets(home)
    if done:
        version = _current_doc(targets_store.targets_history(home))
        _log(home, actor, "targets_reset", "targets", "the shipped examples apply", version)
    return done


@_transactional
def undo_targets(actor: Actor, home: Path | None = None) -> str | None:
    """Step the targets back one version; admin only. Returns the version now in effect
    (None: the shipped examples)."""
    check(actor, "targets")
    back = targets_store.undo_targets(home)
    detail = _back(back, "the shipped examples")
    _log(home, actor, "targets_undo", "targets", detail, back or "")
    return back


def _saved(source: str) -> str:
    return f"saved ({source})" if source else "saved"


def _back(version: str | None, default: str) -> str:
    return f"back to {version}" if version else f"{default} apply"


# --------------------------------------------------------------------------- inspections


@_transactional
def add_inspections(
    actor: Actor, prepared_frame: pd.DataFrame, home: Path | None = None, source: str = ""
) -> InspectionBatch:
    """Add prepared inspections (:func:`loaders.inspections_store.prepare_inspections`) as
    one batch; an editor only for places in their districts (column ``adcode``).

    Raises
    ------
    PermissionDenied
        When the actor may not (nothing is written).
    WorkspaceError
        As :func:`loaders.inspections_store.add_inspections`.
    """
    from loaders import inspections_store

    n = len(prepared_frame)
    codes = (
        prepared_frame["adcode"]
        if "adcode" in prepared_frame.columns
        else pd.Series([None] * n, dtype=object)
    )
    check(actor, "inspect", codes)
    batch = inspections_store.add_inspections(prepared_frame, home, source, actor=actor.name)
    _check_stored_inspections(actor, batch.number, home)
    origin = f" from {source}" if source else ""
    detail = f"{batch.rows} inspection(s){origin}"
    _log(home, actor, "inspect", INSPECTIONS, detail, str(batch.number))
    return batch


def inspections_creator(home: Path | None = None) -> str | None:
    """Who added the inspection batch in effect, by the audit log (None: not on record,
    or no batch)."""
    from loaders import inspections_store

    current = next((b for b in inspections_store.inspections_history(home) if b.current), None)
    if current is None:
        return None
    return audit.creator_of(_home(home), INSPECTION_CREATES, INSPECTIONS, str(current.number))


def can_undo_inspections(actor: Actor, home: Path | None = None) -> bool:
    """Whether ``actor`` may undo the inspection batch in effect."""
    return can(actor, "undo_inspections", creator=inspections_creator(home))


@_transactional
def undo_inspections(actor: Actor, home: Path | None = None) -> int | None:
    """Take the latest inspection batch out of effect; return the batch now in effect
    (None: none). An editor only a batch they added.

    Raises
    ------
    PermissionDenied
        When the actor may not.
    WorkspaceError
        When no batch is in effect.
    """
    from loaders import inspections_store

    current = next((b for b in inspections_store.inspections_history(home) if b.current), None)
    if current is None and can(actor, "undo_inspections", creator=actor.name):
        return inspections_store.undo_inspections(home)  # nothing to undo: the store says so
    check(actor, "undo_inspections", creator=inspections_creator(home))
    back = inspections_store.undo_inspections(home)
    undone = str(current.number) if current is not None else "-"
    detail = f"undid batch {undone}; " + (f"batch {back} in effect" if back else "none in effect")
    _log(home, actor, "undo_inspections", INSPECTIONS, detail, "" if back is None else str(back))
    return back


@_transactional
def save_inspection_settings(
    actor: Actor, settings: InspectionSettings, home: Path | None = None, source: str = ""
) -> str:
    """Save the inspection settings (validity of evidence) as a new version; admin only."""
    from loaders import inspections_store

    check(actor, "settings")
    version = inspections_store.save_settings(settings, home, source)
    detail = f"validity {settings.validity_days} days"
    _log(home, actor, "settings", "inspection-settings", detail, version)
    return version


# --------------------------------------------------------------------------- users


@_transactional
def add_user(
    actor: Actor,
    name: str,
    password: str,
    role: str,
    districts: Iterable[str] = (),
    home: Path | None = None,
) -> str:
    """Add a user (:func:`loaders.users_store.add_user`); admin only. Returns the kept
    version of the users file before ("" for the first). The log names the user, the
    role and the districts, never the password or its hash."""
    check(actor, "users")
    chosen = tuple(districts)
    kept = users_store.add_user(name, password, role, chosen, home)
    who = users_store.validate_name(name)
    where = f" for {', '.join(users_store.validate_access(role, chosen))}" if chosen else ""
    _log(home, actor, "users_add", who, f"added as {role}{where}", kept)
    return kept


@_transactional
def set_password(actor: Actor, name: str, password: str, home: Path | None = None) -> str:
    """Give a user a new password; admin only. Returns the kept version before."""
    check(actor, "users")
    kept = users_store.set_password(name, password, home)
    who = users_store.normal_name(name)
    _log(home, actor, "users_passwd", who, "password changed", kept)
    return kept


@_transactional
def remove_user(actor: Actor, name: str, home: Path | None = None) -> str:
    """Remove a user; admin only. Returns the kept version before."""
    check(actor, "users")
    kept = users_store.remove_user(name, home)
    _log(home, actor, "users_remove", users_store.normal_name(name), "removed", kept)
    return kept


@_transactional
def undo_users(actor: Actor, home: Path | None = None) -> str | None:
    """Put the users file back as before its last change; admin only. Returns the
    version restored (None: no users file now, sign-in off)."""
    check(actor, "users")
    back = users_store.undo_users(home)
    detail = f"back to {back}" if back else "no users file: sign-in off"
    _log(home, actor, "users_undo", "users", detail, back or "")
    return back
