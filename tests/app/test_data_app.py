"""The Data page in-process (AppTest): example import, detected settings, escaping,
confirm, undo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.engine.layers import load_layer
from dashboard.views.maps import NO_BASEMAP
from loaders.workspace import history, shipped_table

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
PAGE = "../pages/data.py"


def _page(lang: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    if lang:
        at.query_params["lang"] = lang
    at.run()
    return at.switch_page(PAGE).run()


def test_example_import_preview_confirm_and_undo(store, home):
    at = _page()
    assert not at.exception
    assert at.title[0].value == "数据导入"
    at.toggle(key="data_example").set_value(True).run()
    assert not at.exception
    at.selectbox[0].set_value("key-locations").run()
    metrics = {m.label: m.value for m in at.metric}
    n = len(shipped_table("key-locations"))
    assert metrics["读取行数"] == f"{n:,}"
    assert metrics["所用坐标系"] == "GCJ-02"
    assert metrics["可信度"] in ("高", "中")  # the confidence in the page's language
    assert any("GB18030" in t.value.upper() for t in at.text)
    evidence = next(d.value for d in at.dataframe if "来源" in d.value.columns)
    assert set(evidence["来源"]) <= {
        "区名",
        "已知场所",
        "名称与元数据",
        "声明",
        "数据来源",
        "文件格式",
    }
    assert all("落在所填区内的行" in x or "项目自带场所" in x for x in evidence["说明"])
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert deck["mapStyle"] == NO_BASEMAP  # no MapLibre map, no basemap request
    kept = next(layer for layer in deck["layers"] if layer["id"] == "kept")
    assert len(kept["data"]) == int(metrics["保留"].replace(",", ""))
    # confirm the import: a new version holding the shipped rows plus the example
    next(b for b in at.button if b.label == "确认导入").click().run()
    assert not at.exception
    assert any("已导入" in s.value for s in at.success)
    assert len(history("key-locations", home)) == 1
    assert len(load_layer("key-locations", home)) == 2 * n
    # the version history in the page's language: its heading names the layer, not its id
    at.toggle(key="data_example").set_value(False).run()
    at.selectbox[0].set_value("key-locations").run()
    assert any(h.value == "版本历史 · 重点场所" for h in at.subheader), [
        h.value for h in at.subheader
    ]
    versions = next(d.value for d in at.dataframe if "版本" in d.value.columns)
    assert list(versions.columns) == [
        "版本",
        "时间",
        "操作",
        "行数",
        "新增行",
        "来源文件",
        "操作人",
        "当前使用",
    ]
    assert list(versions["操作"]) == ["追加"] and list(versions["新增行"]) == [n]
    next(b for b in at.button if b.label == "撤销上一次导入").click().run()
    assert len(load_layer("key-locations", home)) == n


#: The hostile file's two messages, in each language: the markup warning of row 1 and the
#: reason row 2 (Shanghai) is dropped.
MESSAGES = {
    "zh": ("名称含 HTML/脚本标记", "点位于北京以外"),
    "en": ("name contains HTML/script markup", "point lies outside Beijing"),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_markup_in_uploaded_names_is_shown_as_text(home, tmp_path, monkeypatch, lang):
    from loaders import importer

    bad = tmp_path / "xss.csv"
    bad.write_text(
        '名称,类型,经度,纬度\n"<img src=x onerror=alert(1)>",商场,116.45,39.90\n'
        "外滩,商场,121.49,31.24\n",
        encoding="utf-8",
    )
    real = importer.import_file

    def fixed_file(path, options):  # the example toggle stands in for an upload
        return real(bad, options)

    monkeypatch.setattr(importer, "import_file", fixed_file)
    at = _page(lang)
    at.selectbox[0].set_value("key-locations").run()
    at.toggle(key="data_example").set_value(True).run()
    assert not at.exception
    proto = at.get("deck_gl_json_chart")[0].proto
    deck, tooltip = json.loads(proto.json), json.loads(proto.tooltip)
    # a text tooltip (rendered with innerText): the markup is shown, never interpreted
    assert "html" not in tooltip and "{tt_title}" in tooltip["text"]
    layers = {layer["id"]: layer["data"] for layer in deck["layers"] if layer["id"] != "districts"}
    assert [r["tt_title"] for r in layers["kept"]] == ["<img src=x onerror=alert(1)>"]
    assert [r["tt_title"] for r in layers["rejected"]] == ["外滩"]
    markup, outside = MESSAGES[lang]
    assert layers["rejected"][0]["tt_body"] == outside  # the reason, in the page's language
    problems = next(df.value for df in at.dataframe if df.value.columns[0] in ("行", "Row"))
    shown = dict(zip(problems.iloc[:, 0], problems.iloc[:, 2], strict=True))
    assert shown[1].startswith(markup) and shown[2] == outside
    other = MESSAGES["en" if lang == "zh" else "zh"]
    assert not any(o in str(m) for o in other for m in shown.values())  # one language only


def _uploads(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("exchange-atlas-upload-*"))


def test_upload_is_deleted_after_reading_and_after_failing(home, tmp_path, monkeypatch):
    import tempfile

    from loaders import importer
    from loaders.errors import LoaderError

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    at = _page()
    at.toggle(key="data_example").set_value(True).run()  # the example goes the upload's way
    assert not at.exception
    assert at.metric  # it was read and reported
    assert _uploads(tmp) == []  # and nothing of it is left on disk
    seen: list[bool] = []

    def failing(path, options):
        seen.append(path.exists())
        raise LoaderError(f"{path.name} could not be read")

    monkeypatch.setattr(importer, "import_file", failing)
    at.selectbox[0].set_value("payments").run()  # new options: read again, and it fails
    assert seen == [True]
    assert any("could not be read" in e.value for e in at.error)
    assert _uploads(tmp) == []
