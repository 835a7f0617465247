"""Recognising columns (English and Chinese headers) and normalising their values.

A planner's sheet says 经度/纬度, 名称, 地址, 类型, 区; an AMap export says
``location``, ``adname``, ``type``; a Baidu export ``lng``/``lat``, ``area``. This module
maps such headers to the model's fields, turns category and district text into codes,
and parses coordinates from lon/lat columns, a single "lon,lat" column or WKT —
column-wise, never row by row.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import shapely

from dashboard.core.model import (
    EVENT_CATEGORIES,
    KEY_LOCATION_CATEGORIES,
    LAYERS,
    ORGANIZATION_CATEGORIES,
    PAYMENT_TYPES,
    SECTORS,
    VENUE_CATEGORIES,
)
from loaders.errors import LoaderError

#: Field → header names (normalised: lower case, separators as ``_``, brackets removed).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "lon": (
        "lon",
        "lng",
        "long",
        "longitude",
        "x",
        "经度",
        "东经",
        "x坐标",
        "point_x",
        "location_lng",
        "lon_gcj02",
        "lng_gcj02",
        "gcj_lng",
        "bd_lng",
        "wgs_lng",
        "wgs84_lng",
    ),
    "lat": (
        "lat",
        "latitude",
        "y",
        "纬度",
        "北纬",
        "y坐标",
        "point_y",
        "location_lat",
        "lat_gcj02",
        "gcj_lat",
        "bd_lat",
        "wgs_lat",
        "wgs84_lat",
    ),
    "location": (
        "location",
        "lnglat",
        "lonlat",
        "lng_lat",
        "lon_lat",
        "coordinates",
        "coordinate",
        "coords",
        "coord",
        "坐标",
        "经纬度",
        "经纬度坐标",
        "位置坐标",
        "point",
        "position",
    ),
    "wkt": ("wkt", "geometry", "geom", "the_geom", "shape", "wkt_geom", "几何"),
    "id": ("id", "编号", "编码", "poi_id", "poiid", "uid", "序号", "@id", "fid"),
    "name": (
        "name",
        "名称",
        "名字",
        "场所名称",
        "poi名称",
        "店名",
        "网点名称",
        "机构名称",
        "场馆名称",
        "title",
        "标题",
        "poi_name",
        "地点名称",
    ),
    "name_zh": ("name_zh", "中文名称", "中文名", "name:zh", "name_cn", "chinese_name"),
    "name_en": ("name_en", "英文名称", "英文名", "name:en", "english_name"),
    "address": (
        "address",
        "addr",
        "地址",
        "详细地址",
        "所在地址",
        "位置",
        "full_address",
        "addr:full",
    ),
    "category": (
        "category",
        "type",
        "类型",
        "类别",
        "分类",
        "kind",
        "业态",
        "种类",
        "poi_type",
        "typename",
        "网点类型",
    ),
    "district": (
        "district",
        "区",
        "行政区",
        "区县",
        "所属区",
        "所属区县",
        "所在区",
        "adname",
        "area",
        "county",
        "区域",
        "行政区划",
        "adcode",
        "区划代码",
        "addr:district",
    ),
    "sector": ("sector", "行业", "领域", "板块"),
    "start_date": ("start_date", "开始日期", "开始时间", "起始日期"),
    "end_date": ("end_date", "结束日期", "结束时间"),
    "in_service_date": ("in_service_date", "启用日期", "开通日期", "投入使用日期", "上线日期"),
    "capabilities": ("capabilities", "支付能力", "服务功能"),
    "card_schemes": ("card_schemes", "受理卡种", "卡组织"),
    "wallets": ("wallets", "钱包"),
    "venue_id": ("venue_id", "场馆编号"),
    "major_event": ("major_event", "重大活动"),
    "host_id": ("host_id", "所属场所编号"),
    "source": ("source", "来源", "数据来源"),
    "coord_precision_m": ("coord_precision_m", "精度", "坐标精度"),
    "synthetic": ("synthetic",),
}
#: Every field a mapping may name.
FIELDS: tuple[str, ...] = tuple(SYNONYMS)

_CATEGORIES = {
    "venues": VENUE_CATEGORIES,
    "organizations": ORGANIZATION_CATEGORIES,
    "events": EVENT_CATEGORIES,
    "key-locations": KEY_LOCATION_CATEGORIES,
    "payments": PAYMENT_TYPES,
}
#: Keywords in free-text types (AMap/Baidu type strings, survey labels) → category, by layer.
#: Checked in order; the first keyword found wins.
KEYWORDS: dict[str, tuple[tuple[str, str], ...]] = {
    "venues": (
        ("国宾馆", "state_guesthouse"),
        ("guesthouse", "state_guesthouse"),
        ("会议中心", "convention_center"),
        ("convention", "convention_center"),
        ("展览", "exhibition_center"),
        ("会展", "exhibition_center"),
        ("exhibition", "exhibition_center"),
        ("使馆", "diplomatic_quarter"),
        ("embass", "diplomatic_quarter"),
        ("商务区", "business_district"),
        ("cbd", "business_district"),
        ("论坛", "forum_venue"),
        ("forum", "forum_venue"),
        ("酒店", "hotel_venue"),
        ("饭店", "hotel_venue"),
        ("hotel", "hotel_venue"),
        ("剧院", "cultural_venue"),
        ("文化", "cultural_venue"),
        ("博物馆", "cultural_venue"),
    ),
    "events": (
        ("交易会", "fair"),
        ("博览会", "fair"),
        ("fair", "fair"),
        ("expo", "fair"),
        ("展", "exhibition"),
        ("exhibition", "exhibition"),
        ("论坛", "forum"),
        ("forum", "forum"),
        ("峰会", "forum"),
        ("summit", "forum"),
        ("节", "festival"),
        ("festival", "festival"),
        ("会议", "conference"),
        ("conference", "conference"),
    ),
    "key-locations": (
        ("美食街", "dining_street"),
        ("小吃街", "dining_street"),
        ("dining street", "dining_street"),
        ("购物中心", "shopping_mall"),
        ("商场", "shopping_mall"),
        ("mall", "shopping_mall"),
        ("百货", "department_store"),
        ("department", "department_store"),
        ("步行街", "shopping_street"),
        ("商业街", "shopping_street"),
        ("street", "shopping_street"),
        ("市场", "market"),
        ("market", "market"),
        ("酒店", "hotel"),
        ("宾馆", "hotel"),
        ("hotel", "hotel"),
        ("博物馆", "museum"),
        ("博物館", "museum"),
        ("購物中心", "shopping_mall"),
        ("商場", "shopping_mall"),
        ("賓館", "hotel"),
        ("機場", "airport"),
        ("地鐵", "metro_station"),
        ("火車站", "railway_station"),
        ("museum", "museum"),
        ("景区", "scenic_spot"),
        ("风景", "scenic_spot"),
        ("公园", "scenic_spot"),
        ("scenic", "scenic_spot"),
        ("机场", "airport"),
        ("airport", "airport"),
        ("地铁", "metro_station"),
        ("metro", "metro_station"),
        ("subway", "metro_station"),
        ("火车站", "railway_station"),
        ("railway", "railway_station"),
        ("餐", "restaurant"),
        ("restaurant", "restaurant"),
    ),
    "payments": (
        ("atm", "foreign_card_atm"),
        ("取款", "foreign_card_atm"),
        ("取现", "foreign_card_atm"),
        ("兑换", "currency_exchange"),
        ("exchange", "currency_exchange"),
        ("bank", "currency_exchange"),
        ("银行", "currency_exchange"),
        ("pos", "foreign_card_pos"),
        ("刷卡", "foreign_card_pos"),
        ("受理", "foreign_card_pos"),
        ("现金", "cash_acceptance"),
        ("cash", "cash_acceptance"),
        ("服务台", "mobile_payment_help"),
        ("help", "mobile_payment_help"),
    ),
}

#: District adcode → spellings (zh with and without 区/县, English, pinyin).
DISTRICT_NAMES: dict[str, tuple[str, ...]] = {
    "110101": ("东城", "dongcheng"),
    "110102": ("西城", "xicheng"),
    "110105": ("朝阳", "chaoyang"),
    "110106": ("丰台", "fengtai"),
    "110107": ("石景山", "shijingshan"),
    "110108": ("海淀", "haidian"),
    "110109": ("门头沟", "mentougou"),
    "110111": ("房山", "fangshan"),
    "110112": ("通州", "tongzhou"),
    "110113": ("顺义", "shunyi"),
    "110114": ("昌平", "changping"),
    "110115": ("大兴", "daxing"),
    "110116": ("怀柔", "huairou"),
    "110117": ("平谷", "pinggu"),
    "110118": ("密云", "miyun"),
    "110119": ("延庆", "yanqing"),
}


def normalise(header: object) -> str:
    """Header → matching key: lower case, bracketed notes removed, separators as ``_``."""
    h = str(header).replace("\ufeff", "").strip().lower()
    h = re.sub(r"[（(\[【].*?[)）\]】]", "", h).strip()
    return re.sub(r"[\s\-./]+", "_", h).strip("_")


def match_synonyms(
    cols: list[str], synonyms: dict[str, tuple[str, ...]], mapping: dict[str, str]
) -> dict[str, str]:
    """Add to ``mapping`` (field → column, the overrides already in it), for each field
    not in it, the first column whose normalised header (:func:`normalise`) is one of the
    field's ``synonyms``, in their order, never a column taken; return each column's
    normalised header."""
    used = set(mapping.values())
    keys = {c: normalise(c) for c in cols}
    for fld, names in synonyms.items():
        if fld in mapping:
            continue
        hit = next((c for n in names for c in cols if keys[c] == n and c not in used), None)
        if hit is not None:
            mapping[fld] = hit
            used.add(hit)
    return keys


def recognise(columns: list[str], overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Map model fields to source columns: explicit ``overrides`` first, then synonyms.

    Raises
    ------
    LoaderError
        When an override names an unknown field or a column the file does not have.
    """
    overrides = overrides or {}
    mapping: dict[str, str] = {}
    cols = [str(c) for c in columns]
    for fld, col in overrides.items():
        if fld not in FIELDS:
            raise LoaderError(f"cannot map unknown field {fld!r}; fields are {', '.join(FIELDS)}")
        if col not in cols:
            raise LoaderError(
                f"--map {fld}={col}: the file has no column {col!r}; its columns are {cols}"
            )
        mapping[fld] = col
    keys = match_synonyms(cols, SYNONYMS, mapping)
    used = set(mapping.values())
    for fld, pattern in (
        ("lon", r"(^|_)(lon|lng|longitude)($|_)|经度"),
        ("lat", r"(^|_)(lat|latitude)($|_)|纬度"),
    ):
        if fld not in mapping:
            hit = next((c for c in cols if c not in used and re.search(pattern, keys[c])), None)
            if hit is not None:
                mapping[fld] = hit
                used.add(hit)
    return mapping


