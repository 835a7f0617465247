"""loaders.readers: encodings are judged on the whole file, not a sample."""

from __future__ import annotations

import pytest

from dashboard.cli import main
from loaders.errors import LoaderError
from loaders.readers import detect_encoding

from .conftest import snapshot

HEAD = "name,category,lon,lat\n"


def _rows(n: int, start: int = 0) -> str:
    return "".join(f"北京饭店分店{i},hotel,116.41,39.91\n" for i in range(start, start + n))


def test_a_gbk_line_after_the_first_8_mb_of_utf8_is_refused(tmp_path, home, capsys):
    """Was decoded as GB18030 as a whole: every name garbled, exit status 0."""
    body = (HEAD + _rows(200_000)).encode("utf-8")
    assert len(body) > 8 * 1024 * 1024
    lines = body.count(b"\n")
    src = tmp_path / "big.csv"
    src.write_bytes(body + "王府井分店,hotel,116.41,39.91\n".encode("gbk") + _rows(3).encode())
    assert main(["import", str(src), "--layer", "key-locations", "--crs", "wgs84"]) == 2
    err = capsys.readouterr().err
    assert "big.csv mixes text encodings" in err
    assert f"line {lines + 1} is not" in err and "line 2 is UTF-8" in err
    assert snapshot(home) == {}


def test_a_utf8_line_after_200k_gbk_lines_is_refused(tmp_path):
    """GBK first, a UTF-8 line far beyond the old 200k-line window."""
    data = (HEAD + _rows(210_000)).encode("gbk") + _rows(1, 9).encode("utf-8")
    with pytest.raises(LoaderError, match=r"x\.csv mixes text encodings: line 210002 is UTF-8"):
        detect_encoding(data, "x.csv")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ((HEAD + _rows(50)).encode("utf-8"), "utf-8"),
        ((HEAD + _rows(50)).encode("gbk"), "gb18030"),
        ((HEAD + "臺北飯店,hotel,121.5,25.0\n" * 50).encode("big5"), "big5"),
        ("é, résumé\n".encode() + (HEAD + _rows(5)).encode("gbk")[len(HEAD) :], "gb18030"),
    ],
)
def test_one_encoding_files_are_told_apart(data, expected):
    assert detect_encoding(data) == expected
