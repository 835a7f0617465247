"""The fast work list gives the old one's answer: the engine's work list, point status,
effective supply and latest evidence (read once into FieldRecords, or from the frame) and
the page's cached work list (put together from cached status and coverages) equal the
module as it was (tests/engine/verification_reference.py), on the shipped data and a
generated city, each with field checks of every kind; a radius step reuses the status."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.citygen import build_city
from benchmarks.field_checks import field_checks
from dashboard.core.inspections import REASONS
from dashboard.core.rights import Actor
from dashboard.core.state import ViewState
from dashboard.engine import verification as v
from dashboard.engine.layers import load_all, load_layer
from loaders import writes
from loaders.inspections_store import load_inspections, prepare_inspections
from loaders.standards_store import shipped_standards

from . import verification_reference as ref

NOW = pd.Timestamp("2026-11-30 12:00")
DATES = (None, "2026-11-30", "2026-06-15", "2025-12-01", "2024-01-01")


def _case(kl: pd.DataFrame, pay: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``n`` raw field checks (payment points, key locations, new points) over 2 years."""
    ins = field_checks(pay, kl, n, seed, NOW)
    ins["adcode"] = "110101"
    new = (ins["place_kind"] == "new").to_numpy()
    found = max(1, int(new.sum()) // 3)  # each new point found about three times
    ins.loc[new, "place_id"] = [f"F{k % found:08x}" for k in range(int(new.sum()))]
    ins["id"] = [f"I{k:010x}" for k in range(len(ins))]
    return ins


@pytest.fixture(scope="module")
def shipped() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    lay = load_all()
    kl, pay = lay["key-locations"], lay["payments"]
    return kl, pay, lay["districts"], _case(kl, pay, 900, 1)


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    """A generated city of 6k places and 3k points with 4k field checks, in a workspace."""
    home = tmp_path_factory.mktemp("wlcity") / "home"
    build_city(home, 6_000, 3_000, seed=5)
    pay, kl = load_layer("payments", home), load_layer("key-locations", home)
    now = pd.Timestamp.now(tz="Asia/Shanghai").tz_localize(None).floor("min")
    raw = field_checks(pay, kl, 4_000, 9, now)
    prepared, problems = prepare_inspections(
        raw, payments=pay, key_locations=kl, now=datetime.now(timezone.utc), file="test"
    )
    assert not [p for p in problems if p.severity == "error"]
    writes.add_inspections(Actor("test", "admin"), prepared, home, source="test")
    return home


def _same(kl, pay, districts, ins, standards, as_of, since=None, basis="claimed", validity=180):
    records = v.field_records(ins)
    want = ref.work_list(
        kl, pay, ins, standards, districts, as_of=as_of, since=since, basis=basis,
        validity_days=validity,
    )  # fmt: skip
    for given in (ins, records):
        got = v.work_list(
            kl, pay, given, standards, districts, as_of=as_of, since=since, basis=basis,
            validity_days=validity,
        )  # fmt: skip
        pd.testing.assert_frame_equal(got, want)
    return want


@pytest.mark.parametrize("as_of", DATES)
@pytest.mark.parametrize("basis", ["claimed", "verified"])
def test_the_work_list_is_the_old_one_on_the_shipped_data(shipped, as_of, basis):
    kl, pay, districts, ins = shipped
    want = _same(kl, pay, districts, ins, shipped_standards(), as_of, basis=basis)
    records = v.field_records(ins)
    for validity in (30, 180):
        got = v.point_status(pay, records, as_of=as_of, validity_days=validity)
        old = ref.point_status(pay, ins, as_of=as_of, validity_days=validity)
        pd.testing.assert_frame_equal(got, old)
        got = v.effective_supply(pay, records, as_of=as_of, basis=basis, validity_days=validity)
        old = ref.effective_supply(pay, ins, as_of=as_of, basis=basis, validity_days=validity)
        pd.testing.assert_frame_equal(got, old)
    pd.testing.assert_frame_equal(
        v.latest_evidence(records, as_of), ref.latest_evidence(ins, as_of)
    )
    if as_of in (None, "2026-11-30"):
        assert set(want["reason"]) == set(REASONS)  # every reason, newly uncovered too


def test_the_work_list_is_the_old_one_with_since_and_validity(shipped):
    kl, pay, districts, ins = shipped
    std = shipped_standards()
    for since in ("2026-01-01", "2026-11-01"):
        _same(kl, pay, districts, ins, std, "2026-11-30", since=since, validity=60)
    _same(kl, pay, districts, ins.iloc[:0], std, "2026-11-30")  # no checks at all
    _same(kl, pay, districts, ins, std, "2026-11-30", basis="verified", validity=30)


def test_the_deciding_weights_are_the_old_group_sums():
    """Looked up by position (distinct ids) or grouped (an id twice): the old group-by's
    sums to the bit."""
    rng = np.random.default_rng(4)
    ids = np.array(sorted(f"P{k:05d}" for k in range(400)), dtype=object)
    nearest = pd.Series(rng.choice([*ids, "elsewhere"], 5_000)).astype(str)
    weights = pd.Series(rng.random(5_000) * 10.0 ** rng.integers(-3, 4, 5_000))
    for pay_ids in (ids, np.sort(np.concatenate([ids, ids[::9]])), ids[:0]):
        old = weights.groupby(nearest.to_numpy()).sum().reindex(pay_ids).fillna(0.0)
        got = v._decided_weights(pay_ids, nearest, weights)
        assert np.array_equal(got, old.to_numpy("float64"))


def test_the_work_list_is_the_old_one_on_a_generated_city(city):
    kl, pay = load_layer("key-locations", city), load_layer("payments", city)
    districts, ins = load_layer("districts", None), load_inspections(city)
    std = shipped_standards()
    for as_of in (None, "2026-06-01"):
        for basis in ("claimed", "verified"):
            want = _same(kl, pay, districts, ins, std, as_of, basis=basis)
            assert len(want) > 1_000


VIEWS = [
    (ViewState(), None),
    (ViewState(radius=550), None),
    (ViewState(as_of=date(2026, 6, 1), radius=550), "2026-03-01"),
    (ViewState(basis="verified"), None),
    (ViewState(std="any", as_of=date(2026, 11, 1)), None),
]


@pytest.mark.parametrize("where", ["shipped", "city"])
def test_the_pages_work_list_is_the_old_one(where, city, tmp_path, monkeypatch):
    from dashboard.ui import cache
    from dashboard.ui import inspect as ui

    home = city if where == "city" else tmp_path
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(home))
    if where == "shipped":  # the shipped layers with checks of every kind in the workspace
        lay = cache.load_layers()
        raw = field_checks(lay["payments"], lay["key-locations"], 600, 3, NOW)
        prepared, problems = prepare_inspections(
            raw,
            payments=lay["payments"],
            key_locations=lay["key-locations"],
            now=datetime.now(timezone.utc),
            file="test",
        )
        assert not [p for p in problems if p.severity == "error"]
        writes.add_inspections(Actor("test", "admin"), prepared, home, source="test")
    lay, ins = cache.load_layers(), cache.inspections()
    assert len(ins) > 100
    reasons = set()
    for view, since in VIEWS:
        inputs = cache.view_inputs(view)
        got = ui.work_list(inputs, since)
        want = ref.work_list(
            lay["key-locations"],
            lay["payments"],
            ins,
            inputs.standards,
            lay["districts"],
            as_of=inputs.as_of,
            validity_days=ui.validity_days(inputs),
            since=since,
            basis=inputs.basis,
        )
        pd.testing.assert_frame_equal(got, want)
        reasons |= set(got["reason"])
        status = ref.point_status(
            lay["payments"], ins, as_of=inputs.as_of, validity_days=ui.validity_days(inputs)
        )
        pd.testing.assert_frame_equal(
            ui.point_status(inputs)[list(v.STATUS_COLUMNS)], status.reset_index(drop=True)
        )
    assert reasons == set(REASONS)  # newly uncovered among them


