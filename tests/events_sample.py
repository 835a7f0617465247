"""A small, hand-written events layer at the shipped venues, for the app and browser tests.

The shipped ``geodata/events.csv`` may be empty while events are being gathered; these
tests import this table into their private workspace so they never depend on it.
"""

from __future__ import annotations

import pandas as pd

#: (id, name_zh, name_en, category, venue_id, start, end)
ROWS = [
    ("TE01", "中关村论坛", "Zhongguancun Forum", "forum", "V001", "2023-05-25", "2023-05-30"),
    (
        "TE02",
        "服贸会",
        "China International Fair for Trade in Services",
        "fair",
        "V001",
        "2024-09-12",
        "2024-09-16",
    ),
    (
        "TE03",
        "北京国际图书博览会",
        "Beijing International Book Fair",
        "exhibition",
        "V001",
        "2025-06-18",
        "2025-06-22",
    ),
    ("TE04", "金融街论坛", "Financial Street Forum", "forum", "V004", "2024-10-18", "2024-10-20"),
    ("TE05", "北京文化论坛", "Beijing Culture Forum", "forum", "V009", "2025-09-24", "2025-09-25"),
    (
        "TE06",
        "国际电影节",
        "Beijing International Film Festival",
        "festival",
        "V005",
        "2025-04-18",
        "2025-04-26",
    ),
    (
        "TE07",
        "<b>测试</b>展",
        "<img src=x onerror=alert(1)> Expo",
        "exhibition",
        "V002",
        "2023-11-01",
        "2023-11-05",
    ),
    (
        "TE08",
        "亦庄机器人大会",
        "World Robot Conference",
        "conference",
        "V008",
        "2024-08-21",
        "2024-08-25",
    ),
    (
        "TE09",
        "首钢科幻大会",
        "Sci-fi Convention at Shougang",
        "conference",
        "V013",
        "2023-12-30",
        "2024-01-02",
    ),
    (
        "TE10",
        "无场馆活动",
        "Event without a listed venue",
        "festival",
        "",
        "2024-05-01",
        "2024-05-03",
    ),
]

#: The sample events that are editions of the four major events (``major_event``).
MAJOR = {
    "TE01": "zgc_forum",
    "TE02": "ciftis",
    "TE04": "financial_street_forum",
    "TE05": "beijing_culture_forum",
}


def sample_events(venues: pd.DataFrame) -> pd.DataFrame:
    """The sample rows with coordinates and adcodes copied from ``venues`` (as SCHEMA.md says).

    The venue-less event sits at the first venue's coordinates, shifted ~300 m east.
    """
    v = venues.set_index(venues["id"].astype(str))
    rows = []
    for eid, zh, en, cat, vid, start, end in ROWS:
        src = v.loc[vid] if vid else v.iloc[0]
        rows.append(
            {
                "id": eid,
                "name_zh": zh,
                "name_en": en,
                "category": cat,
                "venue_id": vid or None,
                "major_event": MAJOR.get(eid),
                "start_date": start,
                "end_date": end,
                "adcode": str(src["adcode"]),
                "lon": float(src["lon"]) + (0.0 if vid else 0.0035),
                "lat": float(src["lat"]),
            }
        )
    return pd.DataFrame(rows)


def install(home) -> pd.DataFrame:
    """Import the sample events into the workspace ``home`` (replacing any); return them."""
    from dashboard.engine.layers import load_layer
    from loaders.workspace import commit

    frame = sample_events(load_layer("venues", home))
    commit("events", frame, replace=True, home=home, source="tests/events_sample.py")
    return frame
