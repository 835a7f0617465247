"""Verified coverage: the engine against a literal pure-Python reading of the rules
(brief, "Rules of verified coverage"), the edge rules one by one, and the work list
against its definition."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.core.inspections import CHECKS, FAILS, INSPECTION_COLUMNS, PASS, REASONS, RESULTS
from dashboard.core.model import CAPABILITIES
from dashboard.engine import verification as v
from dashboard.engine.coverage import assess_coverage
from loaders.standards_store import shipped_standards

T0 = pd.Timestamp("2025-01-01")
STANDARDS = shipped_standards()
#: A ~700 m square of central Beijing: radii of 200-300 m make coverage vary.
LON0, LAT0 = 116.400, 39.900
KEY_CATEGORIES = ("hotel", "shopping_mall", "museum", "restaurant", "railway_station")

# --------------------------------------------------------------------------- frames


def inspections(rows: list[dict]) -> pd.DataFrame:
    """An inspection frame of ``rows`` (missing columns filled as the store would)."""
    base: dict[str, object] = {c: "" for c in INSPECTION_COLUMNS}
    base.update(lon=LON0, lat=LAT0, adcode="110101")
    frame = pd.DataFrame([{**base, "id": f"I{k:010x}", **r} for k, r in enumerate(rows)])
    if frame.empty:
        frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in INSPECTION_COLUMNS})
    frame["inspected_at"] = pd.to_datetime(frame["inspected_at"]).astype("datetime64[ns]")
    frame["lon"] = frame["lon"].astype("float64")
    frame["lat"] = frame["lat"].astype("float64")
    return frame[list(INSPECTION_COLUMNS)]


def payments(rows: list[dict]) -> pd.DataFrame:
    base = dict(
        name_zh="点",
        name_en="point",
        category="foreign_card_pos",
        adcode="110101",
        lon=LON0,
        lat=LAT0,
        capabilities="foreign_card",
        in_service_date=pd.NaT,
        host_id=None,
        source="survey",
        synthetic=False,
    )
    cols = ["id", *base]
    frame = pd.DataFrame([{**base, **r} for r in rows], columns=cols)
    frame["in_service_date"] = pd.to_datetime(frame["in_service_date"]).astype("datetime64[ns]")
    frame["lon"] = frame["lon"].astype("float64")
    frame["lat"] = frame["lat"].astype("float64")
    return frame


def key_locations(rows: list[dict]) -> pd.DataFrame:
    base: dict[str, object] = dict(name_zh="场所", name_en="place", category="hotel")
    base.update(sector="accommodation", adcode="110101", lon=LON0, lat=LAT0)
    cols = ["id", *base]
    frame = pd.DataFrame([{**base, **r} for r in rows], columns=cols)
    frame["lon"] = frame["lon"].astype("float64")
    frame["lat"] = frame["lat"].astype("float64")
    return frame


def caps_of(cell: object) -> frozenset[str]:
    if not isinstance(cell, str):
        return frozenset()
    return frozenset(c for c in cell.split(";") if c in CAPABILITIES)


def day_of(ts) -> dt.date:
    return pd.Timestamp(ts).date()


def covered(kl, supply, as_of) -> dict[str, bool]:
    places = assess_coverage(kl, supply, None, STANDARDS, as_of=as_of).places
    return dict(zip(places["id"], places["covered"].astype(bool)))


# --------------------------------------------------------------------------- reference


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def ref_records(ins: pd.DataFrame, day: dt.date) -> list[dict]:
    """Inspections on or before ``day`` as plain dicts, in frame order."""
    out = []
    for pos, rec in enumerate(ins.to_dict("records")):
        if day_of(rec["inspected_at"]) <= day:
            out.append({**rec, "pos": pos})
    return out


def ref_evidence(records: list[dict], kind: str, pid: str) -> dict[str, tuple[str, dt.date]]:
    """check -> (result, day) of the latest inspection of the place trying the check."""
    ev: dict[str, tuple[str, dt.date]] = {}
    for check in CHECKS:
        best = None
        for r in records:  # frame order: a later row at the same timestamp wins (>=)
            res = _text(r[f"check_{check}"]).strip()
            if r["place_kind"] != kind or r["place_id"] != pid or res not in RESULTS:
                continue
            if best is None or r["inspected_at"] >= best[1]:
                best = (res, r["inspected_at"])
        if best is not None:
            ev[check] = (best[0], day_of(best[1]))
    return ev


def ref_effective(claimed, ev, basis, day, validity) -> set[str]:
    if basis == "claimed":
        eff = set(claimed) | {c for c, (res, _) in ev.items() if res == PASS}
        return eff - {c for c, (res, _) in ev.items() if res in FAILS}
    return {c for c, (res, d) in ev.items() if res == PASS and (day - d).days <= validity}


def ref_supply(pay, ins, as_of, basis, validity) -> dict[str, dict]:
    """id -> the effective supply row, the brief's rules read literally."""
    day = day_of(as_of)
    records = ref_records(ins, day)
    out: dict[str, dict] = {}
    for p in pay.to_dict("records"):
        ev = ref_evidence(records, "payment", p["id"])
        claimed = caps_of(p["capabilities"])
        if not ev and basis == "claimed":
            out[p["id"]] = {**p, "caps": claimed, "evidence": False}
            continue
        eff = ref_effective(claimed, ev, basis, day, validity)
        if eff:
            out[p["id"]] = {**p, "caps": frozenset(eff), "evidence": True}
    for kind in ("key_location", "new"):
        for pid in sorted({r["place_id"] for r in records if r["place_kind"] == kind}):
            ev = ref_evidence(records, kind, pid)
            if not ev:
                continue
            eff = ref_effective(set(), ev, basis, day, validity)
            if not eff:
                continue
            mine = [r for r in records if r["place_kind"] == kind and r["place_id"] == pid]
            tried = [
                r for r in mine if any(_text(r[f"check_{c}"]).strip() in RESULTS for c in CHECKS)
            ]
            last = max(tried, key=lambda r: (r["inspected_at"], r["pos"]))
            named = [r for r in mine if _text(r["name"]).strip()]
            name = max(named, key=lambda r: (r["inspected_at"], r["pos"]))["name"] if named else pid
            first = min(
                day_of(r["inspected_at"])
                for r in mine
                if any(_text(r[f"check_{c}"]).strip() == PASS for c in CHECKS)
            )
            vid = f"{pid}/visit" if kind == "key_location" else pid
            out[vid] = {
                "id": vid,
                "name_zh": name,
                "name_en": name,
                "category": "foreign_card_pos",
                "lon": last["lon"],
                "lat": last["lat"],
                "adcode": last["adcode"],
                "caps": frozenset(eff),
                "in_service_date": pd.Timestamp(first),
                "source": "field inspection",
                "synthetic": False,
            }
    return out


