"""Boundary sets: your own polygons (subdistricts 街道/乡镇, planning zones) as named sets.

:func:`read_boundaries` reads a polygon file (GeoJSON, GeoPackage, zipped Shapefile,
GeoParquet, KML — whatever :func:`loaders.readers.read_source` reads), decides its
coordinate system on the evidence of :func:`loaders.crsdetect.boundary_evidence` (or the
``--crs`` declared), rectifies every vertex to WGS-84 (:mod:`loaders.chinacrs`), and
validates the zones; it writes nothing. Every zone gets the shipped district holding most
of its area (``adcode``). Errors (no geometry, not a polygon, an irreparable geometry,
coordinates out of range, a zone outside Beijing, an empty or repeated id) make the file
unusable as a whole: all or nothing. Repaired geometries, overlapping zones, zones
across districts or mostly outside Beijing are warnings. Problems name the file, the row
(the feature's number, 1-based) and the column, as the layer importer's do.

The store keeps each set as a versioned document of :mod:`loaders.documents` (the lock,
the atomic ``CURRENT`` switch, undo; removing a set is a version without content, so it
is undoable too), whose content names the set's GeoParquet file::

    HOME/documents/boundaries/<name>/v0001.json            version record (documents)
    HOME/documents/boundaries/<name>/zones-<sha256>.parquet the zones (WGS-84, write-once)

A zones file is named by its content's hash and created exclusively, never replaced or
deleted, so a version's file never changes under a reader.

With a database in use (:func:`loaders.pg.database_url`) the records are the database's
documents (:mod:`loaders.pg.documents`, the same names and versions) and the zones are
PostGIS rows (:mod:`loaders.pg.boundaries`), kept under the same file name, write-once; a
commit stores the zones and the version in one transaction. Every function here works on
either store and gives the same results.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import ClassVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from dashboard.core.messages import Msg
from dashboard.core.model import METRIC_CRS, WGS84, Problem
from loaders import columns as colmod
from loaders import crsdetect
from loaders.documents import (
    DocumentVersion,
    document_dir,
    document_history,
    document_names,
    document_signature,
    load_document,
    reset_document,
    save_document,
    undo_document,
)
from loaders.errors import LoaderError
from loaders.importer import (
    MAX_LISTED,
    FileReport,
    decide_crs,
    file_evidence,
    library_warnings,
    parse_crs_option,
    rectify_geometries,
)
from loaders.pg import database_url
from loaders.readers import read_source
from loaders.workspace import WorkspaceError, atomic_write_bytes

#: A set's name: a folder name and a link parameter, so plain and short.
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
#: Names that mean the shipped districts, never a stored set.
RESERVED = frozenset({"districts", "district", "all"})
DOCUMENT_PREFIX = "boundaries/"
ZONES_FILE_RE = re.compile(r"^zones-[0-9a-f]{32}\.parquet$")
#: Columns of a stored set (plus ``geometry``), in order.
ZONE_COLUMNS = (
    "zone_id",
    "name_zh",
    "name_en",
    "adcode",
    "district_share",
    "area_km2",
    "source",
    "synthetic",
)
#: Header synonyms (normalised, see :func:`loaders.columns.normalise`) of a zone's fields.
ZONE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "zone_id": (
        "zone_id",
        "id",
        "code",
        "zone_code",
        "编码",
        "代码",
        "编号",
        "街道代码",
        "乡镇代码",
        "区划代码",
        "adcode",
        "gb",
        "fid",
    ),
    "name_zh": ("name_zh", "中文名", "中文名称"),
    "name_en": ("name_en", "english", "英文名", "英文名称"),
    "name": (
        "name",
        "名称",
        "zone_name",
        "街道",
        "街道名称",
        "乡镇",
        "乡镇名称",
        "街乡",
        "分区",
        "分区名称",
        "title",
    ),
    "source": ("source", "来源", "数据来源"),
    "synthetic": ("synthetic", "合成"),
}
#: An overlap smaller than this (m²) or than this share of the smaller zone is noise of
#: two digitisations of one line, not an overlap.
OVERLAP_MIN_M2 = 1_000.0
OVERLAP_MIN_SHARE = 0.005
#: A zone with less of its area in its district than this is reported as spanning several.
STRADDLE_SHARE = 0.8
_POLYGONAL = (3, 6)  # shapely type ids of Polygon and MultiPolygon
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_CJK = "[\u3400-\u9fff]"


def valid_name(name: str) -> str:
    """``name`` when it can name a boundary set.

    Raises
    ------
    ValueError
        With a message saying what a name may be.
    """
    if not isinstance(name, str) or not NAME_RE.fullmatch(name) or name in RESERVED:
        raise ValueError(
            f"{name!r} cannot name a boundary set: use 1–40 lower-case letters, digits, "
            "'-' and '_', starting with a letter or digit (not 'districts', 'district' or "
            "'all', which mean the shipped districts)"
        )
    return name


# --------------------------------------------------------------------------- the report


@dataclass(kw_only=True)
class BoundaryReport(FileReport):
    """What reading a boundary file found; ``to_dict`` is the stable JSON of ``--report``
    (the layer importer's form, :class:`loaders.importer.FileReport`: the same keys where
    they apply, problems with ``file``, ``row``, ``column``, ``message``, ``severity`` and
    ``code``; and ``ok``)."""

    name: str
    errors: int = 0
    geometries_repaired: int = 0
    outside_beijing: int = 0
    duplicate_ids: int = 0
    empty_ids: int = 0
    ids_generated: bool = False
    overlaps: int = 0
    straddling: int = 0
    districts: dict[str, int] = field(default_factory=dict)
    synthetic: bool = False

    PLACE: ClassVar[dict[str, str]] = {"name": "file"}

    @property
    def ok(self) -> bool:
        """No error: the zones can be stored."""
        return self.errors == 0

    def to_dict(self, lang: str = "en") -> dict:
        """The report as JSON, its messages in ``lang`` (``ok`` after the fields)."""
        return {**super().to_dict(lang), "ok": self.ok}

    def summary(self, lang: str = "en") -> str:
        """One line: zones read, valid or not, system and confidence, in ``lang``."""
        status = Msg("bnd_status_ok") if self.ok else Msg("bnd_status_errors", n=self.errors)
        return Msg("bnd_summary", read=self.rows_read, status=status, **self.crs_terms()).text(lang)


@dataclass
class BoundaryResult:
    """The zones (:data:`ZONE_COLUMNS` and ``geometry``, WGS-84; empty when the report has
    errors) and the report."""

    zones: gpd.GeoDataFrame
    report: BoundaryReport

    @property
    def ok(self) -> bool:
        return self.report.ok


def empty_zones() -> gpd.GeoDataFrame:
    """A set without zones, with the stored columns."""
    df = pd.DataFrame({c: pd.Series(dtype="string") for c in ZONE_COLUMNS})
    df = df.astype({"district_share": "float64", "area_km2": "float64", "synthetic": bool})
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)


class _Problems:
    """Problems of the zones, by feature number; at most :data:`MAX_LISTED` of a kind."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[Problem] = []
        self.errors = 0

    def add(
        self,
        mask: np.ndarray,
        column: str | None,
        code: str,
        values: np.ndarray | pd.Series | None = None,
        severity: str = "error",
        **params: object,
    ) -> int:
        rows = np.flatnonzero(np.asarray(mask, dtype=bool))
        vals = None if values is None else np.asarray(values, dtype=object)
        for r in rows[:MAX_LISTED]:
            value = "" if vals is None else _short(vals[r])
            msg = Msg(code, value=value, **params)
            self.items.append(Problem(self.file, int(r) + 1, column, msg, severity))
        if len(rows) > MAX_LISTED:
            more = Msg(
                "imp_more_rows", n=len(rows) - MAX_LISTED, message=Msg(code, value="…", **params)
            )
            self.items.append(Problem(self.file, None, column, more, severity))
        if severity == "error":
            self.errors += len(rows)
        return len(rows)

    def one(self, row: int, column: str | None, msg: Msg, severity: str = "warning") -> None:
        self.items.append(Problem(self.file, row + 1, column, msg, severity))
        if severity == "error":
            self.errors += 1


