"""dashboard/engine/events.py against brute force on small hand-made instances."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.core.model import CAPABILITIES, MAJOR_EVENTS
from dashboard.core.standards import set_standard, uniform_standards
from dashboard.engine import events as ev
from dashboard.engine.coverage import project_lonlat
from loaders.standards_store import shipped_standards

LON0, LAT0 = 116.40, 39.92
CAPS = list(CAPABILITIES)
CATS = ["hotel", "railway_station", "museum", "market"]


def _standards():
    std = shipped_standards()
    std = set_standard(std, "hotel", radius_m=250, require=[["foreign_card", "foreign_wallet"]])
    std = set_standard(
        std, "railway_station", radius_m=400, require=[["foreign_card", "foreign_wallet"], ["cash"]]
    )
    std = set_standard(std, "museum", radius_m=300, require=[])
    return set_standard(std, "market", radius_m=350, require=[["cash"]])


def _instance(seed: int = 7):
    rng = np.random.default_rng(seed)

    def jitter(n, km):
        return (
            LON0 + rng.uniform(-km, km, n) / (111.32 * np.cos(np.radians(LAT0))),
            LAT0 + rng.uniform(-km, km, n) / 111.32,
        )

    klon, klat = jitter(70, 4)
    keys = pd.DataFrame(
        {
            "id": [f"K{i:03d}" for i in range(70)],
            "name_zh": [f"场所{i}" for i in range(70)],
            "name_en": [f"Place {i}" for i in range(70)],
            "category": rng.choice(CATS, 70),
            "sector": "shopping",
            "adcode": "110101",
            "lon": klon,
            "lat": klat,
        }
    )
    plon, plat = jitter(90, 4)
    caps = [";".join(rng.choice(CAPS, rng.integers(1, 3), replace=False)) for _ in range(90)]
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 1000, 90), unit="D")
    dates = pd.Series(dates)
    dates[rng.random(90) < 0.05] = pd.NaT  # undated points count as always in service
    pays = pd.DataFrame(
        {
            "id": [f"P{i:03d}" for i in range(90)],
            "name_zh": [f"点{i}" for i in range(90)],
            "name_en": [f"Point {i}" for i in range(90)],
            "lon": plon,
            "lat": plat,
            "capabilities": caps,
            "in_service_date": dates,
        }
    )
    vlon, vlat = jitter(4, 2)
    venues = pd.DataFrame(
        {
            "id": ["V1", "V2", "V3", "V4"],
            "name_zh": ["甲", "乙", "丙", "丁"],
            "name_en": ["A", "B", "C", "D"],
            "lon": vlon,
            "lat": vlat,
        }
    )
    starts = ["2023-03-01", "2023-03-01", "2024-01-15", "2024-06-30", "2024-06-30", "2025-02-01"]
    rows = []
    for i in range(12):
        s = pd.Timestamp(starts[i % len(starts)])
        rows.append(
            {
                "id": f"E{i:02d}",
                "name_zh": f"活动{i}",
                "name_en": f"Event {i}",
                "category": "forum",
                "venue_id": ["V1", "V2", "V3", "V4", "nope", None][i % 6],
                "start_date": s,
                "end_date": s + pd.Timedelta(days=i % 4),
                "adcode": "110101",
                "lon": LON0 + 0.01 * (i % 3),
                "lat": LAT0 - 0.005 * (i % 2),
            }
        )
    return pd.DataFrame(rows), venues, keys, pays


def _xy(df):
    x, y = project_lonlat(df["lon"].to_numpy(), df["lat"].to_numpy())
    return np.column_stack([x, y])


def _brute(events, venues, keys, pays, std, radius_m, venue_radius_m):
    """Loops over events, places, clauses and points: no KD-tree, no grouping."""
    kxy, pxy = _xy(keys), _xy(pays)
    vpos = {v: i for i, v in enumerate(venues["id"])}
    vxy = _xy(venues)
    out = []
    for _, e in events.iterrows():
        if e["venue_id"] in vpos:
            site = vxy[vpos[e["venue_id"]]]
        else:
            site = _xy(pd.DataFrame({"lon": [e["lon"]], "lat": [e["lat"]]}))[0]
        start = pd.Timestamp(e["start_date"])
        active = [pd.isna(d) or d <= start for d in pays["in_service_date"]]
        nearby = covered = 0
        for i, k in keys.iterrows():
            if np.hypot(*(kxy[i] - site)) > radius_m:
                continue
            nearby += 1
            s = std[k["category"]]
            clauses = s.require or [None]
            ok = True
            for clause in clauses:
                best = np.inf
                for j, p in pays.iterrows():
                    if not active[j]:
                        continue
                    if clause is not None and not set(clause) & set(p["capabilities"].split(";")):
                        continue
                    best = min(best, np.hypot(*(kxy[i] - pxy[j])))
                ok &= best <= s.radius_m
            covered += ok
        vp = sum(
            active[j] and np.hypot(*(pxy[j] - site)) <= venue_radius_m for j in range(len(pays))
        )
        out.append((nearby, covered, vp))
    return out


@pytest.mark.parametrize("radius_m,venue_radius_m", [(2000, 500), (900, 300), (3500, 1000)])
def test_readiness_matches_brute_force(radius_m, venue_radius_m):
    events, venues, keys, pays = _instance()
    std = _standards()
    got = ev.event_readiness(
        events, venues, keys, pays, std, radius_m=radius_m, venue_radius_m=venue_radius_m
    )
    want = _brute(events, venues, keys, pays, std, radius_m, venue_radius_m)
    assert list(got.index) == list(events.index)
    assert got["nearby"].tolist() == [w[0] for w in want]
    assert got["covered"].tolist() == [w[1] for w in want]
    assert got["venue_points"].tolist() == [w[2] for w in want]
    assert (got["gaps"] == got["nearby"] - got["covered"]).all()
    share = [c / n if n else np.nan for n, c, _ in want]
    np.testing.assert_allclose(got["readiness"].to_numpy(), share, equal_nan=True)
    # the instance is not degenerate: readiness varies and some events lack their venue
    assert got["readiness"].nunique() > 2
    assert (~got["venue_found"]).sum() == 4


def test_readiness_depends_on_start_date():
    """Same venue, later start: never fewer covered places (points only come into service)."""
    events, venues, keys, pays = _instance()
    events["venue_id"] = "V1"
    got = ev.event_readiness(events, venues, keys, pays, _standards())
    by_date = got.groupby("start_date")["covered"].agg(["min", "max"])
    assert (by_date["min"] == by_date["max"]).all()
    assert by_date["max"].is_monotonic_increasing
    assert by_date["max"].iloc[-1] > by_date["max"].iloc[0]


def test_event_places_and_gaps_agree_with_readiness():
    events, venues, keys, pays = _instance()
    std = uniform_standards(_standards(), radius_m=200)
    got = ev.event_readiness(events, venues, keys, pays, std, radius_m=1500)
    for i in range(len(events)):
        places = ev.event_places(events.iloc[i], venues, keys, pays, std, radius_m=1500)
        assert len(places) == got["nearby"].iloc[i]
        assert int(places["covered"].sum()) == got["covered"].iloc[i]
        assert places["to_venue_m"].is_monotonic_increasing
        assert (places["to_venue_m"] <= 1500).all()
        gaps = ev.event_gaps(places, pays)
        assert len(gaps) == got["gaps"].iloc[i]
        assert (gaps["distance_m"] > gaps["radius_m"]).all()
        assert (gaps["shortfall_m"] > 0).all()
        named = gaps["nearest_id"].notna()
        assert (gaps.loc[named, "nearest_name_en"].str.startswith("Point")).all()
        pts = ev.venue_payments(events.iloc[i], venues, pays, 500)
        got_vp = ev.event_readiness(
            events.iloc[[i]], venues, keys, pays, std, radius_m=1500, venue_radius_m=500
        )["venue_points"].iloc[0]
        assert len(pts) == got_vp


def test_neighbours_bound_is_inclusive():
    site = np.array([[0.0, 0.0]])
    pts = np.array([[300.0, 0.0], [300.0 + 1e-3, 0.0], [0.0, -299.0]])
    mask, dist = ev.neighbours(site, pts, 300.0)
    assert mask.toarray().tolist() == [[1, 0, 1]]
    assert dist.toarray()[0, 0] == 300.0


def test_empty_and_undated():
    events, venues, keys, pays = _instance()
    empty = ev.event_readiness(events.iloc[:0], venues, keys, pays, _standards())
    assert empty.empty and "readiness" in empty.columns
    none_near = ev.event_readiness(events, venues, keys.iloc[:0], pays, _standards())
    assert (none_near["nearby"] == 0).all() and none_near["readiness"].isna().all()
    bad = events.copy()
    bad.loc[0, "start_date"] = pd.NaT
    with pytest.raises(ValueError, match="start_date"):
        ev.event_readiness(bad, venues, keys, pays, _standards())
    with pytest.raises(ValueError, match="positive"):
        ev.event_readiness(events, venues, keys, pays, _standards(), radius_m=0)


# --------------------------------------------------------------------------- status, order


def _dated(rows):
    return pd.DataFrame(
        [{"id": i, "start_date": pd.Timestamp(s), "end_date": pd.Timestamp(e)} for i, s, e in rows]
    )


def test_status_boundaries():
    df = _dated(
        [
            ("a", "2024-05-01", "2024-05-03"),  # ends on ref: ongoing
            ("b", "2024-05-03", "2024-05-04"),  # starts on ref: ongoing
            ("c", "2024-05-04", "2024-05-04"),  # tomorrow: upcoming
            ("d", "2024-04-01", "2024-05-02"),  # ended yesterday: past
        ]
    )
    assert ev.event_status(df, "2024-05-03").tolist() == ["ongoing", "ongoing", "upcoming", "past"]


def test_upcoming_first_then_past_most_recent_first():
    df = _dated(
        [
            ("past-old", "2023-01-10", "2023-01-12"),
            ("up-late", "2025-03-01", "2025-03-02"),
            ("past-recent", "2024-04-20", "2024-04-25"),
            ("ongoing", "2024-04-28", "2024-05-06"),
            ("up-soon", "2024-05-10", "2024-05-11"),
            ("up-soon-b", "2024-05-10", "2024-05-11"),
            ("past-mid", "2023-09-01", "2023-09-30"),
            ("ongoing-ends-first", "2024-04-01", "2024-05-02"),
        ]
    ).sample(frac=1, random_state=3)
    got = ev.order_events(df, pd.Timestamp("2024-05-01"))
    assert got["id"].tolist() == [
        "ongoing-ends-first",
        "ongoing",
        "up-soon",
        "up-soon-b",
        "up-late",
        "past-recent",
        "past-mid",
        "past-old",
    ]
    assert got["status"].tolist() == ["ongoing"] * 2 + ["upcoming"] * 3 + ["past"] * 3


def test_order_with_a_date_object_and_all_past():
    from datetime import date

    df = _dated([("x", "2023-01-01", "2023-01-02"), ("y", "2023-06-01", "2023-06-02")])
    got = ev.order_events(df, date(2030, 1, 1))
    assert got["id"].tolist() == ["y", "x"] and set(got["status"]) == {"past"}


def test_filters_and_years():
    df = _dated(
        [
            ("nye", "2023-12-30", "2024-01-02"),
            ("a", "2024-03-01", "2024-03-02"),
            ("b", "2025-03-01", "2025-03-02"),
        ]
    ).assign(category=["forum", "fair", "forum"], adcode=["110101", "110105", "110105"])
    assert ev.event_years(df) == [2023, 2024, 2025]
    assert ev.filter_events(df, years=[2024])["id"].tolist() == ["nye", "a"]
    assert ev.filter_events(df, categories=["forum"])["id"].tolist() == ["nye", "b"]
    assert ev.filter_events(df, district="110105")["id"].tolist() == ["a", "b"]
    assert ev.filter_events(df, district="all")["id"].tolist() == ["nye", "a", "b"]
    assert ev.filter_events(df, years=[]).empty


def test_sites_fall_back_to_event_coordinates():
    events, venues, *_ = _instance()
    sites = ev.event_sites(events, venues)
    v1 = venues.set_index("id").loc["V1"]
    assert sites.loc[0, ["site_lon", "site_lat"]].tolist() == [v1["lon"], v1["lat"]]
    assert sites.loc[0, "venue_name_en"] == "A"
    assert sites.loc[4, ["site_lon", "site_lat"]].tolist() == events.loc[4, ["lon", "lat"]].tolist()
    assert not sites.loc[4, "venue_found"] and sites.loc[4, "venue_name_en"] == ""


# --------------------------------------------------------------------------- major events


def _with_majors(events: pd.DataFrame) -> pd.DataFrame:
    """The instance's events with three series over several editions, one unknown key."""
    out = events.copy()
    keys = ["zgc_forum", "ciftis", None, "beijing_culture_forum", "olympics", "ciftis"]
    out["major_event"] = [keys[i % len(keys)] for i in range(len(out))]
    return out


