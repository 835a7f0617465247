"""Example inputs made from the shipped data, for demonstrations and the Data page."""

from __future__ import annotations

import io
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from dashboard.core.model import LAYERS, label
from loaders.chinacrs import wgs84_to_gcj02
from loaders.columns import DISTRICT_NAMES
from loaders.workspace import shipped_table


def amap_style_example() -> bytes:
    """The shipped key locations as an AMap-style export: Chinese headers, GCJ-02, GBK.

    What a planner typically receives from a Chinese web map, so the Data page can show
    encoding and coordinate-system detection on a realistic file.
    """
    kl = shipped_table("key-locations")
    x, y = wgs84_to_gcj02(kl["lon"].astype(float).to_numpy(), kl["lat"].astype(float).to_numpy())
    zh = {a: n[0] + "区" for a, n in DISTRICT_NAMES.items()}
    cats = LAYERS["key-locations"].categories
    df = pd.DataFrame(
        {
            "名称": kl["name_zh"],
            "地址": kl["address"],
            "类型": kl["category"].map(lambda c: label(cats, cast(str, c), "zh")),
            "区": kl["adcode"].map(zh),
            "经度": np.round(x, 6),
            "纬度": np.round(y, 6),
        }
    )
    buf = io.BytesIO()
    df.to_csv(buf, index=False, encoding="gbk", errors="replace")
    return buf.getvalue()


#: The source every synthetic sample zone carries (so every page and report can say so).
SYNTHETIC_ZONES_SOURCE = (
    "synthetic: the shipped districts cut at random (seeded Voronoi cells), "
    "loaders.examples.synthetic_subdistricts; not real subdistrict boundaries"
)


def _polygonal(geom):
    """The polygonal part of an intersection (which may hold lines or points too)."""
    import shapely

    parts = shapely.get_parts(geom)
    polys = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
    return shapely.union_all(polys) if len(polys) else None


def synthetic_subdistricts(seed: int = 0, sizes: tuple[int, int] = (4, 12)):
    """A clearly synthetic subdivision of the 16 shipped districts: each cut into
    ``sizes`` pieces (more for a larger district) by the Voronoi cells of random points
    inside it, named "示例街道 N" / "Sample subdistrict N", ``synthetic`` true.

    There is no published WGS-84 source of Beijing's subdistricts to ship; this stands in
    for one in tests, demonstrations and screenshots. The pieces tile each district
    exactly (cells intersected with the district), so they add up to it.

    Returns
    -------
    GeoDataFrame
        ``zone_id`` (``<adcode>-S<NN>``), ``name_zh``, ``name_en``, ``adcode``, ``source``,
        ``synthetic``, geometry (WGS-84).
    """
    import geopandas as gpd
    import shapely

    from dashboard.core.model import METRIC_CRS, WGS84

    path = Path(__file__).resolve().parents[1] / "geodata" / "districts.geojson"
    d = gpd.read_file(path).sort_values("adcode").reset_index(drop=True)
    d["adcode"] = d["adcode"].astype(str)
    area_km2 = d.to_crs(METRIC_CRS).area.to_numpy() / 1e6
    rng = np.random.default_rng(seed)
    rows: list[dict] = []
    for k_d, row in enumerate(d.itertuples(index=False)):  # 16 districts
        geom = row.geometry
        k = int(np.clip(round(area_km2[k_d] / 180), *sizes))
        x0, y0, x1, y1 = geom.bounds
        seeds = np.zeros((0, 2))
        while len(seeds) < k:
            xy = rng.uniform((x0, y0), (x1, y1), size=(8 * k, 2))
            seeds = np.vstack([seeds, xy[shapely.contains_xy(geom, xy[:, 0], xy[:, 1])]])
        cells = shapely.get_parts(
            shapely.voronoi_polygons(shapely.multipoints(seeds[:k]), extend_to=geom.envelope)
        )
        pieces = [_polygonal(shapely.intersection(c, geom)) for c in cells]
        pieces = [p for p in pieces if p is not None and not p.is_empty]
        # numbered north to south, west to east
        pieces.sort(key=lambda p: (-round(p.centroid.y, 3), p.centroid.x))
        for i, piece in enumerate(pieces, start=1):
            rows.append(
                {
                    "zone_id": f"{row.adcode}-S{i:02d}",
                    "name_zh": f"{row.name_zh}示例街道 {i}",
                    "name_en": f"{row.name_en} sample subdistrict {i}",
                    "adcode": row.adcode,
                    "source": SYNTHETIC_ZONES_SOURCE,
                    "synthetic": True,
                    "geometry": piece,
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


def synthetic_subdistricts_geojson(system: str = "wgs84", seed: int = 0) -> bytes:
    """:func:`synthetic_subdistricts` as a GeoJSON file's bytes, its coordinates in
    ``system`` (``wgs84``, ``gcj02`` or ``bd09``, as a Chinese web map would publish them),
    without the district column (the importer assigns it)."""
    import json

    import shapely

    from loaders.chinacrs import from_wgs84

    zones = synthetic_subdistricts(seed)
    geoms = zones.geometry.to_numpy()
    if system != "wgs84":

        def shift(xy: np.ndarray) -> np.ndarray:
            return np.column_stack(from_wgs84(xy[:, 0], xy[:, 1], system))

        geoms = shapely.transform(geoms, shift)
    features = [
        {
            "type": "Feature",
            "properties": {
                "zone_id": z,
                "name_zh": zh,
                "name_en": en,
                "source": SYNTHETIC_ZONES_SOURCE,
                "synthetic": True,
            },
            "geometry": json.loads(shapely.to_geojson(g)),
        }
        for z, zh, en, g in zip(zones["zone_id"], zones["name_zh"], zones["name_en"], geoms)
    ]
    doc = {"type": "FeatureCollection", "features": features}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")
