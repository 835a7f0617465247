"""Data access: the shipped geodata and the user's workspace, validated against the model.

The functions here are plain (no Streamlit); the UI caches their results (``st.cache_resource``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import geopandas as gpd
import pandas as pd

from dashboard.core.model import (
    LAYERS,
    POINT_LAYERS,
    WGS84,
    DataValidationError,
    validate_points,
)
from loaders.workspace import current_layer_file

GEODATA_DIR = Path(__file__).resolve().parents[2] / "geodata"
DISTRICTS_FILE = GEODATA_DIR / "districts.geojson"


def shipped_path(layer: str) -> Path:
    """Path of the shipped file of ``layer``."""
    if layer == "districts":
        return DISTRICTS_FILE
    return GEODATA_DIR / LAYERS[layer].file


def read_districts(path: Path | None = None) -> gpd.GeoDataFrame:
    """Beijing's 16 districts (adcode, name_zh, name_en, area_km2, geometry) in WGS-84.

    ``area_km2`` is measured once here, in EPSG:32650, so views never reproject to show it.
    """
    gdf = gpd.read_file(path or DISTRICTS_FILE)
    gdf["adcode"] = gdf["adcode"].astype(str)
    gdf = gdf.set_crs(WGS84, allow_override=True)
    gdf["area_km2"] = (gdf.to_crs("EPSG:32650").area / 1e6).round(1)
    return gdf[["adcode", "name_zh", "name_en", "area_km2", "geometry"]]


def points_frame(df: pd.DataFrame, layer: str, file: str = "<data>") -> gpd.GeoDataFrame:
    """Validate a point table against the model and return it as a typed GeoDataFrame.

    Raises
    ------
    DataValidationError
        When any row breaks the model; the message names file, row and column.
    """
    problems = [p for p in validate_points(df, layer, file) if p.severity == "error"]
    if problems:
        raise DataValidationError(problems)
    spec = LAYERS[layer]
    df = df.copy()
    for col in ("id", "adcode"):
        df[col] = df[col].astype(str).str.strip()
    for col in ("lon", "lat"):
        df[col] = pd.to_numeric(df[col])
    for col in spec.date_columns:
        df[col] = pd.to_datetime(df[col], format="mixed")
    for col in spec.list_columns:
        if col in df.columns:
            df[col] = df[col].fillna("").astype(str)
    if "synthetic" in df.columns:
        df["synthetic"] = df["synthetic"].astype(str).str.lower().isin(["true", "1", "yes"])
    else:
        df["synthetic"] = False
    if "coord_precision_m" in df.columns:
        df["coord_precision_m"] = pd.to_numeric(df["coord_precision_m"], errors="coerce")
    for col in spec.columns:
        if col not in df.columns:
            df[col] = pd.NA
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=WGS84)


def read_points_csv(path: Path, layer: str) -> gpd.GeoDataFrame:
    """Read a shipped-format CSV of ``layer`` (UTF-8) and validate it."""
    df = pd.read_csv(path, dtype={"id": str, "adcode": str}, keep_default_na=False, na_values=[""])
    return points_frame(df, layer, file=str(path))


def load_layer(layer: str, home: Path | None = None) -> gpd.GeoDataFrame:
    """The layer in effect: the workspace's current version if imported, else the shipped one."""
    if layer == "districts":
        return read_districts()
    if layer not in LAYERS:
        raise ValueError(
            f"unknown layer {layer!r}; expected one of {('districts',) + POINT_LAYERS}"
        )
    return load_layer_file(layer, current_layer_file(layer, home))


def load_layer_file(layer: str, path: Path | None) -> gpd.GeoDataFrame:
    """The point layer ``layer`` as the version file ``path`` holds it (None: the shipped
    rows). Version files are write-once, so a path names one version for good."""
    if path is not None:
        gdf = gpd.read_parquet(path)
        return points_frame(pd.DataFrame(gdf.drop(columns="geometry")), layer, file=str(path))
    return _shipped_points(layer).copy()  # callers own what they get; the parse is cached


@cache
def _shipped_points(layer: str) -> gpd.GeoDataFrame:
    return read_points_csv(shipped_path(layer), layer)


def load_all(home: Path | None = None) -> dict[str, gpd.GeoDataFrame]:
    """Every layer, keyed by name (``districts`` first)."""
    return {name: load_layer(name, home) for name in ("districts",) + POINT_LAYERS}
