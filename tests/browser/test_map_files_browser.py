"""Any map as a file, in a real browser: the District profile's "map as HTML" and "map as
PNG" downloads, the HTML opened from disk with every request refused (it draws its map and
asks for nothing), and hostile names shown as text in its tooltips."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dashboard.engine import layers as data
from dashboard.views import map_files, maps
from tests.browser.conftest import ARTIFACTS, settle

pytestmark = pytest.mark.browser

#: Set in the file's window by anything the hostile name could make run.
HOSTILE = (
    '<script>window.PWNED=1</script><img src=x onerror="window.PWNED=2"> '
    "<b>bold</b> $& $' {tt_sub}"
)
#: Records what the page asked for and what its Content-Security-Policy refused.
WATCH_JS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture
def offline_file_page(browser):
    """A page that may load file:// URLs only: anything else is refused and recorded."""
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = ctx.new_page()
    pg.requests, pg.errors = [], []

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            pg.requests.append(r.request.url)
            r.abort()

    pg.route("**/*", route)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.add_init_script(WATCH_JS)
    yield pg
    ctx.close()


def _open(pg, path: Path) -> None:
    pg.goto(path.resolve().as_uri())
    pg.wait_for_function(
        "() => window.atlasDeck && document.querySelector('#deck-container canvas')",
        timeout=30_000,
    )
    pg.wait_for_timeout(2_500)  # deck.gl draws on the next animation frames


def _painted(pg) -> int:
    """Pixels of the map area that differ from its empty background."""
    box = pg.locator("#deck-container").bounding_box()
    img = np.asarray(Image.open(io.BytesIO(pg.screenshot(clip=box))).convert("RGB"), dtype=int)
    bg = img[2, 2]
    return int((np.abs(img - bg).max(axis=2) > 24).sum())


def _nothing_asked(pg) -> None:
    assert pg.requests == []
    assert pg.evaluate("window.__csp") == []
    assert pg.errors == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_district_map_downloads_open_offline(page, app_url, offline_file_page, tmp_path, lang):
    page.goto(f"{app_url}/district?district=110105&lang={lang}")
    settle(page)
    page.wait_for_selector("[data-testid=stDeckGlJsonChart] canvas", timeout=30_000)
    html_label = "下载地图（HTML）" if lang == "zh" else "Map as HTML"
    png_label = "下载地图（PNG）" if lang == "zh" else "Map as PNG"
    with page.expect_download(timeout=60_000) as got:
        page.get_by_role("button", name=html_label).click()
    html_file = tmp_path / got.value.suggested_filename
    got.value.save_as(html_file)
    assert html_file.name.startswith("atlas-district-110105-")
    with page.expect_download(timeout=60_000) as got:
        page.get_by_role("button", name=png_label).click()
    png = Path(got.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", png[16:24])
    assert w >= 1600 and h >= 1200  # 900 × 700 px of map at scale 2, plus title and legend
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"map-file-district-{lang}.png").write_bytes(png)

    pg = offline_file_page
    _open(pg, html_file)
    _nothing_asked(pg)
    assert _painted(pg) > 5_000  # outlines, the chosen district and its points
    legend = pg.locator("[data-testid=atlas-legend]").inner_text()
    assert ("未覆盖的重点场所" if lang == "zh" else "Uncovered key location") in legend
    pg.screenshot(path=str(ARTIFACTS / f"map-file-html-{lang}.png"))


def test_hostile_names_are_text_in_the_file_tooltips(offline_file_page, tmp_path):
    districts = data.load_layer("districts")
    names = dict(zip(districts["adcode"], districts["name_en"]))
    recs = maps.point_records(
        data.load_layer("key-locations").head(5), "key-locations", "en", names
    )
    recs[0].update(tt_title=HOSTILE, lon=116.0, lat=40.6)  # alone, away from the others
    deck = maps.make_deck(
        [
            maps.district_layer(maps.districts_geojson(districts, "en"), pickable=False),
            maps.point_layer(recs, "key-locations", 8),
        ],
        maps.BEIJING_VIEW,
    )
    path = tmp_path / "hostile.html"
    path.write_text(map_files.deck_html(deck, lang="en", title=HOSTILE), "utf-8")
    pg = offline_file_page
    _open(pg, path)
    assert pg.title() == HOSTILE  # the title is text too
    x, y = pg.evaluate(
        """() => { const v = atlasDeck.getViewports()[0];
        const r = document.getElementById('deck-container').getBoundingClientRect();
        const [x, y] = v.project([116.0, 40.6]); return [x + r.left, y + r.top]; }"""
    )
    pg.mouse.move(x + 4, y + 4)
    pg.mouse.move(x, y)
    tip = pg.locator(".deck-tooltip")
    tip.wait_for(state="visible", timeout=5_000)
    assert HOSTILE in tip.inner_text()
    assert tip.locator("img, script, b b").count() == 0
    assert pg.evaluate("window.PWNED") is None
    _nothing_asked(pg)