@pytest.mark.parametrize("as_of", ["2024-03-01", "2025-06-30", None])
@pytest.mark.parametrize("radius_m,venue_radius_m", [(2000, 500), (900, 300)])
def test_major_event_readiness_matches_brute_force(as_of, radius_m, venue_radius_m):
    events, venues, keys, pays = _instance()
    events = _with_majors(events)
    std = _standards()
    got = ev.major_event_readiness(
        events,
        venues,
        keys,
        pays,
        std,
        radius_m=radius_m,
        venue_radius_m=venue_radius_m,
        as_of=as_of,
    )
    assert list(got.columns) == list(ev.MAJOR_READINESS_COLUMNS)
    # brute force: the flagged editions in series order, then by start date
    order = {k: i for i, k in enumerate(MAJOR_EVENTS)}
    flagged = events[events["major_event"].isin(list(MAJOR_EVENTS))].copy()
    flagged["_s"] = flagged["major_event"].map(order)
    flagged = flagged.sort_values(["_s", "start_date", "id"]).reset_index(drop=True)
    assert got["id"].tolist() == flagged["id"].tolist()
    assert set(got["major_event"]) == {"zgc_forum", "ciftis", "beijing_culture_forum"}
    assert (got["edition"] == flagged["start_date"].dt.year).all()
    want = _brute(flagged, venues, keys, pays, std, radius_m, venue_radius_m)
    assert got["nearby"].tolist() == [w[0] for w in want]
    assert got["covered"].tolist() == [w[1] for w in want]
    assert got["venue_points"].tolist() == [w[2] for w in want]
    share = np.array([c / n if n else np.nan for n, c, _ in want])
    np.testing.assert_allclose(got["readiness"].to_numpy(), share, equal_nan=True)
    # change: against the same series' previous edition, by hand
    changes: list[float] = []
    prev: dict[str, float] = {}
    for k, r in zip(flagged["major_event"], share):
        changes.append(r - prev[k] if k in prev else np.nan)
        prev[k] = r
    np.testing.assert_allclose(got["change"].to_numpy(), changes, equal_nan=True)
    # as of the reference date: the same neighbourhoods, the points in service then
    ref = pd.Timestamp(as_of) if as_of is not None else pays["in_service_date"].max().normalize()
    later = _brute(
        flagged.assign(start_date=ref), venues, keys, pays, std, radius_m, venue_radius_m
    )
    assert got["covered_as_of"].tolist() == [w[1] for w in later]
    assert got["venue_points_as_of"].tolist() == [w[2] for w in later]
    share_later = [c / n if n else np.nan for n, c, _ in later]
    np.testing.assert_allclose(got["readiness_as_of"].to_numpy(), share_later, equal_nan=True)
    assert got["status"].tolist() == ev.event_status(flagged, ref).tolist()
    # coverage only grows: nothing covered at an edition is uncovered later
    if as_of is None:
        assert (got["covered_as_of"] >= got["covered"]).all()
    # not degenerate: readiness differs between editions and some change is non-zero
    assert got["readiness"].nunique() > 1 and (got["change"].abs() > 0).any()


