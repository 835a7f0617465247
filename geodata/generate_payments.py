"""Generate the ILLUSTRATIVE payment-service points shipped in ``geodata/payments.csv``.

No public register of foreign-visitor payment points exists, so the shipped layer
is synthetic: every row has ``synthetic=true`` and every page that shows it says
so. Real survey data replaces it through ``exchange-atlas import --layer payments``.

Method (seeded, so the file is reproducible byte for byte):

1. Each real key location (``key_locations.csv``) hosts service points with a
   probability ``p = P_CATEGORY[category] × ROLLOUT[adcode]``: airports, hotels and
   malls are likelier than parks, central districts likelier than outer ones.
   This leaves realistic gaps, more of them in outer districts.
2. A hosting location gets 1–3 points of types suited to its category
   (``TYPES_BY_CATEGORY``), placed 10–120 m from it (inside the building or at
   its entrance). A further ``N_STREET`` standalone ATMs and exchange counters lie
   150–900 m from random key locations.
3. Capabilities, card schemes and wallets follow the type; the in-service date
   falls between 2023-01-01 and 2025-12-31, earlier in central districts, so the
   rollout can be played back over time.
4. The district is taken from the point's own position (point-in-polygon).

Usage: ``python geodata/generate_payments.py [--seed N]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dashboard.engine.layers import read_districts  # noqa: E402

HERE = Path(__file__).resolve().parent
SEED = 20240601
N_STREET = 60

P_CATEGORY = {
    "airport": 1.0,
    "railway_station": 0.95,
    "hotel": 0.85,
    "shopping_mall": 0.8,
    "department_store": 0.8,
    "shopping_street": 0.7,
    "market": 0.55,
    "museum": 0.55,
    "scenic_spot": 0.5,
    "metro_station": 0.35,
    "dining_street": 0.5,
    "restaurant": 0.5,
}
#: District rollout factor (central districts first), multiplies P_CATEGORY.
ROLLOUT = {
    "110101": 1.0,
    "110102": 1.0,
    "110105": 0.95,
    "110108": 0.9,
    "110106": 0.75,
    "110107": 0.75,
    "110112": 0.7,
    "110113": 0.75,
    "110115": 0.7,
    "110114": 0.6,
    "110111": 0.5,
    "110109": 0.45,
    "110116": 0.55,
    "110117": 0.4,
    "110118": 0.5,
    "110119": 0.55,
}
TYPES_BY_CATEGORY = {
    "airport": ["foreign_card_pos", "foreign_card_atm", "currency_exchange", "mobile_payment_help"],
    "railway_station": [
        "foreign_card_pos",
        "cash_acceptance",
        "mobile_payment_help",
        "foreign_card_atm",
    ],
    "metro_station": ["cash_acceptance", "mobile_payment_help"],
    "hotel": ["foreign_card_pos", "currency_exchange", "foreign_card_atm"],
    "shopping_mall": ["foreign_card_pos", "foreign_card_atm", "mobile_payment_help"],
    "department_store": ["foreign_card_pos", "foreign_card_atm", "currency_exchange"],
    "shopping_street": ["foreign_card_pos", "foreign_card_atm", "currency_exchange"],
    "market": ["foreign_card_pos", "cash_acceptance"],
    "scenic_spot": ["foreign_card_pos", "cash_acceptance", "mobile_payment_help"],
    "museum": ["foreign_card_pos", "cash_acceptance"],
    "dining_street": ["foreign_card_pos", "cash_acceptance"],
    "restaurant": ["foreign_card_pos", "cash_acceptance"],
}
CAPS_BY_TYPE = {
    "foreign_card_pos": ["foreign_card"],
    "foreign_card_atm": ["atm_withdrawal", "cash"],
    "currency_exchange": ["currency_exchange", "cash"],
    "cash_acceptance": ["cash"],
    "mobile_payment_help": ["help_desk", "foreign_wallet"],
}
NAME_BY_TYPE = {
    "foreign_card_pos": ("外卡受理点", "foreign-card POS"),
    "foreign_card_atm": ("外卡ATM", "foreign-card ATM"),
    "currency_exchange": ("外币兑换点", "currency exchange"),
    "cash_acceptance": ("现金收付点", "cash acceptance"),
    "mobile_payment_help": ("支付服务台", "payment help desk"),
}


def _offset(lon, lat, dist_m, bearing):
    dlat = dist_m * np.cos(bearing) / 111_320.0
    dlon = dist_m * np.sin(bearing) / (111_320.0 * np.cos(np.radians(lat)))
    return lon + dlon, lat + dlat


def generate(key_locations: pd.DataFrame, districts, seed: int = SEED) -> pd.DataFrame:
    """Synthetic payment points around ``key_locations`` (see the module docstring)."""
    rng = np.random.default_rng(seed)
    kl = key_locations.sort_values("id").reset_index(drop=True)
    rows = []
    for r in kl.itertuples(index=False):
        p = P_CATEGORY.get(r.category, 0.5) * ROLLOUT.get(str(r.adcode), 0.5)
        if rng.random() >= p:
            continue
        types = TYPES_BY_CATEGORY.get(r.category, ["foreign_card_pos"])
        n = int(rng.integers(1, min(3, len(types)) + 1))
        for t in rng.choice(types, size=n, replace=False):
            lon, lat = _offset(r.lon, r.lat, rng.uniform(10, 120), rng.uniform(0, 2 * np.pi))
            rows.append((t, lon, lat, r.id, r.name_zh, r.name_en, str(r.adcode)))
    for i in rng.choice(len(kl), size=min(N_STREET, len(kl)), replace=False):
        r = kl.iloc[int(i)]
        t = str(rng.choice(["foreign_card_atm", "currency_exchange"]))
        lon, lat = _offset(r.lon, r.lat, rng.uniform(150, 900), rng.uniform(0, 2 * np.pi))
        rows.append((t, lon, lat, "", r.name_zh, r.name_en, str(r.adcode)))
    out = []
    xs = np.array([x[1] for x in rows])
    ys = np.array([x[2] for x in rows])
    district_of = np.full(len(rows), "", dtype=object)
    for adcode, geom in zip(districts["adcode"], districts.geometry):
        district_of[shapely.contains_xy(geom, xs, ys)] = adcode
    start = np.datetime64("2023-01-01")
    for k, (t, lon, lat, host, zh, en, _host_adcode) in enumerate(rows):
        adcode = district_of[k]
        if not adcode:  # jittered out of Beijing: skip
            continue
        caps = list(CAPS_BY_TYPE[t])
        schemes: list[str] = []
        wallets: list[str] = []
        if t in ("foreign_card_pos", "foreign_card_atm"):
            schemes = ["visa", "mastercard"] + [
                s
                for s, q in (
                    ("unionpay", 0.9),
                    ("amex", 0.45),
                    ("jcb", 0.5),
                    ("diners", 0.2),
                    ("discover", 0.2),
                )
                if rng.random() < q
            ]
        if t == "foreign_card_pos" and rng.random() < 0.6:
            caps.append("foreign_wallet")
            wallets = ["alipay_intl", "weixin_pay_intl"] + (
                ["alipay_plus"] if rng.random() < 0.5 else []
            )
        if t == "mobile_payment_help":
            wallets = ["alipay_intl", "weixin_pay_intl", "alipay_plus"]
        # central districts roll out earlier: date ~ start + Beta skewed by ROLLOUT
        skew = ROLLOUT.get(adcode, 0.5)
        frac = rng.beta(1.2, 1.2 + 2.5 * skew)
        date = start + np.timedelta64(int(frac * 1095), "D")
        tz, te = NAME_BY_TYPE[t]
        out.append(
            {
                "id": f"P{k + 1:04d}",
                "name_zh": f"{zh}{tz}" if host else f"{zh}附近{tz}",
                "name_en": f"{en} {te}" if host else f"{te} near {en}",
                "category": t,
                "adcode": adcode,
                "lon": round(float(lon), 6),
                "lat": round(float(lat), 6),
                "capabilities": ";".join(caps),
                "card_schemes": ";".join(schemes),
                "wallets": ";".join(wallets),
                "in_service_date": str(date),
                "host_id": host,
                "address": "",
                "source": f"synthetic: geodata/generate_payments.py seed={seed}",
                "coord_precision_m": "",
                "synthetic": "true",
            }
        )
    return pd.DataFrame(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()
    kl = pd.read_csv(HERE / "key_locations.csv", dtype={"id": str, "adcode": str})
    df = generate(kl, read_districts(), args.seed)
    df.to_csv(HERE / "payments.csv", index=False, encoding="utf-8")
    print(f"wrote {len(df)} synthetic payment points to payments.csv (seed {args.seed})")


if __name__ == "__main__":
    main()
