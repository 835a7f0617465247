"""Where the service standards are kept: the shipped defaults and the workspace's edits.

The shipped defaults live in ``geodata/standards.json``. A user's standards are a
versioned document of the workspace (:mod:`loaders.documents`), as the targets are: every
``save`` and ``reset`` is a new version written whole under a lock, and ``undo`` steps
back. A ``<workspace>/standards.json`` saved by an earlier version is read until the next
change moves it in as the first version (not with a database in use: there the document
is all). The rules are :mod:`dashboard.core.standards`.
"""

from __future__ import annotations

from pathlib import Path

from dashboard.core.standards import Standards, standards_from_dict, standards_to_dict
from loaders.documents import (
    DocumentVersion,
    document_dir,
    document_history,
    load_document,
    read_json_file,
    reset_document,
    save_document,
    undo_document,
)
from loaders.pg import database_url
from loaders.workspace import WorkspaceError, default_home

SHIPPED_STANDARDS = Path(__file__).resolve().parents[1] / "geodata" / "standards.json"
WORKSPACE_FILE = "standards.json"
DOCUMENT = "standards"


def shipped_standards() -> Standards:
    """The defaults shipped in ``geodata/standards.json``."""
    return read_standards(SHIPPED_STANDARDS)


def read_standards(path: Path) -> Standards:
    """Read and validate a standards JSON file.

    Raises
    ------
    ValueError
        When the file is not valid JSON or breaks the rules (the message names the file).
    """
    return read_json_file(path, standards_from_dict)


def legacy_standards_path(home: Path | None = None) -> Path:
    """Where earlier versions saved the user's standards: ``<workspace>/standards.json``
    (read until the next change, which moves it into the versioned document)."""
    return Path(home or default_home()) / WORKSPACE_FILE


def _legacy_file(home: Path | None) -> Path | None:
    """The standards file of an earlier version, when the workspace is the store and has
    one (a database keeps only the document)."""
    if database_url():
        return None
    legacy = legacy_standards_path(home)
    return legacy if legacy.is_file() else None


def workspace_standards_path(home: Path | None = None) -> Path:
    """Where the user's standards are kept: the versions of the ``standards`` document."""
    return document_dir(DOCUMENT, home)


def load_standards(home: Path | None = None) -> Standards:
    """The standards in effect: the workspace's current version, else a file saved by an
    earlier version of the app, else the shipped defaults."""
    try:
        content = load_document(DOCUMENT, home)
    except WorkspaceError as exc:  # a version broken by hand: say so as a bad file
        raise ValueError(f"the workspace's standards: {exc}") from None
    if content is not None:
        try:
            return standards_from_dict(content)
        except ValueError as exc:
            raise ValueError(f"the workspace's standards: {exc}") from None
    legacy = _legacy_file(home)
    if legacy is not None and not document_history(DOCUMENT, home):
        return read_standards(legacy)
    return shipped_standards()


def is_customised(home: Path | None = None) -> bool:
    """Whether the workspace's own standards are in effect."""
    if load_document(DOCUMENT, home) is not None:
        return True
    return _legacy_file(home) is not None and not document_history(DOCUMENT, home)


def _migrate(home: Path | None) -> None:
    """Move a standards file of an earlier version into the document (its first version)."""
    legacy = _legacy_file(home)
    if legacy is not None:
        if not document_history(DOCUMENT, home):
            data = standards_to_dict(read_standards(legacy))
            save_document(DOCUMENT, data, home, f"migrated from {legacy.name}")
        legacy.unlink()


def save_standards(standards: Standards, home: Path | None = None, source: str = "") -> str:
    """Validate ``standards`` and store them as a new version (atomic, under the
    document's lock, undoable); return the version's file name."""
    data = standards_to_dict(standards)
    standards_from_dict(data)  # validate before writing
    _migrate(home)
    return save_document(DOCUMENT, data, home, source)


def reset_standards(home: Path | None = None) -> bool:
    """Make the shipped defaults apply again (a new, undoable version); False when they
    already do."""
    _migrate(home)
    return reset_document(DOCUMENT, home, "reset") is not None


def undo_standards(home: Path | None = None) -> str | None:
    """Step back to the previous version (None: the shipped defaults)."""
    _migrate(home)
    return undo_document(DOCUMENT, home)


def standards_history(home: Path | None = None) -> list[DocumentVersion]:
    """Every stored version of the standards, oldest first."""
    return document_history(DOCUMENT, home)
