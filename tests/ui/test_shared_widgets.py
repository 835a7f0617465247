"""Tables and file uploaders are drawn by their helpers in ``widgets``, which put them in
the page's language: a missing value in a table as "—" (Streamlit's own is the English
word "None", on Chinese pages too), an uploader's button and limit line in Chinese
(Streamlit's are English whatever the page)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dashboard.ui import widgets

ROOT = Path(__file__).resolve().parents[2]
HELPER = ROOT / "dashboard" / "ui" / "widgets.py"
HELPED = ("dataframe", "file_uploader")


def direct_calls(path: Path, name: str) -> list[int]:
    """Lines of ``path`` calling ``<something>.<name>(...)`` other than the helper
    (``widgets.<name>``) and, in the helper's own module, than the helper's body."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    if path == HELPER:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == name:
                skip |= {n.lineno for n in ast.walk(node) if hasattr(n, "lineno")}
    lines = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr != name or node.lineno in skip:
            continue
        owner = node.func.value
        if isinstance(owner, ast.Name) and owner.id == "widgets":
            continue
        lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("name", HELPED)
def test_no_page_calls_streamlit_past_the_helper(name):
    files = [*ROOT.glob("pages/*.py"), *ROOT.glob("dashboard/ui/*.py")]
    wrong = [f"{p.relative_to(ROOT)}:{n}" for p in sorted(files) for n in direct_calls(p, name)]
    assert wrong == []


@pytest.mark.parametrize("name", HELPED)
def test_the_check_sees_a_direct_call(tmp_path, name):
    page = tmp_path / "page.py"
    page.write_text(f"import streamlit as st\nc1 = st\nst.{name}(x)\nc1.{name}(y)\n")
    assert direct_calls(page, name) == [3, 4]
    page.write_text(f"from dashboard.ui import widgets\nwidgets.{name}(x, box=c1)\n")
    assert direct_calls(page, name) == []


def test_the_uploader_style_keeps_its_texts_inside_their_css_strings():
    css = widgets._uploader_css("k", 'a"b', "c\\d\n</style><script>")
    assert css.count("<style>") == 1 and css.count("</style>") == 1
    assert css.endswith("</style>")
    assert 'content: "a\\"b"' in css
    assert 'content: "c\\\\d\\a \\3c /style>\\3c script>"' in css
    assert ".st-key-k [data-testid=stFileUploaderDropzone]" in css


def _empty_tables_script() -> None:
    import pandas as pd

    from dashboard.ui import widgets

    widgets.dataframe(pd.DataFrame(columns=["a", "b"]), key="none")
    widgets.dataframe(pd.DataFrame({"a": [1]}), key="one")


@pytest.mark.parametrize(("lang", "text"), [("zh", "暂无数据"), ("en", "Nothing to show")])
def test_a_table_without_rows_says_so_in_the_page_language(tmp_path, monkeypatch, lang, text):
    # Streamlit's empty grid reads "empty" in English, on Chinese pages too
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path / "home"))
    at = AppTest.from_function(_empty_tables_script)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception
    assert [c.value for c in at.caption] == [text]
    assert len(at.dataframe) == 1  # the table with a row is drawn as a table
