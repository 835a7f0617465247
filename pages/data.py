"""Data: upload a file, check what was detected, correct it, preview, then import.

A thin page: reading, detection, validation and the workspace live in ``loaders``;
this page only collects choices and draws the result. Uploaded text is shown through
``st.dataframe``/``st.text``, a plain-text map tooltip (set with ``innerText``), or
escaped (Markdown escaping in messages).
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pydeck as pdk
import streamlit as st

from dashboard import maps, ui
from dashboard.i18n import t
from dashboard.model import LAYERS, POINT_LAYERS, label
from loaders.crsdetect import LABELS as CRS_LABELS
from loaders.errors import LoaderError
from loaders.importer import ImportOptions, import_file
from loaders.workspace import WorkspaceError, commit, default_home, history, undo

L: dict[str, dict[str, str]] = {
    "zh": {
        "intro": "上传自己的调查数据（CSV/TXT、Excel、GeoJSON、Shapefile 压缩包、GeoPackage、"
        "GeoParquet、KML、OpenStreetMap）。导入前可检查并更正检测到的编码、列和坐标系。",
        "layer": "导入到图层",
        "upload": "选择文件",
        "example": "使用示例文件（高德风格 GCJ-02 导出，GBK 编码）",
        "example_note": "示例文件由项目自带的重点场所生成（坐标转换为 GCJ-02），仅作演示。",
        "settings": "检测结果与更正",
        "encoding": "文本编码",
        "delimiter": "分隔符",
        "crs": "坐标系",
        "epsg": "或输入 EPSG 代码（如 EPSG:32650）",
        "columns": "列对应（自动 = 按列名识别）",
        "auto": "（自动）",
        "set_category": "为所有行设定类别",
        "none": "（不设定）",
        "rows_read": "读取行数",
        "rows_kept": "保留",
        "rows_dropped": "剔除",
        "crs_used": "所用坐标系",
        "confidence": "可信度",
        "evidence": "判断依据",
        "format": "格式",
        "mapping": "列对应",
        "field": "字段",
        "column": "文件中的列",
        "preview": "预览：绿色为保留，红色为剔除（悬停查看原因）",
        "problems": "问题清单",
        "no_problems": "未发现问题。",
        "download": "下载校验报告 (JSON)",
        "mode": "导入方式",
        "add": "追加到现有数据",
        "replace": "替换整个图层",
        "confirm": "确认导入",
        "imported": "已导入：版本 {v}，图层现有 {n} 条；{r} 个编号因重复已改名。",
        "nothing": "没有可导入的行。",
        "history": "版本历史",
        "undo": "撤销上一次导入",
        "undone": "已恢复：{v}",
        "shipped": "项目自带数据",
        "workspace": "工作区：{p}",
        "synthetic": "⚠️ 文件中含示意（合成）数据，仅供演示。",
        "reason": "原因",
        "kept": "保留",
        "row": "行",
        "message": "说明",
        "severity": "级别",
    },
    "en": {
        "intro": "Upload your own survey data (CSV/TXT, Excel, GeoJSON, zipped Shapefile, "
        "GeoPackage, GeoParquet, KML, OpenStreetMap). Check and correct the detected encoding, "
        "columns and coordinate system before importing.",
        "layer": "Import into layer",
        "upload": "Choose a file",
        "example": "Use an example file (AMap-style GCJ-02 export, GBK)",
        "example_note": "The example is generated from the shipped key locations (converted "
        "to GCJ-02) for demonstration only.",
        "settings": "Detected settings and corrections",
        "encoding": "Text encoding",
        "delimiter": "Delimiter",
        "crs": "Coordinate system",
        "epsg": "or an EPSG code (e.g. EPSG:32650)",
        "columns": "Column mapping (auto = recognised by header)",
        "auto": "(auto)",
        "set_category": "Set the category of every row",
        "none": "(do not set)",
        "rows_read": "Rows read",
        "rows_kept": "Kept",
        "rows_dropped": "Dropped",
        "crs_used": "Coordinate system used",
        "confidence": "Confidence",
        "evidence": "Evidence",
        "format": "Format",
        "mapping": "Column mapping",
        "field": "Field",
        "column": "Column in the file",
        "preview": "Preview: green kept, red rejected (hover for the reason)",
        "problems": "Problems",
        "no_problems": "No problems found.",
        "download": "Download the validation report (JSON)",
        "mode": "Import mode",
        "add": "Add to the existing data",
        "replace": "Replace the whole layer",
        "confirm": "Confirm import",
        "imported": "Imported: version {v}, {n} rows now in the layer; {r} clashing ids renamed.",
        "nothing": "No rows can be imported.",
        "history": "Version history",
        "undo": "Undo the last import",
        "undone": "Restored: {v}",
        "shipped": "the shipped data",
        "workspace": "Workspace: {p}",
        "synthetic": "⚠️ The file contains illustrative (synthetic) rows, for demonstration only.",
        "reason": "Reason",
        "kept": "Kept",
        "row": "Row",
        "message": "Message",
        "severity": "Severity",
    },
}
MAP_FIELDS = ("lon", "lat", "location", "wkt", "name", "address", "category", "district", "id")
MAX_PREVIEW = 20_000

lang = ui.view().lang
S = L.get(lang, L["en"])
st.title(t("page_data", lang))
st.caption(S["intro"])
home = default_home()
st.caption(S["workspace"].format(p=ui.md_escape(home)))

layer = st.selectbox(
    S["layer"], POINT_LAYERS, format_func=lambda c: label({c: LAYERS[c].label}, c, lang)
)
upload = st.file_uploader(
    S["upload"],
    type=["csv", "tsv", "txt", "xlsx", "xls", "json", "geojson", "zip", "gpkg", "parquet", "kml"],
)
use_example = st.toggle(S["example"], key="data_example")


def _save(data: bytes, name: str) -> Path:
    """Keep the upload in a private temporary directory, once per distinct content."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    store = st.session_state.setdefault("data_uploads", {})
    if digest not in store or not Path(store[digest]).exists():
        suffix = "".join(c for c in Path(name).suffix.lower() if c.isalnum() or c == ".")[:12]
        d = Path(tempfile.mkdtemp(prefix="exchange-atlas-upload-"))
        p = d / f"upload{suffix}"
        p.write_bytes(data)
        store[digest] = str(p)
    return Path(store[digest])


