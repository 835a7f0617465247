"""OpenStreetMap data: Overpass JSON and GeoJSON extracts, tags mapped to the model.

OSM describes payment with ``payment:*`` tags (``payment:visa=yes``,
``payment:alipay=yes``, ``payment:cash=yes``), foreign currency with ``currency:*``
tags and places with ``amenity=atm|bank|bureau_de_change``. This module turns those
into the model's capabilities, card schemes, wallets and payment types, column-wise.
OSM coordinates are WGS-84 by the project's policy, which the CRS detection reports.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from dashboard.core.model import LIST_SEP
from loaders.errors import LoaderError
from loaders.table import RawTable

#: ``payment:<key>`` → card scheme code; all but UnionPay are foreign cards.
CARD_TAGS: dict[str, str] = {
    "visa": "visa",
    "visa_electron": "visa",
    "visa_debit": "visa",
    "mastercard": "mastercard",
    "maestro": "mastercard",
    "american_express": "amex",
    "jcb": "jcb",
    "diners_club": "diners",
    "discover_card": "discover",
    "unionpay": "unionpay",
}
#: ``payment:<key>`` → wallet code.
WALLET_TAGS: dict[str, str] = {
    "alipay": "alipay_intl",
    "wechat": "weixin_pay_intl",
    "weixin": "weixin_pay_intl",
    "wechat_pay": "weixin_pay_intl",
    "alipay_plus": "alipay_plus",
    "unionpay_quickpass": "unionpay_app",
}
GENERIC_CARD_TAGS = ("credit_cards", "debit_cards", "cards", "contactless")
CASH_TAGS = ("cash", "coins", "notes")
#: OSM ``key=value`` → key-location category (for non-payment layers).
PLACE_TAGS: dict[tuple[str, str], str] = {
    ("tourism", "hotel"): "hotel",
    ("tourism", "museum"): "museum",
    ("tourism", "attraction"): "scenic_spot",
    ("tourism", "theme_park"): "scenic_spot",
    ("shop", "mall"): "shopping_mall",
    ("shop", "department_store"): "department_store",
    ("amenity", "marketplace"): "market",
    ("amenity", "restaurant"): "restaurant",
    ("aeroway", "aerodrome"): "airport",
    ("railway", "station"): "railway_station",
    ("station", "subway"): "metro_station",
}


def looks_like_osm(df: pd.DataFrame) -> bool:
    """True when a table's columns are OSM tags (``@id``, ``payment:*``, ``amenity``...)."""
    cols = [str(c) for c in df.columns]
    if "@id" in cols or any(c.startswith(("payment:", "currency:")) for c in cols):
        return True
    if "id" in cols and len(df):
        ids = df["id"].astype("string").fillna("")
        return bool(ids.str.match(r"^(node|way|relation)/\d+$").mean() > 0.5)
    return False


def overpass_table(doc: dict) -> RawTable:
    """Overpass JSON (``out center`` or ``out geom``) → a table of tags and point geometries.

    Nodes give their position; ways and relations need ``out center`` (their centre) or
    bounds, otherwise they are kept with an empty geometry and reported later.
    """
    elements = [e for e in doc["elements"] if isinstance(e, dict) and e.get("tags")]
    if not elements:
        raise LoaderError(
            "the Overpass JSON has no tagged elements: nothing to import "
            "(query with 'out center;' so that ways and relations carry a position)"
        )
    lon = np.full(len(elements), np.nan)
    lat = np.full(len(elements), np.nan)
    records: list[dict] = []
    for i, e in enumerate(elements):  # JSON objects arrive as Python dicts: one pass to flatten
        pos = e if "lat" in e else e.get("center") or _bounds_center(e.get("bounds"))
        if isinstance(pos, dict):
            lon[i] = _num(pos.get("lon"))
            lat[i] = _num(pos.get("lat"))
        rec = {str(k): v for k, v in e["tags"].items()}
        rec["@id"] = f"{e.get('type', 'node')}/{e.get('id', i)}"
        if e.get("timestamp"):
            rec["@timestamp"] = e["timestamp"]
        records.append(rec)
    geom = gpd.GeoSeries(shapely.points(lon, lat))
    geom[np.isnan(lon) | np.isnan(lat)] = None
    gen = str(doc.get("generator", "Overpass"))
    return RawTable(
        df=pd.DataFrame(records), geometry=geom, fmt="Overpass JSON", hints=[gen], osm=True
    )


def _bounds_center(b: object) -> dict | None:
    if not isinstance(b, dict):
        return None
    try:
        return {"lon": (b["minlon"] + b["maxlon"]) / 2, "lat": (b["minlat"] + b["maxlat"]) / 2}
    except (KeyError, TypeError):
        return None


def _num(v: object) -> float:
    try:
        return float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return np.nan