def ref_supply_frame(pay, ins, as_of, basis, validity) -> pd.DataFrame:
    rows = ref_supply(pay, ins, as_of, basis, validity)
    frame = pd.DataFrame(
        {
            "id": [r["id"] for r in rows.values()],
            "lon": [float(r["lon"]) for r in rows.values()],
            "lat": [float(r["lat"]) for r in rows.values()],
            "capabilities": [";".join(sorted(r["caps"])) for r in rows.values()],
            "in_service_date": [r["in_service_date"] for r in rows.values()],
        }
    )
    frame["in_service_date"] = pd.to_datetime(frame["in_service_date"]).astype("datetime64[ns]")
    return frame


def ref_status(pay, ins, as_of, validity) -> list[dict]:
    day = day_of(as_of)
    records = ref_records(ins, day)
    out = []
    for p in pay.to_dict("records"):
        ev = ref_evidence(records, "payment", p["id"])
        claimed = caps_of(p["capabilities"])
        failed = {c for c in claimed if c in ev and ev[c][0] in FAILS}
        passes = {c: d for c, (res, d) in ev.items() if res == PASS}
        valid = {c for c, d in passes.items() if (day - d).days <= validity}
        due = pd.NaT
        if failed:
            status = "failed"
            due = pd.Timestamp(min(ev[c][1] for c in failed))
        elif valid:
            status = "verified"
        elif passes:
            status = "expired"
            due = pd.Timestamp(max(passes.values())) + pd.Timedelta(days=validity + 1)
        else:
            status = "never"
        visits = [
            r["inspected_at"]
            for r in records
            if r["place_kind"] == "payment" and r["place_id"] == p["id"]
        ]
        out.append(
            {
                "status": status,
                "last_inspected": max(visits) if visits else pd.NaT,
                "verified_caps": frozenset(valid),
                "failed_caps": frozenset(failed),
                "due_since": due,
            }
        )
    return out