def _short(v: object) -> str:
    """A cell's value for a message, quoted as the importer quotes it."""
    s = repr(v)
    return s if len(s) <= 60 else s[:57] + "…'"


# --------------------------------------------------------------------------- reading


def _polygon_layer(path: Path) -> str | None:
    """The first polygon layer of a GeoPackage (the readers take the first point layer)."""
    if path.suffix.lower() != ".gpkg":
        return None
    try:
        import pyogrio

        layers = pyogrio.list_layers(path)
    except Exception:  # the reader says what is wrong with the file
        return None
    names = [str(n) for n, g in layers if g and "Polygon" in str(g)]
    return names[0] if names else None


def read_boundaries(
    path: Path | str,
    name: str,
    *,
    crs: str = "auto",
    display_name: str | None = None,
    layer_name: str | None = None,
    encoding: str | None = None,
) -> BoundaryResult:
    """Read and check the polygon file ``path`` as the boundary set ``name``; nothing is
    written (store the result with :func:`commit_boundaries`).

    Raises
    ------
    LoaderError
        When the file cannot be used at all (unreadable, no polygons, a bad option or
        name). Zone-level trouble is not an exception: it is in the report.
    """
    path = Path(path)
    shown = display_name or path.name
    try:
        valid_name(name)
    except ValueError as exc:
        raise LoaderError(str(exc)) from None
    declared, declared_crs = parse_crs_option(crs)
    with library_warnings(path, shown, error_notes=False) as notes:
        raw = read_source(path, encoding=encoding, layer_name=layer_name or _polygon_layer(path))
        result = _clean(raw, name, shown, declared, declared_crs)
    result.report.notes.extend(notes)
    return result


