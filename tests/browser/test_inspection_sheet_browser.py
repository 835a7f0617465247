"""The Inspect page in a real browser: a sheet of inspections uploaded (Chinese headers
read, the rows stored through the gateway; a sheet with one bad row stores nothing), and
"Near me" listing the places nearest to the phone's position first."""

from __future__ import annotations

import pytest

from loaders.audit import read_audit
from loaders.inspections_store import load_inspections
from tests.browser.conftest import settle, shot, start_server, stop_server

pytestmark = pytest.mark.browser

GOOD = (
    "场所编号,检查时间,检查人,外卡,境外钱包\n"
    "P0003,2026-11-20 10:00,王小明,通过,拒绝\n"
    "P0001,2026-11-20 11:00,王小明,通过,\n"
)
BAD = (
    "场所编号,检查时间,检查人,外卡\n"
    "P0003,2026-11-21 10:00,王小明,通过\n"
    "NOPE,2026-11-21 11:00,王小明,通过\n"
)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("sheet-home")
    proc, url = start_server(home, tmp_path_factory.mktemp("logs"))
    yield url, home
    stop_server(proc)


def _upload(page, path) -> None:
    page.get_by_text("Import a sheet of inspections (CSV / Excel)").first.click()
    settle(page)
    page.locator("[data-testid=stFileUploaderDropzoneInput]").last.set_input_files(str(path))
    settle(page)


def test_a_sheet_with_chinese_headers_is_stored(served, page, tmp_path):
    url, home = served
    f = tmp_path / "检查记录.csv"
    f.write_text(GOOD, encoding="utf-8-sig")
    page.goto(f"{url}/inspect?lang=en")
    settle(page)
    _upload(page, f)
    page.get_by_role("button", name="Store these 2 inspections").click()
    settle(page)
    assert (
        "Stored 2 inspections" in page.locator("[data-testid=stAlertContentSuccess]").inner_text()
    )
    ins = load_inspections(home)
    assert sorted(ins["place_id"]) == ["P0001", "P0003"]
    assert [e.action for e in read_audit(home)] == ["inspect"]
    shot(page, "inspect-sheet-en")
    assert page.errors == []


def test_a_sheet_with_a_bad_row_stores_nothing(served, page, tmp_path):
    url, home = served
    before = len(load_inspections(home))
    f = tmp_path / "bad.csv"
    f.write_text(BAD, encoding="utf-8")
    page.goto(f"{url}/inspect?lang=en")
    settle(page)
    _upload(page, f)
    alert = page.locator("[data-testid=stAlertContentError]").first.inner_text()
    assert "nothing was stored" in alert
    assert page.get_by_role("button", name="Store these").count() == 0
    cells = page.locator("[data-testid=stDataFrame]").first.locator("td").all_inner_texts()
    assert cells[:2] == ["2", "场所编号"]  # the data row and the file's column named
    assert "NOPE" in cells[2]
    assert len(load_inspections(home)) == before
    assert page.errors == []


def test_near_me_lists_the_nearest_places_first(served, browser):
    url, _home = served
    # standing at the Beijing Hotel's foreign-card POS (P0003), position allowed
    ctx = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        geolocation={"longitude": 116.404454, "latitude": 39.908012, "accuracy": 20},
        permissions=["geolocation"],
    )
    try:
        pg = ctx.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(f"{url}/inspect?lang=en&district=110105")  # another district: Near me wins
        settle(pg)
        pg.get_by_role("button", name="📍 Near me").click()
        settle(pg)
        assert pg.get_by_text("Nearest to where you are first").count() == 1
        box = pg.locator("[data-testid=stSelectbox]").filter(has_text="Place").last
        picked = (
            box.inner_text()
            + " "
            + " ".join(box.locator("input").evaluate_all("els => els.map(e => e.value)"))
        )
        assert "P0003" in picked and "· 0 m" in picked, picked
        assert pg.get_by_text("Selected: Beijing Hotel foreign-card POS (P0003)").count() == 1
        shot(pg, "inspect-near-me-en")
        assert errors == []
    finally:
        ctx.close()
