"""Field data through ``exchange-atlas import`` as a new user brings it: a list of bank
ATMs with a name, a position and a type, no ``in_service_date`` and no capabilities."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from dashboard.cli import main
from dashboard.engine.layers import load_layer
from tests.loaders.conftest import snapshot

N = 20


def key_location_spots(n: int = N) -> pd.DataFrame:
    """``n`` distinct shipped key locations (real places) to stand ATMs at."""
    from loaders.workspace import shipped_table

    kl = shipped_table("key-locations")
    kl = kl.drop_duplicates(subset=["lon", "lat"]).sort_values("id").head(n)
    return kl.reset_index(drop=True)


def atm_list(tmp_path, n: int = N, **extra: list) -> tuple:
    """A CSV of ``n`` foreign-card ATMs, one at each of ``n`` key locations; ``extra``
    columns as given."""
    spots = key_location_spots(n)
    df = pd.DataFrame(
        {
            "name": [f"Bank ATM at {s}" for s in spots["name_en"]],
            "lon": spots["lon"].round(6),
            "lat": spots["lat"].round(6),
            "category": "foreign_card_atm",
            **extra,
        }
    )
    path = tmp_path / "atms.csv"
    df.to_csv(path, index=False)
    return path, spots


def _report(path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_twenty_atms_import_with_no_set_option(tmp_path, home, capsys):
    src, _ = atm_list(tmp_path)
    rep_en, rep_zh = tmp_path / "en.json", tmp_path / "zh.json"
    argv = ["import", str(src), "--layer", "payments", "--crs", "wgs84"]
    assert main([*argv, "--dry-run", "--report", str(rep_zh), "--lang", "zh"]) == 0
    assert main([*argv, "--replace", "--report", str(rep_en)]) == 0
    err = capsys.readouterr().err
    assert "warning: 20 row(s) have no in_service_date" in err
    assert "warning: capabilities filled from category foreign_card_atm" in err

    table = load_layer("payments", home)
    assert len(table) == N
    assert set(table["category"]) == {"foreign_card_atm"}
    assert set(table["capabilities"]) == {"atm_withdrawal;cash"}
    assert table["in_service_date"].isna().all()  # left empty, not invented

    en, zh = _report(rep_en), _report(rep_zh)
    assert en["rows_read"] == en["rows_kept"] == N and en["problems"] == []
    assert zh["rows_kept"] == N and zh["problems"] == []
    assert (
        "20 row(s) have no in_service_date: imported as in service on every date "
        "(coverage counts them on any date); to date them, add the column or "
        "--set in_service_date=YYYY-MM-DD"
    ) in en["warnings"]
    assert (
        "capabilities filled from category foreign_card_atm (ATM accepting foreign cards) "
        "for 20 row(s): atm_withdrawal;cash (Cash withdrawal by foreign card, RMB cash); "
        "state them in a capabilities column if they differ"
    ) in en["warnings"]
    assert any(w.startswith("20 行没有 in_service_date：按始终在用导入") for w in zh["warnings"])
    assert (
        "20 行没有 capabilities，已按类别 foreign_card_atm（外卡ATM）推定为 "
        "atm_withdrawal;cash（外卡取现、人民币现金）；如不符，请在 capabilities 列中注明"
    ) in zh["warnings"]
    assert not any("row(s)" in w or "capabilities filled" in w for w in zh["warnings"])


def _covered(capsys, *date: str) -> int:
    capsys.readouterr()
    argv = ["coverage", "--require", "atm_withdrawal", "--radius", "50", "--format", "json"]
    assert main([*argv, *(("--as-of", date[0]) if date else ())]) == 0
    return sum(int(r["covered"]) for r in json.loads(capsys.readouterr().out))


def test_undated_atms_count_as_in_service_on_any_date(tmp_path, home, capsys):
    src, spots = atm_list(tmp_path)
    assert main(["import", str(src), "--layer", "payments", "--replace", "--crs", "wgs84"]) == 0
    everywhere = _covered(capsys)
    assert everywhere >= N  # each ATM stands at a key location
    for day in ("1990-01-01", "2024-06-30", "2099-12-31"):
        assert _covered(capsys, day) == everywhere, day
    # the same list dated 2024-01-01 is not in service before that day: the date matters
    dated, _ = atm_list(tmp_path, in_service_date=["2024-01-01"] * N)
    assert main(["import", str(dated), "--layer", "payments", "--replace", "--crs", "wgs84"]) == 0
    assert _covered(capsys, "1990-01-01") == 0
    assert _covered(capsys, "2099-12-31") == everywhere


def test_ambiguous_category_without_capabilities_is_still_refused(tmp_path, home, capsys):
    src = tmp_path / "pos.csv"
    src.write_text(
        "name,lon,lat,category\nHotel front-desk POS,116.4595,39.9087,foreign_card_pos\n",
        encoding="utf-8",
    )
    assert main(["import", str(src), "--layer", "payments"]) == 2
    err = capsys.readouterr().err
    assert "no usable rows in" in err
    assert (
        "pos.csv, row 1, column 'capabilities': no capabilities: add a column or "
        "--set capabilities=code;code"
    ) in err
    assert snapshot(home) == {}


def test_in_a_mixed_file_only_the_ambiguous_row_is_dropped(tmp_path, home):
    src, _ = atm_list(tmp_path)
    with src.open("a", encoding="utf-8") as f:
        f.write("Mall POS,116.4595,39.9087,foreign_card_pos\n")
    rep = tmp_path / "r.json"
    assert main(["import", str(src), "--layer", "payments", "--report", str(rep)]) == 0
    data = _report(rep)
    assert data["rows_kept"] == N and data["rows_dropped"] == 1
    assert [(p["file"], p["row"], p["column"], p["code"]) for p in data["problems"]] == [
        ("atms.csv", N + 1, "capabilities", "imp_no_codes")
    ]
    assert load_layer("payments", home)["name_en"].str.startswith("Bank ATM").sum() == N


def test_stated_capabilities_and_dates_are_kept(tmp_path, home):
    caps = ["atm_withdrawal"] + [""] * (N - 2) + ["atm_withdrawal;currency_exchange"]
    dates = ["2023-05-01"] + [""] * (N - 1)
    src, spots = atm_list(tmp_path, capabilities=caps, in_service_date=dates)
    rep = tmp_path / "r.json"
    argv = ["import", str(src), "--layer", "payments", "--replace", "--report", str(rep)]
    assert main(argv) == 0
    table = load_layer("payments", home).set_index("name_en")
    names = [f"Bank ATM at {s}" for s in spots["name_en"]]
    assert table.loc[names[0], "capabilities"] == "atm_withdrawal"
    assert table.loc[names[-1], "capabilities"] == "atm_withdrawal;currency_exchange"
    assert set(table.loc[names[1:-1], "capabilities"]) == {"atm_withdrawal;cash"}
    assert table.loc[names[0], "in_service_date"] == pd.Timestamp("2023-05-01")
    assert table.loc[names[1:], "in_service_date"].isna().all()
    warnings = _report(rep)["warnings"]
    assert any(w.startswith("19 row(s) have no in_service_date") for w in warnings)
    assert any("for 18 row(s): atm_withdrawal;cash" in w for w in warnings)


@pytest.mark.parametrize(
    ("kind", "implied"),
    [("外币兑换点", "currency_exchange;cash"), ("现金收付点", "cash")],
)
def test_chinese_list_names_its_own_date_column(tmp_path, home, kind, implied):
    """Chinese headers and a 启用日期 column left partly empty: the warning names that
    column, and the category's implication is the model's."""
    spots = key_location_spots(3)
    src = tmp_path / "点位.csv"
    pd.DataFrame(
        {
            "名称": ["一号点", "二号点", "三号点"],
            "类型": kind,
            "启用日期": ["2024-03-01", "", ""],
            "经度": spots["lon"],
            "纬度": spots["lat"],
        }
    ).to_csv(src, index=False, encoding="gb18030")
    rep = tmp_path / "r.json"
    argv = ["import", str(src), "--layer", "payments", "--crs", "wgs84", "--lang", "zh"]
    assert main([*argv, "--report", str(rep)]) == 0
    data = _report(rep)
    assert data["rows_kept"] == 3
    assert any(w.startswith("2 行没有 启用日期：按始终在用导入") for w in data["warnings"])
    assert any(f"推定为 {implied}" in w for w in data["warnings"])
    assert set(load_layer("payments", home)["capabilities"].iloc[-3:]) == {implied}