def _clean(raw, name: str, shown: str, declared: str, declared_crs: CRS | None) -> BoundaryResult:
    """The checks of :func:`read_boundaries` on a file's content."""
    df = raw.df.reset_index(drop=True)
    df.columns = pd.Index([str(c).replace("\ufeff", "").strip() for c in df.columns])
    if df.columns.duplicated().any():
        raise LoaderError(f"{shown} has duplicated column names; rename them")
    cols = list(df.columns)
    mapping: dict[str, str] = {}
    colmod.match_synonyms(cols, ZONE_SYNONYMS, mapping)
    geoms = _geometries(raw, df, shown)
    n = len(geoms)
    if n == 0:
        raise LoaderError(f"{shown} has no features")
    rep = BoundaryReport(
        file=shown,
        name=name,
        format=raw.fmt,
        encoding=raw.encoding,
        columns=dict(mapping),
        source_columns=cols,
        rows_read=n,
        notes=list(raw.notes),
    )
    probs = _Problems(shown)
    geoms, usable = _check_geometries(geoms, probs, rep)
    geoms, projected = _projected(raw, geoms, usable, declared_crs, shown, rep)
    if projected is None:
        geoms = _rectify(raw, geoms, usable, declared, name, shown, cols, rep)
    bounds = shapely.bounds(geoms[usable]) if usable.any() else np.zeros((0, 4))
    bad = np.zeros(n, dtype=bool)
    bad[np.flatnonzero(usable)] = (np.abs(bounds[:, [0, 2]]) > 180).any(axis=1) | (
        np.abs(bounds[:, [1, 3]]) > 90
    ).any(axis=1)
    probs.add(bad, "geometry", "bnd_out_of_range")
    usable &= ~bad
    ids = _ids(df, mapping, n, probs, rep)
    zh, en = _names(df, mapping, ids, probs, rep)
    adcode, share, area = _districts(geoms, usable, probs, rep)
    _overlaps(geoms, usable, ids, probs, rep)
    source, synthetic = _provenance(df, mapping, n, shown)
    rep.synthetic = bool(synthetic.any())
    if rep.synthetic:
        rep.notes.append(Msg("bnd_n_synthetic"))
    rep.errors = probs.errors
    rep.problems = probs.items
    if not rep.ok:
        rep.rows_kept, rep.rows_dropped = 0, n
        return BoundaryResult(empty_zones(), rep)
    rep.rows_kept = n
    counts = pd.Series(adcode).value_counts().sort_index()
    rep.districts = {str(k): int(v) for k, v in counts.items()}
    frame = pd.DataFrame(
        {
            "zone_id": pd.array(ids, dtype="string"),
            "name_zh": pd.array(zh, dtype="string"),
            "name_en": pd.array(en, dtype="string"),
            "adcode": pd.array(adcode, dtype="string"),
            "district_share": np.round(share, 4),
            "area_km2": np.round(area / 1e6, 3),
            "source": pd.array(source, dtype="string"),
            "synthetic": synthetic,
        }
    )
    zones = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=WGS84), crs=WGS84)
    return BoundaryResult(zones, rep)


def _geometries(raw, df: pd.DataFrame, shown: str) -> np.ndarray:
    """The file's geometries (a WKT column for a plain table)."""
    if raw.geometry is not None:
        return np.asarray(raw.geometry.values, dtype=object)
    wkt = colmod.recognise(list(df.columns)).get("wkt")
    if wkt is None:
        raise LoaderError(
            f"{shown} has no geometries: a boundary set needs polygons (GeoJSON, GeoPackage, "
            "zipped Shapefile, GeoParquet, KML, or a table with a WKT column)"
        )
    return np.asarray(colmod.parse_wkt(df[wkt]), dtype=object)


def _polygonal(geom):
    """The polygonal part of ``geom`` (a repaired geometry may be a collection)."""
    if geom is None or shapely.get_type_id(geom) in _POLYGONAL:
        return geom
    parts = shapely.get_parts(geom)
    polys = parts[np.isin(shapely.get_type_id(parts), _POLYGONAL)]
    if len(polys) == 0:
        return geom
    return shapely.union_all(polys)


