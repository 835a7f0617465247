"""The user's workspace: imported datasets, versioned per layer.

Layout (``EXCHANGE_ATLAS_HOME``, default ``~/.local/share/exchange-atlas`` or
``%LOCALAPPDATA%\\exchange-atlas``)::

    HOME/layers/<layer>/v0001.parquet   one GeoParquet file per version (WGS-84)
    HOME/layers/<layer>/CURRENT         the file name of the version in use

Readers only ever follow ``CURRENT``; writers finish a new version file before
atomically replacing ``CURRENT`` (``os.replace``), so a crash at any moment leaves
the previous data intact.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENV_HOME = "EXCHANGE_ATLAS_HOME"


def default_home() -> Path:
    """The workspace directory: ``$EXCHANGE_ATLAS_HOME`` or a per-user data directory."""
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser()
    if sys.platform.startswith("win"):
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "exchange-atlas"


def layer_dir(layer: str, home: Path | None = None) -> Path:
    """Directory holding the versions of ``layer``."""
    return (home or default_home()) / "layers" / layer


def current_layer_file(layer: str, home: Path | None = None) -> Path | None:
    """The GeoParquet file of the layer's current version, or None when never imported."""
    d = layer_dir(layer, home)
    pointer = d / "CURRENT"
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    path = d / name
    return path if name and path.is_file() else None
