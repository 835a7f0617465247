"""Which coordinate system is a file in? Evidence, not guesses.

A point in GCJ-02 or BD-09 read as WGS-84 lands 300–700 m off in Beijing: enough to
move it into the neighbouring district. The hypotheses WGS-84, GCJ-02 and BD-09 are
tested against whatever evidence the file offers:

* **districts** — when rows name their district, the hypothesis that puts the most
  points inside the district they name wins (the strongest evidence a survey has);
* **landmarks** — rows whose names match shipped places: the hypothesis that brings
  them closest to the shipped WGS-84 positions wins;
* **declarations** — the format (GeoJSON and KML say WGS-84, though Chinese providers
  often ignore that), a ``.prj``/CRS metadata, OpenStreetMap provenance;
* **names** — headers, file names or metadata mentioning gcj/amap/高德 or bd/baidu/百度.

Each piece of evidence has a strength (1 weak … 3 strong); the system with the most
support wins, and the decision carries its confidence. With no evidence the answer is
"undetermined": WGS-84 is assumed and the report warns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from dashboard.core.messages import Msg
from loaders.chinacrs import to_wgs84

HYPOTHESES: tuple[str, ...] = ("wgs84", "gcj02", "bd09")
LABELS = {"wgs84": "WGS-84", "gcj02": "GCJ-02", "bd09": "BD-09", "cgcs2000": "CGCS2000"}
GEODATA = Path(__file__).resolve().parents[1] / "geodata"
#: Largest sample used for evidence; results on more rows are not more certain.
SAMPLE = 100_000

_NAME_HINTS: tuple[tuple[str, str], ...] = (
    (r"gcj|amap|gaode|autonavi|高德|火星|腾讯|tencent|国测局", "gcj02"),
    (r"bd09|bd_|baidu|百度", "bd09"),
    (r"wgs|gps|openstreetmap|osm", "wgs84"),
)


@dataclass
class Evidence:
    """One reason to believe a system; ``system`` None means the evidence is neutral."""

    source: str
    system: str | None
    strength: int
    text: str

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "system": self.system,
            "strength": self.strength,
            "text": self.text,
        }


@dataclass
class CrsDecision:
    """The system chosen, how sure the choice is, and why."""

    system: str
    confidence: str
    evidence: list[Evidence] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    warning: str | None = None


# --------------------------------------------------------------------------- districts


@lru_cache(maxsize=1)
def districts() -> gpd.GeoDataFrame:
    """Beijing's 16 districts (adcode, name_zh, geometry) in WGS-84, from the shipped file."""
    gdf = gpd.read_file(GEODATA / "districts.geojson")
    gdf["adcode"] = gdf["adcode"].astype(str)
    shapely.prepare(gdf.geometry.values)
    return gdf[["adcode", "name_zh", "geometry"]]


