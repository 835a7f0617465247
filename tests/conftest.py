"""The kinds of test as markers: ``browser`` (set by the browser tests), ``app`` (AppTest
runs of the pages) and ``unit`` (the rest), so ``pytest -m unit`` or ``-m "not browser"``
selects by kind while the folders follow the code."""

from __future__ import annotations

import inspect
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import pytest

#: The PostgreSQL database (with PostGIS) the ``store`` fixture's postgresql case uses;
#: unset, those cases skip (``.ci/run`` starts a server and sets it).
TEST_DB_ENV = "EXCHANGE_ATLAS_TEST_DB"


def schema_url(base: str, schema: str) -> str:
    """``base`` whose connections work in ``schema`` (then ``public``, where PostGIS is)."""
    options = quote(f"-csearch_path={schema},public")
    return f"{base}{'&' if '?' in base else '?'}options={options}"


@pytest.fixture(params=["workspace", "postgresql"])
def store(request, monkeypatch) -> Iterator[str]:
    """The store the test's writes and reads go through: the workspace directory, or a
    fresh schema of the real PostgreSQL server ``$EXCHANGE_ATLAS_TEST_DB`` names (dropped
    after the test). Tests of what the app keeps take it, so they run on both stores."""
    monkeypatch.setenv("EXCHANGE_ATLAS_DB", "")  # recorded: put back after the test
    monkeypatch.delenv("EXCHANGE_ATLAS_DB")
    if request.param == "workspace":
        yield "workspace"
        return
    base = os.environ.get(TEST_DB_ENV)
    if not base:
        pytest.skip(f"{TEST_DB_ENV} is not set: no PostgreSQL server to test against")
    from loaders.pg.connection import close_pools

    with fresh_schema(base) as url:
        monkeypatch.setenv("EXCHANGE_ATLAS_DB", url)
        try:
            yield "postgresql"
        finally:
            close_pools()


@contextmanager
def fresh_schema(base: str, prefix: str = "t") -> Iterator[str]:
    """A new schema of the database ``base`` names, as a URL whose connections work in it;
    dropped (with everything in it) after the block."""
    import psycopg

    schema = f"{prefix}_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield schema_url(base, schema)
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


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
