"""The zones of boundary sets in PostGIS; the sets' records are documents
(:mod:`loaders.pg.documents`, named ``boundaries/<name>``) as in the workspace.

``atlas_boundary_zone_sets`` names each stored zones file of a set (``zones-<hash>.parquet``,
the name the workspace gives the file, so a set's records are the same in both stores)
and ``atlas_boundary_zones`` holds its zones, one row each in their order: the columns of
:data:`loaders.boundaries.ZONE_COLUMNS` and ``geom geometry(Geometry, 4326)``, a polygon
or multipolygon, with a GiST index. Both are write-once (migration 3): a set's version
names a zones file that never changes under a reader, and other tools (SQL, QGIS) see
the zones as PostGIS geometries.

Storage only: :mod:`loaders.boundaries` checks the zones and calls these inside the
transaction that saves the set's version.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: The zone columns of the table, in order (those of ``loaders.boundaries.ZONE_COLUMNS``
#: when migration 3 was written; frozen with it).
COLUMNS = (
    "zone_id",
    "name_zh",
    "name_en",
    "adcode",
    "district_share",
    "area_km2",
    "source",
    "synthetic",
)
_FLOATS = ("district_share", "area_km2")


def _cell(v: object) -> object:
    """A zone's value as COPY takes it: None for a missing one."""
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


def put_zones(conn, name: str, file: str, zones: gpd.GeoDataFrame) -> bool:
    """Store ``zones`` (WGS-84, :data:`COLUMNS` and geometry) as ``file`` of set ``name``
    unless it is stored (write-once); whether this call stored it."""
    got = conn.execute(
        "INSERT INTO atlas_boundary_zone_sets (name, file, zones) VALUES (%s, %s, %s) "
        "ON CONFLICT (name, file) DO NOTHING",
        (name, file, len(zones)),
    )
    if got.rowcount != 1:
        return False  # the same zones were stored before (by anyone: the same content)
    geoms = shapely.set_srid(np.asarray(zones.geometry.to_numpy(), dtype=object), 4326)
    wkb = shapely.to_wkb(geoms, hex=True, include_srid=True)
    cols = ", ".join(COLUMNS)
    frame = pd.DataFrame(zones[list(COLUMNS)])
    with conn.cursor().copy(
        f"COPY atlas_boundary_zones (name, file, ord, {cols}, geom) FROM STDIN"
    ) as cp:
        for k, (values, geom) in enumerate(
            zip(frame.itertuples(index=False, name=None), wkb, strict=True)
        ):
            cp.write_row((name, file, k, *(_cell(v) for v in values), geom))
    return True


def zones(conn, name: str, file: str) -> gpd.GeoDataFrame | None:
    """The zones stored as ``file`` of set ``name``, in order (None: not stored)."""
    head = conn.execute(
        "SELECT zones FROM atlas_boundary_zone_sets WHERE name = %s AND file = %s", (name, file)
    ).fetchone()
    if head is None:
        return None
    rows = conn.execute(
        f"SELECT {', '.join(COLUMNS)}, ST_AsBinary(geom) FROM atlas_boundary_zones "
        "WHERE name = %s AND file = %s ORDER BY ord",
        (name, file),
    ).fetchall()
    if len(rows) != int(head[0]):
        return None
    data = {c: [r[i] for r in rows] for i, c in enumerate(COLUMNS)}
    frame = pd.DataFrame(
        {
            c: np.asarray(data[c], dtype=float)
            if c in _FLOATS
            else np.asarray(data[c], dtype=bool)
            if c == "synthetic"
            else pd.array(data[c], dtype="string")
            for c in COLUMNS
        }
    )
    geometry = shapely.from_wkb([bytes(r[-1]) for r in rows])
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs="EPSG:4326"))


def files(conn, name: str) -> list[str]:
    """The zones files stored for set ``name``, oldest first."""
    rows = conn.execute(
        "SELECT file FROM atlas_boundary_zone_sets WHERE name = %s ORDER BY stored, file", (name,)
    ).fetchall()
    return [str(r[0]) for r in rows]
