"""Writing layers: one function, the format chosen by the file's extension, always WGS-84.

Writes go to a temporary file in the target directory that is renamed into place
only once complete, so an interrupted export never leaves a half-written file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import geopandas as gpd

from dashboard.core.safetext import CSV_OPTIONS, spreadsheet_safe

FORMATS: dict[str, str] = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".csv": "CSV",
    ".parquet": "GeoParquet",
    ".geoparquet": "GeoParquet",
    ".gpkg": "GeoPackage",
}


class UnsupportedFormat(ValueError):
    """The output file's extension names no supported format."""


def write_layer(gdf: gpd.GeoDataFrame, out: Path, layer: str = "layer") -> Path:
    """Write ``gdf`` to ``out`` in WGS-84; the format follows the extension.

    CSV keeps ``lon``/``lat`` columns for points and a ``wkt`` column for other
    geometries, so it opens in a spreadsheet and re-imports; text cells beginning with
    ``= + - @``, tab or carriage return get a leading ``'`` (OWASP CSV injection).
    """
    out = Path(out)
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise UnsupportedFormat(
            f"cannot tell the format of {out.name!r}: use one of {', '.join(sorted(FORMATS))}"
        )
    gdf = gdf.to_crs("EPSG:4326") if gdf.crs is not None else gdf.set_crs("EPSG:4326")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=out.suffix, dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if fmt == "CSV":
            df = gdf.drop(columns=gdf.geometry.name)
            if not (gdf.geom_type == "Point").all():
                df["wkt"] = gdf.geometry.to_wkt()
            spreadsheet_safe(df).to_csv(tmp, encoding="utf-8", **CSV_OPTIONS)
        elif fmt == "GeoParquet":
            gdf.to_parquet(tmp)
        elif fmt == "GeoJSON":
            tmp.unlink()
            gdf.to_file(tmp, driver="GeoJSON")
        else:
            tmp.unlink()
            gdf.to_file(tmp, driver="GPKG", layer=layer.replace("-", "_"))
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return out
