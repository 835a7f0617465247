"""The briefing holds the engine's own answers: every figure of the report equals what
the coverage, comparison, progress and siting functions return for the same inputs."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.core.targets import CITY
from dashboard.engine import progress
from dashboard.engine.briefing import build_briefing, data_period, layer_sources, resolve_districts
from dashboard.engine.coverage import assess_coverage
from dashboard.engine.layers import load_all
from loaders.standards_store import load_standards
from loaders.targets_store import shipped_targets

AS_OF = date(2025, 6, 30)
SINCE = date(2024, 6, 30)


@pytest.fixture(scope="module")
def inputs():
    return load_all(), load_standards(), shipped_targets()


@pytest.fixture(scope="module")
def briefing(inputs):
    lay, std, targets = inputs
    return build_briefing(lay, std, targets, as_of=AS_OF, since=SINCE)


def test_ranking_and_city_equal_the_engine(inputs, briefing):
    lay, std, _ = inputs
    now = assess_coverage(lay["key-locations"], lay["payments"], lay["districts"], std, as_of=AS_OF)
    then = assess_coverage(
        lay["key-locations"], lay["payments"], lay["districts"], std, as_of=SINCE
    )
    mine = briefing.comparison.set_index("adcode")
    want = now.districts.set_index(now.districts["adcode"].astype(str))
    for ad in mine.index:
        assert mine.loc[ad, "coverage"] == pytest.approx(want.loc[ad, "coverage"])
        assert mine.loc[ad, "uncovered"] == want.loc[ad, "uncovered"]
    assert briefing.city["coverage"] == pytest.approx(float(now.city["coverage"]))
    assert briefing.city_previous["coverage"] == pytest.approx(float(then.city["coverage"]))
    assert briefing.city["change"] == pytest.approx(
        float(now.city["coverage"]) - float(then.city["coverage"])
    )
    # ranking order: coverage, best first
    ranked = briefing.comparison.dropna(subset=["rank"])
    assert ranked["coverage"].is_monotonic_decreasing


def test_series_status_and_district_pages(inputs, briefing):
    lay, std, targets = inputs
    first, _ = data_period(lay["payments"])
    series = progress.coverage_series(
        lay["key-locations"], lay["payments"], lay["districts"], std, first, AS_OF
    )
    pd.testing.assert_frame_equal(briefing.series, series)
    assert set(briefing.status["adcode"]) <= {t.district for t in targets}
    # every district with key locations has a page, in ranking order
    ranked = briefing.comparison.dropna(subset=["rank"])
    assert [d.adcode for d in briefing.districts] == list(ranked["adcode"])
    now, then = (
        assess_coverage(lay["key-locations"], lay["payments"], lay["districts"], std, as_of=when)
        .districts.assign(adcode=lambda x: x["adcode"].astype(str))
        .set_index("adcode")
        for when in (AS_OF, SINCE)
    )
    for d in briefing.districts:
        for m in ("coverage", "weighted_coverage", "uncovered"):
            assert d.kpis.loc[m, "value"] == pytest.approx(now.loc[d.adcode, m])
            assert d.kpis.loc[m, "previous"] == pytest.approx(then.loc[d.adcode, m])
    d = briefing.districts[0]
    # the worst gaps are uncovered places of that district, at most five per sector
    if len(d.uncovered):
        assert (d.uncovered["adcode"] == d.adcode).all()
        assert d.uncovered.groupby("sector").size().max() <= 5
    assert d.sites_gain == int(d.sites["newly_covered"].sum())


def test_city_kpis_carry_the_city_target(briefing):
    city_target = next(t for t in briefing.targets if t.district == CITY and t.sector is None)
    due = city_target.due_after(AS_OF) or city_target.milestones[-1]
    assert briefing.city_kpis.loc["coverage", "target"] == pytest.approx(due.share)


def test_chosen_districts_in_the_order_asked(inputs):
    lay, std, targets = inputs
    chosen = resolve_districts(["海淀区", "chaoyang", "110101"], lay["districts"])
    assert chosen == ("110108", "110105", "110101")
    b = build_briefing(lay, std, targets, as_of=AS_OF, districts=chosen, sites_per_district=0)
    assert [d.adcode for d in b.districts] == list(chosen)
    assert all(d.sites.empty for d in b.districts)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"as_of": date(2020, 1, 1)}, "no data for the period"),
        ({"as_of": AS_OF, "since": date(2025, 12, 1)}, "is after --as-of"),
        ({"districts": ("999999",)}, "unknown district"),
    ],
)
def test_bad_periods_and_districts_are_refused(inputs, kwargs, message):
    lay, std, targets = inputs
    with pytest.raises(ValueError, match=message):
        build_briefing(lay, std, targets, **kwargs)


def test_unknown_district_name_lists_the_choices(inputs):
    with pytest.raises(ValueError, match="unknown district 'Atlantis'.*110101"):
        resolve_districts(["Atlantis"], inputs[0]["districts"])


def test_sources_name_synthetic_layers(inputs, briefing):
    src = layer_sources(inputs[0]).set_index("layer")
    assert src.loc["payments", "synthetic"] == int(inputs[0]["payments"]["synthetic"].sum())
    assert ("payments" in briefing.synthetic_layers) == bool(src.loc["payments", "synthetic"])
    assert "key-locations" not in briefing.synthetic_layers


def test_events_major_first_and_editions_equal_the_engine(inputs):
    from dashboard.engine.events import major_event_readiness, major_key

    lay, std, targets = inputs
    b = build_briefing(lay, std, targets, as_of=date(2025, 3, 1), sites_per_district=0)
    want = major_event_readiness(
        lay["events"],
        lay["venues"],
        lay["key-locations"],
        lay["payments"],
        std,
        as_of=date(2025, 3, 1),
    )
    assert list(b.major_editions["id"]) == list(want["id"])
    assert b.major_editions["readiness"].tolist() == pytest.approx(
        want["readiness"].tolist(), nan_ok=True
    )
    assert set(b.events["status"]) <= {"ongoing", "upcoming"}
    majors = (major_key(b.events) != "").to_numpy()
    for status in ("ongoing", "upcoming"):  # within each status, the major events first
        mine = majors[(b.events["status"] == status).to_numpy()]
        assert list(mine) == sorted(mine, reverse=True)