def _check_geometries(
    geoms: np.ndarray, probs: _Problems, rep: BoundaryReport
) -> tuple[np.ndarray, np.ndarray]:
    """Missing geometries and non-polygons are errors; invalid ones are repaired."""
    geoms = geoms.copy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    probs.add(missing, "geometry", "imp_geom_missing")
    invalid = np.flatnonzero(~missing & ~shapely.is_valid(geoms))
    if len(invalid):
        fixed = shapely.make_valid(geoms[invalid])
        fixed = np.array([_polygonal(g) for g in fixed], dtype=object)  # only the invalid few
        ok = ~shapely.is_empty(fixed) & shapely.is_valid(fixed)
        geoms[invalid[ok]] = fixed[ok]
        bad = np.zeros(len(geoms), dtype=bool)
        bad[invalid[~ok]] = True
        probs.add(bad, "geometry", "imp_geom_invalid")
        repaired = np.zeros(len(geoms), dtype=bool)
        repaired[invalid[ok]] = True
        rep.geometries_repaired = int(ok.sum())
        probs.add(repaired, "geometry", "bnd_repaired", severity="warning")
        if rep.geometries_repaired:
            rep.warnings.append(Msg("bnd_w_repaired", n=rep.geometries_repaired))
        missing = missing | bad
    not_poly = ~missing & ~np.isin(shapely.get_type_id(geoms), _POLYGONAL)
    kind = np.full(len(geoms), "", dtype=object)
    kind[not_poly] = [g.geom_type for g in geoms[not_poly]]  # the refused few, by name
    probs.add(not_poly, "geometry", "bnd_not_polygon", kind)  # the kind, quoted
    return geoms, ~missing & ~not_poly


def _projected(
    raw, geoms: np.ndarray, usable: np.ndarray, declared_crs: CRS | None, shown: str,
    rep: BoundaryReport,
) -> tuple[np.ndarray, CRS | None]:  # fmt: skip
    """Geometries in a projected (or other non-WGS-84) CRS, declared or in the file's
    metadata, converted to WGS-84 degrees; None when the file is in degrees."""
    crs = declared_crs
    if crs is None and raw.crs is not None:
        try:
            c = CRS.from_user_input(raw.crs)
        except CRSError:
            c = None
        if c is not None and (c.is_projected or c.to_epsg() not in (4326, 4490, None)):
            crs = c
    if crs is None:
        if usable.any():
            b = shapely.total_bounds(geoms[usable])
            if np.abs(b).max() > 1000:
                raise LoaderError(
                    f"{shown}: the coordinates look projected (metres, e.g. {b[0]:.0f}, "
                    f"{b[1]:.0f}), not degrees; declare the system with --crs EPSG:N "
                    "(e.g. EPSG:32650 for UTM 50N, EPSG:4547 for CGCS2000 3° zone 117°E)"
                )
        return geoms, None
    t = Transformer.from_crs(crs, CRS.from_epsg(4326), always_xy=True)
    out = geoms.copy()
    out[usable] = shapely.transform(geoms[usable], lambda xy: np.column_stack(t.transform(*xy.T)))
    label = f"EPSG:{crs.to_epsg()}" if crs.to_epsg() else crs.name
    rep.crs, rep.crs_confidence = label, "declared"
    src = Msg("imp_e_src_option" if declared_crs is not None else "imp_e_src_metadata")
    ev = crsdetect.Evidence("declared", label, 3, Msg("imp_e_declared_by", src=src, name=crs.name))
    rep.crs_evidence = [ev.to_dict()]
    rep.notes.append(Msg("bnd_n_projected", crs=label))
    return out, crs


def _rectify(
    raw, geoms: np.ndarray, usable: np.ndarray, declared: str, name: str, shown: str,
    cols: list[str], rep: BoundaryReport,
) -> np.ndarray:  # fmt: skip
    """Decide WGS-84, GCJ-02 or BD-09 on the evidence (the boundaries first) or take the
    declared one, record it in the report, and return the geometries in WGS-84."""
    evidence: list[crsdetect.Evidence] = []
    scores: dict[str, float] = {}
    found = crsdetect.boundary_evidence(geoms[usable]) if usable.any() else None
    if found is not None:
        evidence.append(found[0])
        scores = found[1]
    evidence.extend(file_evidence(raw, [shown, *raw.hints, *cols]))
    dec = decide_crs(evidence, scores, declared)
    rep.crs, rep.crs_confidence = dec.system, dec.confidence
    rep.crs_evidence = [e.to_dict() for e in dec.evidence]
    rep.crs_scores = dec.scores
    if dec.warning:
        rep.warnings.append(dec.warning)
    if dec.system not in ("gcj02", "bd09") or not usable.any():
        return geoms
    out = geoms.copy()
    out[usable] = rectify_geometries(geoms[usable], dec.system)
    return out