# --------------------------------------------------------------------------- strategies

#: Mostly not tried, so that points whose every tried check failed are common too.
RESULT_CELLS = ["", "", "", "", "", "accepted", "accepted", "refused", "out_of_order", None]
RESULT_CELLS += [" accepted ", "refused "]


@st.composite
def scenario(draw, max_pay: int = 30, max_ins: int = 60, max_keys: int = 0):
    """Random payments, inspections (all kinds, timestamps with ties, empty results), an
    as-of date and a validity; ``max_keys`` key locations next to them."""
    n = draw(st.integers(0, max_pay))
    offset = st.integers(-4, 4).map(lambda k: k * 0.0008)  # steps of ~70-90 m
    pay_rows = []
    for i in range(n):
        caps = draw(st.sets(st.sampled_from(list(CAPABILITIES)), max_size=3))
        cell = ";".join(sorted(caps)) + draw(st.sampled_from(["", "", ";bogus"]))
        start = draw(st.one_of(st.none(), st.integers(0, 60)))
        pay_rows.append(
            {
                "id": f"P{i}",
                "capabilities": cell.strip(";"),
                "in_service_date": pd.NaT if start is None else T0 + pd.Timedelta(days=start),
                "lon": LON0 + draw(offset),
                "lat": LAT0 + draw(offset),
            }
        )
    keys = [
        {
            "id": f"K{k}",
            "category": draw(st.sampled_from(KEY_CATEGORIES)),
            "lon": LON0 + draw(offset),
            "lat": LAT0 + draw(offset),
        }
        for k in range(draw(st.integers(1, max_keys)) if max_keys else 0)
    ]
    key_ids = [k["id"] for k in keys] or ["K0", "K1"]
    row = st.tuples(
        st.sampled_from(["payment", "payment", "key_location", "new"]),
        st.integers(0, max(n + 1, len(key_ids) - 1, 3)),
        st.integers(0, 50),
        st.sampled_from([0, 9]),
        st.sampled_from(["", "", "Alpha", "北京点"]),
        offset,
        offset,
        st.tuples(*[st.sampled_from(RESULT_CELLS)] * len(CHECKS)),
    )
    ins_rows = []
    for kind, k, days, hours, name, dx, dy, results in draw(st.lists(row, max_size=max_ins)):
        if kind == "payment":
            pid = f"P{k % (n + 2)}"  # n, n+1: no such point any more
        elif kind == "key_location":
            pid = key_ids[k % len(key_ids)]
        else:
            pid = f"F{k % 4:08x}"
        rec = {
            "place_kind": kind,
            "place_id": pid,
            "inspected_at": T0 + pd.Timedelta(days=days, hours=hours),
            "name": name,
            "lon": LON0 + dx,
            "lat": LAT0 + dy,
        }
        rec.update({f"check_{c}": r for c, r in zip(CHECKS, results)})
        ins_rows.append(rec)
    as_of = T0 + pd.Timedelta(days=draw(st.integers(0, 60)))
    validity = draw(st.integers(0, 30))
    return (
        payments(pay_rows),
        inspections(ins_rows),
        key_locations(keys),
        as_of,
        validity,
    )


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- properties


