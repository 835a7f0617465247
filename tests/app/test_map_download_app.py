"""Every map page has "map as HTML" and "map as PNG" under its map (AppTest), and what the
buttons hand over when clicked is the file of that map."""

from __future__ import annotations

import re

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from dashboard.core.i18n import t
from dashboard.engine.layers import load_layer
from tests.app.conftest import open_page


def district_names(lang: str) -> dict[str, str]:
    d = load_layer("districts")
    return dict(zip(d["adcode"], d["name_en" if lang == "en" else "name_zh"]))


#: (page file, query, page name in the file names, district in the file names)
MAP_PAGES = [
    (None, {}, "overview", "all"),
    ("../pages/explore.py", {"district": "110108"}, "explore", "110108"),
    ("../pages/district.py", {"district": "110105"}, "district", "110105"),
    ("../pages/events.py", {"ev_tab": "event"}, "events", "all"),
]


@pytest.fixture
def deferred(monkeypatch):
    """The callables the download buttons register (Streamlit runs them on a click)."""
    seen: dict[str, tuple] = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        file_id = original(self, data_callable, mimetype, coordinates, file_name, **kw)
        seen[file_id] = (data_callable, mimetype, file_name)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return seen


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("page", "query", "name", "district"), MAP_PAGES)
def test_map_pages_have_both_buttons(private_home, deferred, page, query, name, district, lang):
    at = open_page(page, {**query, "lang": lang})
    assert not at.exception
    buttons = {b.proto.label: b.proto for b in at.get("download_button")}
    html_label = "下载地图（HTML）" if lang == "zh" else "Map as HTML"
    png_label = "下载地图（PNG）" if lang == "zh" else "Map as PNG"
    assert html_label in buttons and png_label in buttons
    # built only on a click: nothing is generated while the page runs
    for label, ext, mime in ((html_label, "html", "text/html"), (png_label, "png", "image/png")):
        proto = buttons[label]
        assert proto.HasField("deferred_file_id") and proto.ignore_rerun
        _fn, got_mime, file_name = deferred[proto.deferred_file_id]
        assert got_mime == mime
        assert re.fullmatch(rf"atlas-{name}-{district}-\d{{4}}-\d\d-\d\d\.{ext}", file_name)


def test_clicking_gives_the_map_of_the_page(private_home, deferred):
    at = open_page("../pages/district.py", {"district": "110105", "lang": "en"})
    assert not at.exception
    files = {name.rsplit(".", 1)[1]: fn for fn, _mime, name in deferred.values()}
    html = files["html"]()
    assert html.startswith("<!DOCTYPE html>")
    title = f"{t('page_district', 'en')} · {district_names('en')['110105']}"
    assert f"<title>{title}</title>" in html
    assert not re.search(r"<(script|link)[^>]+(src|href)\s*=", html)
    # the page's payment points are generated data, and the file says so
    assert "illustrative" in html
    png = files["png"]()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_data_page_preview_map_has_both_buttons(private_home, deferred, lang):
    at = open_page("../pages/data.py", {"lang": lang})
    at.toggle(key="data_example").set_value(True).run()
    assert not at.exception
    labels = {b.proto.label for b in at.get("download_button")}
    want = (
        ("下载地图（HTML）", "下载地图（PNG）") if lang == "zh" else ("Map as HTML", "Map as PNG")
    )
    assert set(want) <= labels
