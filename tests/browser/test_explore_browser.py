"""Planner journeys on the map explorer in Chromium, offline."""

from __future__ import annotations

import math
import struct
import zlib

import pytest

from dashboard.engine.layers import read_districts
from dashboard.views import maps
from tests.browser.conftest import choose, loopback_server, settle, shot

pytestmark = pytest.mark.browser
MAP = "[data-testid=stDeckGlJsonChart]"


def _png(rgb: tuple[int, int, int]) -> bytes:
    raw = b"".join(b"\x00" + bytes(rgb) * 256 for _ in range(256))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    head = struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", head)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def tile_server():
    """A real XYZ tile server on loopback serving one flat colour."""
    with loopback_server(_png((255, 0, 255))) as (base, hits):
        yield base + "/{z}/{x}/{y}.png", hits


def _project(lon: float, lat: float, view: dict, w: float, h: float) -> tuple[float, float]:
    """Web-Mercator pixel of (lon, lat) in a deck.gl view of size w×h (512 px tiles)."""
    scale = 512 * 2 ** view["zoom"] / (2 * math.pi)

    def merc(lo, la):
        return math.radians(lo), math.log(math.tan(math.pi / 4 + math.radians(la) / 2))

    x0, y0 = merc(view["longitude"], view["latitude"])
    x, y = merc(lon, lat)
    return w / 2 + (x - x0) * scale, h / 2 - (y - y0) * scale


def _count_pixels(pg, rgb: tuple[int, int, int]) -> int:
    return pg.evaluate(
        """([r, g, b]) => {
        let n = 0;
        for (const c of document.querySelectorAll('[data-testid=stDeckGlJsonChart] canvas')) {
          const off = document.createElement('canvas'); off.width = c.width; off.height = c.height;
          const ctx = off.getContext('2d'); ctx.drawImage(c, 0, 0);
          const d = ctx.getImageData(0, 0, off.width, off.height).data;
          for (let i = 0; i < d.length; i += 4 * 13)
            if (Math.abs(d[i]-r) < 8 && Math.abs(d[i+1]-g) < 8 && Math.abs(d[i+2]-b) < 8) n++;
        }
        return n; }""",
        list(rgb),
    )


def test_planner_clicks_a_place_and_sees_its_payment_points(app_url, page):
    page.goto(app_url + "/explore?lang=en&district=110101")
    settle(page)
    page.wait_for_selector(MAP + " canvas", timeout=30_000)
    page.wait_for_timeout(1500)
    box = page.locator(MAP).bounding_box()
    view = maps.view_for(read_districts(), "110101")
    # the Beijing Hotel (key location, published WGS-84 coordinate)
    x, y = _project(116.403987, 39.907745, view, box["width"], box["height"])
    # deck.gl picks on hover then taps: move, press, release (a bare click can miss)
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.wait_for_timeout(300)
    page.mouse.down()
    page.wait_for_timeout(80)
    page.mouse.up()
    page.wait_for_function(
        "() => document.body.innerText.includes('Nearest payment points')", timeout=20_000
    )
    settle(page)
    text = page.inner_text("[data-testid=stMain]")
    assert "Nearest payment points" in text
    assert "Click a point on the map" not in text
    shot(page, "explore-click-details-en")
    assert page.errors == []


def test_online_basemap_failing_leaves_map_usable(app_url, page):
    # the page fixture blocks every request off loopback: AMap tiles cannot load
    page.goto(app_url + "/explore?lang=zh&basemap=amap")
    settle(page)
    page.wait_for_selector(MAP + " canvas", timeout=30_000)
    page.wait_for_timeout(2000)
    assert "高德" in page.inner_text("[data-testid=stMain]")
    # overlays still drawn: the payment-point green is on the canvas
    assert _count_pixels(page, (20, 150, 90)) > 0
    shot(page, "explore-amap-offline-zh")
    assert page.errors == []


def test_custom_xyz_basemap_from_loopback(app_url, page, tile_server):
    page.goto(app_url + "/explore?lang=en")
    settle(page)
    page.wait_for_selector(MAP + " canvas", timeout=30_000)
    # switch the basemap in the session: the same map updates (no remount)
    box = page.get_by_label("Basemap", exact=True)
    box.click()
    box.fill("Custom")
    page.get_by_role("option", name="Custom XYZ").click()
    settle(page)
    url, hits = tile_server
    page.get_by_label("Tile URL template").fill(url)
    page.keyboard.press("Enter")
    settle(page)
    page.wait_for_timeout(2500)
    shot(page, "explore-custom-basemap")
    # the basemap canvas (MapLibre) cannot be read back, so count tile requests; the
    # screenshot shows them drawn under the overlays
    assert len(hits) >= 4, "no tiles were requested from the custom URL"
    assert all(h.count("/") == 3 and h.endswith(".png") for h in hits)
    assert page.errors == []


def test_rollout_playback_advances_the_date(app_url, page):
    page.goto(app_url + "/explore?lang=en&as_of=2023-03-01")
    settle(page)
    page.get_by_text("▶ Play").click()
    page.wait_for_function(
        "() => /Playing: 2023-0[4-9]/.test(document.body.innerText)", timeout=20_000
    )
    page.get_by_text("▶ Play").click()  # toggle off: pause
    settle(page)
    from urllib.parse import parse_qs, urlparse

    as_of = parse_qs(urlparse(page.url).query).get("as_of", [""])[0]
    assert "2023-04-01" <= as_of < "2025-01-01", page.url  # paused where it had got to
    page.wait_for_timeout(2000)
    assert "Playing:" not in page.inner_text("[data-testid=stMain]")  # pause stops it
    assert page.errors == []


def _shown(pg) -> str:
    """The map's 'Shown: …' caption (how many of each layer are on the map)."""
    return pg.get_by_test_id("stCaptionContainer").filter(has_text="Shown:").inner_text()


def test_planner_filters_in_an_expander_that_stays_open(app_url, page):
    """The filters are drawn only while their expander is open; they apply either way."""
    page.goto(app_url + "/explore?lang=en&district=110105")
    settle(page)
    main = page.locator("[data-testid=stMain]")
    assert main.locator("[data-testid=stMultiSelect]").count() == 0  # closed: not drawn
    before = _shown(page)
    page.get_by_text("Filters", exact=True).click()
    settle(page)
    choose(page, "Key-location sectors", "Accommodation")
    # the label counts the filter and the expander stays open under its new label
    assert page.get_by_text("Filters · 1 active", exact=True).is_visible()
    sectors = main.locator("[data-testid=stMultiSelect]").filter(has_text="Key-location sectors")
    assert "Accommodation" in sectors.inner_text()
    filtered = _shown(page)
    assert filtered != before
    shot(page, "explore-filters-open-en")
    page.get_by_text("Filters · 1 active", exact=True).click()  # close it
    settle(page)
    assert main.locator("[data-testid=stMultiSelect]").count() == 0
    assert _shown(page) == filtered  # still filtered
    assert "sectors=accommodation" in page.url
    assert page.errors == []