def _example() -> tuple[bytes, str]:
    from loaders.chinacrs import wgs84_to_gcj02
    from loaders.columns import DISTRICT_NAMES
    from loaders.workspace import shipped_table

    kl = shipped_table("key-locations")
    x, y = wgs84_to_gcj02(kl["lon"].astype(float).to_numpy(), kl["lat"].astype(float).to_numpy())
    zh = {a: n[0] + "区" for a, n in DISTRICT_NAMES.items()}
    df = pd.DataFrame(
        {
            "名称": kl["name_zh"],
            "地址": kl["address"],
            "类型": kl["category"].map(
                lambda c: label(LAYERS["key-locations"].categories, c, "zh")
            ),
            "区": kl["adcode"].map(zh),
            "经度": np.round(x, 6),
            "纬度": np.round(y, 6),
        }
    )
    buf = io.BytesIO()
    df.to_csv(buf, index=False, encoding="gbk", errors="replace")
    return buf.getvalue(), "example.csv"


def history_section() -> None:
    """The layer's stored versions and an undo button."""
    st.subheader(S["history"])
    versions = history(layer, home)
    if versions:
        st.dataframe(
            pd.DataFrame([v.to_dict() for v in versions])[
                ["name", "created", "action", "rows", "added", "source", "current"]
            ],
            hide_index=True,
            use_container_width=True,
        )
        if st.button(S["undo"]):
            try:
                restored = undo(layer, home)
            except WorkspaceError as exc:
                st.error(ui.md_escape(str(exc)))
            else:
                st.success(S["undone"].format(v=restored or S["shipped"]))


source: tuple[bytes, str] | None = None
if upload is not None:
    source = (upload.getvalue(), upload.name)
elif use_example:
    source = _example()
    st.info(S["example_note"])
if source is None:
    history_section()
    st.stop()
path = _save(*source)
display_name = source[1]

with st.expander(S["settings"], expanded=False):
    c1, c2, c3 = st.columns(3)
    encoding = c1.selectbox(S["encoding"], ["auto", "utf-8", "gb18030", "big5", "utf-16"])
    delimiter = c2.selectbox(S["delimiter"], ["auto", ",", "\\t", ";", "|"])
    crs_choice = c3.selectbox(
        S["crs"],
        ["auto", "wgs84", "cgcs2000", "gcj02", "bd09"],
        format_func=lambda c: S["auto"] if c == "auto" else CRS_LABELS.get(c, c),
    )
    epsg = c3.text_input(S["epsg"], "")
    columns = st.session_state.get("data_columns", [])
    st.caption(S["columns"])
    mcols = st.columns(3)
    mapping: dict[str, str] = {}
    for i, fld in enumerate(MAP_FIELDS):
        pick = mcols[i % 3].selectbox(fld, [S["auto"], *columns], key=f"data_map_{fld}")
        if pick != S["auto"]:
            mapping[fld] = pick
    cats = list(LAYERS[layer].categories)
    set_cat = st.selectbox(
        S["set_category"],
        [S["none"], *cats],
        format_func=lambda c: c if c == S["none"] else label(LAYERS[layer].categories, c, lang),
    )

options = ImportOptions(
    layer=layer,
    crs=epsg.strip() or crs_choice,
    mapping=mapping,
    fixed={} if set_cat == S["none"] else {"category": set_cat},
    encoding=None if encoding == "auto" else encoding,
    delimiter=None if delimiter == "auto" else delimiter.replace("\\t", "\t"),
    display_name=display_name,
)
try:
    result = import_file(path, options)
except LoaderError as exc:
    st.error(ui.md_escape(str(exc)))
    st.stop()