def to_number(s: pd.Series) -> pd.Series:
    """Text → float; degree signs, full-width digits and spaces tolerated, else NaN."""
    if pd.api.types.is_numeric_dtype(s):
        return s.astype("float64")
    t = s.astype("string").str.strip()
    if t.str.contains(r"[^0-9eE+\-.]", regex=True, na=False).any():
        t = t.str.translate(_FULLWIDTH).str.replace(r"[°\s]", "", regex=True)
    return pd.to_numeric(t, errors="coerce").astype("float64")


_FULLWIDTH = str.maketrans("０１２３４５６７８９．－＋，", "0123456789.-+,")


def split_location(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A single "lon,lat" column → (lon, lat) floats; anything else NaN."""
    t = s.astype("string").str.translate(_FULLWIDTH).str.strip().str.strip("()[]")
    parts = t.str.split(r"\s*[,;\s]\s*", n=1, regex=True, expand=True)
    if parts.shape[1] < 2:
        nan = pd.Series(np.nan, index=s.index)
        return nan, nan.copy()
    return to_number(parts[0]), to_number(parts[1])


def parse_wkt(s: pd.Series) -> np.ndarray:
    """WKT text → shapely geometries; unparseable text → None."""
    arr = s.astype("string").fillna("").to_numpy(dtype=object)
    # stubs: np.where's ArrayLike omits None, a valid (object) scalar
    arr = np.where(arr == "", None, arr)  # pyright: ignore[reportCallIssue, reportArgumentType]
    return shapely.from_wkt(arr, on_invalid="ignore")


def map_values(values: pd.Series, table: dict[str, str]) -> pd.Series:
    """Map each distinct value once through ``table`` (value → code); vectorised by factorising."""
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    mapped = np.array([table.get(str(u), "") for u in uniques] + [""], dtype=object)
    return pd.Series(mapped[codes], index=values.index, dtype="string")


def category_table(values: pd.Series, layer: str) -> dict[str, str]:
    """Distinct category text → code for ``layer`` (code, zh/en label, or keyword)."""
    cats = _CATEGORIES[layer]
    exact: dict[str, str] = {}
    for code, (zh, en) in cats.items():
        exact[code] = code
        exact[zh.lower()] = code
        exact[en.lower()] = code
    out: dict[str, str] = {}
    for u in pd.unique(values.astype("string").dropna()):
        key = str(u).strip().lower()
        code = exact.get(key) or exact.get(key.replace(" ", "_"), "")
        if not code:
            code = next((c for kw, c in KEYWORDS.get(layer, ()) if kw in key), "")
        if not code:
            code = next((c for c, (zh, _en) in cats.items() if zh in key), "")
        out[str(u)] = code
    return out


def district_table(values: pd.Series) -> dict[str, str]:
    """Distinct district text (adcode, 东城区, 北京市东城区, Dongcheng District…) → adcode."""
    out: dict[str, str] = {}
    for u in pd.unique(values.astype("string").dropna()):
        key = str(u).strip().lower().replace(" ", "")
        if key.endswith(".0"):
            key = key[:-2]
        code = key if key in DISTRICT_NAMES else ""
        if not code:
            code = next(
                (a for a, (zh, py) in DISTRICT_NAMES.items() if zh in key or key.startswith(py)), ""
            )
        out[str(u)] = code
    return out


def sector_table(values: pd.Series) -> dict[str, str]:
    """Distinct sector text (code or zh/en label) → sector code."""
    exact = {k: k for k in SECTORS}
    exact.update({zh: k for k, (zh, en) in SECTORS.items()})
    exact.update({en.lower(): k for k, (zh, en) in SECTORS.items()})
    return {
        str(u): exact.get(str(u).strip().lower(), exact.get(str(u).strip(), ""))
        for u in pd.unique(values.astype("string").dropna())
    }


def layer_fields(layer: str) -> tuple[str, ...]:
    """The model columns of ``layer`` (required then optional)."""
    return LAYERS[layer].columns
