"""Where the service standards are kept: the shipped defaults and the workspace's edits.

The shipped defaults live in ``geodata/standards.json``; a user's edits are saved to
``<workspace>/standards.json`` (see :func:`loaders.workspace.default_home`) and take
precedence. The rules themselves are :mod:`dashboard.core.standards`.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from dashboard.core.standards import Standards, standards_from_dict, standards_to_dict
from loaders.documents import read_json_file
from loaders.workspace import default_home

SHIPPED_STANDARDS = Path(__file__).resolve().parents[1] / "geodata" / "standards.json"
WORKSPACE_FILE = "standards.json"


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


def workspace_standards_path(home: Path | None = None) -> Path:
    """Where the user's standards are saved: ``<workspace>/standards.json``."""
    return Path(home or default_home()) / WORKSPACE_FILE


def load_standards(home: Path | None = None) -> Standards:
    """The standards in effect: the workspace's saved file if any, else the shipped defaults."""
    path = workspace_standards_path(home)
    if path.is_file():
        return read_standards(path)
    return shipped_standards()


def is_customised(home: Path | None = None) -> bool:
    """Whether the workspace holds its own standards."""
    return workspace_standards_path(home).is_file()


def save_standards(standards: Standards, home: Path | None = None) -> Path:
    """Validate and atomically write ``standards`` to the workspace; return the path."""
    data = standards_to_dict(standards)
    standards_from_dict(data)  # validate before writing
    path = workspace_standards_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".standards-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=2)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def reset_standards(home: Path | None = None) -> bool:
    """Remove the workspace's standards (the shipped defaults apply again).

    Returns True when a file was removed.
    """
    path = workspace_standards_path(home)
    if path.is_file():
        path.unlink()
        return True
    return False