@FAST
@given(scenario(), st.sampled_from(v.BASES))
def test_effective_supply_is_the_rules(case, basis) -> None:
    pay, ins, _, as_of, validity = case
    got = v.effective_supply(pay, ins, as_of=as_of, basis=basis, validity_days=validity)
    want = ref_supply(pay, ins, as_of, basis, validity)
    assert len(got) == len(want)
    assert set(got["id"]) == set(want)
    assert got.index.is_unique
    for rec in got.to_dict("records"):
        ref = want[rec["id"]]
        assert caps_of(rec["capabilities"]) == ref["caps"], rec["id"]
        if ref.get("evidence") is False:  # no evidence: the claim is kept as it was
            assert rec["capabilities"] == ref["capabilities"]
        for col in ("name_zh", "name_en", "category", "source", "synthetic", "adcode"):
            assert rec[col] == ref[col], (rec["id"], col)
        assert rec["lon"] == pytest.approx(ref["lon"]) and rec["lat"] == pytest.approx(ref["lat"])
        a, b = rec["in_service_date"], ref["in_service_date"]
        assert (pd.isna(a) and pd.isna(b)) or pd.Timestamp(a) == pd.Timestamp(b), rec["id"]


@SLOW
@given(scenario(max_pay=12, max_ins=30, max_keys=6))
def test_verified_never_covers_more_than_claimed(case) -> None:
    """Verified capabilities ⊆ claimed-effective ones, point by point (accepted and
    recent ⊆ latest accepted ⊆ claimed ∪ accepted − failed; a point without evidence is
    kept on the claimed basis only), so every place the verified supply covers, the
    claimed supply covers too."""
    pay, ins, kl, as_of, validity = case
    claimed = v.effective_supply(pay, ins, as_of=as_of, basis="claimed", validity_days=validity)
    verified = v.effective_supply(pay, ins, as_of=as_of, basis="verified", validity_days=validity)
    claimed_caps = dict(zip(claimed["id"], map(caps_of, claimed["capabilities"])))
    for pid, cell in zip(verified["id"], verified["capabilities"]):
        assert caps_of(cell) <= claimed_caps[pid]
    a, b = covered(kl, claimed, as_of), covered(kl, verified, as_of)
    assert all(a[k] for k, cov in b.items() if cov)


@FAST
@given(scenario())
def test_point_status_is_the_rules(case) -> None:
    pay, ins, _, as_of, validity = case
    got = v.point_status(pay, ins, as_of=as_of, validity_days=validity)
    assert list(got.index) == list(pay.index)
    assert tuple(got.columns) == v.STATUS_COLUMNS
    want = ref_status(pay, ins, as_of, validity)
    verified = v.effective_supply(pay, ins, as_of=as_of, basis="verified", validity_days=validity)
    for (_, rec), ref in zip(got.iterrows(), want):
        assert rec["status"] == ref["status"]
        assert caps_of(rec["verified_caps"]) == ref["verified_caps"]
        assert caps_of(rec["failed_caps"]) == ref["failed_caps"]
        for col in ("last_inspected", "due_since"):
            a, b = rec[col], ref[col]
            assert (pd.isna(a) and pd.isna(b)) or a == b, col
    # verified ⇔ in the verified supply (unless a claim failed)
    in_verified = pay["id"].isin(verified["id"]).to_numpy()
    st_ = got["status"].to_numpy()
    assert ((st_ == "verified") == (in_verified & (st_ != "failed"))).all()


