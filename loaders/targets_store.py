"""Where the targets are kept: the shipped examples and the workspace's versions.

``geodata/targets.json`` ships example targets (each marked ``example``). A user's
targets are a versioned document of the workspace (:mod:`loaders.documents`): every
``save`` and ``reset`` is a new version under a lock, and ``undo`` steps back. The rules
are :mod:`dashboard.core.targets`.
"""

from __future__ import annotations

from pathlib import Path

from dashboard.core.targets import Targets, targets_from_dict, targets_to_dict
from loaders.documents import (
    DocumentVersion,
    document_history,
    load_document,
    read_json_file,
    reset_document,
    save_document,
    undo_document,
)

SHIPPED_TARGETS = Path(__file__).resolve().parents[1] / "geodata" / "targets.json"
DOCUMENT = "targets"


def shipped_targets() -> Targets:
    """The example targets shipped in ``geodata/targets.json``."""
    return read_targets(SHIPPED_TARGETS)


def read_targets(path: Path) -> Targets:
    """Read and validate a targets JSON file.

    Raises
    ------
    ValueError
        When the file is not valid JSON or breaks the rules (the message names the file).
    """
    return read_json_file(path, targets_from_dict)


def load_targets(home: Path | None = None) -> Targets:
    """The targets in effect: the workspace's current version, else the shipped examples."""
    content = load_document(DOCUMENT, home)
    if content is None:
        return shipped_targets()
    try:
        return targets_from_dict(content)
    except ValueError as exc:
        raise ValueError(f"the workspace's targets: {exc}") from None


def is_customised(home: Path | None = None) -> bool:
    """Whether the workspace's own targets are in effect."""
    return load_document(DOCUMENT, home) is not None


def save_targets(targets: Targets, home: Path | None = None, source: str = "") -> str:
    """Validate ``targets`` and store them as a new version; return its file name."""
    data = targets_to_dict(targets)
    targets_from_dict(data)  # validate before writing
    return save_document(DOCUMENT, data, home, source)


def reset_targets(home: Path | None = None) -> bool:
    """Make the shipped examples apply again (a new, undoable version); False when they
    already do."""
    return reset_document(DOCUMENT, home, "reset") is not None


def undo_targets(home: Path | None = None) -> str | None:
    """Step back to the previous version (None: the shipped examples)."""
    return undo_document(DOCUMENT, home)


def targets_history(home: Path | None = None) -> list[DocumentVersion]:
    """Every stored version of the targets, oldest first."""
    return document_history(DOCUMENT, home)