def _text(df: pd.DataFrame, col: str | None, n: int) -> pd.Series:
    """A column as stripped strings (NA where empty or absent); integral numbers without
    a decimal point (an id read as 110101001.0)."""
    if col is None:
        return pd.Series(pd.NA, index=range(n), dtype="string")
    s = df[col]
    if pd.api.types.is_float_dtype(s) and s.dropna().eq(s.dropna().round()).all():
        s = s.astype("Int64")
    s = s.astype("string").str.strip()
    return s.where(s != "", pd.NA)


def _ids(
    df: pd.DataFrame, mapping: dict[str, str], n: int, probs: _Problems, rep: BoundaryReport
) -> np.ndarray:
    """Each zone's id; an empty or repeated id is an error (ids name zones in every
    table and link)."""
    col = mapping.get("zone_id")
    if col is None:
        rep.ids_generated = True
        rep.notes.append(Msg("bnd_n_ids_generated"))
        return np.array([f"Z{i:04d}" for i in range(1, n + 1)], dtype=object)
    ids = _text(df, col, n).str.replace(_CONTROL, "", regex=True)
    empty = ids.isna().to_numpy()
    rep.empty_ids = probs.add(empty, col, "bnd_no_id")
    dup = ~empty & ids.duplicated(keep="first").to_numpy()
    rep.duplicate_ids = probs.add(dup, col, "bnd_duplicate_id", ids.fillna(""))
    return ids.fillna("").to_numpy(dtype=object)


def _names(
    df: pd.DataFrame,
    mapping: dict[str, str],
    ids: np.ndarray,
    probs: _Problems,
    rep: BoundaryReport,
) -> tuple[np.ndarray, np.ndarray]:
    """Chinese and English names (one name column serves both); markup stays text."""
    n = len(ids)
    generic = _text(df, mapping.get("name"), n)
    zh, en = _text(df, mapping.get("name_zh"), n), _text(df, mapping.get("name_en"), n)
    cjk = generic.str.contains(_CJK, na=False)
    zh = zh.fillna(generic.where(cjk, pd.NA))
    en = en.fillna(generic.where(~cjk, pd.NA))
    zh, en = zh.fillna(en), en.fillna(zh)
    unnamed = zh.isna().to_numpy()
    if unnamed.any():
        rep.notes.append(Msg("bnd_n_unnamed", n=int(unnamed.sum())))
    fallback = pd.Series(ids, dtype="string")
    out = []
    for s, fld in ((zh, "name_zh"), (en, "name_en")):
        s = s.fillna(fallback)
        ctrl = s.str.contains(_CONTROL, na=False).to_numpy()
        if ctrl.any():
            s = s.str.replace(_CONTROL, "", regex=True)
            col = mapping.get(fld, mapping.get("name"))
            probs.add(ctrl, col, "imp_control", severity="warning")
        out.append(s.to_numpy(dtype=object))
    return out[0], out[1]


def _metric(geoms: np.ndarray) -> np.ndarray:
    """``geoms`` (WGS-84) in :data:`METRIC_CRS` metres, for areas."""
    return np.asarray(gpd.GeoSeries(geoms, crs=WGS84).to_crs(METRIC_CRS).values, dtype=object)