def ref_work_list(kl, pay, ins, as_of, validity, since, basis) -> list[tuple]:
    day = day_of(as_of)
    then = day - dt.timedelta(days=30) if since is None else day_of(since)
    items = []
    weights: dict[str, float] = {}
    on_claims = assess_coverage(kl, pay, None, STANDARDS, as_of=as_of).places
    for rec in on_claims.to_dict("records"):
        if rec["covered"]:
            weights[rec["nearest_id"]] = weights.get(rec["nearest_id"], 0.0) + rec["weight"]
    for p, s in zip(pay.to_dict("records"), ref_status(pay, ins, as_of, validity)):
        start = p["in_service_date"]
        if s["status"] != "verified" and (pd.isna(start) or day_of(start) <= day):
            items.append(
                ("payment", p["id"], s["status"], weights.get(p["id"], 0.0), 0.0)
                + (s["last_inspected"], s["due_since"])
            )
    now = covered(kl, ref_supply_frame(pay, ins, day, basis, validity), pd.Timestamp(day))
    before = covered(kl, ref_supply_frame(pay, ins, then, basis, validity), pd.Timestamp(then))
    records = ref_records(ins, day)
    for k in kl.to_dict("records"):
        visits = [
            r["inspected_at"]
            for r in records
            if r["place_kind"] == "key_location" and r["place_id"] == k["id"]
        ]
        if not before[k["id"]] or now[k["id"]]:
            continue
        if any(day_of(t) > then for t in visits):
            continue
        w = STANDARDS[k["category"]].weight
        items.append(
            ("key_location", k["id"], "newly_uncovered", w, w, max(visits, default=pd.NaT), pd.NaT)
        )
    rank = list(REASONS)
    items.sort(key=lambda t: (-t[3], rank.index(t[2]), -t[4], t[1]))
    return [(t[0], t[1], t[2], t[3], t[5], t[6]) for t in items]


@SLOW
@given(
    scenario(max_pay=8, max_ins=20, max_keys=5),
    st.sampled_from(v.BASES),
    st.one_of(st.none(), st.integers(0, 40)),
)
def test_work_list_is_its_definition(case, basis, since_day) -> None:
    pay, ins, kl, as_of, validity = case
    since = None if since_day is None else T0 + pd.Timedelta(days=since_day)
    got = v.work_list(
        kl, pay, ins, STANDARDS, as_of=as_of, validity_days=validity, since=since, basis=basis
    )
    assert tuple(got.columns) == v.WORK_LIST_COLUMNS
    want = ref_work_list(kl, pay, ins, as_of, validity, since, basis)
    rows = list(zip(got["kind"], got["id"], got["reason"], got["weight"], got["last_inspected"]))
    assert [r[:3] for r in rows] == [w[:3] for w in want]
    for r, w, due in zip(rows, want, got["due_since"]):
        assert r[3] == pytest.approx(w[3])
        assert (pd.isna(r[4]) and pd.isna(w[4])) or r[4] == w[4]
        assert (pd.isna(due) and pd.isna(w[5])) or due == w[5]


# --------------------------------------------------------------------------- edge rules

HOTEL = {"id": "K1", "category": "hotel", "lon": LON0, "lat": LAT0}
NEAR = {"lon": LON0 + 0.0005, "lat": LAT0}  # ~43 m east: inside the hotel's 200 m


def check(pid: str, at: str, kind: str = "payment", **results: str) -> dict:
    return {
        "place_kind": kind,
        "place_id": pid,
        "inspected_at": pd.Timestamp(at),
        **NEAR,
        **{f"check_{c}": r for c, r in results.items()},
    }


def coverage_on(pay, ins, day: str, basis: str = "claimed", validity: int = 180) -> bool:
    supply = v.effective_supply(pay, ins, as_of=day, basis=basis, validity_days=validity)
    return covered(key_locations([HOTEL]), supply, day)["K1"]


