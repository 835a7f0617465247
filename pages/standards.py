"""Service standards: view and edit, per key-location category, the radius, the required
payment capabilities and the weight used by the coverage engine (logic in
:mod:`dashboard.standards`; this page only draws and saves)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import ui
from dashboard.i18n import t
from dashboard.model import CAPABILITIES, label
from dashboard.standards import (
    is_customised,
    load_standards,
    reset_standards,
    save_standards,
    shipped_standards,
    standards_from_table,
    standards_table,
    workspace_standards_path,
)

#: This page's labels (zh, en).
TEXT = {
    "intro": (
        "每类重点场所的服务标准：半径（米，直线距离）内须有满足要求的支付服务点。"
        "要求写作“能力|能力 + 能力”：“|”表示任选其一，“+”表示都须满足（可由不同服务点满足）；"
        "“any”表示任何支付服务点均可。权重用于加权覆盖率和选址。",
        "The service standard of each key-location category: a qualifying payment point must "
        "lie within the radius (metres, straight line). Write requirements as "
        "'capability|capability + capability': '|' means any of them, '+' means all clauses "
        "(possibly met by different points); 'any' means any payment point. Weights drive "
        "weighted coverage and siting.",
    ),
    "custom": (
        "当前使用本工作区保存的标准：{path}",
        "Using the standards saved in the workspace: {path}",
    ),
    "default": ("当前使用随附的默认标准。", "Using the shipped default standards."),
    "save": ("保存", "Save"),
    "reset": ("恢复默认", "Reset to defaults"),
    "saved": ("已保存。", "Saved."),
    "was_reset": ("已恢复默认标准。", "Defaults restored."),
    "category": ("类别", "Category"),
    "radius_m": ("半径(米)", "Radius (m)"),
    "require": ("支付能力要求", "Required capabilities"),
    "weight": ("权重", "Weight"),
    "rationale": ("理由", "Rationale"),
    "codes": ("支付能力代码", "Capability codes"),
    "city_cov": ("全市覆盖率（当前标准）", "City coverage (standards in effect)"),
    "invalid": ("未保存：{msg}", "Not saved: {msg}"),
}


def tx(key: str, lang: str, **fmt: object) -> str:
    zh, en = TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**fmt) if fmt else text


v = ui.view()
lang = v.lang
st.title(t("page_standards", lang))
st.caption(tx("intro", lang))

try:
    current = load_standards()
except ValueError as exc:  # a hand-edited file that no longer validates
    st.error(str(exc))
    current = shipped_standards()
if is_customised():
    st.info(tx("custom", lang, path=workspace_standards_path()))
else:
    st.caption(tx("default", lang))

table = pd.DataFrame(standards_table(current, lang))
edited = st.data_editor(
    table,
    key="standards-editor",
    hide_index=True,
    width="stretch",
    disabled=["category", "label"],
    column_order=["label", "radius_m", "require", "weight", "rationale"],
    column_config={
        "label": st.column_config.TextColumn(tx("category", lang)),
        "radius_m": st.column_config.NumberColumn(
            tx("radius_m", lang), min_value=1, max_value=50_000, step=10, format="%d"
        ),
        "require": st.column_config.TextColumn(tx("require", lang), width="large"),
        "weight": st.column_config.NumberColumn(tx("weight", lang), min_value=0.0, step=0.5),
        "rationale": st.column_config.TextColumn(tx("rationale", lang), width="large"),
    },
)

left, right, _ = st.columns([1, 1, 4])
if left.button(tx("save", lang), type="primary", key="standards-save"):
    try:
        save_standards(standards_from_table(edited.to_dict(orient="records"), current))
    except ValueError as exc:
        st.error(tx("invalid", lang, msg=exc))
    else:
        st.success(tx("saved", lang))
        st.rerun()
if right.button(tx("reset", lang), key="standards-reset"):
    reset_standards()
    st.session_state.pop("standards-editor", None)
    st.success(tx("was_reset", lang))
    st.rerun()

with st.expander(tx("codes", lang)):
    st.table(
        pd.DataFrame(
            {
                "code": list(CAPABILITIES),
                "label": [label(CAPABILITIES, c, lang) for c in CAPABILITIES],
            }
        )
    )

city = ui.coverage(v).city
if city["demand"]:
    st.metric(
        tx("city_cov", lang),
        f"{city['coverage']:.0%}",
        help=f"{int(city['covered'])} / {int(city['demand'])}",
    )
