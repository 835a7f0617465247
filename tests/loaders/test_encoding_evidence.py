"""Encoding detection over the whole file: what counts as evidence of UTF-8 inside a
GBK/Big5 file, where the GBK-or-Big5 sample is taken, and what the check costs.

The bytes of some GBK text are valid UTF-8 by chance ("稷场" in GBK is the UTF-8 of the
rare character "𢳡"); such a line is not evidence that the file mixes encodings, real
UTF-8 Chinese is.
"""

from __future__ import annotations

import json

import pytest

from dashboard.cli import main
from dashboard.engine.layers import load_layer
from loaders.errors import LoaderError
from loaders.readers import detect_encoding

from .conftest import snapshot

ASCII_HEAD = "name,category,lon,lat\n"
CHANCE = "稷场,hotel,116.41,39.91\n"  # its GBK bytes decode as UTF-8 ('𢳡,hotel,...')
GBK_ROW = "北京饭店,hotel,116.42,39.92\n"


def test_the_chance_line_really_is_valid_utf8():
    assert CHANCE.encode("gbk").decode("utf-8").startswith("\U00022ce1")


@pytest.mark.parametrize(
    "lines",
    [
        [CHANCE, GBK_ROW],  # the chance line before the first line that is not UTF-8
        [GBK_ROW, CHANCE, GBK_ROW],  # ... and after it
        [GBK_ROW * 3000, CHANCE, GBK_ROW],
    ],
    ids=["before", "after", "far-after"],
)
def test_gbk_text_that_happens_to_be_valid_utf8_is_not_a_mixed_file(lines):
    data = (ASCII_HEAD + "".join(lines)).encode("gbk")
    assert detect_encoding(data, "legit.csv") == "gb18030"


def test_a_legit_gbk_file_with_a_chance_utf8_line_imports_its_names(tmp_path, home):
    src = tmp_path / "legit.csv"
    src.write_bytes((ASCII_HEAD + GBK_ROW + CHANCE).encode("gbk"))
    assert main(["import", str(src), "--layer", "key-locations", "--crs", "wgs84"]) == 0
    assert {"北京饭店", "稷场"} <= set(load_layer("key-locations", home)["name_zh"])


@pytest.mark.parametrize(
    ("utf8", "expected_line"),
    [
        ("北京饭店,hotel,116.41,39.91\n", 3),  # simplified Chinese
        ("臺北車站,hotel,116.41,39.91\n", 3),  # traditional Chinese
        ("第三届“一带一路”国际合作高峰论坛,forum,116.41,39.91\n", 3),  # with curly quotes
    ],
)
def test_real_utf8_chinese_after_gbk_is_still_refused(utf8, expected_line):
    data = (ASCII_HEAD + GBK_ROW).encode("gbk") + utf8.encode("utf-8")
    with pytest.raises(LoaderError, match=f"line {expected_line} is UTF-8 but line 2 is not"):
        detect_encoding(data, "mixed.csv")


def test_utf8_chinese_before_a_gbk_line_is_refused_even_when_one_line_is_odd():
    """A UTF-8 part is evidence as soon as two lines have wide characters, whatever they
    are (an emoji and Hangul here), not only when the first one reads as Chinese."""
    data = (ASCII_HEAD + "🏨 Hotel,hotel,1,2\n" + "서울,hotel,1,2\n").encode() + GBK_ROW.encode(
        "gbk"
    )
    with pytest.raises(LoaderError, match="line 2 is UTF-8 but line 4 is not"):
        detect_encoding(data, "mixed.csv")


def _ascii_rows(n: int) -> str:
    return "".join(f"Hotel {i},hotel,116.41,39.91\n" for i in range(n))


def test_big5_after_more_than_the_sample_of_ascii_is_read_as_big5(tmp_path, home):
    """The GBK-or-Big5 sample was the first 2 MB: all ASCII here, so Big5 was read as
    GB18030 and '臺北飯店' came out as '籓逗┍', exit status 0."""
    ascii_part = (ASCII_HEAD + _ascii_rows(80_000)).encode()
    assert len(ascii_part) > 2 * 1024 * 1024
    data = ascii_part + "臺北飯店,hotel,116.42,39.92\n".encode("big5")
    assert detect_encoding(data, "late.csv") == "big5"
    src = tmp_path / "late.csv"
    src.write_bytes(data)
    assert main(["import", str(src), "--layer", "key-locations", "--crs", "wgs84"]) == 0
    assert "臺北飯店" in set(load_layer("key-locations", home)["name_zh"])


def test_gbk_after_more_than_the_sample_of_ascii_is_read_as_gbk():
    data = (ASCII_HEAD + _ascii_rows(80_000)).encode() + GBK_ROW.encode("gbk")
    assert detect_encoding(data, "late.csv") == "gb18030"


def _feature(name: str) -> str:
    return json.dumps(
        {
            "type": "Feature",
            "properties": {"name": name, "category": "hotel"},
            "geometry": {"type": "Point", "coordinates": [116.41, 39.91]},
        },
        ensure_ascii=False,
    )


def test_minified_geojson_with_utf8_then_gbk_in_its_one_line_is_refused(tmp_path, home):
    """One line, so no whole line before the GBK bytes: the UTF-8 Chinese in the same line
    is the evidence (it was decoded as GB18030, every UTF-8 name garbled)."""
    utf8 = ",".join(_feature(f"北京饭店分店{i}") for i in range(200)).encode()
    gbk = _feature("王府井百货大楼").encode("gbk")
    src = tmp_path / "mixed.geojson"
    src.write_bytes(b'{"type":"FeatureCollection","features":[' + utf8 + b"," + gbk + b"]}")
    assert main(["import", str(src), "--layer", "key-locations", "--crs", "wgs84"]) == 2
    assert snapshot(home) == {}


def test_minified_geojson_with_gbk_then_utf8_in_its_one_line_is_refused():
    gbk = ",".join(_feature(f"北京饭店分店{i}") for i in range(200)).encode("gbk")
    utf8 = _feature("王府井百货大楼").encode()
    data = b'{"type":"FeatureCollection","features":[' + gbk + b"," + utf8 + b"]}"
    with pytest.raises(LoaderError, match="line 1 has UTF-8 text and bytes that are not UTF-8"):
        detect_encoding(data, "mixed.json")
