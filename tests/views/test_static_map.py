"""Static maps (Vega-Lite without tiles): frame, layers, legend in both languages, thinning,
and a real drawing to PNG of the size asked for."""

from __future__ import annotations

import io
import json
import re
import struct

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from dashboard.engine import layers as data
from dashboard.engine.coverage import assess_coverage
from dashboard.views import charts, render
from dashboard.views import static_map as sm
from loaders.standards_store import load_standards


@pytest.fixture(scope="module")
def districts():
    return data.load_layer("districts")


@pytest.fixture(scope="module")
def coverage(districts):
    kl, pay = data.load_layer("key-locations"), data.load_layer("payments")
    return assess_coverage(kl, pay, districts, load_standards()), pay


def _size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", png[16:24])
    return w, h


def _points(spec: dict) -> int:
    return sum(
        len(part["data"]["values"])
        for part in spec["layer"]
        if part["mark"]["type"] == "point" and part["mark"].get("opacity") != 0
    )


def test_frame_fits_the_extent_in_the_map():
    frame = sm.Frame.fit((116.0, 39.6, 117.0, 40.4), 800, 600)
    x, y = frame.pixels(np.array([116.0, 117.0, 116.5]), np.array([39.6, 40.4, 40.0]))
    assert (x >= 0).all() and (x <= 800).all() and (y >= 0).all() and (y <= 600).all()
    assert x[1] > x[0] and y[1] < y[0]  # east is right, north is up
    # the wider side fills the frame up to its margin
    span_x, span_y = x[1] - x[0], y[0] - y[1]
    assert max(span_x / 800, span_y / 600) == pytest.approx(1 / (1 + 2 * sm.MARGIN), rel=1e-6)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_gap_map_renders_with_its_legend(districts, coverage, lang):
    cov, pay = coverage
    places = cov.places
    spec = sm.gap_map_spec(
        districts, places, places["covered"], lang=lang, payments=pay, width=640, height=480
    )
    png = render.png(spec, scale=2)
    w, h = _size(png)
    assert w == 2 * (640 + 2 * spec["padding"])  # the map's width; the legend sits below
    assert h > 2 * (480 + 2 * spec["padding"])
    svg = render.svg(spec)
    n_cov, n_unc = int(places["covered"].sum()), int((~places["covered"]).sum())
    if lang == "zh":
        assert f"已覆盖的重点场所（{n_cov:,}）" in svg
        assert f"未覆盖的重点场所（缺口）（{n_unc:,}）" in svg
        assert "朝阳区" in svg
    else:
        assert f"Covered key location ({n_cov:,})" in svg
        assert f"Uncovered key location (gap) ({n_unc:,})" in svg
        assert "Chaoyang" in svg
    assert f"({len(pay):,})" in svg or f"（{len(pay):,}）" in svg
    text = " ".join(re.findall(r">([^<>]+)</text>", svg))
    assert render.missing_glyphs(text) == []  # the bundled font draws every character
    # the colours are the District profile's
    blob = json.dumps(spec)
    for rgba in (charts.COVERED_RGBA, charts.UNCOVERED_RGBA, charts.PAYMENT_RGBA):
        assert sm.css(rgba[:3]) in blob


def test_district_gap_map_draws_only_its_own_points(districts, coverage):
    cov, pay = coverage
    places = cov.places
    spec = sm.gap_map_spec(
        districts, places, places["covered"], lang="en", payments=pay, focus_adcode="110105"
    )
    here = places[places["adcode"] == "110105"]
    pay_here = pay[pay["adcode"] == "110105"]
    assert _points(spec) == len(here) + len(pay_here)
    # the frame is the district's: its bounds map inside the picture
    frame = sm.Frame.fit(sm.extent_of(districts, "110105"), 800, 600)
    assert spec["projection"] == frame.projection()


def test_many_points_are_thinned_and_the_map_says_so(districts):
    rng = np.random.default_rng(7)
    n = 60_000
    pts = pd.DataFrame({"lon": rng.uniform(116.1, 116.7, n), "lat": rng.uniform(39.7, 40.1, n)})
    spec = sm.map_spec(
        districts, [sm.MapLayer.dots(pts, "Payment points", (20, 150, 90))], lang="en"
    )
    assert _points(spec) <= sm.MAX_MARKS
    assert any("More than 20,000 points" in s for s in spec["title"]["subtitle"])
    assert "Payment points (60,000)" in json.dumps(spec)  # the real count
    assert len(json.dumps(spec)) < 3_000_000