def test_a_failed_check_removes_the_point_from_that_day_on() -> None:
    pay = payments([{"id": "P1", **NEAR}])
    ins = inspections([check("P1", "2025-03-10 15:30", foreign_card="refused")])
    assert coverage_on(pay, ins, "2025-03-09")  # the day before still counts it
    assert not coverage_on(pay, ins, "2025-03-10")
    assert not coverage_on(pay, ins, "2025-09-10")
    assert v.effective_supply(pay, ins, as_of="2025-03-10").empty  # nothing left: dropped
    assert len(v.effective_supply(pay, ins, as_of="2025-03-09")) == 1
    status = v.point_status(pay, ins, as_of="2025-03-11").iloc[0]
    assert status["status"] == "failed" and status["failed_caps"] == "foreign_card"
    assert status["due_since"] == pd.Timestamp("2025-03-10")


def test_a_failed_check_of_an_unclaimed_capability_is_no_failure() -> None:
    pay = payments([{"id": "P1", **NEAR}])
    ins = inspections([check("P1", "2025-03-10", foreign_wallet="refused")])
    assert v.point_status(pay, ins, as_of="2025-03-11").iloc[0]["status"] == "never"
    # the claimed basis keeps the claimed card; the verified basis has nothing
    assert coverage_on(pay, ins, "2025-03-11")
    assert not coverage_on(pay, ins, "2025-03-11", basis="verified")


def test_a_pass_expires_after_validity_days() -> None:
    pay = payments([{"id": "P1", **NEAR, "capabilities": ""}])
    ins = inspections([check("P1", "2025-01-01 18:00", foreign_card="accepted")])
    assert not coverage_on(pay, ins, "2024-12-31", basis="verified")
    assert coverage_on(pay, ins, "2025-01-01", basis="verified", validity=30)
    assert coverage_on(pay, ins, "2025-01-31", basis="verified", validity=30)
    assert not coverage_on(pay, ins, "2025-02-01", basis="verified", validity=30)
    assert coverage_on(pay, ins, "2025-02-01", basis="claimed", validity=30)  # any age
    st_ = v.point_status(pay, ins, as_of="2025-02-01", validity_days=30).iloc[0]
    assert st_["status"] == "expired" and st_["due_since"] == pd.Timestamp("2025-02-01")
    assert v.point_status(pay, ins, as_of="2025-01-31", validity_days=30).iloc[0]["status"] == (
        "verified"
    )


def test_a_later_pass_after_a_fail_restores() -> None:
    pay = payments([{"id": "P1", **NEAR}])
    ins = inspections(
        [
            check("P1", "2025-03-01 10:00", foreign_card="refused"),
            check("P1", "2025-03-05 10:00", foreign_card="accepted"),
        ]
    )
    assert not coverage_on(pay, ins, "2025-03-03")
    assert coverage_on(pay, ins, "2025-03-05")
    assert coverage_on(pay, ins, "2025-03-05", basis="verified")
    assert v.point_status(pay, ins, as_of="2025-03-05").iloc[0]["status"] == "verified"


def test_ties_at_one_timestamp_the_later_row_wins() -> None:
    pay = payments([{"id": "P1", **NEAR}])
    at = "2025-03-01 10:00"
    refused_last = inspections(
        [check("P1", at, foreign_card="accepted"), check("P1", at, foreign_card="refused")]
    )
    accepted_last = inspections(
        [check("P1", at, foreign_card="refused"), check("P1", at, foreign_card="accepted")]
    )
    assert not coverage_on(pay, refused_last, "2025-03-02")
    assert coverage_on(pay, accepted_last, "2025-03-02")
    ev = v.latest_evidence(accepted_last, "2025-03-02")
    assert ev[["place_id", "check", "result"]].values.tolist() == [
        ["P1", "foreign_card", "accepted"]
    ]


def test_an_empty_check_is_no_evidence() -> None:
    pay = payments([{"id": "P1", **NEAR}])
    ins = inspections(
        [
            check("P1", "2025-03-01", foreign_card="refused"),
            check("P1", "2025-03-02", foreign_card="", cash="accepted"),
        ]
    )
    assert not coverage_on(pay, ins, "2025-03-03")  # the refusal is still the latest word


