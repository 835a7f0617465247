"""The kinds of test as markers: ``browser`` (set by the browser tests), ``app`` (AppTest
runs of the pages) and ``unit`` (the rest), so ``pytest -m unit`` or ``-m "not browser"``
selects by kind while the folders follow the code."""

from __future__ import annotations

import inspect

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    sources: dict[str, bool] = {}
    for item in items:
        if item.get_closest_marker("browser"):
            continue
        path = str(item.path)
        if path not in sources:
            sources[path] = "AppTest" in item.path.read_text(encoding="utf-8")
        app = sources[path] and "AppTest" in _test_source(item)
        item.add_marker(pytest.mark.app if app or "/tests/app/" in path else pytest.mark.unit)


def _test_source(item: pytest.Item) -> str:
    """The test function's source and that of the helpers its module uses (AppTest runs
    are started through ``open_page`` or ``AppTest.from_file``)."""
    fn = getattr(item, "function", None)
    try:
        text = inspect.getsource(fn) if fn else ""
    except (OSError, TypeError):
        return ""
    return text.replace("open_page", "AppTest")
