"""Which coordinate system is a file in? Evidence, not guesses.

A point in GCJ-02 or BD-09 read as WGS-84 lands 300–700 m off in Beijing: enough to
move it into the neighbouring district. The hypotheses WGS-84, GCJ-02 and BD-09 are
tested against whatever evidence the file offers:

* **districts** — when rows name their district, the hypothesis that puts the most
  points inside the district they name wins (the strongest evidence a survey has);
* **landmarks** — rows whose names match shipped places: the hypothesis that brings
  them closest to the shipped WGS-84 positions wins;
* **boundaries** — a polygon file (districts, subdistricts, zones): the hypothesis that
  lays the most of its vertices on the shipped district boundaries wins (a polygon's
  point on surface lands in its district under every hypothesis, so the district test
  cannot tell them apart);
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
from pyproj import Transformer

from dashboard.core.messages import Msg
from dashboard.core.model import BEIJING_BBOX, METRIC_CRS
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


# --------------------------------------------------------------------------- boundaries

#: A vertex this close (metres, EPSG:32650) to a shipped district boundary lies "on" it.
#: The offsets between the hypotheses are 300–700 m in Beijing.
BOUNDARY_TOL_M = 50.0
#: Largest sample of vertices compared; the shares are then known to about ±1 %.
VERTEX_SAMPLE = 20_000
#: Fewest vertices on a boundary, under the best hypothesis, for any conclusion.
MIN_ON_BOUNDARY = 10
_POLYGONAL = (3, 6)  # shapely type ids of Polygon and MultiPolygon


@lru_cache(maxsize=1)
def _metric() -> Transformer:
    return Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)


@lru_cache(maxsize=1)
def boundary_segments() -> shapely.STRtree:
    """The shipped district boundaries as single segments in EPSG:32650, in a tree."""
    rings = shapely.get_parts(shapely.boundary(districts().geometry.values))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    x, y = _metric().transform(xy[:, 0], xy[:, 1])
    xy = np.column_stack([x, y])
    same = ring[:-1] == ring[1:]
    segs = shapely.linestrings(np.stack([xy[:-1][same], xy[1:][same]], axis=1))
    return shapely.STRtree(np.asarray(segs, dtype=object))


def polygon_vertices(geoms: np.ndarray, size: int = VERTEX_SAMPLE) -> np.ndarray:
    """The vertices (n × 2, lon/lat as in the file) of the polygons among ``geoms``, a
    deterministic sample of at most ``size``; empty when the file has no polygons."""
    geoms = np.asarray(geoms, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    polys = geoms[ok][np.isin(shapely.get_type_id(geoms[ok]), _POLYGONAL)]
    xy = shapely.get_coordinates(polys)
    xy = xy[np.isfinite(xy).all(axis=1)]
    return xy[sample_index(len(xy), size)]


def boundary_evidence(geoms: np.ndarray) -> tuple[Evidence, dict[str, float]] | None:
    """Score each hypothesis by the share of the polygons' vertices it lays on a shipped
    district boundary (within :data:`BOUNDARY_TOL_M` in EPSG:32650); None without polygons.

    A boundary file from AMap or DataV (GCJ-02) puts all its vertices on the shipped
    boundaries once rectified from GCJ-02 and fewer than one in ten under the other
    hypotheses; subdistricts put their outer edges there. The margin rule: the best
    share wins with strength 3 when it is at least 20 % and at least three times the
    runner-up's, with strength 2 when at least 5 % and twice the runner-up's (in both
    with :data:`MIN_ON_BOUNDARY` vertices on a boundary at least). Otherwise the evidence
    is neutral and the other evidence decides: when fewer than half the vertices lie in
    Beijing (the file cannot be compared) or when no hypothesis follows the boundaries
    (zones drawn inside the districts).
    """
    xy = polygon_vertices(geoms)
    n = len(xy)
    if n == 0:
        return None
    x0, y0, x1, y1 = BEIJING_BBOX
    lon, lat = xy[:, 0], xy[:, 1]
    inside = float(((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)).mean())
    if inside < 0.5:
        text = Msg("imp_e_boundaries_outside", n=n, share=f"{inside:.0%}")
        return Evidence("boundaries", None, 0, text), {}
    tree = boundary_segments()
    on: dict[str, int] = {}
    for h in HYPOTHESES:
        wl, wt = to_wgs84(lon, lat, h)
        mx, my = _metric().transform(np.asarray(wl), np.asarray(wt))
        hit = tree.query(shapely.points(mx, my), predicate="dwithin", distance=BOUNDARY_TOL_M)
        on[h] = len(np.unique(hit[0]))
    shares = {h: on[h] / n for h in HYPOTHESES}
    ranked = sorted(shares, key=shares.__getitem__, reverse=True)
    best, second = shares[ranked[0]], shares[ranked[1]]
    detail = ", ".join(f"{LABELS[h]} {shares[h]:.1%}" for h in HYPOTHESES)
    params = {"n": n, "tol": f"{BOUNDARY_TOL_M:.0f}", "detail": detail}
    strength = 0
    if on[ranked[0]] >= MIN_ON_BOUNDARY:
        if best >= 0.2 and best >= 3 * second:
            strength = 3
        elif best >= 0.05 and best >= 2 * second:
            strength = 2
    if strength == 0:
        return Evidence("boundaries", None, 0, Msg("imp_e_boundaries_none", **params)), shares
    text = Msg("imp_e_boundaries", system=LABELS[ranked[0]], **params)
    return Evidence("boundaries", ranked[0], strength, text), shares


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