def test_a_new_point_found_in_the_field_covers_a_nearby_hotel() -> None:
    for pay in (payments([]), payments([{"id": "P9", "lon": 116.6, "lat": 40.1}])):
        ins = inspections(
            [check("F0a1b2c3d", "2025-04-01 12:00", kind="new", foreign_card="accepted")]
        )
        for basis in v.BASES:
            assert not coverage_on(pay, ins, "2025-03-31", basis=basis)
            assert coverage_on(pay, ins, "2025-04-01", basis=basis)
        supply = v.effective_supply(pay, ins, as_of="2025-04-02")
        row = supply[supply["id"] == "F0a1b2c3d"].iloc[0]
        assert row["in_service_date"] == pd.Timestamp("2025-04-01")
        assert row["category"] == "foreign_card_pos" and row["source"] == "field inspection"
        assert row["lon"] == pytest.approx(NEAR["lon"])


def test_a_key_location_visit_with_an_accepted_card_covers_it() -> None:
    pay = payments([{"id": "P9", "lon": 116.6, "lat": 40.1}])  # far away
    visit = {**check("K1", "2025-04-01", kind="key_location", foreign_card="accepted")}
    visit.update(lon=LON0, lat=LAT0, name="王府酒店")
    ins = inspections([visit])
    assert not coverage_on(pay, ins, "2025-03-31")
    assert coverage_on(pay, ins, "2025-04-01")
    supply = v.effective_supply(pay, ins, as_of="2025-04-01")
    row = supply[supply["id"] == "K1/visit"].iloc[0]
    assert row["name_zh"] == "王府酒店" and row["capabilities"] == "foreign_card"
    assert row["host_id"] == "K1"
    # a refused card at the key location makes no point of it
    ins = inspections([{**visit, "check_foreign_card": "refused"}])
    assert "K1/visit" not in set(v.effective_supply(pay, ins, as_of="2025-04-01")["id"])


def test_no_inspections_returns_the_payments_unchanged(layers) -> None:
    pay = layers["payments"]
    assert v.effective_supply(pay, inspections([])) is pay
    later = inspections([check(str(pay["id"].iloc[0]), "2030-01-01", foreign_card="refused")])
    assert v.effective_supply(pay, later, as_of="2025-01-01") is pay
    assert len(v.effective_supply(pay, inspections([]), basis="verified")) == 0


def test_geodataframe_in_geodataframe_out(layers) -> None:
    pay = layers["payments"]
    ins = inspections([check("F00000001", "2025-01-01", kind="new", cash="accepted")])
    out = v.effective_supply(pay, ins, as_of="2025-02-01")
    assert type(out) is type(pay) and len(out) == len(pay) + 1
    assert out.geometry.iloc[-1].x == pytest.approx(NEAR["lon"])
    assert out["synthetic"].dtype == bool


def test_bad_arguments() -> None:
    pay, ins = payments([{"id": "P1"}]), inspections([])
    with pytest.raises(ValueError, match="basis"):
        v.effective_supply(pay, ins, basis="trusted")
    with pytest.raises(ValueError, match="validity"):
        v.effective_supply(pay, ins, validity_days=-1)


