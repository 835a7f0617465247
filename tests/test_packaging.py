"""The project's metadata promises no Python its dependencies refuse."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, metadata, requires
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def _lowest(spec: SpecifierSet) -> Version:
    """The lowest Python minor version ``spec`` accepts (from 3.8 up)."""
    return next(v for v in (Version(f"3.{m}") for m in range(8, 30)) if v in spec)


def test_requires_python_is_what_the_dependencies_need():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    ours = _lowest(SpecifierSet(project["requires-python"]))
    needs = {}
    for line in project["dependencies"]:
        name = Requirement(line).name
        try:
            theirs = metadata(name).get("Requires-Python")
        except PackageNotFoundError:
            continue
        if theirs:
            needs[name] = _lowest(SpecifierSet(theirs))
    assert needs, requires("exchange-atlas")
    refused = {n: str(v) for n, v in needs.items() if v > ours}
    assert not refused, f"requires-python allows {ours}, which these need more than: {refused}"