def test_few_points_are_all_drawn_and_nothing_is_said(districts):
    pts = pd.DataFrame({"lon": [116.4, 116.5], "lat": [39.9, 40.0]})
    spec = sm.map_spec(districts, [sm.MapLayer.rings(pts, "Gaps", (220, 30, 30))], lang="zh")
    assert _points(spec) == 2
    assert "title" not in spec
    ring = next(p for p in spec["layer"] if p["mark"]["type"] == "point")
    assert ring["mark"]["filled"] is False and "stroke" in ring["encoding"]


def test_empty_layers_are_left_out_of_the_legend(districts):
    empty = pd.DataFrame({"lon": [], "lat": []})
    spec = sm.map_spec(districts, [sm.MapLayer.dots(empty, "Nothing", (0, 0, 0))], lang="en")
    assert "Nothing" not in json.dumps(spec)
    _size(render.png(spec, scale=1))  # and it still draws


def test_areas_fill_only_themselves_whatever_their_winding():
    """An anticlockwise ring (RFC 7946, H3's boundaries) is drawn as the small shape, not
    as the whole globe but it (Vega's spherical winding is the other way round)."""
    ccw = [[116.40, 39.90], [116.42, 39.90], [116.42, 39.92], [116.40, 39.92], [116.40, 39.90]]
    feats = [
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"fill": [200, 0, 0, 255]},
        }
        for ring in (ccw, ccw[::-1])
    ]
    for feat in feats:
        spec = sm.map_spec(
            None,
            [sm.MapLayer.areas([feat])],
            lang="en",
            width=200,
            height=200,
            extent=(116.3, 39.8, 116.5, 40.0),
        )
        img = np.asarray(Image.open(io.BytesIO(render.png(spec, scale=1))).convert("RGB"))
        pad = spec["padding"]
        assert tuple(img[pad + 92, pad + 108]) == (200, 0, 0)  # the square, up right of centre
        assert tuple(img[pad + 10, pad + 10]) == (255, 255, 255)  # and nothing else


def test_a_district_map_is_cut_to_its_frame_and_needs_no_clip(districts, coverage):
    """The rasteriser draws a clipped mark through a mask the size of the picture (about a
    second per layer of a report map); the map's polygons are cut to the frame instead,
    simplified to half a pixel, and no mark is clipped — the picture the same size."""
    cov, pay = coverage
    places = cov.places
    spec = sm.gap_map_spec(
        districts, places, places["covered"], lang="zh", payments=pay, focus_adcode="110101"
    )
    assert "clip" not in json.dumps([part["mark"] for part in spec["layer"]])
    frame = sm.Frame.fit(sm.extent_of(districts, "110101"), 800, 600)
    lon0, lat0, lon1, lat1 = frame.bounds(pad_px=1.0)
    area = next(p for p in spec["layer"] if p["mark"]["type"] == "geoshape")
    coords = np.array(
        re.findall(r"\[(-?\d+\.\d+), (-?\d+\.\d+)\]", json.dumps(area["data"]["values"])),
        dtype=float,
    )
    eps = 1e-9
    assert len(coords)
    assert (coords[:, 0] >= lon0 - eps).all() and (coords[:, 0] <= lon1 + eps).all()
    assert (coords[:, 1] >= lat0 - eps).all() and (coords[:, 1] <= lat1 + eps).all()
    for part in spec["layer"]:  # every dot and name centred inside the frame
        if part["mark"]["type"] in ("point", "text") and part["mark"].get("opacity") != 0:
            rows = pd.DataFrame(part["data"]["values"])
            x, y = frame.pixels(rows["lon"].to_numpy(), rows["lat"].to_numpy())
            assert (x >= -1).all() and (x <= 801).all() and (y >= -1).all() and (y <= 601).all()
    png = render.png(spec, scale=1.0)
    w, h = _size(png)
    assert 800 <= w <= 800 + 60 and h >= 600  # padding, title and legend; nothing beyond
