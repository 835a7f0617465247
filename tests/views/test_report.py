"""The report's blocks and formats: display of numbers, section numbering, sheet names, the
offline gap maps (every point drawn or sampled and said so) and the missing-glyph notice."""

from __future__ import annotations

import io
import json
from datetime import date

import pandas as pd
import pytest
from PIL import Image

from dashboard.engine.briefing import build_briefing
from dashboard.engine.coverage import in_service
from dashboard.engine.layers import load_all
from dashboard.views import render
from dashboard.views.report import CORE_MAP, Heading, Table, cell_text, report_blocks
from dashboard.views.report_formats import all_text, sheet_names
from dashboard.views.report_maps import map_maker
from loaders.standards_store import shipped_standards
from loaders.targets_store import shipped_targets


@pytest.fixture(scope="module")
def setup():
    lay = load_all()
    b = build_briefing(lay, shipped_standards(), shipped_targets(), as_of=date(2025, 6, 30))
    live = lay["payments"][in_service(lay["payments"], b.as_of)]
    return lay, b, live


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (0.3412, "share", "34.1%"),
        (0.025, "pp", "+2.5 pp"),
        (-0.01, "pp", "-1.0 pp"),
        (12345, "count", "12,345"),
        (0.5, "num", "0.50"),
        (float("nan"), "share", "—"),
        (float("inf"), "count", "—"),
        (None, "count", "—"),
        ("=1+1", "text", "=1+1"),
    ],
)
def test_cell_text(value, kind, text):
    assert cell_text(value, kind) == text


def test_sections_numbered_in_order_in_both_languages(setup):
    lay, b, live = setup
    for lang, first, second in (("zh", "一、", "二、"), ("en", "1. ", "2. ")):
        blocks = report_blocks(b, lang)
        heads = [x.text for x in blocks if isinstance(x, Heading) and x.level == 1]
        assert heads[0].startswith(first) and heads[1].startswith(second)
        assert len(heads) >= 6  # summary, ranking, trend, status, districts, events, method


def test_sheet_names_unique_and_excel_safe():
    tables = [Table(name, "", pd.DataFrame()) for name in ["a/b", "x" * 40, "x" * 40, "A/B"]]
    names = sheet_names(tables)
    assert len(set(n.casefold() for n in names)) == 4
    assert all(len(n) <= 31 and "/" not in n for n in names)


def test_district_map_is_the_profiles_gap_map_drawn_offline(setup):
    lay, b, live = setup
    d = b.districts[0]
    fig = map_maker(lay["districts"], live)(b, d.adcode, "zh")
    assert fig is not None and fig.raster
    png = render.png(fig.spec, scale=1)
    im = Image.open(io.BytesIO(png))
    assert im.size[0] >= 600 and len(im.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 10
    text = json.dumps(fig.spec, ensure_ascii=False)
    mine = b.places[b.places["adcode"].astype(str) == d.adcode]
    n_cov = int(mine["covered"].sum())
    assert f"已覆盖的重点场所（{n_cov}）" in text  # the legend counts the district's places
    assert f"（{len(mine) - n_cov}）" in text
    assert "http" not in str(fig.spec.get("data", "")) and "url" not in str(fig.spec["layer"])


def test_city_and_core_maps_are_in_the_report(setup):
    lay, b, live = setup
    maps = map_maker(lay["districts"], live)
    blocks = report_blocks(b, "zh", maps=maps)
    captions = [getattr(x, "caption", "") for x in blocks]
    assert any("中心城区" in c for c in captions)
    assert sum("离线绘制" in c for c in captions) == 2 + len(b.districts)
    assert maps(b, CORE_MAP, "zh") is not None


def test_missing_glyphs_named():
    assert render.missing_glyphs("朝阳区 Chaoyang 34.1%") == []
    assert render.missing_glyphs("䜣䜣") == ["䜣"]
    blocks = [Heading("标题"), Table("s", "表", pd.DataFrame({"名称": ["䜣"]}))]
    assert "䜣" in all_text(blocks)


def test_standards_rationale_in_the_reports_language(setup):
    lay, b, live = setup
    for lang in ("zh", "en"):
        table = next(
            x
            for x in report_blocks(b, lang)
            if isinstance(x, Table)
            and x.frame.shape[1] == 5
            and x.title == ("现行服务标准" if lang == "zh" else "The service standards in force")
        )
        want = [s.rationale_in(lang) for s in b.standards.values()]
        assert list(table.frame.iloc[:, 4]) == want
    hotel = b.standards["hotel"]
    assert hotel.rationale_in("zh") != hotel.rationale_in("en")  # a Chinese line ships
