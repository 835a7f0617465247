"""loaders.importer.import_stream: a file read chunk by chunk gives the rows and the
report of the whole file read at once; a failure in a late chunk leaves nothing
written; a streamed import commits as a version and undoes like any other."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from loaders import crsdetect, readers
from loaders import importer as im
from loaders import workspace as ws
from loaders.chinacrs import wgs84_to_gcj02
from loaders.columns import DISTRICT_NAMES
from loaders.errors import LoaderError

from .conftest import snapshot

ZH = {a: names[0] + "区" for a, names in DISTRICT_NAMES.items()}
TYPES = np.array(["酒店", "购物中心", "博物馆", "地铁站", "餐厅", "景区"])
HEADER = "编号,名称,类型,区,经度,纬度"
#: Where the trouble is, as a share of the rows.
AT = {
    "text1": 0.325,
    "text2": 0.9995,
    "empty1": 0.0617,
    "empty2": 0.9,
    "swap1": 0.045,
    "swap2": 0.827,
    "out1": 0.1667,
    "out2": 0.889,
    "repeat": 0.75,
    "id": 0.7,
    "markup": 0.617,
    "control": 0.65,
    "district": 0.5556,
    "noid1": 0.45,
    "noid2": 0.95,
    "newline": 0.525,
    "fields": 0.4444,
    "blank": 0.2,
}


def survey(path: Path, rows: int = 20_000, seed: int = 3) -> Path:
    """A GCJ-02 export with Chinese headers and a 区 column, and trouble of every kind
    spread over the file: rows with a wrong number of fields (one after the last row),
    text for numbers, empty and swapped coordinates, points outside Beijing, 300
    unknown types (more than are listed), repeats and repeated ids far apart, markup,
    a control character, a wrong district, rows without an id, a line break inside a
    quoted name and a blank line."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(115.7, 117.2, rows * 3)
    lat = rng.uniform(39.6, 40.8, rows * 3)
    code = crsdetect.locate(lon, lat)
    ok = code != ""
    lon, lat, code = lon[ok][:rows], lat[ok][:rows], code[ok][:rows]
    glon, glat = (np.asarray(v) for v in wgs84_to_gcj02(lon, lat))
    ids = [f"S{i}" for i in range(rows)]
    names = [f"场所{i}" for i in range(rows)]
    types = list(TYPES[rng.integers(0, len(TYPES), rows)])
    dist = [ZH[c] for c in code]
    xs = [f"{v:.6f}" for v in glon]
    ys = [f"{v:.6f}" for v in glat]
    at = {k: int(f * rows) for k, f in AT.items()}  # the same places at any size
    for r in rng.choice(np.arange(50, rows - 50), min(300, rows // 10), replace=False):
        types[r] = "外星基地"  # unknown: more rows than are listed
    for r in (7, at["text1"], at["text2"]):
        xs[r] = "abc"
    for r in (at["empty1"], at["empty2"]):
        xs[r], ys[r] = "", ""
    for r in (at["swap1"], at["swap2"]):
        xs[r], ys[r] = ys[r], xs[r]  # swapped
    for r in (at["out1"], at["out2"]):
        xs[r], ys[r] = "121.490000", "31.240000"  # Shanghai
    r = at["repeat"]
    names[r], types[r], xs[r], ys[r] = names[10], types[10], xs[10], ys[10]
    ids[at["id"]] = ids[3]  # a repeated id, far apart
    names[at["markup"]] = "<b>粗体</b>"
    names[at["control"]] = "控制\x07字符"
    r = at["district"]
    dist[r] = "延庆区" if dist[r] != "延庆区" else "东城区"
    for r in (at["noid1"], at["noid2"]):
        ids[r] = ""
    names[at["newline"]] = '"换\n行"'
    lines = [HEADER]
    for i in range(rows):
        lines.append(",".join((ids[i], names[i], types[i], dist[i], xs[i], ys[i])))
        if i in (50, at["fields"]):
            lines.append("多,余,的,字,段,太,多")  # wrong number of fields
        if i == at["blank"]:
            lines.append("")
    lines.append("尾,巴")  # a skipped row after the last row read
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


OPTIONS = im.ImportOptions(layer="key-locations")


def current(home: Path) -> Path:
    path = ws.current_layer_file("key-locations", home)
    assert path is not None
    return path


def test_streamed_in_chunks_equals_the_whole_file(tmp_path):
    """Chunks of 1,000 rows: the same rows kept (as the workspace stores them) and the
    same report (counts, warnings, evidence, every problem listed, in both languages)."""
    src = survey(tmp_path / "survey.csv")
    whole = im.import_file(src, OPTIONS)
    streamed = im.import_stream(src, OPTIONS, tmp_path / "rows.parquet", chunk_rows=1_000)
    assert streamed.chunks == 20 and streamed.streamed
    rep = whole.report
    assert rep.rows_read == 20_003 and rep.crs == "gcj02" and rep.crs_confidence == "high"
    assert rep.duplicates == 1 and rep.ids_renamed == 1 and rep.swapped == 2
    assert rep.outside_beijing == 2 and rep.district_mismatches >= 1
    assert "imp_more_rows" in [im.message_code(p.message) for p in rep.problems]  # 300 > 200
    assert streamed.report.to_dict() == rep.to_dict()
    assert streamed.report.to_dict("zh") == rep.to_dict("zh")
    expected = ws.storable_table(whole.table, "key-locations")
    pdt.assert_frame_equal(streamed.table(), expected)
    bad = [p.row for p in rep.problems if im.message_code(p.message) == "imp_bad_line"]
    assert bad == [52, 8_891, 20_003]  # data rows of the file, the last after every row


def test_stored_versions_are_the_same_file_content(tmp_path):
    """The streamed rows committed (commit_file) and the whole file committed (commit)
    make the same layer, point geometries and GeoParquet metadata included."""
    src = survey(tmp_path / "survey.csv", rows=3_000)
    whole = im.import_file(src, OPTIONS)
    streamed = im.import_stream(src, OPTIONS, tmp_path / "rows.parquet", chunk_rows=700)
    a, b = tmp_path / "a", tmp_path / "b"
    va, _ = ws.commit("key-locations", whole.table, home=a, source="survey.csv")
    vb, _ = ws.commit_file("key-locations", streamed.path, home=b, source="survey.csv")
    fa, fb = ws.layer_dir("key-locations", a) / va.name, ws.layer_dir("key-locations", b) / vb.name
    pdt.assert_frame_equal(pd.read_parquet(fa), pd.read_parquet(fb))
    import pyarrow.parquet as pq

    assert pq.read_schema(fa).equals(pq.read_schema(fb), check_metadata=True)
    assert (va.rows, va.added) == (vb.rows, vb.added)


def test_a_bad_row_in_a_late_chunk_leaves_nothing_written(tmp_path, home, monkeypatch):
    """An unterminated quote in row 18,000 swallows the rest of the file into one field
    longer than a block: the reader fails in a late chunk, after earlier chunks were
    written; the partial output is removed and the workspace is not touched."""
    src = survey(tmp_path / "survey.csv")
    lines = src.read_text(encoding="utf-8").split("\n")
    lines[18_000] = '"未闭合' + lines[18_000]
    src.write_text("\n".join(lines), encoding="utf-8")
    monkeypatch.setattr(readers, "STREAM_BLOCK", 64 * 1024)
    monkeypatch.setattr(crsdetect, "SAMPLE", 2_000)  # decided early: chunks written early
    ws.commit("key-locations", im.import_file(survey(tmp_path / "small.csv", 500), OPTIONS).table)
    before = snapshot(home)
    out = tmp_path / "rows.parquet"
    seen = []
    real = ws.RowWriter.write
    monkeypatch.setattr(ws.RowWriter, "write", lambda self, f: seen.append(len(f)) or real(self, f))
    with pytest.raises(LoaderError, match="survey.csv"):
        im.import_stream(src, OPTIONS, out, chunk_rows=1_000)
    assert len(seen) >= 10  # it failed late
    assert not out.exists()
    assert snapshot(home) == before


def test_a_late_batch_failing_the_model_check_commits_nothing(tmp_path, home, monkeypatch):
    """commit_file checks the merged layer batch by batch while it writes: a bad row in
    the last batch refuses the commit, naming it, and leaves the workspace as it was."""
    monkeypatch.setattr(ws, "WRITE_ROWS", 500)
    src = survey(tmp_path / "survey.csv", rows=3_000)
    streamed = im.import_stream(src, OPTIONS, tmp_path / "rows.parquet", chunk_rows=1_000)
    rows = streamed.table()
    rows.loc[len(rows) - 2, "category"] = "spaceport"  # not a category of the layer
    bad = tmp_path / "bad.parquet"
    writer = ws.RowWriter(bad, "key-locations")
    writer.write(rows)
    writer.close()
    ws.commit_file("key-locations", streamed.path, home=home)
    before = snapshot(home)
    with pytest.raises(ws.WorkspaceError, match="spaceport"):
        ws.commit_file("key-locations", bad, home=home)
    assert snapshot(home) == before
    assert len(ws.history("key-locations", home)) == 1


def test_undo_after_a_streamed_import(tmp_path, home):
    """A streamed import is a version like any other: ids clashing with the layer in
    effect are renamed, history lists it, undo puts the previous version back."""
    first = im.import_file(survey(tmp_path / "a.csv", rows=800), OPTIONS)
    v1, _ = ws.commit("key-locations", first.table, home=home, source="a.csv")
    before = ws.read_rows(current(home))
    src = survey(tmp_path / "b.csv", rows=2_500, seed=9)  # ids S0… again: they clash
    streamed = im.import_stream(src, OPTIONS, tmp_path / "rows.parquet", chunk_rows=600)
    v2, renamed = ws.commit_file("key-locations", streamed.path, home=home, source="b.csv")
    assert renamed > 0 and v2.added == streamed.report.rows_kept
    layer = ws.read_rows(current(home))
    assert len(layer) == len(before) + streamed.report.rows_kept and layer["id"].is_unique
    assert "S1~imp2" in set(layer["id"])
    assert [v.name for v in ws.history("key-locations", home)] == [v1.name, v2.name]
    assert ws.undo("key-locations", home) == v1.name
    pdt.assert_frame_equal(ws.read_rows(current(home)), before)


def test_the_decision_is_made_on_the_first_chunks(tmp_path, monkeypatch):
    """With fewer rows needed for evidence than the file has, the system is decided on
    the first chunks holding that many usable rows (the evidence counts say how many);
    every later chunk is converted with it."""
    import re

    monkeypatch.setattr(crsdetect, "SAMPLE", 2_000)
    src = survey(tmp_path / "survey.csv", rows=6_000)
    streamed = im.import_stream(src, OPTIONS, tmp_path / "rows.parquet", chunk_rows=1_000)
    rep = streamed.report
    counted = {int(n) for n in re.findall(r"/(\d+) ", rep.crs_evidence[0]["text"])}
    assert rep.crs == "gcj02" and len(counted) == 1 and 2_000 <= counted.pop() <= 3_000
    whole = im.import_file(src, OPTIONS)  # decided on every row: the same rows kept
    pdt.assert_frame_equal(streamed.table(), ws.storable_table(whole.table, "key-locations"))


def test_other_formats_are_read_whole_and_processed_in_chunks(tmp_path):
    """An Excel file is not parsed chunk by chunk, but goes through the same chunks."""
    src = survey(tmp_path / "survey.csv", rows=1_500)
    df = pd.read_csv(src, dtype=str, keep_default_na=False, on_bad_lines="skip")
    xlsx = tmp_path / "survey.xlsx"
    df.to_excel(xlsx, index=False)
    whole = im.import_file(xlsx, OPTIONS)
    streamed = im.import_stream(xlsx, OPTIONS, tmp_path / "rows.parquet", chunk_rows=400)
    assert not streamed.streamed and streamed.chunks == 4
    assert streamed.report.to_dict() == whole.report.to_dict()
    pdt.assert_frame_equal(streamed.table(), ws.storable_table(whole.table, "key-locations"))


ASCII_HEAD = "name,category,lon,lat\n"
GBK_ROW = "北京饭店,hotel,116.42,39.92\n"
CHANCE = "稷场,hotel,116.41,39.91\n"  # its GBK bytes are valid UTF-8 by chance


def _ascii(n: int) -> str:
    return "".join(f"Hotel {i},hotel,116.41,39.91\n" for i in range(n))


@pytest.mark.parametrize(
    "data",
    [
        (ASCII_HEAD + _ascii(3_000)).encode() + "北京饭店,hotel,1,2\n".encode(),
        (ASCII_HEAD + _ascii(3_000) + CHANCE + GBK_ROW).encode("gbk"),
        (ASCII_HEAD + GBK_ROW * 3_000 + CHANCE + GBK_ROW).encode("gbk"),
        (ASCII_HEAD + _ascii(3_000)).encode() + "臺北飯店,hotel,1,2\n".encode("big5"),
        (ASCII_HEAD + GBK_ROW).encode("gbk") + ("北京饭店,hotel,1,2\n" * 200).encode(),
        (ASCII_HEAD + "北京饭店,hotel,1,2\n" * 3_000).encode() + GBK_ROW.encode("gbk"),
        (ASCII_HEAD + "🏨 Hotel,hotel,1,2\n" + _ascii(3_000) + "서울,hotel,1,2\n").encode()
        + GBK_ROW.encode("gbk"),
        (ASCII_HEAD + _ascii(3_000)).encode() + b"\xff\xfe\xfa,hotel,1,2\n",
    ],
    ids=[
        "utf8",
        "gbk-chance",
        "gbk-chance-late",
        "big5",
        "utf8-after-gbk",
        "gbk-after-utf8",
        "two-wide-lines",
        "no-encoding",
    ],
)
def test_the_streamed_encoding_check_answers_as_the_whole_file_check(tmp_path, monkeypatch, data):
    """detect_file_encoding reads the file in blocks (4 KiB here, so that the evidence
    lies in different blocks) and gives detect_encoding's answer, or its refusal."""
    monkeypatch.setattr(readers, "STREAM_BLOCK", 4096)
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    try:
        expected = readers.detect_encoding(data, "f.csv")
    except LoaderError as exc:
        with pytest.raises(LoaderError) as got:
            readers.detect_file_encoding(path, "f.csv")
        assert str(got.value) == str(exc)
    else:
        assert readers.detect_file_encoding(path, "f.csv") == expected


def test_commit_file_renames_ids_as_merge_ids_does_across_batches(tmp_path, home, monkeypatch):
    """Ids that clash with the layer in effect, or repeat one in an earlier batch, get
    the names merge_ids gives them (batches of 2 rows here)."""
    monkeypatch.setattr(ws, "WRITE_ROWS", 2)
    base = ws.shipped_table("key-locations")
    taken = str(base["id"].iloc[0])
    rows = im.import_file(survey(tmp_path / "s.csv", rows=400), OPTIONS).table.head(7).copy()
    rows["id"] = ["A", taken, "A", "C", "A", "C", "D"]
    expected, n = ws.merge_ids(base, rows, "imp1")
    v, renamed = ws.commit("key-locations", rows, home=home)
    stored = ws.read_rows(current(home))["id"].iloc[len(base) :].tolist()
    assert renamed == n == 4 and v.added == 7
    assert stored == expected["id"].tolist() == [
        "A", f"{taken}~imp1", "A~imp1", "C", "A~imp12", "C~imp1", "D",
    ]  # fmt: skip