def _yes(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series(False, index=df.index)
    return df[col].astype("string").str.strip().str.lower().isin(["yes", "true", "1"]).fillna(False)


def _tag(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series("", index=df.index, dtype="string")
    return df[col].astype("string").fillna("").str.strip().str.lower()


def _join(flags: dict[str, pd.Series], index: pd.Index) -> pd.Series:
    """Per row, the ``;``-joined codes whose flag is set (in the order given)."""
    out = pd.Series("", index=index, dtype="string")
    for code, flag in flags.items():
        add = flag & ~out.str.contains(rf"(?:^|;){code}(?:;|$)", regex=True)
        out = out.where(~add, out.where(out == "", out + LIST_SEP) + code)
    return out


def osm_fields(df: pd.DataFrame) -> pd.DataFrame:
    """Model fields derived from OSM tags, one row per input row.

    Returns columns ``id``, ``name_zh``, ``name_en``, ``address``, ``district``,
    ``category`` (payment type or key-location category), ``capabilities``,
    ``card_schemes``, ``wallets``, ``in_service_date`` and ``source``; empty strings where
    the tags say nothing.
    """
    idx = df.index
    out = pd.DataFrame(index=idx)
    raw_id = _tag(df, "@id") if "@id" in df.columns else _tag(df, "id")
    out["id"] = ("osm-" + raw_id.str.replace("/", "-", regex=False)).where(raw_id != "", "")
    name = df.get("name", pd.Series("", index=idx)).astype("string").fillna("")
    name_zh = df.get("name:zh", pd.Series("", index=idx)).astype("string").fillna("")
    name_en = df.get("name:en", pd.Series("", index=idx)).astype("string").fillna("")
    out["name_zh"] = name_zh.where(name_zh != "", name)
    out["name_en"] = name_en.where(name_en != "", name)
    street = df.get("addr:street", pd.Series("", index=idx)).astype("string").fillna("")
    number = df.get("addr:housenumber", pd.Series("", index=idx)).astype("string").fillna("")
    full = df.get("addr:full", pd.Series("", index=idx)).astype("string").fillna("")
    out["address"] = full.where(full != "", (street + " " + number).str.strip())
    out["district"] = df.get("addr:district", pd.Series("", index=idx)).astype("string").fillna("")

    cards = {code: pd.Series(False, index=idx) for code in dict.fromkeys(CARD_TAGS.values())}
    for key, code in CARD_TAGS.items():
        cards[code] = cards[code] | _yes(df, f"payment:{key}")
    generic: np.ndarray = np.logical_or.reduce(
        [_yes(df, f"payment:{k}") for k in GENERIC_CARD_TAGS]
    )
    foreign_card = np.logical_or.reduce([f for c, f in cards.items() if c != "unionpay"])
    foreign_card = pd.Series(foreign_card | generic, index=idx)
    wallets = {code: pd.Series(False, index=idx) for code in dict.fromkeys(WALLET_TAGS.values())}
    for key, code in WALLET_TAGS.items():
        wallets[code] = wallets[code] | _yes(df, f"payment:{key}")
    any_wallet = pd.Series(np.logical_or.reduce(list(wallets.values())), index=idx)
    cash = pd.Series(np.logical_or.reduce([_yes(df, f"payment:{k}") for k in CASH_TAGS]), idx)
    cur_cols = [c for c in df.columns if str(c).startswith("currency:") and c != "currency:CNY"]
    foreign_cur = pd.Series(
        np.logical_or.reduce([_yes(df, c) for c in cur_cols]) if cur_cols else False, index=idx
    )
    amenity = _tag(df, "amenity")
    atm = (amenity == "atm") | _yes(df, "atm")
    bank = amenity == "bank"
    bureau = amenity == "bureau_de_change"
    exchange = bureau | bank | (foreign_cur & (atm | bank | bureau))

    out["capabilities"] = _join(
        {
            "foreign_card": foreign_card & ~atm,
            "foreign_wallet": any_wallet,
            "cash": cash | atm | bank | bureau,
            "currency_exchange": exchange,
            "atm_withdrawal": atm,
        },
        idx,
    )
    out["card_schemes"] = _join(cards, idx)
    out["wallets"] = _join(wallets, idx)
    ptype = pd.Series("", index=idx, dtype="string")
    ptype = ptype.mask(cash, "cash_acceptance")
    ptype = ptype.mask(foreign_card | any_wallet, "foreign_card_pos")
    ptype = ptype.mask(exchange, "currency_exchange")
    ptype = ptype.mask(atm, "foreign_card_atm")
    place = pd.Series("", index=idx, dtype="string")
    for (key, value), cat in PLACE_TAGS.items():
        place = place.mask((place == "") & (_tag(df, key) == value), cat)
    out["category"] = ptype.where(ptype != "", place)
    out["place_category"] = place
    date = _tag(df, "check_date")
    date = date.where(date != "", _tag(df, "start_date"))
    date = date.where(date != "", _tag(df, "@timestamp").str.slice(0, 10))
    out["in_service_date"] = date
    out["source"] = ("https://www.openstreetmap.org/" + raw_id).where(raw_id != "", "OpenStreetMap")
    return out
