"""Chinese web-map coordinate systems: GCJ-02 ("Mars") and BD-09 (Baidu).

GCJ-02 is WGS-84 with a deliberately obfuscated, non-linear offset (100–700 m in
Beijing) applied inside mainland China; BD-09 adds Baidu's own rotation/shift on
top of GCJ-02. The forward transforms follow the widely published reference
algorithm (krasovsky ellipsoid, ``a = 6378245``, ``ee = 0.00669342162296594323``)
shared by eviltransform, coordtransform and PRCoords. The inverse of GCJ-02 has
no closed form; :func:`gcj02_to_wgs84` solves it by fixed-point iteration to
below 1e-9 degrees (≈0.1 mm), far inside the 0.5 m the project requires.

All functions are vectorised: they take scalars or array-likes of longitudes and
latitudes (degrees) and return ``(lon, lat)`` numpy arrays (or floats for scalar
input). Points outside China are returned unchanged, as every provider does.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "SYSTEMS",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "out_of_china",
    "to_wgs84",
    "from_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

#: Systems known by name to the project (besides any EPSG code).
SYSTEMS = ("wgs84", "cgcs2000", "gcj02", "bd09")

_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray, bool]:
    scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    return (
        np.atleast_1d(np.asarray(lon, dtype="float64")),
        np.atleast_1d(np.asarray(lat, dtype="float64")),
        scalar,
    )


def _ret(lon: np.ndarray, lat: np.ndarray, scalar: bool):
    if scalar:
        return float(lon[0]), float(lat[0])
    return lon, lat


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    """Boolean mask of points outside the rough China box where no offset applies."""
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 offset (dlon, dlat) in degrees at WGS-84 position (lon, lat).

    No offset outside China; the series is evaluated only inside, so absurd or
    infinite input (1e308) gives 0 instead of overflowing.
    """
    outside = out_of_china(lon, lat)
    lon = np.where(outside, 105.0, lon)
    lat = np.where(outside, 35.0, lat)
    x = lon - 105.0
    y = lat - 35.0
    sq = np.sqrt(np.abs(x))
    t = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sq
    dlat = dlat + t
    dlat = dlat + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat = dlat + (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sq
    dlon = dlon + t
    dlon = dlon + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon = dlon + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike):
    """WGS-84 → GCJ-02 (the forward "Mars" obfuscation)."""
    lon, lat, scalar = _as_arrays(lon, lat)
    dlon, dlat = _delta(lon, lat)
    return _ret(lon + dlon, lat + dlat, scalar)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike, tol: float = 1e-9, max_iter: int = 30):
    """GCJ-02 → WGS-84, exact to ``tol`` degrees by fixed-point iteration.

    Solves ``w + delta(w) = g`` for ``w`` with ``w_{k+1} = w_k - (f(w_k) - g)``,
    starting from ``w_0 = g - delta(g)``; the offset field is smooth and small,
    so each step gains ~5 digits and 2–3 steps reach 1e-9°.
    """
    glon, glat, scalar = _as_arrays(lon, lat)
    dlon, dlat = _delta(glon, glat)
    wlon, wlat = glon - dlon, glat - dlat
    for _ in range(max_iter):
        dlon, dlat = _delta(wlon, wlat)
        with np.errstate(invalid="ignore"):  # inf input: NaN out, dropped by validation
            elon = wlon + dlon - glon
            elat = wlat + dlat - glat
        wlon = wlon - elon
        wlat = wlat - elat
        if np.nanmax(np.abs(np.concatenate([elon, elat])), initial=0.0) < tol:
            break
    return _ret(wlon, wlat, scalar)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike):
    """GCJ-02 → BD-09 (Baidu's published transform)."""
    x, y, scalar = _as_arrays(lon, lat)
    with np.errstate(over="ignore", invalid="ignore"):  # absurd input: inf/NaN out, no warning
        z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
        theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
        return _ret(z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006, scalar)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike):
    """BD-09 → GCJ-02 (Baidu's published inverse, ≈1e-6° accurate)."""
    bx, by, scalar = _as_arrays(lon, lat)
    x = bx - 0.0065
    y = by - 0.006
    with np.errstate(over="ignore", invalid="ignore"):  # absurd input: inf/NaN out, no warning
        z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
        theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
        return _ret(z * np.cos(theta), z * np.sin(theta), scalar)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike):
    """WGS-84 → BD-09 (via GCJ-02)."""
    glon, glat = wgs84_to_gcj02(np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64"))
    return gcj02_to_bd09(glon, glat)


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike):
    """BD-09 → WGS-84 (via GCJ-02, with the exact GCJ-02 inverse)."""
    glon, glat = bd09_to_gcj02(lon, lat)
    return gcj02_to_wgs84(glon, glat)


#: Names of systems that WGS-84 coordinates pass through unchanged (CGCS2000 agrees with
#: WGS-84 to a few centimetres, far below any place's precision).
_SAME_AS_WGS84 = ("wgs84", "cgcs2000", "epsg4326", "epsg4490")


def _convert(lon: ArrayLike, lat: ArrayLike, system: str, via: dict):
    """Apply the converter of ``system`` from ``via`` (a copy for WGS-84 and CGCS2000)."""
    key = system.lower().replace("-", "").replace("_", "")
    if key in _SAME_AS_WGS84:
        lon, lat, scalar = _as_arrays(lon, lat)
        return _ret(lon.copy(), lat.copy(), scalar)
    if key in via:
        return via[key](lon, lat)
    raise ValueError(f"unknown coordinate system {key!r}; expected one of {SYSTEMS}")


def to_wgs84(lon: ArrayLike, lat: ArrayLike, system: str):
    """Convert from a named system (``wgs84``, ``cgcs2000``, ``gcj02``, ``bd09``) to WGS-84.

    CGCS2000 and WGS-84 agree to a few centimetres, far below any place's precision, so
    CGCS2000 passes through unchanged.
    """
    return _convert(lon, lat, system, {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84})


def from_wgs84(lon: ArrayLike, lat: ArrayLike, system: str):
    """Convert WGS-84 to a named system; used to shift overlays onto a GCJ-02 basemap."""
    return _convert(lon, lat, system, {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09})
