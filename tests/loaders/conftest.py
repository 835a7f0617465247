"""Fixtures for the loader tests: an isolated workspace and real fixture files."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from loaders.chinacrs import wgs84_to_bd09, wgs84_to_gcj02
from loaders.columns import DISTRICT_NAMES

GEODATA = Path(__file__).resolve().parents[2] / "geodata"
ZH_DISTRICT = {a: zh + "区" for a, (zh, _py) in DISTRICT_NAMES.items()}


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """An empty workspace that both the CLI and the library use (EXCHANGE_ATLAS_HOME)."""
    h = tmp_path / "home"
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(h))
    return h


def snapshot(home: Path) -> dict[str, str]:
    """Every file under ``home`` with its content hash, and with a database in use the
    content hash of each of its tables: equal snapshots = unchanged. (The database store's
    local cache of versions read back is left out: reading writes it.)"""
    out = _db_snapshot()
    if not home.exists():
        return out
    out.update(
        (str(p.relative_to(home)), hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(home.rglob("*"))
        if p.is_file() and not p.relative_to(home).as_posix().startswith("cache/pg/")
    )
    return out


def _db_snapshot() -> dict[str, str]:
    import os

    url = os.environ.get("EXCHANGE_ATLAS_DB")
    if not url:
        return {}
    import psycopg

    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename LIKE 'atlas%%' ORDER BY tablename"
        ).fetchall()
        out = {}
        for (t,) in tables:
            row = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) "
                f"FROM {t} x"
            ).fetchone()
            if row and row[0] and t != "atlas_migrations":  # empty tables: as absent files
                out[f"db:{t}"] = str(row)
    return out


def shipped_places() -> pd.DataFrame:
    """Shipped real key locations plus (synthetic) payment points: id, names, adcode, lon, lat."""
    kl = pd.read_csv(GEODATA / "key_locations.csv", dtype=str)
    pay = pd.read_csv(GEODATA / "payments.csv", dtype=str)
    cols = ["id", "name_zh", "name_en", "adcode", "lon", "lat", "category"]
    df = pd.concat([kl[cols], pay[cols]], ignore_index=True)
    df["lon"] = df["lon"].astype(float)
    df["lat"] = df["lat"].astype(float)
    return df


def provider_export(system: str, source: pd.DataFrame | None = None) -> pd.DataFrame:
    """A real-looking AMap (gcj02) or Baidu (bd09) export with Chinese headers and a 区 column.

    Names carry a provider-neutral suffix so that landmark evidence cannot match them:
    the district column alone must decide the coordinate system.
    """
    df = shipped_places() if source is None else source
    conv = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}[system]
    x, y = conv(df["lon"].to_numpy(), df["lat"].to_numpy())
    return pd.DataFrame(
        {
            "序号": np.arange(1, len(df) + 1),
            "名称": df["name_zh"] + "（调查点）",
            "地址": "北京市" + df["adcode"].map(ZH_DISTRICT),
            "类型": "酒店",
            "区": df["adcode"].map(ZH_DISTRICT),
            "经度": np.round(x, 6),
            "纬度": np.round(y, 6),
        }
    )


def near_border_points(n: int = 400, seed: int = 3) -> pd.DataFrame:
    """Random WGS-84 points inside Beijing within ~1 km of a district border, with adcode."""
    return _near_border_points(n, seed).copy()


@lru_cache(maxsize=4)
def _near_border_points(n: int, seed: int) -> pd.DataFrame:
    from loaders.crsdetect import districts, locate

    rng = np.random.default_rng(seed)
    d = districts()
    inner = d[d["adcode"].isin(["110101", "110102", "110105", "110106", "110107", "110108"])]
    lines = shapely.get_exterior_ring(shapely.get_geometry(inner.geometry.values, 0))
    pick = rng.integers(0, len(lines), 4 * n)
    pts = shapely.line_interpolate_point(lines[pick], rng.uniform(0, 1, 4 * n), normalized=True)
    lon = shapely.get_x(pts) + rng.uniform(-0.008, 0.008, 4 * n)
    lat = shapely.get_y(pts) + rng.uniform(-0.006, 0.006, 4 * n)
    code = locate(lon, lat)
    ok = code != ""
    lon, lat, code = lon[ok][:n], lat[ok][:n], code[ok][:n]
    return pd.DataFrame(
        {
            "id": [f"T{i}" for i in range(len(lon))],
            "name_zh": [f"测试点{i}" for i in range(len(lon))],
            "name_en": [f"Test {i}" for i in range(len(lon))],
            "adcode": code,
            "lon": lon,
            "lat": lat,
            "category": "hotel",
        }
    )
