"""The layer rule of docs/architecture.md, checked on the source: imports point one way,
no module imports itself back through others, and only the Streamlit edge imports
Streamlit."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: layer -> the layers its modules may import (besides their own).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "loaders": {"core"},
    "engine": {"core", "loaders"},
    "views": {"core", "loaders", "engine"},
    "ui": {"core", "loaders", "engine", "views"},
    "cli": {"core", "loaders", "engine", "views"},
    "pages": {"core", "loaders", "engine", "views", "ui"},
}
#: Third-party packages of the Streamlit edge.
STREAMLIT = ("streamlit", "starlette")
STREAMLIT_LAYERS = {"ui", "pages"}


def layer_of(module: str) -> str | None:
    """The layer of one of the project's modules (None: not the project's)."""
    parts = module.split(".")
    if parts[0] == "dashboard":
        if len(parts) == 1:
            return "ui"  # the package itself holds nothing but the entry scripts
        if parts[1] in ("app", "server"):
            return "ui"  # the entry scripts Streamlit is pointed at
        return parts[1] if parts[1] in ALLOWED else None
    if parts[0] in ("loaders", "pages"):
        return parts[0]
    return None


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    files = [*ROOT.glob("dashboard/**/*.py"), *ROOT.glob("loaders/**/*.py")]
    files += ROOT.glob("pages/*.py")
    return {module_name(p): p for p in sorted(files)}


MODULES = project_modules()


def imports(path: Path) -> Iterator[tuple[str, int]]:
    """Every module ``path`` imports, at module level or inside a function, with its line."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            yield target, node.lineno
            for alias in node.names:  # `from pkg import module`
                if f"{target}.{alias.name}" in MODULES:
                    yield f"{target}.{alias.name}", node.lineno


def project_edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    for name, path in MODULES.items():
        for target, _ in imports(path):
            if target in MODULES and target != name:
                edges[name].add(target)
    return edges


def test_every_module_has_a_layer():
    assert [m for m in MODULES if layer_of(m) is None] == []


def test_imports_point_one_way():
    """ui → views → engine → core, cli → engine (and views), loaders → core only."""
    wrong = []
    for name, path in MODULES.items():
        mine = layer_of(name)
        for target, line in imports(path):
            theirs = layer_of(target)
            if theirs and theirs != mine and theirs not in ALLOWED[mine]:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {mine} imports {theirs} ({target})")
    assert wrong == []


def test_only_the_streamlit_edge_imports_streamlit():
    wrong = [
        f"{path.relative_to(ROOT)}:{line}: {target}"
        for name, path in MODULES.items()
        if layer_of(name) not in STREAMLIT_LAYERS
        for target, line in imports(path)
        if target.split(".")[0] in STREAMLIT
    ]
    assert wrong == []


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles_between_modules():
    """Counting imports inside functions too: a lazy import is still a dependency."""
    assert strongly_connected(project_edges()) == []


def test_the_cycle_check_finds_a_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(edges) == [["a", "b", "c"]]


def test_the_layer_check_sees_a_wrong_import(tmp_path):
    """The checker reads imports inside functions and ``from package import module``."""
    f = ROOT / "dashboard" / "core" / "_probe_for_test.py"
    f.write_text("def f():\n    from dashboard.engine import coverage\n", encoding="utf-8")
    try:
        found = list(imports(f))
    finally:
        f.unlink()
    assert ("dashboard.engine.coverage", 2) in found


@pytest.mark.parametrize("package", ["dashboard.core", "dashboard.engine", "dashboard.views"])
def test_imports_without_streamlit(package):
    """Every module of the pure layers imports in an interpreter where Streamlit cannot be
    imported at all (and none pulls it in)."""
    mods = sorted(m for m in MODULES if m == package or m.startswith(package + "."))
    code = f"""
import importlib, importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {STREAMLIT!r}:
            raise ImportError("blocked: " + name)
sys.meta_path.insert(0, Block())
for m in {mods!r}:
    importlib.import_module(m)
assert not any(k.split(".")[0] in {STREAMLIT!r} for k in sys.modules), "streamlit loaded"
print(len({mods!r}))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) == len(mods) > 1
