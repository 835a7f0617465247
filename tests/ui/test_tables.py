"""Every table of the app is drawn by ``widgets.dataframe``, so each shows a missing
value as "—" (Streamlit's own is the English word "None", on Chinese pages too)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HELPER = ROOT / "dashboard" / "ui" / "widgets.py"


def direct_dataframe_calls(path: Path) -> list[int]:
    """Lines of ``path`` calling ``<something>.dataframe(...)`` other than the helper
    (``widgets.dataframe``) and, in the helper's own module, than the helper's body."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    if path == HELPER:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "dataframe":
                skip |= {n.lineno for n in ast.walk(node) if hasattr(n, "lineno")}
    lines = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr != "dataframe" or node.lineno in skip:
            continue
        owner = node.func.value
        if isinstance(owner, ast.Name) and owner.id == "widgets":
            continue
        lines.append(node.lineno)
    return lines


def test_no_page_draws_a_table_past_the_helper():
    files = [*ROOT.glob("pages/*.py"), *ROOT.glob("dashboard/ui/*.py")]
    wrong = [f"{p.relative_to(ROOT)}:{n}" for p in sorted(files) for n in direct_dataframe_calls(p)]
    assert wrong == []


def test_the_check_sees_a_direct_call(tmp_path):
    page = tmp_path / "page.py"
    page.write_text("import streamlit as st\nc1 = st\nst.dataframe(x)\nc1.dataframe(y)\n")
    assert direct_dataframe_calls(page) == [3, 4]
    page.write_text("from dashboard.ui import widgets\nwidgets.dataframe(x, box=c1)\n")
    assert direct_dataframe_calls(page) == []
