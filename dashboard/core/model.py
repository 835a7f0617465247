"""The data model: layers, their columns, categories, sectors and payment capabilities.

Pure and import-light (no Streamlit, no I/O) so that loaders, the coverage engine,
the CLI and the tests all share one definition. Every label has a Chinese and an
English form; codes (the dict keys) are what the data stores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

# --------------------------------------------------------------------------- labels

#: Sector code → (zh, en). The five sectors of the city's payment-facilitation push.
SECTORS: Final[dict[str, tuple[str, str]]] = {
    "dining": ("餐饮", "Dining"),
    "accommodation": ("住宿", "Accommodation"),
    "transportation": ("交通", "Transportation"),
    "shopping": ("购物", "Shopping"),
    "culture_tourism": ("文旅", "Culture & tourism"),
}

#: Category code → (zh, en) for each point layer.
VENUE_CATEGORIES: Final[dict[str, tuple[str, str]]] = {
    "convention_center": ("会议中心", "Convention centre"),
    "exhibition_center": ("展览中心", "Exhibition centre"),
    "state_guesthouse": ("国宾馆", "State guesthouse"),
    "forum_venue": ("论坛场馆", "Forum venue"),
    "diplomatic_quarter": ("使馆区", "Diplomatic quarter"),
    "business_district": ("商务区", "Business district"),
    "cultural_venue": ("文化场馆", "Cultural venue"),
    "hotel_venue": ("会议酒店", "Conference hotel"),
}
ORGANIZATION_CATEGORIES: Final[dict[str, tuple[str, str]]] = {
    "un_agency": ("联合国机构", "UN agency"),
    "development_bank": ("开发银行", "Development bank"),
    "intergovernmental": ("政府间组织", "Intergovernmental organization"),
    "international_ngo": ("国际非政府组织", "International NGO"),
    "research_institute": ("研究机构", "Research institute"),
    "chamber_of_commerce": ("商会", "Chamber of commerce"),
}
EVENT_CATEGORIES: Final[dict[str, tuple[str, str]]] = {
    "forum": ("论坛", "Forum"),
    "exhibition": ("展览", "Exhibition"),
    "fair": ("交易会", "Fair"),
    "festival": ("节庆", "Festival"),
    "conference": ("会议", "Conference"),
}
#: The four major international events Beijing hosts every year (``major_event`` of the
#: events layer), in the order they are listed: series key → (zh, en).
MAJOR_EVENTS: Final[dict[str, tuple[str, str]]] = {
    "zgc_forum": ("中关村论坛", "Zhongguancun Forum"),
    "ciftis": (
        "中国国际服务贸易交易会（服贸会）",
        "China International Fair for Trade in Services",
    ),
    "financial_street_forum": ("金融街论坛年会", "Financial Street Forum"),
    "beijing_culture_forum": ("北京文化论坛", "Beijing Culture Forum"),
}
KEY_LOCATION_CATEGORIES: Final[dict[str, tuple[str, str]]] = {
    "shopping_mall": ("购物中心", "Shopping mall"),
    "department_store": ("百货商场", "Department store"),
    "shopping_street": ("商业街", "Shopping street"),
    "market": ("市场", "Market"),
    "hotel": ("酒店", "Hotel"),
    "scenic_spot": ("A级景区", "Scenic spot"),
    "museum": ("博物馆", "Museum"),
    "airport": ("机场", "Airport"),
    "railway_station": ("火车站", "Railway station"),
    "metro_station": ("地铁站", "Metro station"),
    "dining_street": ("美食街", "Dining street"),
    "restaurant": ("餐厅", "Restaurant"),
}
#: Default sector of each key-location category (used when a file gives none).
CATEGORY_SECTOR: Final[dict[str, str]] = {
    "shopping_mall": "shopping",
    "department_store": "shopping",
    "shopping_street": "shopping",
    "market": "shopping",
    "hotel": "accommodation",
    "scenic_spot": "culture_tourism",
    "museum": "culture_tourism",
    "airport": "transportation",
    "railway_station": "transportation",
    "metro_station": "transportation",
    "dining_street": "dining",
    "restaurant": "dining",
}

#: Payment-service point types.
PAYMENT_TYPES: Final[dict[str, tuple[str, str]]] = {
    "foreign_card_pos": ("境外银行卡受理终端", "Foreign-card POS"),
    "foreign_card_atm": ("外卡ATM", "ATM accepting foreign cards"),
    "currency_exchange": ("外币兑换点", "Currency exchange"),
    "cash_acceptance": ("现金收付点", "Cash acceptance"),
    "mobile_payment_help": ("移动支付服务台", "Mobile-payment help desk"),
}

#: Payment capabilities: what a visitor can actually do at a point.
CAPABILITIES: Final[dict[str, tuple[str, str]]] = {
    "foreign_card": ("境外银行卡支付", "Pay by foreign card"),
    "foreign_wallet": ("境外电子钱包", "Foreign-friendly mobile wallet"),
    "cash": ("人民币现金", "RMB cash"),
    "currency_exchange": ("外币兑换", "Currency exchange"),
    "atm_withdrawal": ("外卡取现", "Cash withdrawal by foreign card"),
    "help_desk": ("支付咨询协助", "Payment help desk"),
}

#: Capabilities a payment-point type implies by itself: what any point of the type lets a
#: visitor do, whatever the point (an ATM that takes foreign cards gives RMB cash by a
#: foreign card; an exchange counter changes money into RMB cash). The importer fills them
#: in for a row that states no capabilities, and says so in its report. Types absent here
#: imply nothing: a foreign-card POS may take some schemes and wallets and not others (the
#: very thing a field check verifies), so such a row must state its capabilities.
CATEGORY_CAPABILITIES: Final[dict[str, tuple[str, ...]]] = {
    "foreign_card_atm": ("atm_withdrawal", "cash"),
    "currency_exchange": ("currency_exchange", "cash"),
    "cash_acceptance": ("cash",),
    "mobile_payment_help": ("help_desk",),
}

#: Card schemes a point may accept.
CARD_SCHEMES: Final[dict[str, tuple[str, str]]] = {
    "visa": ("维萨", "Visa"),
    "mastercard": ("万事达", "Mastercard"),
    "amex": ("美国运通", "American Express"),
    "jcb": ("JCB", "JCB"),
    "diners": ("大来", "Diners Club"),
    "discover": ("发现卡", "Discover"),
    "unionpay": ("银联", "UnionPay"),
}

#: Wallets usable by visitors.
WALLETS: Final[dict[str, tuple[str, str]]] = {
    "alipay_intl": ("支付宝(绑定境外卡)", "Alipay with a foreign card"),
    "weixin_pay_intl": ("微信支付(绑定境外卡)", "Weixin Pay with a foreign card"),
    "alipay_plus": ("Alipay+ 境外钱包", "Alipay+ partner wallets"),
    "unionpay_app": ("云闪付", "UnionPay app"),
}

# --------------------------------------------------------------------------- layers

POINT_BASE: Final[tuple[str, ...]] = (
    "id",
    "name_zh",
    "name_en",
    "category",
    "adcode",
    "lon",
    "lat",
)


@dataclass(frozen=True)
class LayerSpec:
    """What a layer is: its file, its columns, its categories and how it is labelled."""

    name: str
    label: tuple[str, str]
    file: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    categories: dict[str, tuple[str, str]] = field(default_factory=dict)
    color: tuple[int, int, int] = (80, 80, 80)
    list_columns: tuple[str, ...] = ()
    date_columns: tuple[str, ...] = ()
    #: required date columns whose cell may be empty: no date sets no limit (a payment
    #: point without ``in_service_date`` is in service on every date, as the coverage
    #: engine's ``in_service`` reads it); an import warns instead of refusing the row
    open_dates: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


COMMON_OPTIONAL = ("address", "source", "coord_precision_m", "synthetic")

LAYERS: Final[dict[str, LayerSpec]] = {
    "venues": LayerSpec(
        "venues",
        ("国际交往场所", "International-exchange venues"),
        "venues.csv",
        POINT_BASE,
        COMMON_OPTIONAL,
        VENUE_CATEGORIES,
        (200, 30, 45),
    ),
    "organizations": LayerSpec(
        "organizations",
        ("国际组织", "International organizations"),
        "organizations.csv",
        POINT_BASE,
        COMMON_OPTIONAL,
        ORGANIZATION_CATEGORIES,
        (30, 90, 200),
    ),
    "events": LayerSpec(
        "events",
        ("展会与论坛", "Exhibitions & forums"),
        "events.csv",
        POINT_BASE + ("start_date", "end_date"),
        ("venue_id", "major_event") + COMMON_OPTIONAL,
        EVENT_CATEGORIES,
        (140, 40, 170),
        date_columns=("start_date", "end_date"),
    ),
    "key-locations": LayerSpec(
        "key-locations",
        ("重点场所", "Key locations"),
        "key_locations.csv",
        POINT_BASE + ("sector",),
        COMMON_OPTIONAL,
        KEY_LOCATION_CATEGORIES,
        (230, 140, 20),
    ),
    "payments": LayerSpec(
        "payments",
        ("支付服务点", "Payment-service points"),
        "payments.csv",
        POINT_BASE + ("capabilities", "in_service_date"),
        ("card_schemes", "wallets", "host_id") + COMMON_OPTIONAL,
        PAYMENT_TYPES,
        (20, 150, 90),
        list_columns=("capabilities", "card_schemes", "wallets"),
        date_columns=("in_service_date",),
        open_dates=("in_service_date",),
    ),
}
POINT_LAYERS: Final[tuple[str, ...]] = tuple(LAYERS)
ALL_LAYERS: Final[tuple[str, ...]] = ("districts",) + POINT_LAYERS

#: Beijing's bounding box in WGS-84 (lon_min, lat_min, lon_max, lat_max), padded slightly.
BEIJING_BBOX: Final[tuple[float, float, float, float]] = (115.40, 39.40, 117.52, 41.07)

#: Metric CRS for all distance work (UTM zone 50N covers Beijing).
METRIC_CRS: Final[str] = "EPSG:32650"
WGS84: Final[str] = "EPSG:4326"

LIST_SEP: Final[str] = ";"


def label(mapping: dict[str, tuple[str, str]], code: str, lang: str = "en") -> str:
    """The zh or en label of ``code`` in ``mapping``; the code itself when unknown."""
    pair = mapping.get(code)
    if pair is None:
        return str(code)
    return pair[0] if lang == "zh" else pair[1]


# --------------------------------------------------------------------------- validation


@dataclass
class Problem:
    """One problem found in one cell (or one row when ``column`` is None)."""

    file: str
    row: int | None
    column: str | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "message": self.message,
            "severity": self.severity,
        }


class DataValidationError(ValueError):
    """Raised when a dataset does not match the model; names file, row and column."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        head = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(head + more)