rep = result.report
if st.session_state.get("data_columns") != rep.source_columns:
    st.session_state["data_columns"] = rep.source_columns
    st.rerun()

m = st.columns(5)
m[0].metric(S["rows_read"], f"{rep.rows_read:,}")
m[1].metric(S["rows_kept"], f"{rep.rows_kept:,}")
m[2].metric(S["rows_dropped"], f"{rep.rows_dropped:,}")
m[3].metric(S["crs_used"], CRS_LABELS.get(rep.crs, rep.crs))
m[4].metric(S["confidence"], rep.crs_confidence)
st.text(
    f"{S['format']}: {rep.format} · {S['encoding']}: {rep.encoding or '-'}"
    + (f" · {S['delimiter']}: {rep.delimiter!r}" if rep.delimiter else "")
)
for w in rep.warnings:
    st.warning(ui.md_escape(w))
if "synthetic" in result.frame.columns and (result.frame["synthetic"] == "true").any():
    st.warning(S["synthetic"])

c1, c2 = st.columns(2)
c1.markdown(f"**{S['evidence']}**")
c1.dataframe(
    pd.DataFrame(rep.crs_evidence, columns=["source", "system", "strength", "text"]),
    hide_index=True,
    use_container_width=True,
)
c2.markdown(f"**{S['mapping']}**")
c2.dataframe(
    pd.DataFrame(list(rep.columns.items()), columns=[S["field"], S["column"]]),
    hide_index=True,
    use_container_width=True,
)

# ------------------------------------------------------------------ preview map
pv = result.preview
pv = pv[np.isfinite(pv["lon"]) & np.isfinite(pv["lat"])]
kept = pv[pv["kept"]]
if len(kept) > MAX_PREVIEW:
    kept = kept.sample(MAX_PREVIEW, random_state=0)
rejected = pv[~pv["kept"]].head(MAX_PREVIEW)


#: A plain-text tooltip: deck.gl sets it with ``innerText``, so uploaded text can never
#: become markup, whatever the Streamlit version (an ``html`` tooltip would depend on the
#: component escaping interpolated values, and ``html.escape`` on top would double-escape).
TEXT_TOOLTIP = {"text": "{tt_title}\n{tt_sub}\n{tt_body}", "style": maps.TOOLTIP["style"]}


def _records(df: pd.DataFrame) -> list[dict]:
    """Deck records: position, uploaded name, row number and the reason it was rejected."""
    return [
        {
            "lon": float(x),
            "lat": float(y),
            "tt_title": str(n),
            "tt_sub": f"{S['row']} {int(r)}",
            "tt_body": str(reason) if reason else S["kept"],
        }
        for x, y, n, r, reason in zip(
            df["lon"], df["lat"], df["name"], df["row"], df["reason"], strict=True
        )
    ]


def _dots(records: list[dict], layer_id: str, color: list[int]) -> pdk.Layer:
    return pdk.Layer(
        "ScatterplotLayer",
        data=records,
        id=layer_id,
        get_position="[lon, lat]",
        get_fill_color=color,
        get_line_color=[255, 255, 255, 230],
        stroked=True,
        line_width_min_pixels=1,
        radius_units="'pixels'",
        get_radius=4,
        pickable=True,
    )


st.markdown(f"**{S['preview']}**")
deck = maps.CompactDeck(
    layers=[
        maps.district_layer(ui.districts_geojson(lang, "all"), pickable=False),
        _dots(_records(kept), "kept", [20, 150, 90, 220]),
        _dots(_records(rejected), "rejected", [220, 30, 40, 240]),
    ],
    initial_view_state=pdk.ViewState(**maps.BEIJING_VIEW),
    map_provider=None,
    tooltip=TEXT_TOOLTIP,
    height=520,
)
st.pydeck_chart(deck, height=520, key="data-preview-map")

# ------------------------------------------------------------------ report
st.subheader(S["problems"])
if rep.problems:
    st.dataframe(
        pd.DataFrame(
            [(p.row, p.column, p.message, p.severity) for p in rep.problems],
            columns=[S["row"], S["column"], S["message"], S["severity"]],
        ),
        hide_index=True,
        use_container_width=True,
    )
else:
    st.success(S["no_problems"])
st.download_button(
    S["download"],
    json.dumps(rep.to_dict(), ensure_ascii=False, indent=2, default=str),
    file_name="import-report.json",
    mime="application/json",
)

# ------------------------------------------------------------------ confirm
mode = st.radio(S["mode"], ["add", "replace"], format_func=lambda c: S[c], horizontal=True)
if st.button(S["confirm"], type="primary", disabled=rep.rows_kept == 0):
    try:
        version, renamed = commit(
            layer, result.frame, replace=mode == "replace", home=home, source=display_name
        )
    except (WorkspaceError, OSError) as exc:
        st.error(ui.md_escape(str(exc)))
    else:
        st.success(S["imported"].format(v=version.name, n=f"{version.rows:,}", r=renamed))
if rep.rows_kept == 0:
    st.info(S["nothing"])

history_section()