def locate(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Adcode of the district containing each WGS-84 point ("" outside Beijing)."""
    out = np.full(len(lon), "", dtype=object)
    ok = np.isfinite(lon) & np.isfinite(lat)
    for code, geom in zip(districts()["adcode"], districts().geometry.values, strict=True):
        x0, y0, x1, y1 = geom.bounds
        cand = ok & (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1) & (out == "")
        if cand.any():
            idx = np.flatnonzero(cand)
            inside = shapely.contains_xy(geom, lon[idx], lat[idx])
            out[idx[inside]] = code
    return out


def district_evidence(lon: np.ndarray, lat: np.ndarray, named: np.ndarray) -> tuple[Evidence, dict]:
    """Score each hypothesis by the share of rows falling in the district they name."""
    has = (named != "") & np.isfinite(lon) & np.isfinite(lat)
    n = int(has.sum())
    if n == 0:
        return Evidence("districts", None, 0, Msg("imp_e_no_district")), {}
    lon, lat, named = lon[has], lat[has], named[has]
    hits = {}
    for h in HYPOTHESES:
        wl, wt = to_wgs84(lon, lat, h)
        hits[h] = int((locate(np.asarray(wl), np.asarray(wt)) == named).sum())
    ranked = sorted(hits, key=hits.__getitem__, reverse=True)
    best, second = ranked[0], ranked[1]
    margin = hits[best] - hits[second]
    shares = {h: hits[h] / n for h in HYPOTHESES}
    detail = ", ".join(f"{LABELS[h]} {hits[h]}/{n} ({shares[h]:.1%})" for h in HYPOTHESES)
    if margin == 0:
        return Evidence("districts", None, 0, Msg("imp_e_districts_tie", detail=detail)), shares
    strength = 3 if margin >= 3 and shares[best] >= 0.8 else 2 if margin >= 2 else 1
    code = "imp_e_districts"
    if shares[best] < 0.5:
        strength = min(strength, 1)
        code = "imp_e_districts_few"
    text = Msg(code, detail=detail, system=LABELS[best], margin=margin)
    return Evidence("districts", best, strength, text), shares


# --------------------------------------------------------------------------- landmarks


@lru_cache(maxsize=1)
def landmarks() -> pd.DataFrame:
    """Shipped real places (name_zh, name_en, lon, lat) in WGS-84; synthetic data excluded."""
    frames = []
    for path in sorted(GEODATA.glob("*.csv")) + sorted((GEODATA / "places").glob("*.csv")):
        try:
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (OSError, ValueError, pd.errors.ParserError):
            continue
        if not {"name_zh", "lon", "lat"} <= set(df.columns):
            continue
        if "synthetic" in df.columns and df["synthetic"].str.lower().eq("true").any():
            continue
        df = df.assign(name_en=df.get("name_en", ""))[["name_zh", "name_en", "lon", "lat"]]
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=["name", "lon", "lat"])
    all_ = pd.concat(frames, ignore_index=True)
    long = pd.concat(
        [
            all_[["name_zh", "lon", "lat"]].rename(columns={"name_zh": "name"}),
            all_[["name_en", "lon", "lat"]].rename(columns={"name_en": "name"}),
        ]
    )
    long["name"] = long["name"].str.strip().str.lower()
    long = long[long["name"] != ""]
    long["lon"] = pd.to_numeric(long["lon"], errors="coerce")
    long["lat"] = pd.to_numeric(long["lat"], errors="coerce")
    return long.dropna().drop_duplicates("name").reset_index(drop=True)


def landmark_evidence(lon: np.ndarray, lat: np.ndarray, names: pd.Series) -> Evidence | None:
    """Compare rows named like shipped places with the shipped WGS-84 positions."""
    ref = landmarks()
    if ref.empty or names is None:
        return None
    key = names.astype("string").str.strip().str.lower().to_numpy(dtype=object)
    pos = pd.Series(np.arange(len(ref)), index=ref["name"])
    m = pd.Series(key).map(pos)
    ok = m.notna().to_numpy() & np.isfinite(lon) & np.isfinite(lat)
    n = int(ok.sum())
    if n < 3:
        return None
    ri = m[ok].astype(int).to_numpy()
    rlon, rlat = ref["lon"].to_numpy()[ri], ref["lat"].to_numpy()[ri]
    med = {}
    for h in HYPOTHESES:
        wl, wt = to_wgs84(lon[ok], lat[ok], h)
        dx = (np.asarray(wl) - rlon) * 111_320 * np.cos(np.radians(rlat))
        dy = (np.asarray(wt) - rlat) * 110_540
        med[h] = float(np.median(np.hypot(dx, dy)))
    ranked = sorted(med, key=med.__getitem__)
    best, second = ranked[0], ranked[1]
    detail = ", ".join(f"{LABELS[h]} {med[h]:.0f} m" for h in HYPOTHESES)
    if med[best] < 100 and med[second] > 3 * med[best] + 150:
        text = Msg("imp_e_landmarks", n=n, detail=detail)
        return Evidence("landmarks", best, 3 if n >= 5 else 2, text)
    return Evidence("landmarks", None, 0, Msg("imp_e_landmarks_none", n=n, detail=detail))


# --------------------------------------------------------------------------- decision


def name_evidence(texts: list[str]) -> list[Evidence]:
    """Weak evidence from headers, file names and metadata that mention a provider."""
    out = []
    blob = " ".join(texts).lower()
    for pattern, system in _NAME_HINTS:
        m = re.search(pattern, blob)
        if m:
            out.append(Evidence("names", system, 1, Msg("imp_e_names", match=repr(m.group(0)))))
    return out


def decide(evidence: list[Evidence]) -> CrsDecision:
    """Combine evidence: the system with the most total strength wins.

    Confidence is ``high`` with strong (3) support and no contrary evidence of strength
    2 or more, ``medium`` with total support of 2 or more, ``low`` otherwise; with no
    support for any system it is ``undetermined`` and WGS-84 is assumed.
    """
    totals: dict[str, int] = {}
    for e in evidence:
        if e.system:
            totals[e.system] = totals.get(e.system, 0) + e.strength
    if not totals:
        return CrsDecision(
            "wgs84",
            "undetermined",
            evidence,
            warning=Msg("imp_w_no_evidence"),
        )
    ranked = sorted(
        totals,
        key=lambda s: (totals[s], max(e.strength for e in evidence if e.system == s)),
        reverse=True,
    )
    best = ranked[0]
    contrary = max((e.strength for e in evidence if e.system and e.system != best), default=0)
    if len(ranked) > 1 and totals[ranked[1]] == totals[best]:
        return CrsDecision(
            "wgs84",
            "undetermined",
            evidence,
            warning=Msg("imp_w_tie", a=LABELS[best], b=LABELS[ranked[1]]),
        )
    strongest = max(e.strength for e in evidence if e.system == best)
    if strongest >= 3 and contrary < 2:
        conf = "high"
    elif totals[best] >= 2 and contrary < totals[best]:
        conf = "medium"
    else:
        conf = "low"
    warning = None
    if conf == "low":
        warning = Msg("imp_w_weak", system=LABELS[best])
    return CrsDecision(best, conf, evidence, warning=warning)


def sample_index(n: int, size: int = SAMPLE, seed: int = 0) -> np.ndarray:
    """A deterministic sample of row positions (all rows when ``n <= size``)."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))