def test_work_list_newly_uncovered_closed_by_a_visit() -> None:
    kl = key_locations([HOTEL])
    pay = payments([{"id": "P1", **NEAR}])
    refused = check("P1", "2025-03-10", foreign_card="refused")
    items = v.work_list(kl, pay, inspections([refused]), STANDARDS, as_of="2025-03-20")
    assert items[["kind", "id", "reason"]].values.tolist() == [
        ["payment", "P1", "failed"],
        ["key_location", "K1", "newly_uncovered"],
    ]
    assert items["weight"].tolist() == [STANDARDS["hotel"].weight] * 2
    visit = check("K1", "2025-03-15", kind="key_location", foreign_wallet="refused")
    items = v.work_list(kl, pay, inspections([refused, visit]), STANDARDS, as_of="2025-03-20")
    assert items["id"].tolist() == ["P1"]
    # a visit on the day of ``since`` itself does not close it; the day after does
    for day, left in (("2025-03-05", ["P1", "K1"]), ("2025-03-06", ["P1"])):
        visit = check("K1", f"{day} 08:00", kind="key_location", cash="accepted")
        items = v.work_list(
            kl,
            pay,
            inspections([refused, visit]),
            STANDARDS,
            as_of="2025-03-20",
            since="2025-03-05",
        )
        assert items["id"].tolist() == left, day
    # uncovered for longer than since: no longer "newly"
    items = v.work_list(
        kl, pay, inspections([refused]), STANDARDS, as_of="2025-03-20", since="2025-03-10"
    )
    assert items["id"].tolist() == ["P1"]


def test_work_list_order_and_points_not_yet_in_service() -> None:
    kl = key_locations([HOTEL, {**HOTEL, "id": "K2", "category": "restaurant"}])
    pay = payments(
        [
            {"id": "P1", **NEAR},  # decides both places: weight hotel + restaurant
            {"id": "P2", "lon": 116.6, "lat": 40.1},  # far: weight 0
            {"id": "P3", "lon": 116.6, "lat": 40.1, "in_service_date": "2026-01-01"},
        ]
    )
    ins = inspections([check("P2", "2025-01-02", foreign_card="refused")])
    items = v.work_list(kl, pay, ins, STANDARDS, as_of="2025-03-01")
    assert items["id"].tolist() == ["P1", "P2"]  # P3 is not in service yet
    assert items["reason"].tolist() == ["never", "failed"]
    want = STANDARDS["hotel"].weight + STANDARDS["restaurant"].weight
    assert items["weight"].tolist() == [pytest.approx(want), 0.0]


def test_vectorised_at_scale() -> None:
    """50k points and 40k inspections in well under a few seconds (no loop over rows)."""
    import time

    rng = np.random.default_rng(7)
    n, m = 50_000, 40_000
    pay = payments([]).reindex(range(n))
    pay["id"] = [f"P{i}" for i in range(n)]
    pay["capabilities"] = rng.choice(["foreign_card", "cash;foreign_wallet", ""], n)
    pay["lon"], pay["lat"] = rng.uniform(116.2, 116.6, n), rng.uniform(39.8, 40.0, n)
    pick = rng.integers(0, n, m)
    ins = pd.DataFrame({c: "" for c in INSPECTION_COLUMNS}, index=range(m))
    ins["place_kind"], ins["place_id"] = "payment", pay["id"].to_numpy()[pick]
    ins["inspected_at"] = T0 + pd.to_timedelta(rng.integers(0, 300 * 24, m), "h")
    ins["lon"], ins["lat"] = rng.uniform(116.2, 116.6, m), rng.uniform(39.8, 40.0, m)
    for c in CHECKS:
        ins[f"check_{c}"] = rng.choice(["", "accepted", "refused"], m)
    start = time.perf_counter()
    for basis in v.BASES:
        v.effective_supply(pay, ins, as_of="2025-10-01", basis=basis)
    v.point_status(pay, ins, as_of="2025-10-01")
    assert time.perf_counter() - start < 10


def test_today_is_beijings_day_whatever_the_servers_zone(monkeypatch):
    """A visit recorded just now (Beijing time) counts today, also when the server runs on
    UTC in the hours Beijing is already a day ahead."""
    import time

    from dashboard.engine import verification as ver

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        fixed = pd.Timestamp("2026-12-02 17:30", tz="UTC")  # 01:30 on 3 December in Beijing
        monkeypatch.setattr(
            ver.pd.Timestamp, "now", classmethod(lambda cls, tz=None: fixed.tz_convert(tz))
        )
        assert ver._day(None) == pd.Timestamp("2026-12-03")
    finally:
        monkeypatch.undo()
        time.tzset()
