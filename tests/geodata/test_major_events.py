"""The four major international events in the shipped events data: flagged, sourced, dated,
held at a shipped venue, and every flagged edition listed in PROVENANCE.md."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from dashboard.core.model import MAJOR_EVENTS, DataValidationError
from dashboard.engine.layers import load_all, points_frame

PROVENANCE = Path(__file__).resolve().parents[2] / "geodata" / "PROVENANCE.md"


@pytest.fixture(scope="module")
def layers(tmp_path_factory):
    return load_all(home=tmp_path_factory.mktemp("empty-home"))


@pytest.fixture(scope="module")
def majors(layers) -> pd.DataFrame:
    ev = layers["events"]
    return ev[ev["major_event"].fillna("").astype(str) != ""]


def test_every_series_has_editions_2023_to_2025(majors):
    assert set(majors["major_event"]) == set(MAJOR_EVENTS)
    for key in MAJOR_EVENTS:
        years = set(majors.loc[majors["major_event"] == key, "start_date"].dt.year)
        assert years >= {2023, 2024, 2025}, key


def test_every_major_row_has_dates_venue_and_sources(layers, majors):
    assert majors["start_date"].notna().all() and majors["end_date"].notna().all()
    assert (majors["end_date"] >= majors["start_date"]).all()
    venues = layers["venues"].set_index("id")
    assert majors["venue_id"].isin(venues.index).all()
    # the event sits where its venue is (SCHEMA.md: coordinates copied from the venue)
    v = venues.loc[majors["venue_id"]]
    assert (abs(v["lon"].to_numpy() - majors["lon"].to_numpy()) < 1e-6).all()
    assert (abs(v["lat"].to_numpy() - majors["lat"].to_numpy()) < 1e-6).all()
    assert (majors["coord_precision_m"] > 0).all()
    for src in majors["source"]:
        urls = [u.strip() for u in src.split(";")]
        # the venue's coordinate page and at least one page for the dates
        assert len(urls) >= 2 and all(re.match(r"^https?://\S+$", u) for u in urls), src


def test_one_edition_per_series_and_year(majors):
    key = pd.DataFrame({"s": majors["major_event"], "y": majors["start_date"].dt.year})
    assert not key.duplicated().any()


def test_provenance_lists_every_flagged_edition(majors):
    text = PROVENANCE.read_text(encoding="utf-8")
    for eid in majors["id"]:
        assert f"| {eid} |" in text or f"**{eid}**" in text, eid
    assert "Not included: no source found" in text


def test_unknown_series_key_is_refused_naming_row_and_column(layers):
    ev = pd.DataFrame(layers["events"].drop(columns="geometry")).head(3).copy()
    ev["major_event"] = ["zgc_forum", "", "olympics"]
    with pytest.raises(DataValidationError) as err:
        points_frame(ev, "events", file="events.csv")
    assert "events.csv, row 3, column 'major_event'" in str(err.value)
    assert "olympics" in str(err.value)
