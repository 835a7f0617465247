"""The importer reads a payment point's empty date and capabilities as the model allows:
undated is in service always, a type's own capabilities are filled in, said in the report."""

from __future__ import annotations

from dashboard.core.model import (
    CAPABILITIES,
    CATEGORY_CAPABILITIES,
    LAYERS,
    PAYMENT_TYPES,
    implied_capabilities,
)
from loaders.importer import ImportOptions, import_file


def test_the_implication_table_speaks_the_models_codes():
    assert set(CATEGORY_CAPABILITIES) <= set(PAYMENT_TYPES)
    for codes in CATEGORY_CAPABILITIES.values():
        assert codes and set(codes) <= set(CAPABILITIES)
    # a POS may take some cards and wallets and not others: it implies nothing
    assert "foreign_card_pos" not in CATEGORY_CAPABILITIES
    assert LAYERS["payments"].open_dates == ("in_service_date",)
    assert LAYERS["events"].open_dates == ()  # an event's dates stay required


def test_implied_capabilities_per_row():
    import pandas as pd

    cats = pd.Series(["foreign_card_atm", "foreign_card_pos", None, "currency_exchange"])
    assert implied_capabilities(cats).tolist() == [
        "atm_withdrawal;cash",
        "",
        "",
        "currency_exchange;cash",
    ]


def test_rows_dropped_for_another_reason_are_not_counted(tmp_path):
    src = tmp_path / "atms.csv"
    src.write_text(
        "name,lon,lat,category\n"
        "ATM one,116.4595,39.9087,foreign_card_atm\n"
        "ATM two,116.3975,39.9087,foreign_card_atm\n"
        "ATM in Shanghai,121.49,31.24,foreign_card_atm\n"
        "Bureau,116.4100,39.9150,currency_exchange\n",
        encoding="utf-8",
    )
    res = import_file(src, ImportOptions("payments", crs="wgs84"))
    rep = res.report
    assert rep.rows_kept == 3
    assert list(res.frame["capabilities"]) == [
        "atm_withdrawal;cash",
        "atm_withdrawal;cash",
        "currency_exchange;cash",
    ]
    assert res.frame["in_service_date"].isna().all()
    undated = [w for w in rep.warnings if w.code == "imp_w_undated"]
    implied = {
        w.params["category"]: w.params["n"] for w in rep.warnings if w.code == "imp_w_implied"
    }
    assert [w.params["n"] for w in undated] == [3] and undated[0].params["col"] == "in_service_date"
    assert implied == {"foreign_card_atm": 2, "currency_exchange": 1}
    assert not [p for p in rep.problems if p.column in ("in_service_date", "capabilities")]


def test_an_event_without_dates_is_still_refused(tmp_path):
    src = tmp_path / "ev.csv"
    src.write_text("name,lon,lat,category\nA forum,116.4595,39.9087,forum\n", encoding="utf-8")
    rep = import_file(src, ImportOptions("events", crs="wgs84")).report
    assert rep.rows_kept == 0
    assert {p.column for p in rep.problems} == {"start_date", "end_date"}