def split_list(value: object) -> list[str]:
    """Split a ``;``-separated cell into codes (empty, None, NaN or ``pd.NA`` → [])."""
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return []
    return [v.strip() for v in str(value).split(LIST_SEP) if v.strip()]


def implied_capabilities(category: pd.Series) -> pd.Series:
    """The capabilities each row's payment type implies (:data:`CATEGORY_CAPABILITIES`),
    ``;``-joined; empty where the type implies none."""
    table = {c: LIST_SEP.join(v) for c, v in CATEGORY_CAPABILITIES.items()}
    return category.astype("string").map(table).fillna("").astype("string")


def validate_points(df: pd.DataFrame, layer: str, file: str = "<data>") -> list[Problem]:
    """Check a point layer's table against the model and return every problem found.

    Row numbers are 1-based data rows: row 1 is the first row under the header,
    so in a CSV file it is on line 2.
    """
    spec = LAYERS[layer]
    problems: list[Problem] = []
    missing = [c for c in spec.required if c not in df.columns]
    for c in missing:
        problems.append(Problem(file, None, c, "required column is missing"))
    if missing:
        return problems
    rows = np.arange(1, len(df) + 1)
    lon = pd.to_numeric(df["lon"], errors="coerce")
    lat = pd.to_numeric(df["lat"], errors="coerce")
    for col, ser, lo, hi in (("lon", lon, -180, 180), ("lat", lat, -90, 90)):
        bad = ser.isna() | (ser < lo) | (ser > hi)
        for r in rows[bad.to_numpy()]:
            problems.append(
                Problem(file, int(r), col, f"not a coordinate: {df[col].iloc[r - 1]!r}")
            )
    x0, y0, x1, y1 = BEIJING_BBOX
    outside = (lon < x0) | (lon > x1) | (lat < y0) | (lat > y1)
    outside &= lon.notna() & lat.notna()
    for r in rows[outside.to_numpy()]:
        problems.append(Problem(file, int(r), "lon", "point lies outside Beijing"))
    ids = df["id"].astype("string")
    for r in rows[(ids.isna() | (ids.str.strip() == "")).to_numpy()]:
        problems.append(Problem(file, int(r), "id", "empty id"))
    dup = ids.duplicated(keep="first") & ids.notna()
    for r in rows[dup.to_numpy()]:
        problems.append(Problem(file, int(r), "id", f"duplicate id {ids.iloc[r - 1]!r}"))
    if spec.categories:
        cat = df["category"].astype("string")
        bad = ~cat.isin(list(spec.categories))
        for r in rows[bad.to_numpy()]:
            problems.append(
                Problem(file, int(r), "category", f"unknown category {cat.iloc[r - 1]!r}")
            )
    if "sector" in spec.required:
        sec = df["sector"].astype("string")
        for r in rows[(~sec.isin(list(SECTORS))).to_numpy()]:
            problems.append(Problem(file, int(r), "sector", f"unknown sector {sec.iloc[r - 1]!r}"))
    for col in spec.date_columns:
        if col in df.columns:
            d = pd.to_datetime(df[col], errors="coerce", format="mixed")
            for r in rows[(d.isna() & df[col].notna()).to_numpy()]:
                problems.append(Problem(file, int(r), col, f"not a date: {df[col].iloc[r - 1]!r}"))
    if "major_event" in spec.columns and "major_event" in df.columns:
        key = df["major_event"].astype("string").str.strip()
        bad = key.notna() & (key != "") & ~key.isin(list(MAJOR_EVENTS))
        for r in rows[bad.to_numpy()]:
            problems.append(
                Problem(
                    file,
                    int(r),
                    "major_event",
                    f"unknown major event {key.iloc[r - 1]!r}; known: {', '.join(MAJOR_EVENTS)}",
                )
            )
    vocab = {"capabilities": CAPABILITIES, "card_schemes": CARD_SCHEMES, "wallets": WALLETS}
    for col in spec.list_columns:
        if col not in df.columns:
            continue
        allowed = vocab[col]
        # each distinct cell checked once (a million rows hold a few hundred combinations)
        codes, distinct = pd.factorize(df[col], use_na_sentinel=True)
        unknown = [[c for c in split_list(v) if c not in allowed] for v in distinct]
        bad = np.flatnonzero([bool(u) for u in unknown])
        for i in np.flatnonzero(np.isin(codes, bad)):
            problems.append(Problem(file, int(i) + 1, col, f"unknown code(s) {unknown[codes[i]]}"))
    return problems
