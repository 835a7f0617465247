"""A district head opens the Work list of a district of thousands of items in Chromium,
offline: the map fetches served tiles and draws clusters with their counts, coloured by
reason, and every item of the district is counted in them."""

from __future__ import annotations

import json
import re

import pytest

from benchmarks.citygen import build_city
from tests.browser.conftest import settle, shot, start_server, stop_server

pytestmark = pytest.mark.browser
MAP = "[data-testid=stDeckGlJsonChart]"
DISTRICT = "110105"  # Chaoyang: the most payment points of the synthetic city
GREY = (120, 120, 120)  # "never verified", the fill of most clusters


@pytest.fixture(scope="module")
def city_url(tmp_path_factory):
    """`exchange-atlas run` on a synthetic city of 40k places and 20k payment points."""
    home = tmp_path_factory.mktemp("wl-city") / "home"
    build_city(home, 40_000, 20_000, seed=7)
    proc, url = start_server(home, tmp_path_factory.mktemp("wl-logs"))
    yield url
    stop_server(proc)


def _greyish(pg) -> int:
    """Pixels of the map canvas near the clusters' grey (blended over the district fill)."""
    return pg.evaluate(
        """() => {
        const c = document.querySelector('[data-testid=stDeckGlJsonChart] canvas');
        const off = document.createElement('canvas'); off.width = c.width; off.height = c.height;
        const ctx = off.getContext('2d'); ctx.drawImage(c, 0, 0);
        const d = ctx.getImageData(0, 0, off.width, off.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) {
          const r = d[i], g = d[i+1], b = d[i+2];
          if (d[i+3] > 200 && r > 110 && r < 150 && Math.abs(r-g) < 6 && Math.abs(g-b) < 6) n++;
        }
        return n; }"""
    )


def test_the_work_list_map_draws_clusters_at_district_zoom(city_url, page):
    tiles: list[tuple[int, int, dict]] = []

    def seen(resp):
        m = re.search(r"/atlas-tiles/\w+/(\d+)/\d+/\d+\.json", resp.url)
        if m and resp.status == 200:
            tiles.append((int(m.group(1)), resp.status, json.loads(resp.body())))

    page.on("response", seen)
    page.goto(f"{city_url}/worklist?lang=en&district={DISTRICT}")
    settle(page, 120_000)
    page.wait_for_selector(MAP + " canvas", timeout=60_000)
    heading = page.get_by_text(re.compile(r"[\d,]+ items due")).first.inner_text()
    items = int(heading.split(" ")[0].replace(",", ""))
    assert items > 2_000  # above the old cap and the tiling threshold
    page.wait_for_function(
        "() => performance.getEntriesByType('resource')"
        ".filter(e => e.name.includes('/atlas-tiles/')).length > 0",
        timeout=30_000,
    )
    page.wait_for_timeout(2500)  # the tiles in view arrive and are drawn
    assert tiles, "the map fetched no tile"
    feats = [f["properties"] for _, _, fc in tiles for f in fc["features"]]
    clusters = [p for p in feats if "n" in p]
    assert clusters, "no cluster among the tiles the map fetched"
    assert all(sum(p["k"]) == p["n"] for p in clusters)  # counts by reason add up
    zooms = {z for z, _, _ in tiles}
    assert max(zooms) < 15  # district zoom: not single places
    # the tiles of the deepest zoom fetched hold every item of the district (all in view)
    deepest = max(zooms)
    counted = sum(
        f["properties"].get("n", 1) for z, _, fc in tiles if z == deepest for f in fc["features"]
    )
    assert counted == items
    # and they are drawn: grey discs (most items were never verified) on the canvas
    assert _greyish(page) > 2_000
    shot(page, "worklist-map-clusters")
    assert not page.errors
    labels = page.locator("[data-testid=atlas-class-legend]").inner_text()
    assert "Never verified" in labels and "Failed its latest check" in labels
    assert page.get_by_text("a circle with a number stands for that many places").count()
    assert not page.get_by_text("The map shows the first").count()