def test_a_radius_step_reuses_the_point_status(tmp_path, monkeypatch):
    from dashboard.ui import cache
    from dashboard.ui import inspect as ui

    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path))
    one = ui.point_status(cache.view_inputs(ViewState(radius=300)))
    assert ui.point_status(cache.view_inputs(ViewState(radius=800))) is one
    assert ui.point_status(ViewState(radius=800, std="any")) is one
    assert ui.point_status(ViewState(as_of=date(2025, 6, 1))) is not one


def _old_work_table(items: pd.DataFrame, lang: str) -> pd.DataFrame:
    """dashboard.ui.inspect.work_table as it was (a label per row), the reference."""
    from dashboard.core.i18n import label_of, name_col, t
    from dashboard.core.inspections import WORK_KINDS
    from dashboard.core.model import label
    from dashboard.ui import cache
    from dashboard.ui.inspect import _synthetic

    names = cache.district_names(lang)
    layer_of = {"payment": "payments", "key_location": "key-locations"}

    def when(col: str) -> list[str]:
        s = pd.to_datetime(items[col])
        return [x.strftime("%Y-%m-%d") if pd.notna(x) else "" for x in s]

    return pd.DataFrame(
        {
            t("wl_reason", lang): [label(REASONS, r, lang) for r in items["reason"]],
            t("wl_name", lang): items[name_col(lang)].astype("string").fillna("").to_numpy(),
            "id": items["id"].astype(str).to_numpy(),
            t("wl_kind", lang): [label(WORK_KINDS, k, lang) for k in items["kind"]],
            t("wl_category", lang): [
                label_of(layer_of.get(k, "payments"), str(c), lang)
                for k, c in zip(items["kind"], items["category"], strict=True)
            ],
            t("wl_district", lang): items["adcode"].astype(str).map(names).fillna("").to_numpy(),
            t("wl_weight", lang): items["weight"].round(1).to_numpy(),
            t("wl_last", lang): when("last_inspected"),
            t("wl_due_since", lang): when("due_since"),
            "lon": items["lon"].round(6).to_numpy(),
            "lat": items["lat"].round(6).to_numpy(),
            "synthetic": _synthetic(items),
        }
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_work_table_is_the_old_one(city, monkeypatch, lang):
    from dashboard.ui import cache
    from dashboard.ui import inspect as ui

    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(city))
    for view in (ViewState(), ViewState(basis="verified")):
        items = ui.work_list(cache.view_inputs(view), None)
        assert set(items["kind"]) == {"payment", "key_location"}
        for part in (items, items.head(7), items.iloc[:0]):
            pd.testing.assert_frame_equal(ui.work_table(part, lang), _old_work_table(part, lang))


@pytest.mark.parametrize("basis", ["claimed", "verified"])
def test_the_pages_work_list_without_checks_is_the_old_one(tmp_path, monkeypatch, basis):
    from dashboard.ui import cache
    from dashboard.ui import inspect as ui

    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path))
    lay, ins = cache.load_layers(), cache.inspections()
    assert ins.empty
    for radius in (None, 700):
        inputs = cache.view_inputs(ViewState(basis=basis, radius=radius))
        want = ref.work_list(
            lay["key-locations"], lay["payments"], ins, inputs.standards, lay["districts"],
            as_of=inputs.as_of, validity_days=ui.validity_days(inputs), basis=basis,
        )  # fmt: skip
        pd.testing.assert_frame_equal(ui.work_list(inputs, None), want)
