"""Build a synthetic city-wide workspace of any size, reproducibly, for the benchmarks.

``build_city(home, demand, supply, seed)`` writes ``demand`` key locations and ``supply``
payment-service points into the workspace at ``home`` through the app's own write gateway
(:func:`loaders.writes.import_layer`, as an import does: a GeoParquet version of each
layer, its record and an audit entry), so the app reads them exactly as imported data.

The city is clustered like a real one, not uniform (seeded, vectorised, no loop over rows):

* Places: 80 % in Gaussian clusters round the shipped key locations
  (``geodata/key_locations.csv``, 274 real places, most of them in Dongcheng, Xicheng,
  Chaoyang and Haidian), each district's share following its shipped count (plus a small
  floor, so the outer mountain districts are sparse but not empty), cluster widths
  150 m–3 km; 20 % round seeded town centres inside each district (the same shares).
  Every point lies inside Beijing's shipped district polygons (points drawn outside are
  drawn again); its ``adcode`` is the polygon that holds it (``shapely.contains_xy``).
  Categories follow :data:`CATEGORY_SHARES` (a city-wide survey: restaurants, hotels,
  shops first, a few stations, one or two airports).
* Payment points: :data:`HOSTED` of them 10–120 m from a random place (its ``host_id``),
  of a type suited to the host, the rest drawn like the places. Types, capabilities,
  card schemes and wallets follow :data:`TYPE_SHARES` and the shipped generator; the
  ``in_service_date`` falls between 2023-01-01 and 2025-12-31, earlier in the central
  districts, so the as-of slider and the progress series show a roll-out.

Every row is ``synthetic`` and its ``source`` says ``synthetic: benchmarks/citygen.py
seed=N``; names read "Synthetic hotel 000123" / "合成酒店 000123".

Usage::

    python benchmarks/citygen.py HOME --size 100k×50k [--seed 7]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
import shapely  # noqa: E402

from dashboard.core.model import (  # noqa: E402
    CATEGORY_SECTOR,
    KEY_LOCATION_CATEGORIES,
    PAYMENT_TYPES,
)
from dashboard.core.rights import Actor  # noqa: E402
from dashboard.engine.layers import read_districts, shipped_path  # noqa: E402
from loaders import writes  # noqa: E402

#: Share of each key-location category in a city-wide survey (sums to 1).
CATEGORY_SHARES: dict[str, float] = {
    "restaurant": 0.42,
    "hotel": 0.14,
    "market": 0.10,
    "shopping_mall": 0.06,
    "department_store": 0.03,
    "shopping_street": 0.02,
    "dining_street": 0.03,
    "scenic_spot": 0.06,
    "museum": 0.03,
    "metro_station": 0.108,
    "railway_station": 0.0018,
    "airport": 0.0002,
}
#: Share of each payment-point type (card-accepting merchants first; sums to 1).
TYPE_SHARES: dict[str, float] = {
    "foreign_card_pos": 0.55,
    "foreign_card_atm": 0.12,
    "currency_exchange": 0.06,
    "cash_acceptance": 0.17,
    "mobile_payment_help": 0.10,
}
#: Share of payment points inside or at the door of a place (10–120 m from it).
HOSTED = 0.6
#: Share of places and points in clusters round the shipped places (the rest: towns).
CLUSTERED = 0.8
#: Town centres drawn inside each district.
TOWNS_PER_DISTRICT = 12
#: Widths (Gaussian sigma, metres) of the town clusters, and the factor widening the
#: clusters round shipped places outside the central districts.
TOWN_WIDTH_M = (300.0, 1_200.0)
OUTER_WIDTH = 1.3
#: Share of the other (not hosted) points on a street near a place (20–250 m from it);
#: the rest are drawn like the places, where no surveyed place need be.
NEAR = 0.7
#: Floor added to each district's shipped count before the shares are taken.
DISTRICT_FLOOR = 3
#: Central districts (Dongcheng, Xicheng, Chaoyang, Haidian): narrower clusters, earlier roll-out.
CENTRAL = ("110101", "110102", "110105", "110108")
START, END = np.datetime64("2023-01-01"), np.datetime64("2025-12-31")

SCHEMES = ("unionpay", "amex", "jcb", "diners", "discover")
SCHEME_P = (0.9, 0.45, 0.5, 0.2, 0.2)
M_PER_DEG = 111_320.0


def parse_size(text: str) -> tuple[int, int]:
    """``100k×50k``, ``100kx50k``, ``1M×500k``, ``2000x1000`` → (places, payment points)."""
    parts = re.split(r"[×xX*]", text.strip().replace("_", ""))
    if len(parts) != 2:
        raise ValueError(f"size {text!r}: expected PLACES×POINTS, e.g. 100k×50k")
    return _count(parts[0]), _count(parts[1])


def _count(text: str) -> int:
    t = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    try:
        n = int(float(t[:-1] if t[-1:] in "km" else t) * mult)
    except ValueError:
        raise ValueError(f"not a count: {text!r} (e.g. 100k, 1M, 2000)") from None
    if n < 1:
        raise ValueError(f"count must be positive: {text!r}")
    return n


def size_label(demand: int, supply: int) -> str:
    """``100k×50k`` for (100_000, 50_000)."""
    return f"{_label(demand)}×{_label(supply)}"


def _label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


# --------------------------------------------------------------------------- geometry


class _City:
    """The district polygons and the cluster centres drawn from the shipped data."""

    def __init__(self, rng: np.random.Generator) -> None:
        d = read_districts()
        self.adcodes = d["adcode"].astype(str).to_numpy()
        self.name_zh = d["name_zh"].astype(str).to_numpy()
        self.name_en = d["name_en"].astype(str).to_numpy()
        #: a synthetic address per district (the district's names), indexed like the polygons
        self.address = np.array(
            [f"{zh}（合成地址） {en}" for zh, en in zip(self.name_zh, self.name_en)], dtype=object
        )
        self.geoms = list(d.geometry)
        for g in self.geoms:
            shapely.prepare(g)
        shipped = pd.read_csv(shipped_path("key-locations"), dtype={"adcode": str})
        counts = shipped["adcode"].value_counts()
        per = np.array([counts.get(a, 0) for a in self.adcodes], dtype=float)
        self.share = (per + DISTRICT_FLOOR) / (per + DISTRICT_FLOOR).sum()
        # cluster centres round the shipped places: a district's share split among its places
        lon, lat = shipped["lon"].to_numpy(float), shipped["lat"].to_numpy(float)
        k_of = self.district_of(lon, lat)
        ok = k_of >= 0
        lon, lat, k_of = lon[ok], lat[ok], k_of[ok]
        n_in = np.bincount(k_of, minlength=len(self.adcodes))
        w = self.share[k_of] / n_in[k_of]
        # districts without a shipped place get their share through their towns only
        central = np.isin(self.adcodes[k_of], CENTRAL)
        sigma = np.clip(rng.lognormal(np.log(500.0), 0.6, len(lon)), 150.0, 3_000.0)
        sigma = np.where(central, sigma, sigma * OUTER_WIDTH)
        towns = self._towns(rng)
        t_k = np.repeat(np.arange(len(self.adcodes)), TOWNS_PER_DISTRICT)
        t_w = self.share[t_k] / TOWNS_PER_DISTRICT
        t_sigma = rng.uniform(*TOWN_WIDTH_M, len(t_k))
        self.c_lon = np.concatenate([lon, towns[0]])
        self.c_lat = np.concatenate([lat, towns[1]])
        self.c_sigma = np.concatenate([sigma, t_sigma])
        self.c_central = np.concatenate([central, np.isin(self.adcodes[t_k], CENTRAL)])
        self.c_weight = np.concatenate([w / w.sum() * CLUSTERED, t_w / t_w.sum() * (1 - CLUSTERED)])
        self.c_weight /= self.c_weight.sum()

    def district_of(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Index of the district polygon holding each point, -1 outside Beijing."""
        out = np.full(len(lon), -1, dtype=np.int64)
        for k, g in enumerate(self.geoms):
            todo = out < 0
            if not todo.any():
                break
            hit = shapely.contains_xy(g, lon[todo], lat[todo])
            out[np.flatnonzero(todo)[hit]] = k
        return out

    def _towns(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``TOWNS_PER_DISTRICT`` uniform points inside each district polygon."""
        lons, lats = [], []
        for g in self.geoms:
            x0, y0, x1, y1 = g.bounds
            got_x: list[np.ndarray] = []
            got_y: list[np.ndarray] = []
            n = 0
            while n < TOWNS_PER_DISTRICT:
                x = rng.uniform(x0, x1, 64)
                y = rng.uniform(y0, y1, 64)
                inside = shapely.contains_xy(g, x, y)
                got_x.append(x[inside])
                got_y.append(y[inside])
                n += int(inside.sum())
            lons.append(np.concatenate(got_x)[:TOWNS_PER_DISTRICT])
            lats.append(np.concatenate(got_y)[:TOWNS_PER_DISTRICT])
        return np.concatenate(lons), np.concatenate(lats)

    def draw(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``n`` clustered points inside Beijing: (lon, lat, district index)."""
        c = rng.choice(len(self.c_weight), size=n, p=self.c_weight)
        lon = np.empty(n)
        lat = np.empty(n)
        k = np.full(n, -1, dtype=np.int64)
        todo = np.arange(n)
        for _ in range(20):  # points drawn outside Beijing are drawn again round their centre
            cc = c[todo]
            s = self.c_sigma[cc]
            la = self.c_lat[cc] + rng.normal(0.0, 1.0, len(todo)) * s / M_PER_DEG
            lo = self.c_lon[cc] + rng.normal(0.0, 1.0, len(todo)) * s / (
                M_PER_DEG * np.cos(np.radians(self.c_lat[cc]))
            )
            kk = self.district_of(lo, la)
            lon[todo], lat[todo], k[todo] = lo, la, kk
            todo = todo[kk < 0]
            if len(todo) == 0:
                break
        if len(todo):  # still outside after 20 draws: the centre itself (inside Beijing)
            lon[todo], lat[todo] = self.c_lon[c[todo]], self.c_lat[c[todo]]
            k[todo] = self.district_of(lon[todo], lat[todo])
        return lon, lat, k


def _offset(rng, lon, lat, lo_m: float, hi_m: float) -> tuple[np.ndarray, np.ndarray]:
    n = len(lon)
    dist = rng.uniform(lo_m, hi_m, n)
    bearing = rng.uniform(0.0, 2 * np.pi, n)
    dlat = dist * np.cos(bearing) / M_PER_DEG
    dlon = dist * np.sin(bearing) / (M_PER_DEG * np.cos(np.radians(lat)))
    return lon + dlon, lat + dlat


# --------------------------------------------------------------------------- tables


def _numbered(prefix: np.ndarray, width: int) -> pd.Series:
    """``prefix[i] + zero-padded i`` for every row (pyarrow compute, no loop over rows)."""
    lpad, join = pc.utf8_lpad, pc.binary_join_element_wise  # pyright: ignore[reportAttributeAccessIssue]
    num = lpad(pa.array(np.arange(len(prefix))).cast(pa.string()), width, "0")
    joined = join(pa.array(prefix, pa.string()), num, "")
    return pd.Series(pd.arrays.ArrowStringArray(joined))


def _choice(rng, shares: dict[str, float], n: int) -> np.ndarray:
    keys = np.array(list(shares))
    p = np.array(list(shares.values()), dtype=float)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def _source(seed: int) -> str:
    return f"synthetic: benchmarks/citygen.py seed={seed}"


def places_table(city: _City, rng: np.random.Generator, n: int, seed: int) -> pd.DataFrame:
    """``n`` synthetic key locations (the model's columns, as strings and floats)."""
    lon, lat, k = city.draw(rng, n)
    cat = _choice(rng, CATEGORY_SHARES, n)
    zh = np.array([f"合成{KEY_LOCATION_CATEGORIES[c][0]} " for c in CATEGORY_SHARES])
    en = np.array([f"Synthetic {c.replace('_', ' ')} " for c in CATEGORY_SHARES])
    code = pd.Series(cat).map({c: i for i, c in enumerate(CATEGORY_SHARES)}).to_numpy()
    width = max(6, len(str(n - 1)))
    return pd.DataFrame(
        {
            "id": _numbered(np.full(n, "SK", dtype=object), width),
            "name_zh": _numbered(zh[code], width),
            "name_en": _numbered(en[code], width),
            "category": cat,
            "sector": pd.Series(cat).map(CATEGORY_SECTOR).to_numpy(),
            "adcode": city.adcodes[k],
            "lon": lon.round(6),
            "lat": lat.round(6),
            "address": city.address[k],
            "source": _source(seed),
            "coord_precision_m": 10.0,
            "synthetic": "true",
        }
    )


#: Hosted points suit their host (a type that meets its standard) with this probability;
#: the others take any type by :data:`TYPE_SHARES`, which leaves some hosts uncovered.
SUITED = 0.85
#: Suited types by host category (default: a foreign-card POS).
HOST_TYPES: dict[str, tuple[str, ...]] = {
    "metro_station": ("foreign_card_pos", "mobile_payment_help"),
    "scenic_spot": ("foreign_card_pos", "mobile_payment_help"),
    "market": ("foreign_card_pos", "cash_acceptance"),
}
#: Hosts whose standard also asks for cash: a suited POS there takes cash too.
CASH_HOSTS = ("airport", "railway_station", "metro_station")


def _host_types(rng, host_cat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A type for each hosted point, suited to its host with probability :data:`SUITED`,
    and whether a suited POS also takes cash (its host's standard asks for it)."""
    n = len(host_cat)
    out = np.full(n, "foreign_card_pos", dtype=object)
    for cat, types in HOST_TYPES.items():
        m = host_cat == cat
        if m.any():
            out[m] = _choice(rng, {t: TYPE_SHARES[t] for t in types}, int(m.sum()))
    suited = rng.random(n) < SUITED
    out[~suited] = _choice(rng, TYPE_SHARES, int((~suited).sum()))
    cash = suited & np.isin(host_cat, CASH_HOSTS) & (out == "foreign_card_pos")
    return out.astype(str), cash


def _joined(parts: list[tuple[np.ndarray, str]], n: int) -> np.ndarray:
    """``;``-joined codes: each (mask, code) adds ``code`` where ``mask`` holds. The masks
    are packed into one integer per row; each distinct combination is joined once."""
    bits = np.zeros(n, dtype=np.int64)
    for i, (mask, _) in enumerate(parts):
        bits |= mask.astype(np.int64) << i
    combos, inverse = np.unique(bits, return_inverse=True)
    text = np.array(
        [";".join(c for i, (_, c) in enumerate(parts) if combo >> i & 1) for combo in combos],
        dtype=object,
    )
    return text[inverse.reshape(-1)]


def payments_table(
    city: _City, rng: np.random.Generator, n: int, places: pd.DataFrame, seed: int
) -> pd.DataFrame:
    """``n`` synthetic payment points, :data:`HOSTED` of them at a place of ``places``."""
    hosted = rng.random(n) < HOSTED
    nh = int(hosted.sum())
    near = ~hosted & (rng.random(n) < NEAR)
    free = ~hosted & ~near
    n_places = len(places)
    p_lon, p_lat = places["lon"].to_numpy(), places["lat"].to_numpy()
    # distinct hosts while there are enough places (a host may have a second point after)
    host = rng.permutation(n_places)[:nh] if nh <= n_places else rng.integers(0, n_places, nh)
    lon, lat, k = np.empty(n), np.empty(n), np.full(n, -1, dtype=np.int64)
    anchor = rng.integers(0, n_places, int(near.sum()))
    for mask, at, lo_m, hi_m in ((hosted, host, 10.0, 120.0), (near, anchor, 20.0, 250.0)):
        a_lon, a_lat = _offset(rng, p_lon[at], p_lat[at], lo_m, hi_m)
        a_k = city.district_of(a_lon, a_lat)
        out = a_k < 0  # a place at Beijing's edge: the point sits at the place itself
        a_lon[out], a_lat[out] = p_lon[at][out], p_lat[at][out]
        a_k[out] = city.district_of(a_lon[out], a_lat[out])
        lon[mask], lat[mask], k[mask] = a_lon, a_lat, a_k
    f_lon, f_lat, f_k = city.draw(rng, int(free.sum()))
    lon[free], lat[free], k[free] = f_lon, f_lat, f_k
    host_id = np.full(n, None, dtype=object)
    host_id[hosted] = places["id"].to_numpy()[host]
    typ = _choice(rng, TYPE_SHARES, n)
    host_cash = np.zeros(n, dtype=bool)
    typ = typ.astype(object)
    typ[hosted], host_cash[hosted] = _host_types(rng, places["category"].to_numpy()[host])
    typ = typ.astype(str)

    pos, atm = typ == "foreign_card_pos", typ == "foreign_card_atm"
    exch, cash_pt = typ == "currency_exchange", typ == "cash_acceptance"
    helpdesk = typ == "mobile_payment_help"
    wallet = pos & (rng.random(n) < 0.6)
    pos_cash = pos & ((rng.random(n) < 0.15) | host_cash)
    caps = _joined(
        [
            (pos, "foreign_card"),
            (wallet | helpdesk, "foreign_wallet"),
            (atm, "atm_withdrawal"),
            (exch, "currency_exchange"),
            (atm | exch | cash_pt | pos_cash, "cash"),
            (helpdesk, "help_desk"),
        ],
        n,
    )
    cards = pos | atm
    schemes = _joined(
        [(cards, "visa"), (cards, "mastercard")]
        + [(cards & (rng.random(n) < p), s) for s, p in zip(SCHEMES, SCHEME_P)],
        n,
    )
    wallets = _joined(
        [
            (wallet | helpdesk, "alipay_intl"),
            (wallet | helpdesk, "weixin_pay_intl"),
            (helpdesk | (wallet & (rng.random(n) < 0.5)), "alipay_plus"),
        ],
        n,
    )
    # central districts roll out earlier: a Beta draw skewed towards the start
    central = np.isin(city.adcodes[k], CENTRAL)
    frac = rng.beta(1.2, np.where(central, 3.2, 1.6))
    days = (END - START).astype(int)
    date = START + (frac * days).astype("timedelta64[D]")

    order = {t: i for i, t in enumerate(PAYMENT_TYPES)}
    code = pd.Series(typ).map(order).to_numpy()
    zh = np.array([f"合成{PAYMENT_TYPES[t][0]} " for t in PAYMENT_TYPES])
    en = np.array([f"Synthetic {PAYMENT_TYPES[t][1]} " for t in PAYMENT_TYPES])
    width = max(6, len(str(n - 1)))
    return pd.DataFrame(
        {
            "id": _numbered(np.full(n, "SP", dtype=object), width),
            "name_zh": _numbered(zh[code], width),
            "name_en": _numbered(en[code], width),
            "category": typ,
            "adcode": city.adcodes[k],
            "lon": lon.round(6),
            "lat": lat.round(6),
            "capabilities": caps,
            "card_schemes": schemes,
            "wallets": wallets,
            "in_service_date": pd.Series(date).dt.strftime("%Y-%m-%d").to_numpy(),
            "host_id": host_id,
            "address": city.address[k],
            "source": _source(seed),
            "coord_precision_m": 10.0,
            "synthetic": "true",
        }
    )


def city_tables(demand: int, supply: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The key locations and payment points of the synthetic city (nothing written)."""
    rng = np.random.default_rng(seed)
    city = _City(rng)
    places = places_table(city, rng, demand, seed)
    points = payments_table(city, rng, supply, places, seed)
    return places, points


#: Who the audit log says made the versions.
BUILDER = Actor("bench:citygen", "admin", via="cli")


def build_city(home: Path, demand: int, supply: int, seed: int = 7) -> dict:
    """Write a synthetic city of ``demand`` key locations and ``supply`` payment points into
    the workspace at ``home`` (each layer replaced by one new version); return what was
    built: sizes, seed, versions and the seconds taken (generate, store)."""
    home = Path(home)
    t0 = time.perf_counter()
    places, points = city_tables(demand, supply, seed)
    t1 = time.perf_counter()
    src = _source(seed)
    kv, _ = writes.import_layer(
        BUILDER, "key-locations", places, replace=True, home=home, source=src
    )
    pv, _ = writes.import_layer(BUILDER, "payments", points, replace=True, home=home, source=src)
    t2 = time.perf_counter()
    return {
        "home": str(home),
        "size": size_label(demand, supply),
        "demand": demand,
        "supply": supply,
        "seed": seed,
        "versions": {"key-locations": kv.name, "payments": pv.name},
        "generate_s": round(t1 - t0, 3),
        "store_s": round(t2 - t1, 3),
        "seconds": round(t2 - t0, 3),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("home", type=Path, help="workspace directory (created; layers replaced)")
    ap.add_argument("--size", default="100k×50k", help="PLACES×POINTS, e.g. 100k×50k, 1Mx500k")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    try:
        demand, supply = parse_size(args.size)
    except ValueError as exc:
        ap.error(str(exc))
    info = build_city(args.home, demand, supply, args.seed)
    print(
        f"built {info['size']} (seed {info['seed']}) in {info['home']}: "
        f"{info['seconds']:.1f} s (generate {info['generate_s']:.1f} s, "
        f"store {info['store_s']:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
