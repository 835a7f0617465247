"""Rebuild the display outlines the app serves as static files (dashboard/static/).

They are the shipped districts simplified for display (see ``dashboard.views.maps``), one file
per language and display coordinate system (WGS-84, and GCJ-02 for the AMap basemap).
A test fails when they no longer match what this script writes.

Usage::

    python geodata/build_display.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard.core.i18n import LANGS  # noqa: E402
from dashboard.engine.layers import read_districts  # noqa: E402
from dashboard.views import maps  # noqa: E402


def main() -> None:
    for path in maps.write_outlines(read_districts(), LANGS):
        print(
            f"{path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}: "
            f"{path.stat().st_size:,} bytes"
        )


if __name__ == "__main__":
    main()