def _districts(
    geoms: np.ndarray, usable: np.ndarray, probs: _Problems, rep: BoundaryReport
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each zone's district (the shipped district holding most of its area), that
    district's share of the zone, and the zone's area (m²)."""
    n = len(geoms)
    adcode = np.full(n, "", dtype=object)
    share = np.zeros(n)
    area = np.zeros(n)
    idx = np.flatnonzero(usable)
    if len(idx) == 0:
        return adcode, share, area
    d = crsdetect.districts()
    dm = _metric(np.asarray(d.geometry.values, dtype=object))
    zm = _metric(geoms[idx])
    area[idx] = shapely.area(zm)
    zi, di = shapely.STRtree(dm).query(zm, predicate="intersects")
    inter = shapely.area(shapely.intersection(zm[zi], dm[di])) if len(zi) else np.zeros(0)
    inside = np.bincount(zi, weights=inter, minlength=len(idx))
    order = np.lexsort((-inter, zi))
    first = order[np.r_[True, zi[order][1:] != zi[order][:-1]]] if len(order) else order
    best = np.full(len(idx), -1)
    best_area = np.zeros(len(idx))
    best[zi[first]] = di[first]
    best_area[zi[first]] = inter[first]
    with np.errstate(invalid="ignore", divide="ignore"):
        in_beijing = np.where(area[idx] > 0, inside / area[idx], 0.0)
        major = np.where(area[idx] > 0, best_area / area[idx], 0.0)
    codes = d["adcode"].to_numpy(dtype=object)
    adcode[idx] = np.where(best >= 0, codes[np.maximum(best, 0)], "")
    share[idx] = major
    outside = np.zeros(n, dtype=bool)
    outside[idx] = (best < 0) | (inside <= 0)
    rep.outside_beijing = probs.add(outside, "geometry", "bnd_outside_beijing")
    names = dict(zip(d["adcode"], d["name_zh"], strict=True))
    for k in np.flatnonzero(~outside[idx] & (in_beijing < 0.5))[:MAX_LISTED]:
        probs.one(int(idx[k]), "geometry", Msg("bnd_mostly_outside", share=f"{in_beijing[k]:.0%}"))
    straddle = ~outside[idx] & (in_beijing >= 0.5) & (major < STRADDLE_SHARE)
    rep.straddling = int(straddle.sum())
    for k in np.flatnonzero(straddle)[:MAX_LISTED]:
        code = str(adcode[idx[k]])
        where = f"{names.get(code, code)} {code}"
        msg = Msg("bnd_straddles", district=where, share=f"{major[k]:.0%}")
        probs.one(int(idx[k]), "geometry", msg)
    if rep.straddling:
        rep.warnings.append(Msg("bnd_w_straddles", n=rep.straddling))
    return adcode, share, area


def _overlaps(
    geoms: np.ndarray, usable: np.ndarray, ids: np.ndarray, probs: _Problems, rep: BoundaryReport
) -> None:
    """Pairs of zones whose overlap is more than digitisation noise, as warnings on the
    later row of each pair."""
    idx = np.flatnonzero(usable)
    if len(idx) < 2:
        return
    zm = _metric(geoms[idx])
    a, b = shapely.STRtree(zm).query(zm, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    if len(a) == 0:
        return
    inter = shapely.area(shapely.intersection(zm[a], zm[b]))
    small = np.minimum(shapely.area(zm[a]), shapely.area(zm[b]))
    real = (inter >= OVERLAP_MIN_M2) & (inter >= OVERLAP_MIN_SHARE * small)
    rep.overlaps = int(real.sum())
    for i, j, m2 in list(zip(a[real], b[real], inter[real], strict=True))[:MAX_LISTED]:
        ri, rj = int(idx[i]), int(idx[j])
        msg = Msg("bnd_overlap", other=ri + 1, other_id=str(ids[ri]), area=f"{m2 / 1e4:,.1f}")
        probs.one(rj, "geometry", msg)
    if rep.overlaps:
        rep.warnings.append(Msg("bnd_w_overlaps", n=rep.overlaps))


def _provenance(
    df: pd.DataFrame, mapping: dict[str, str], n: int, shown: str
) -> tuple[np.ndarray, np.ndarray]:
    """Each zone's source (the file's column, else the file) and whether it is synthetic
    (a ``synthetic`` column that says so, or a source beginning with "synthetic")."""
    src = _text(df, mapping.get("source"), n).fillna(f"import: {shown}")
    flag = _text(df, mapping.get("synthetic"), n).str.lower().isin(["true", "1", "yes", "是"])
    synthetic = flag.fillna(False).to_numpy(dtype=bool) | src.str.lower().str.startswith(
        "synthetic"
    ).fillna(False).to_numpy(dtype=bool)
    return src.to_numpy(dtype=object), synthetic


# --------------------------------------------------------------------------- the store


@dataclass(frozen=True)
class BoundarySet:
    """A boundary set in effect: its name, the document version, when, how many zones in
    how many districts, whether it is synthetic, what it came from and its system."""

    name: str
    version: str
    created: str
    zone_count: int
    districts: dict[str, int]
    synthetic: bool
    source: str
    crs: str
    crs_confidence: str

    def to_dict(self) -> dict:
        return asdict(self)


def _document(name: str) -> str:
    return DOCUMENT_PREFIX + valid_name(name)


def set_dir(name: str, home: Path | None = None) -> Path:
    """The directory of boundary set ``name`` (in the workspace)."""
    return document_dir(_document(name), home)


def _zones_file(zones: gpd.GeoDataFrame) -> tuple[str, bytes]:
    """The zones' GeoParquet bytes and the file name they are kept under (by their hash,
    the same name in both stores)."""
    buf = io.BytesIO()
    zones.to_parquet(buf)
    data = buf.getvalue()
    return f"zones-{hashlib.sha256(data).hexdigest()[:32]}.parquet", data


def _put_zones(name: str, file: str, zones: gpd.GeoDataFrame, data: bytes | None, home) -> None:
    """Keep ``zones`` as ``file`` of set ``name``, write-once (stored before: kept as it
    was). The workspace writes ``data`` (their GeoParquet bytes; None: made here)."""
    if database_url():
        from loaders.pg import boundaries as pg
        from loaders.pg.connection import transaction

        with transaction() as conn:
            pg.put_zones(conn, valid_name(name), file, zones)
        return
    d = set_dir(name, home)
    d.mkdir(parents=True, exist_ok=True)
    if data is None:
        buf = io.BytesIO()
        zones.to_parquet(buf)
        data = buf.getvalue()
    try:
        atomic_write_bytes(d / file, data, exclusive=True)
    except FileExistsError:
        pass  # the same zones were stored before: the file is write-once and reused


def commit_boundaries(
    name: str, result: BoundaryResult, home: Path | None = None, source: str = ""
) -> BoundarySet:
    """Store ``result``'s zones as the version in effect of set ``name`` (a new set, or a
    new version of it); the previous version stays, for :func:`undo_boundaries`. In the
    database the zones and the version are one transaction.

    Raises
    ------
    WorkspaceError
        When the result has errors (nothing is written) or the set is locked.
    ValueError
        When ``name`` cannot name a set.
    """
    doc = _document(name)
    rep = result.report
    if not result.ok or result.zones.empty:
        first = "; ".join(str(p) for p in rep.problems if p.severity == "error")[:400]
        why = f": {first}" if first else ""
        raise WorkspaceError(f"{rep.file}: {rep.errors} error(s), nothing was written{why}")
    zones = result.zones[[*ZONE_COLUMNS, "geometry"]].reset_index(drop=True)
    file, data = _zones_file(zones)
    content = {
        "file": file,
        "zone_count": len(zones),
        "districts": rep.districts,
        "synthetic": rep.synthetic,
        "source": source or rep.file,
        "crs": rep.crs,
        "crs_confidence": rep.crs_confidence,
    }
    with _one_transaction():
        _put_zones(name, file, zones, data, home)
        version = save_document(doc, content, home, source or rep.file)
        info = boundary_info(name, home)
    assert info is not None and info.version == version, "the version just saved is in effect"
    return info


@contextmanager
def _one_transaction() -> Iterator[None]:
    """With a database in use, one transaction for what is inside; else nothing."""
    if database_url() is None:
        yield
        return
    from loaders.pg.connection import transaction

    with transaction():
        yield


def _info(name: str, content: dict, version: DocumentVersion | None) -> BoundarySet:
    return BoundarySet(
        name=name,
        version=version.name if version else "",
        created=version.created if version else "",
        zone_count=int(content.get("zone_count", 0)),
        districts={str(k): int(v) for k, v in dict(content.get("districts", {})).items()},
        synthetic=bool(content.get("synthetic", False)),
        source=str(content.get("source", "")),
        crs=str(content.get("crs", "")),
        crs_confidence=str(content.get("crs_confidence", "")),
    )


def boundary_info(name: str, home: Path | None = None) -> BoundarySet | None:
    """Set ``name`` as it is in effect, or None (never imported, removed or undone)."""
    doc = _document(name)
    with _one_transaction():  # the content and its version read together
        content = load_document(doc, home)
        if content is None:
            return None
        current = next((v for v in document_history(doc, home) if v.current), None)
    return _info(name, content, current)


def boundary_names(home: Path | None = None, *, every: bool = False) -> list[str]:
    """The names of the sets of the store in use: those with a version in effect (a
    removal counts), sorted; with ``every``, also those undone back to no version."""
    names = document_names(DOCUMENT_PREFIX, home, every=every)
    out = (n[len(DOCUMENT_PREFIX) :] for n in names)
    return [n for n in out if NAME_RE.fullmatch(n) and n not in RESERVED]


def list_boundaries(home: Path | None = None) -> list[BoundarySet]:
    """Every set in effect, by name (from the store in use: the workspace's folders or
    the database's documents)."""
    out = []
    for name in boundary_names(home):
        info = boundary_info(name, home)
        if info is not None:
            out.append(info)
    return out


def load_boundaries(name: str, home: Path | None = None) -> gpd.GeoDataFrame:
    """The zones of set ``name`` in effect (:data:`ZONE_COLUMNS`, geometry, WGS-84).

    Raises
    ------
    WorkspaceError
        When no such set is in effect, or its file cannot be read.
    """
    doc = _document(name)
    content = load_document(doc, home)
    if content is None:
        known = ", ".join(s.name for s in list_boundaries(home)) or "none"
        raise WorkspaceError(f"no boundary set {name!r} (sets in effect: {known})")
    file = str(content.get("file", ""))
    if not ZONES_FILE_RE.fullmatch(file):  # a hand-edited record naming another path
        raise WorkspaceError(f"boundary set {name!r}: its record names no zones file; undo it")
    return read_zones(name, file, home)


def zones_files(name: str, home: Path | None = None) -> list[str]:
    """The zones files stored for set ``name`` (every version's, in effect or not), by
    name (for copying the store)."""
    if database_url():
        from loaders.pg import boundaries as pg
        from loaders.pg.connection import transaction

        with transaction() as conn:
            return sorted(pg.files(conn, valid_name(name)))
    d = set_dir(name, home)
    if not d.is_dir():
        return []
    return sorted(p.name for p in d.glob("zones-*.parquet") if ZONES_FILE_RE.fullmatch(p.name))


def read_zones(name: str, file: str, home: Path | None = None) -> gpd.GeoDataFrame:
    """The zones stored as ``file`` of set ``name``, as :func:`load_boundaries` gives them.

    Raises
    ------
    WorkspaceError
        When ``file`` is not a zones file's name, or it cannot be read.
    """
    if not ZONES_FILE_RE.fullmatch(file):
        raise WorkspaceError(f"boundary set {name!r}: {file!r} is not a zones file")
    if database_url():
        from loaders.pg import boundaries as pg
        from loaders.pg.connection import transaction

        with transaction() as conn:
            got = pg.zones(conn, valid_name(name), file)
        if got is None:
            raise WorkspaceError(f"boundary set {name!r}: {file} is not in the database")
        gdf = got
    else:
        try:
            gdf = gpd.read_parquet(set_dir(name, home) / file)
        except (OSError, ValueError) as exc:
            raise WorkspaceError(f"boundary set {name!r}: {file} cannot be read ({exc})") from None
    for c in ("zone_id", "name_zh", "name_en", "adcode", "source"):
        gdf[c] = gdf[c].astype("string")
    gdf["synthetic"] = gdf["synthetic"].astype(bool)
    return gdf


def copy_zones(name: str, file: str, zones: gpd.GeoDataFrame, home: Path | None = None) -> None:
    """Keep ``zones`` (of :func:`read_zones` of another store) as ``file`` of set ``name``
    in the store in use, under the same name so that the set's records copied with it
    name them; write-once (already stored: left as it is). For copying the store.

    Raises
    ------
    WorkspaceError
        When ``file`` is not a zones file's name or the zones lack a column.
    """
    if not ZONES_FILE_RE.fullmatch(file):
        raise WorkspaceError(f"boundary set {name!r}: {file!r} is not a zones file")
    missing = [c for c in (*ZONE_COLUMNS, "geometry") if c not in zones.columns]
    if missing or zones.empty:
        why = f"lack {', '.join(missing)}" if missing else "are empty"
        raise WorkspaceError(f"boundary set {name!r}: the zones of {file} {why}")
    _put_zones(name, file, zones[[*ZONE_COLUMNS, "geometry"]].reset_index(drop=True), None, home)


def boundary_history(name: str, home: Path | None = None) -> list[DocumentVersion]:
    """Every version of set ``name``, oldest first (action ``save`` = an import,
    ``reset`` = a removal), the one in effect marked ``current``."""
    return document_history(_document(name), home)


def boundary_signature(name: str, home: Path | None = None) -> str:
    """What identifies the version of set ``name`` in effect, for caches."""
    return document_signature(_document(name), home)


def undo_boundaries(name: str, home: Path | None = None) -> str | None:
    """Put the version before the one in effect back (an import undone, a removal
    undone); return it, or None when the set is then not in effect.

    Raises
    ------
    WorkspaceError
        When the set has nothing to undo.
    """
    doc = _document(name)
    if not any(v.current for v in document_history(doc, home)):
        raise WorkspaceError(f"nothing to undo: boundary set {name!r} has no version in effect")
    return undo_document(doc, home)


def remove_boundaries(name: str, home: Path | None = None, source: str = "") -> str:
    """Take set ``name`` out of effect as a new version (undoable); return its name.

    Raises
    ------
    WorkspaceError
        When no such set is in effect.
    """
    doc = _document(name)
    version = reset_document(doc, home, source)
    if version is None:
        raise WorkspaceError(f"no boundary set {name!r} to remove")
    return version