def test_major_event_readiness_without_the_column_or_majors():
    events, venues, keys, pays = _instance()
    got = ev.major_event_readiness(events, venues, keys, pays, _standards())
    assert got.empty and list(got.columns) == list(ev.MAJOR_READINESS_COLUMNS)
    events["major_event"] = None
    assert ev.major_event_readiness(events, venues, keys, pays, _standards()).empty


def test_major_filter_and_major_first_order():
    events, *_ = _instance()
    events = _with_majors(events)
    major = ev.filter_events(events, major_only=True)
    assert set(major["major_event"]) == {"zgc_forum", "ciftis", "beijing_culture_forum"}
    assert len(ev.filter_events(events)) == len(events)
    both = ev.filter_events(events, major_only=True, years=[2024])
    assert (both["start_date"].dt.year == 2024).all() and len(both) < len(major)
    ref = "2024-03-01"
    plain = ev.order_events(events, ref)
    first = ev.order_events(events, ref, major_first=True)
    assert sorted(first["id"]) == sorted(plain["id"])
    # within each status, the major editions come first, each part in the plain order
    for status in ev.STATUSES:
        p = plain[plain["status"] == status]
        f = first[first["status"] == status]
        is_major = ev.major_key(p) != ""
        assert f["id"].tolist() == p[is_major]["id"].tolist() + p[~is_major]["id"].tolist()
    assert first["status"].tolist() == sorted(first["status"], key=lambda s: ev.STATUSES.index(s))
    assert ev.major_key(events.drop(columns="major_event")).eq("").all()
