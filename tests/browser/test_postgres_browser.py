"""The app on the PostgreSQL store in a real browser: `exchange-atlas run` with
``EXCHANGE_ATLAS_DB`` (a fresh schema of the test server), the data the command line writes
to the database is what the pages show, a write made on a page lands in the database, and
undo from the command line takes the page back."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.browser.conftest import _exe, settle, start_server, stop_server
from tests.conftest import TEST_DB_ENV, fresh_schema

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def database():
    """A fresh schema of ``$EXCHANGE_ATLAS_TEST_DB`` for this module (dropped after)."""
    base = os.environ.get(TEST_DB_ENV)
    if not base:
        pytest.skip(f"{TEST_DB_ENV} is not set: no PostgreSQL server to test against")
    with fresh_schema(base, "b") as url:
        yield url


@pytest.fixture(scope="module")
def pg_app(database, tmp_path_factory):
    home = tmp_path_factory.mktemp("pg-home")
    proc, url = start_server(
        home, tmp_path_factory.mktemp("pg-logs"), {"EXCHANGE_ATLAS_DB": database}
    )
    yield url, home, database
    stop_server(proc)


def _cli(database: str, home, *argv: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, EXCHANGE_ATLAS_DB=database, EXCHANGE_ATLAS_HOME=str(home))
    return subprocess.run([_exe(), *argv], capture_output=True, text=True, env=env, timeout=120)


def _key_locations(page) -> int:
    metric = page.locator("[data-testid=stMetric]").filter(has_text="Key locations")
    return int(metric.locator("[data-testid=stMetricValue]").inner_text().replace(",", ""))


def test_what_the_database_holds_is_what_the_pages_show(pg_app, page, tmp_path):
    url, home, database = pg_app
    status = json.loads(_cli(database, home, "store", "status", "--format", "json").stdout)
    assert status["store"] == "postgresql" and status["schema_version"] >= 1
    page.goto(url + "/?lang=en")
    settle(page)
    shipped = _key_locations(page)
    f = tmp_path / "hotels.csv"
    f.write_text(
        "name,category,lon,lat\n新酒店一,hotel,116.40,39.91\n新酒店二,hotel,116.45,39.93\n",
        encoding="utf-8",
    )
    r = _cli(database, home, "import", str(f), "--layer", "key-locations", "--crs", "wgs84")
    assert r.returncode == 0, r.stderr
    page.reload()
    settle(page)
    assert _key_locations(page) == shipped + 2
    # a write on a page goes to the database: the service standards saved as they are
    page.goto(url + "/standards?lang=en")
    settle(page)
    page.get_by_role("button", name="Save", exact=True).click()
    settle(page)
    hist = json.loads(_cli(database, home, "standards", "history", "--json").stdout)
    assert len(hist) == 1 and hist[0]["current"]
    # undo from the command line: the page is back to the shipped places
    assert _cli(database, home, "undo", "--layer", "key-locations").returncode == 0
    page.goto(url + "/?lang=en")
    settle(page)
    assert _key_locations(page) == shipped
    assert not page.errors
