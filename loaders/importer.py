"""Import a user's file: read, recognise columns, fix coordinates to WGS-84, validate, report.

:func:`import_file` is the one function the CLI, the data page, the benchmark and the
tests call. It writes nothing: the result holds the cleaned layer (model columns,
WGS-84) and an :class:`ImportReport` saying what was read, kept and dropped and why,
which encoding, columns and coordinate system were used and on what evidence.
Committing the result to the workspace is :func:`loaders.workspace.commit`.
"""

from __future__ import annotations

import re
import threading
import warnings
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from dashboard.core.i18n import STRINGS
from dashboard.core.messages import Msg, localize
from dashboard.core.model import (
    BEIJING_BBOX,
    CAPABILITIES,
    CARD_SCHEMES,
    CATEGORY_CAPABILITIES,
    CATEGORY_SECTOR,
    LAYERS,
    LIST_SEP,
    WALLETS,
    WGS84,
    Problem,
    implied_capabilities,
    validate_points,
)
from loaders import columns as colmod
from loaders import crsdetect
from loaders.chinacrs import SYSTEMS, to_wgs84
from loaders.errors import LoaderError
from loaders.osm import osm_fields
from loaders.readers import read_source
from loaders.table import RawTable

#: At most this many problems of one kind are listed; the rest are counted.
MAX_LISTED = 200
ID_PREFIX = {
    "venues": "V",
    "organizations": "O",
    "events": "E",
    "key-locations": "K",
    "payments": "P",
}
_HTML = r"<\s*/?\s*[a-zA-Z!][^>]*>|&#?[A-Za-z0-9]+;|[jJ][aA][vV][aA][sS][cC][rR][iI][pP][tT]:"
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_CJK = "[\u3400-\u9fff]"


@dataclass
class ImportOptions:
    """How to import: target layer, declared system, column overrides and fixed values."""

    layer: str
    crs: str = "auto"
    mapping: dict[str, str] = field(default_factory=dict)
    fixed: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    layer_name: str | None = None
    limit: int | None = None
    display_name: str | None = None


@dataclass
class ImportReport:
    """What an import did; ``to_dict`` is the stable JSON of ``--report``."""

    file: str
    layer: str
    format: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    source_columns: list[str] = field(default_factory=list)
    crs: str = "wgs84"
    crs_confidence: str = "undetermined"
    crs_evidence: list[dict] = field(default_factory=list)
    crs_scores: dict[str, float] = field(default_factory=dict)
    rows_read: int = 0
    rows_kept: int = 0
    rows_dropped: int = 0
    duplicates: int = 0
    swapped: int = 0
    geometries_repaired: int = 0
    geometries_dropped: int = 0
    outside_beijing: int = 0
    district_mismatches: int = 0
    ids_renamed: int = 0
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def to_dict(self, lang: str = "en") -> dict:
        """The report as JSON, its messages in ``lang`` (English by default); each problem
        also carries its message's ``code`` (stable whatever the language)."""
        d = asdict(self)
        d["notes"] = [localize(x, lang) for x in self.notes]
        d["warnings"] = [localize(x, lang) for x in self.warnings]
        d["crs_evidence"] = self.evidence(lang)
        d["problems"] = [
            {**p.to_dict(), "message": localize(p.message, lang), "code": message_code(p.message)}
            for p in self.problems
        ]
        return d

    def evidence(self, lang: str = "en") -> list[dict]:
        """The coordinate-system evidence, its texts in ``lang``."""
        return [{**e, "text": localize(e.get("text"), lang)} for e in self.crs_evidence]

    def summary(self, lang: str = "en") -> str:
        """One line: rows read/kept/dropped, system and confidence, in ``lang``."""
        return Msg(
            "imp_summary",
            read=self.rows_read,
            kept=self.rows_kept,
            dropped=self.rows_dropped,
            system=crsdetect.LABELS.get(self.crs, self.crs),
            confidence=confidence_label(self.crs_confidence),
        ).text(lang)


def message_code(message: object) -> str | None:
    """The template key a report message was worded from (None: a library's own text)."""
    return message.code if isinstance(message, Msg) else None


def confidence_label(confidence: str) -> str:
    """The confidence of a coordinate-system decision, as a message (the code itself when
    it has no template)."""
    code = f"imp_conf_{confidence}"
    return Msg(code) if code in STRINGS else confidence


@dataclass
class ImportResult:
    """The cleaned layer (kept rows, model columns, WGS-84), the report and a preview.

    ``preview`` has one row per input row: ``row``, ``lon``, ``lat`` (WGS-84 where
    known), ``name``, ``kept`` and ``reason`` — what the data page draws.
    ``geometries`` are the file's own geometries of the kept rows (aligned with
    ``frame``), rectified to WGS-84 like the points — the polygons of a boundary file;
    None when the coordinates came from columns.
    """

    frame: gpd.GeoDataFrame
    report: ImportReport
    preview: pd.DataFrame
    geometries: np.ndarray | None = None


class _Problems:
    """Collects problems column-wise, listing at most :data:`MAX_LISTED` of each kind."""

    def __init__(self, file: str, n: int, rowmap: np.ndarray | None = None):
        self.file = file
        #: data-row number in the file of each parsed row (rows skipped by the parser shift it)
        self.rowmap = np.arange(1, n + 1) if rowmap is None else rowmap
        self.items: list[Problem] = []
        self.drop: npt.NDArray[np.bool_] = np.zeros(n, dtype=bool)
        #: why each dropped row was dropped, in English and in Chinese (the preview's tooltip)
        self.reason = np.full(n, "", dtype=object)
        self.reason_zh = np.full(n, "", dtype=object)

    def add(
        self,
        mask: np.ndarray,
        column: str | None,
        code: str,
        values: pd.Series | np.ndarray | None = None,
        severity: str = "error",
        **params: object,
    ) -> int:
        """List the rows of ``mask`` with the message ``code`` of the importer's strings
        (``{value}``: the row's cell of ``values``) and, for errors, drop them."""
        mask = np.asarray(mask, dtype=bool)
        rows = np.flatnonzero(mask)
        if len(rows) == 0:
            return 0
        vals = None if values is None else np.asarray(values, dtype=object)
        for r in rows[:MAX_LISTED]:
            value = "" if vals is None else _short(vals[r])
            msg = Msg(code, value=value, **params)
            self.items.append(Problem(self.file, int(self.rowmap[r]), column, msg, severity))
        if len(rows) > MAX_LISTED:
            more = Msg(
                "imp_more_rows", n=len(rows) - MAX_LISTED, message=Msg(code, value="…", **params)
            )
            self.items.append(Problem(self.file, None, column, more, severity))
        if severity == "error":
            fresh = mask & ~self.drop
            self.set_reason(fresh, Msg(code, value="", **params))
            self.drop |= mask
        return len(rows)

    def set_reason(self, mask: np.ndarray, msg: Msg) -> None:
        """Record ``msg`` (without its value) as the reason the rows of ``mask`` are dropped."""
        self.reason[mask] = " ".join(msg.split())
        self.reason_zh[mask] = " ".join(msg.text("zh").split())


def _short(v: object) -> str:
    s = repr(v if not (isinstance(v, float) and np.isnan(v)) else "")
    return s if len(s) <= 60 else s[:57] + "…'"


# --------------------------------------------------------------------------- crs option


def parse_crs_option(value: str | None) -> tuple[str, CRS | None]:
    """``auto``, ``wgs84``, ``cgcs2000``, ``gcj02``, ``bd09``, ``EPSG:N`` or a ``.prj`` path.

    Returns the normalised name and, for EPSG codes and ``.prj`` files, the pyproj CRS.
    """
    v = (value or "auto").strip()
    low = v.lower().replace("-", "").replace("_", "")
    if low in ("auto",) + SYSTEMS:
        return low, None
    if low in ("epsg4326", "epsg:4326"):
        return "wgs84", None
    if low in ("epsg4490", "epsg:4490"):
        return "cgcs2000", None
    try:
        if v.lower().endswith(".prj"):
            p = Path(v)
            if not p.is_file():
                raise LoaderError(f"--crs {v}: no such .prj file")
            crs = CRS.from_wkt(p.read_text(encoding="utf-8", errors="replace"))
        elif re.fullmatch(r"(?i)epsg:\d{4,6}", v):
            crs = CRS.from_user_input(v.upper())
        else:
            raise LoaderError(
                f"unknown coordinate system {v!r}: use auto, wgs84, cgcs2000, gcj02, bd09, "
                "EPSG:N or a .prj file"
            )
    except CRSError as exc:
        raise LoaderError(f"--crs {v}: not a coordinate system pyproj knows ({exc})") from None
    epsg = crs.to_epsg()
    if epsg == 4326:
        return "wgs84", None
    if epsg == 4490:
        return "cgcs2000", None
    return (f"EPSG:{epsg}" if epsg else crs.name), crs


def _to_lonlat(x: np.ndarray, y: np.ndarray, crs: CRS) -> tuple[np.ndarray, np.ndarray]:
    t = Transformer.from_crs(crs, CRS.from_epsg(4326), always_xy=True)
    lon, lat = t.transform(x, y)
    return np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")


# --------------------------------------------------------------------------- pipeline


def import_file(path: Path | str, options: ImportOptions) -> ImportResult:
    """Read and clean ``path`` for ``options.layer``; nothing is written.

    Raises
    ------
    LoaderError
        When the file cannot be used at all (unreadable, no coordinates, bad option).
        Row-level trouble is not an exception: it is in the report.
    """
    path = Path(path)
    if options.layer not in LAYERS:
        raise LoaderError(f"unknown layer {options.layer!r}; expected one of {list(LAYERS)}")
    declared, declared_crs = parse_crs_option(options.crs)
    fixed = dict(options.fixed)
    allowed = set(LAYERS[options.layer].columns) | {"district"}
    for k in fixed:
        if k not in allowed or k in ("lon", "lat"):
            raise LoaderError(
                f"--set {k}=…: {k!r} is not a settable field of {options.layer}; "
                f"settable: {', '.join(sorted(allowed - {'lon', 'lat'}))}"
            )
    name = options.display_name or path.name
    # Libraries warn on odd files (GDAL on a bare SQLite file, numpy on 1e308): their
    # warnings become notes of the report, or of the error, never lines on stderr.
    # catch_warnings swaps process-wide state, so imports in threads (the app's
    # sessions) take turns: interleaved, one would restore another's recorder for good.
    with _WARNINGS_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            raw = read_source(
                path,
                encoding=options.encoding,
                delimiter=options.delimiter,
                sheet=options.sheet,
                layer_name=options.layer_name,
                limit=options.limit,
            )
            result = clean(raw, options, name, declared, declared_crs, fixed)
        except LoaderError as exc:
            msg = _name_only(str(exc), path, name)
            notes = library_notes(caught, path, name)
            raise LoaderError(f"{msg} ({'; '.join(notes)})" if notes else msg) from None
    result.report.notes.extend(library_notes(caught, path, name))
    return result


#: Held while an import records warnings (see :func:`import_file`).
_WARNINGS_LOCK = threading.Lock()


def _name_only(text: str, path: Path, name: str) -> str:
    """``text`` with the file's path (GDAL quotes it whole; for an upload it is a
    temporary directory of the server) replaced by the name the user knows."""
    for p in {str(path.resolve()), str(path.absolute()), str(path)}:
        text = text.replace(p, name)
    return text.replace(path.name, name) if name != path.name else text


def library_notes(
    caught: list[warnings.WarningMessage], path: Path | None = None, name: str | None = None
) -> list[str]:
    """Distinct warning messages as report notes: who said it and what, no source lines,
    the file named by ``name`` rather than its path."""
    out: list[str] = []
    for w in caught:
        parts = Path(w.filename).parts
        lib = parts[parts.index("site-packages") + 1] if "site-packages" in parts else "importer"
        text = str(w.message).strip().splitlines()[0] if str(w.message).strip() else ""
        if path is not None:
            text = _name_only(text, path, name or path.name)
        note = Msg("imp_n_library", lib=lib, text=text[:300])
        if note not in out:
            out.append(note)
    return out


def clean(
    raw: RawTable,
    options: ImportOptions,
    name: str,
    declared: str,
    declared_crs: CRS | None,
    fixed: dict[str, str],
) -> ImportResult:
    """The interpretation half of :func:`import_file`, on an already-read table.

    Stages, each a function of its own: columns → coordinates → districts named →
    coordinate system → where the points are → model fields → duplicates → model check
    → result. Problems and facts are collected in one :class:`_Problems` and one
    :class:`ImportReport` that every stage adds to.
    """
    df = header_columns(raw.df, name)
    rep, probs = start_report(raw, df, options, name)
    mapping = colmod.recognise(list(df.columns), options.mapping)
    rep.columns = dict(mapping)
    osm = osm_fields(df) if raw.osm else None
    if raw.osm:
        rep.notes.append(Msg("imp_n_osm"))
    prefer_cols = "lon" in options.mapping or "location" in options.mapping
    pts = coordinates(raw, df, mapping, probs, rep, declared_crs, name, prefer_cols)
    named = named_districts(df, mapping, osm, fixed, probs)
    pts = rectify(raw, declared, pts, named, _name_series(df, mapping, osm), mapping, name, rep)
    located = locate(pts, named, mapping, probs, rep)
    filled = Filled()
    out = _model_fields(
        df, mapping, osm, fixed, options.layer, probs, name, options.mapping, filled
    )
    out["adcode"] = pd.Series(located, dtype="string")
    with np.errstate(over="ignore"):  # 1e308 (a dropped row) rounds to inf, not a warning
        out["lon"] = np.round(pts.lon, 7)
        out["lat"] = np.round(pts.lat, 7)
    drop_duplicates(out, pts, mapping, probs, rep)
    frame = model_check(out, options.layer, name, probs)
    report_filled(filled, out, ~probs.drop, rep)
    return result(out, frame, pts, probs, rep)


@dataclass
class Filled:
    """Rows whose empty cells the import read as the model allows rather than refusing
    them: an open date column left empty (column → rows, and the column of the file it
    was read from), capabilities implied by the category (the rows)."""

    undated: dict[str, np.ndarray] = field(default_factory=dict)
    date_source: dict[str, str] = field(default_factory=dict)
    implied: np.ndarray | None = None
    capabilities_source: str = "capabilities"


def report_filled(filled: Filled, out: pd.DataFrame, kept: np.ndarray, rep: ImportReport) -> None:
    """One warning per open date column left empty and one per category whose implied
    capabilities were filled in, counting the rows kept."""
    for col, rows in filled.undated.items():
        n = int((rows & kept).sum())
        if n:
            src = filled.date_source.get(col, col)
            rep.warnings.append(Msg("imp_w_undated", n=n, col=src, field=col))
    if filled.implied is None:
        return
    rows = filled.implied & kept
    for cat, count in out.loc[rows, "category"].value_counts(sort=False).items():
        codes = CATEGORY_CAPABILITIES[str(cat)]
        names = Msg(f"imp_cap_{codes[0]}")
        for c in codes[1:]:
            names = Msg("imp_and", a=names, b=Msg(f"imp_cap_{c}"))
        rep.warnings.append(
            Msg(
                "imp_w_implied",
                n=int(count),
                col=filled.capabilities_source,
                category=cat,
                cat=Msg(f"imp_ptype_{cat}"),
                caps=LIST_SEP.join(codes),
                caps_label=names,
            )
        )


@dataclass
class Points:
    """Coordinates of every row, their column and what is known of them."""

    lon: np.ndarray
    lat: np.ndarray
    #: the column the coordinates came from (for problems), None for geometries
    column: str | None
    #: a projected CRS the file declares, if any
    projected: CRS | None
    #: finite and within ±180/±90
    usable: np.ndarray
    #: the file's geometries (degrees, the points' system), None for coordinate columns
    geoms: np.ndarray | None = None


def header_columns(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """``df`` with clean header names (no BOM, no surrounding space), after checking it
    has distinct columns and at least one row."""
    df = df.reset_index(drop=True)
    df.columns = pd.Index([str(c).replace("\ufeff", "").strip() for c in df.columns])
    if df.columns.duplicated().any():
        dups = sorted(set(df.columns[df.columns.duplicated()]))
        raise LoaderError(f"{name} has duplicated column names {dups}; rename them")
    if len(df) == 0:
        raise LoaderError(f"{name} has a header but no data rows")
    return df


def start_report(
    raw: RawTable, df: pd.DataFrame, options: ImportOptions, name: str
) -> tuple[ImportReport, _Problems]:
    """The report and the problem list of an import, with the rows the parser skipped."""
    n = len(df)
    rep = ImportReport(
        file=name,
        layer=options.layer,
        format=raw.fmt,
        encoding=raw.encoding,
        delimiter=raw.delimiter,
        source_columns=list(df.columns),
        rows_read=n + len(raw.bad_lines),
        notes=list(raw.notes),
    )
    rowmap = None
    if raw.bad_lines:
        skipped = np.asarray(raw.bad_lines)
        rowmap = np.setdiff1d(np.arange(1, n + len(skipped) + 1), skipped)[:n]
    probs = _Problems(name, n, rowmap)
    if raw.bad_lines:
        rep.warnings.append(Msg("imp_w_bad_lines", n=len(raw.bad_lines), first=raw.bad_lines[0]))
        for r in raw.bad_lines[:MAX_LISTED]:
            probs.items.append(Problem(name, int(r), None, Msg("imp_bad_line")))
    return rep, probs


def coordinates(
    raw: RawTable,
    df: pd.DataFrame,
    mapping: dict[str, str],
    probs: _Problems,
    rep: ImportReport,
    declared_crs: CRS | None,
    name: str,
    prefer_cols: bool = False,
) -> Points:
    """Every row's coordinates as read, swapped latitude/longitude corrected, and which
    are usable; rows without a usable coordinate are dropped.

    Raises
    ------
    LoaderError
        When most coordinates look projected (metres) and no projected CRS is declared.
    """
    lon, lat, coord_col, proj_crs, geoms = _coordinates(
        raw, df, mapping, probs, rep, declared_crs, name, prefer_cols
    )
    # swapped latitude/longitude: a Beijing latitude in the longitude column and vice versa
    swap = (lat >= 72) & (lat <= 138) & (lon >= 0.8) & (lon <= 56)
    if swap.any():
        lon, lat = np.where(swap, lat, lon), np.where(swap, lon, lat)
        rep.swapped = int(swap.sum())
        probs.add(swap, coord_col, "imp_swapped", severity="warning")
        rep.warnings.append(Msg("imp_w_swapped", n=rep.swapped))
    finite = np.isfinite(lon) & np.isfinite(lat)
    bad_range = finite & ((np.abs(lon) > 180) | (np.abs(lat) > 90))
    if proj_crs is None and finite.sum() and (bad_range.sum() > 0.5 * finite.sum()):
        big = finite & (np.abs(lon) > 1000) & (np.abs(lat) > 1000)
        if big.sum() > 0.5 * finite.sum():
            raise LoaderError(
                f"{name}: the coordinates look projected (metres, e.g. {lon[big][0]:.0f}, "
                f"{lat[big][0]:.0f}), not degrees; declare the system with --crs EPSG:N "
                "(e.g. EPSG:32650 for UTM 50N, EPSG:4547 for CGCS2000 3° zone 117°E)"
            )
    probs.add(bad_range, coord_col, "imp_out_of_range")
    probs.add(~finite & ~probs.drop, coord_col, "imp_no_coord")
    return Points(lon, lat, coord_col, proj_crs, finite & ~bad_range, geoms)


def named_districts(
    df: pd.DataFrame,
    mapping: dict[str, str],
    osm: pd.DataFrame | None,
    fixed: dict[str, str],
    probs: _Problems,
) -> np.ndarray:
    """The adcode of the district each row names ("" where none or not one of the 16):
    from ``--set district=``, a district column, or OpenStreetMap's address tags."""
    named = np.full(len(df), "", dtype=object)
    dist_src = None
    if "district" in fixed:
        dist_src = pd.Series(fixed["district"], index=df.index)
    elif "district" in mapping:
        dist_src = df[mapping["district"]]
    elif osm is not None and (osm["district"] != "").any():
        dist_src = osm["district"]
    if dist_src is not None:
        named = colmod.map_values(dist_src, colmod.district_table(dist_src)).to_numpy(dtype=object)
        unknown = (named == "") & dist_src.astype("string").fillna("").str.strip().ne("").to_numpy()
        probs.add(
            unknown,
            mapping.get("district"),
            "imp_unknown_district",
            dist_src,
            severity="warning",
        )
    return named


def rectify(
    raw: RawTable,
    declared: str,
    pts: Points,
    named: np.ndarray,
    names: pd.Series | None,
    mapping: dict[str, str],
    name: str,
    rep: ImportReport,
) -> Points:
    """Decide the coordinate system on the evidence (or the declaration), record the
    decision in the report, and return the points in WGS-84."""
    system, decision = _decide_system(raw, declared, pts, named, names, mapping, name)
    rep.crs = system
    rep.crs_confidence = decision.confidence
    rep.crs_evidence = [e.to_dict() for e in decision.evidence]
    rep.crs_scores = decision.scores
    if decision.warning:
        rep.warnings.append(decision.warning)
    if system not in ("gcj02", "bd09"):
        return pts
    wl, wt = to_wgs84(pts.lon, pts.lat, system)
    geoms = None if pts.geoms is None else rectify_geometries(pts.geoms, system)
    return replace(pts, lon=np.asarray(wl), lat=np.asarray(wt), geoms=geoms)


def rectify_geometries(geoms: np.ndarray, system: str) -> np.ndarray:
    """``geoms`` (any kind, degrees in ``system``) with every vertex converted to WGS-84."""

    def convert(xy: np.ndarray) -> np.ndarray:
        lon, lat = to_wgs84(xy[:, 0], xy[:, 1], system)
        return np.column_stack([lon, lat])

    return shapely.transform(np.asarray(geoms, dtype=object), convert)


def locate(
    pts: Points, named: np.ndarray, mapping: dict[str, str], probs: _Problems, rep: ImportReport
) -> np.ndarray:
    """The adcode of the district each usable point lies in; points outside Beijing are
    dropped, and a named district that differs from the located one is a warning."""
    lon, lat, usable, coord_col = pts.lon, pts.lat, pts.usable, pts.column
    located = np.full(len(lon), "", dtype=object)
    located[usable] = crsdetect.locate(lon[usable], lat[usable])
    x0, y0, x1, y1 = BEIJING_BBOX
    in_box = usable & (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
    outside = usable & (located == "")
    rep.outside_beijing = int(outside.sum())
    probs.add(outside & ~in_box, coord_col, "imp_outside_beijing")
    probs.add(outside & in_box, coord_col, "imp_outside_districts")
    mismatch = usable & (named != "") & (located != "") & (named != located)
    rep.district_mismatches = int(mismatch.sum())
    if mismatch.any():
        probs.add(
            mismatch,
            mapping.get("district"),
            "imp_district_mismatch",
            pd.Series(named).astype(str) + " vs " + pd.Series(located).astype(str),
            severity="warning",
        )
    return located


def _cell(v: np.ndarray) -> np.ndarray:
    """Position to 1e-5 degrees as integers; 0 where it is not a coordinate (the row is
    dropped already, and NaN or an infinite value has no integer)."""
    ok = np.isfinite(v) & (np.abs(v) <= 360)
    return np.round(np.where(ok, v, 0.0) * 1e5).astype("int64")


def drop_duplicates(
    out: pd.DataFrame, pts: Points, mapping: dict[str, str], probs: _Problems, rep: ImportReport
) -> None:
    """Drop rows repeating an earlier one (same names, category and position to ~1 m)
    and rename repeated ids (``ID-dupN``) in ``out``, in place."""
    n = len(out)
    alive = ~probs.drop
    key = pd.DataFrame(
        {
            "zh": pd.factorize(out["name_zh"])[0],
            "en": pd.factorize(out["name_en"])[0],
            "cat": pd.factorize(out["category"])[0],
            "x": _cell(np.asarray(pts.lon, dtype=float)),
            "y": _cell(np.asarray(pts.lat, dtype=float)),
        }
    )
    dup = alive & key.duplicated(keep="first").to_numpy()
    del key
    rep.duplicates = int(dup.sum())
    probs.add(dup, None, "imp_duplicate")
    alive = ~probs.drop
    ids = out["id"].astype("string")
    dup_id = (
        alive
        & ids.where(pd.Series(alive)).duplicated(keep="first").to_numpy()
        & ids.notna().to_numpy()
    )
    if dup_id.any():
        k = pd.Series(np.arange(n))[dup_id]
        new = ids[dup_id] + "-dup" + k.astype("string")
        probs.add(dup_id, mapping.get("id", "id"), "imp_duplicate_id", ids, severity="warning")
        out.loc[dup_id, "id"] = new
        rep.ids_renamed += int(dup_id.sum())


def model_check(out: pd.DataFrame, layer: str, name: str, probs: _Problems) -> pd.DataFrame:
    """The rows still kept that pass the data model's check (failing rows are dropped,
    with the model's problems numbered as rows of the file)."""
    n = len(out)
    kept_idx = np.flatnonzero(~probs.drop)
    frame = out.iloc[kept_idx].reset_index(drop=True)
    check = [p for p in validate_points(frame, layer, name) if p.severity == "error"]
    if check:
        bad = np.zeros(n, dtype=bool)
        for p in check:
            if p.row is not None:
                bad[kept_idx[p.row - 1]] = True
        for p in check[:MAX_LISTED]:
            if p.row is not None:
                p.row = int(probs.rowmap[kept_idx[p.row - 1]])
            p.message = Msg("imp_model_check", detail=p.message)  # the model's words, framed
        probs.items.extend(check[:MAX_LISTED])
        probs.set_reason(bad & ~probs.drop, Msg("imp_model_reason"))
        probs.drop |= bad
        kept_idx = np.flatnonzero(~probs.drop)
        frame = out.iloc[kept_idx].reset_index(drop=True)
    return frame


def result(
    out: pd.DataFrame, frame: pd.DataFrame, pts: Points, probs: _Problems, rep: ImportReport
) -> ImportResult:
    """The cleaned layer in WGS-84, the finished report and the per-row preview."""
    rep.rows_kept = len(frame)
    rep.rows_dropped = rep.rows_read - rep.rows_kept
    rep.problems = probs.items
    gdf = gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=WGS84
    )
    preview = pd.DataFrame(
        {
            "row": probs.rowmap,
            "lon": pts.lon,
            "lat": pts.lat,
            "name": out["name_zh"].fillna(out["name_en"]).fillna(""),
            "kept": ~probs.drop,
            "reason": pd.Categorical(probs.reason.astype(object)),
            "reason_zh": pd.Categorical(probs.reason_zh.astype(object)),
        }
    )
    geoms = None if pts.geoms is None else pts.geoms[np.flatnonzero(~probs.drop)]
    return ImportResult(gdf, rep, preview, geoms)


def _coordinates(raw, df, mapping, probs, rep, declared_crs, name, prefer_cols=False):
    """Longitude/latitude arrays (source system, projected data already in degrees)."""
    n = len(df)
    proj_crs = declared_crs
    if raw.geometry is not None and not prefer_cols:
        geoms = np.asarray(raw.geometry.values, dtype=object)
        missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        probs.add(missing, "geometry", "imp_geom_missing")
        rep.geometries_dropped += int(missing.sum())
        invalid = ~missing & ~shapely.is_valid(geoms)
        if invalid.any():
            fixed_geoms = shapely.make_valid(geoms[invalid])
            still = shapely.is_empty(fixed_geoms) | ~shapely.is_valid(fixed_geoms)
            geoms = geoms.copy()
            geoms[invalid] = fixed_geoms
            rep.geometries_repaired = int((~still).sum())
            bad = np.zeros(n, dtype=bool)
            bad[np.flatnonzero(invalid)[still]] = True
            probs.add(bad, "geometry", "imp_geom_invalid")
            rep.geometries_dropped += int(bad.sum())
            rep.warnings.append(Msg("imp_w_repaired", n=rep.geometries_repaired))
        ok = ~missing
        kinds = shapely.get_type_id(geoms[ok])
        reduced = int((kinds != 0).sum())
        if reduced:
            rep.notes.append(Msg("imp_n_reduced", n=reduced))
        x = np.full(n, np.nan)
        y = np.full(n, np.nan)
        if ok.any():
            good = geoms[ok]
            pts = np.where(kinds == 0, good, shapely.point_on_surface(good))
            x[ok] = shapely.get_x(pts)
            y[ok] = shapely.get_y(pts)
        file_crs = raw.crs
        if proj_crs is None and file_crs is not None:
            try:
                c = CRS.from_user_input(file_crs)
            except CRSError:
                c = None
            if (
                c is not None
                and c.to_epsg() not in (4326, 4490, None)
                or (c is not None and c.is_projected)
            ):
                proj_crs = c
        if proj_crs is not None:
            x, y = _to_lonlat(x, y, proj_crs)
            crs = proj_crs
            geoms = shapely.transform(
                geoms, lambda xy: np.column_stack(_to_lonlat(xy[:, 0], xy[:, 1], crs))
            )
        return x, y, "geometry", proj_crs, geoms

    coord_col: str | None
    if "lon" in mapping and "lat" in mapping:
        lon_raw, lat_raw = df[mapping["lon"]], df[mapping["lat"]]
        lon, lat = colmod.to_number(lon_raw), colmod.to_number(lat_raw)
        for col, num, rawv in ((mapping["lon"], lon, lon_raw), (mapping["lat"], lat, lat_raw)):
            empty = (
                rawv.isna().to_numpy()
                | rawv.astype("string").str.strip().eq("").fillna(True).to_numpy()
            )
            probs.add(empty, col, "imp_coord_missing")
            probs.add(num.isna().to_numpy() & ~empty, col, "imp_not_number", rawv)
        coord_col = mapping["lon"]
        x, y = lon.to_numpy(), lat.to_numpy()
    elif "location" in mapping:
        src = df[mapping["location"]]
        lon, lat = colmod.split_location(src)
        bad = lon.isna().to_numpy() | lat.isna().to_numpy()
        probs.add(bad, mapping["location"], "imp_not_pair", src)
        coord_col = mapping["location"]
        x, y = lon.to_numpy(), lat.to_numpy()
    elif "wkt" in mapping:
        src = df[mapping["wkt"]]
        geoms = colmod.parse_wkt(src)
        raw2 = RawTable(df=df, geometry=gpd.GeoSeries(geoms), crs=None, fmt=raw.fmt)
        bad = (
            shapely.is_missing(geoms)
            & src.astype("string").fillna("").str.strip().ne("").to_numpy()
        )
        probs.add(bad, mapping["wkt"], "imp_not_wkt", src)
        m2 = {k: v for k, v in mapping.items() if k not in ("lon", "lat")}
        x, y, _, proj_crs, geoms = _coordinates(raw2, df, m2, probs, rep, declared_crs, name)
        return x, y, mapping["wkt"], proj_crs, geoms
    else:
        raise LoaderError(
            f"{name} has no coordinate columns: found {list(df.columns)[:30]}. Name them "
            "lon/lat (经度/纬度), give one 'lon,lat' column (坐标/location) or a WKT column, "
            "or map them with --map lon=COLUMN --map lat=COLUMN"
        )
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    if proj_crs is not None:
        x, y = _to_lonlat(x, y, proj_crs)
    return x, y, coord_col, proj_crs, None


def _name_series(df: pd.DataFrame, mapping: dict, osm: pd.DataFrame | None) -> pd.Series | None:
    for f in ("name_zh", "name", "name_en"):
        if f in mapping:
            return df[mapping[f]]
    if osm is not None:
        return osm["name_zh"]
    return None


def _decide_system(raw, declared, pts, named, names, mapping, name):
    proj_crs, lon, lat, usable = pts.projected, pts.lon, pts.lat, pts.usable
    if proj_crs is not None:
        label = f"EPSG:{proj_crs.to_epsg()}" if proj_crs.to_epsg() else proj_crs.name
        src = Msg("imp_e_src_option" if declared not in ("auto",) else "imp_e_src_metadata")
        text = Msg("imp_e_declared_by", src=src, name=proj_crs.name)
        ev = crsdetect.Evidence("declared", label, 3, text)
        return label, crsdetect.CrsDecision(label, "declared", [ev])
    idx = np.flatnonzero(usable)
    idx = idx[crsdetect.sample_index(len(idx))]
    evidence: list[crsdetect.Evidence] = []
    scores: dict[str, float] = {}
    if len(idx):
        ev, scores = crsdetect.district_evidence(lon[idx], lat[idx], named[idx])
        evidence.append(ev)
        if names is not None:
            lm = crsdetect.landmark_evidence(
                lon[idx], lat[idx], names.iloc[idx].reset_index(drop=True)
            )
            if lm is not None:
                evidence.append(lm)
    if pts.geoms is not None:
        found = crsdetect.boundary_evidence(pts.geoms[usable])
        if found is not None:
            evidence.append(found[0])
            scores = found[1] or scores
    if raw.osm:
        evidence.append(crsdetect.Evidence("provenance", "wgs84", 2, Msg("imp_e_osm")))
    if raw.fmt in ("GeoJSON", "KML"):
        evidence.append(
            crsdetect.Evidence(
                "format",
                "wgs84",
                1,
                Msg("imp_e_format", fmt=raw.fmt),
            )
        )
    elif raw.crs is not None:
        try:
            epsg = CRS.from_user_input(raw.crs).to_epsg()
        except CRSError:
            epsg = None
        if epsg in (4326, 4490):
            evidence.append(
                crsdetect.Evidence(
                    "declared",
                    "wgs84",
                    2 if epsg == 4490 else 1,
                    Msg("imp_e_epsg", epsg=epsg),
                )
            )
    texts = [name, *raw.hints, *[str(c) for c in raw.df.columns]]
    evidence.extend(crsdetect.name_evidence(texts))
    if declared != "auto":
        system = "wgs84" if declared == "cgcs2000" else declared
        strong = [e for e in evidence if e.system and e.system != system and e.strength >= 3]
        dec = crsdetect.CrsDecision(
            system,
            "declared",
            [crsdetect.Evidence("declared", system, 3, Msg("imp_e_declared", declared=declared))]
            + evidence,
            scores,
        )
        if strong:
            top = strong[0]
            assert top.system is not None  # strong keeps only evidence with a system
            system_label = crsdetect.LABELS[top.system]
            dec.warning = Msg(
                "imp_w_declared_conflict", declared=declared, system=system_label, text=top.text
            )
        return declared, dec
    dec = crsdetect.decide(evidence)
    dec.scores = scores
    return dec.system, dec


def _text(df: pd.DataFrame, col: str | None, n: int) -> pd.Series:
    if col is None or col not in df.columns:
        return pd.Series(pd.NA, index=range(n), dtype="string")
    s = df[col]
    if not (pd.api.types.is_string_dtype(s) or s.dtype == object):
        s = s.astype("string")
    s = s.astype("string").str.strip()
    return s.where(s != "", pd.NA)


def _model_fields(
    df, mapping, osm, fixed, layer, probs, name, explicit, filled: Filled | None = None
) -> pd.DataFrame:
    """Model columns of ``layer`` from mapped columns, OSM tags and ``--set`` values;
    empty cells read as the model allows (an open date, implied capabilities) are
    recorded in ``filled``."""
    filled = Filled() if filled is None else filled
    n = len(df)
    spec = LAYERS[layer]
    out = pd.DataFrame(index=range(n))

    def pick(fld: str) -> pd.Series:
        if fld in fixed:
            return pd.Series(fixed[fld], index=range(n), dtype="string")
        s = _text(df, mapping.get(fld), n)
        if osm is not None and fld in osm.columns and fld not in explicit:
            o = osm[fld].astype("string")
            s = o.where(o != "", pd.NA).fillna(s)
        return s

    ids = pick("id")
    gen = f"{ID_PREFIX[layer]}-IMP-" + pd.Series(np.arange(1, n + 1)).astype("string").str.zfill(7)
    out["id"] = ids.fillna(gen)
    generic = pick("name")
    zh, en = pick("name_zh"), pick("name_en")
    has_cjk = generic.str.contains(_CJK, na=False)
    zh = zh.fillna(generic.where(has_cjk, pd.NA))
    en = en.fillna(generic.where(~has_cjk, pd.NA))
    out["name_zh"], out["name_en"] = zh.fillna(en), en.fillna(zh)
    for col in ("name_zh", "name_en"):
        v = out[col]
        ctrl = v.str.contains(_CONTROL, na=False)
        if ctrl.any():
            out[col] = v.str.replace(_CONTROL, "", regex=True)
            probs.add(ctrl.to_numpy(), col, "imp_control", severity="warning")
        markup = out[col].str.contains(_HTML, na=False)
        probs.add(
            markup.to_numpy(),
            col,
            "imp_markup",
            out[col],
            severity="warning",
        )
    noname = out["name_zh"].isna().to_numpy()
    probs.add(noname, mapping.get("name", "name"), "imp_no_name")

    cat_src = pick("category")
    if osm is not None and "category" not in mapping and "category" not in fixed:
        o = osm["category"] if layer == "payments" else osm["place_category"]
        cat_src = o.where(o != "", pd.NA).astype("string")
    cats = colmod.map_values(cat_src, colmod.category_table(cat_src, layer))
    out["category"] = cats.where(cats != "", pd.NA)
    probs.add(
        (cats == "").to_numpy() & cat_src.notna().to_numpy(),
        mapping.get("category", "category"),
        "imp_unknown_category",
        cat_src,
        layer=layer,
    )
    probs.add(
        cat_src.isna().to_numpy(),
        mapping.get("category", "category"),
        "imp_no_category",
    )
    if "sector" in spec.required:
        sec_src = pick("sector")
        sec = colmod.map_values(sec_src, colmod.sector_table(sec_src))
        default = out["category"].map(CATEGORY_SECTOR).astype("string")
        out["sector"] = sec.where(sec != "", default)
        probs.add(
            out["sector"].isna().to_numpy() & out["category"].notna().to_numpy(),
            "sector",
            "imp_no_sector",
        )
    for col in spec.date_columns:
        src = pick(col)
        d = pd.to_datetime(src, errors="coerce", format="mixed")
        probs.add((d.isna() & src.notna()).to_numpy(), mapping.get(col, col), "imp_not_date", src)
        if col in spec.open_dates:
            filled.undated[col] = src.isna().to_numpy()
            filled.date_source[col] = mapping.get(col, col)
        elif col in spec.required:
            probs.add(
                src.isna().to_numpy(),
                col,
                "imp_missing_date",
                col=col,
                layer=layer,
            )
        out[col] = d.dt.strftime("%Y-%m-%d").astype("string")
    vocab = {"capabilities": CAPABILITIES, "card_schemes": CARD_SCHEMES, "wallets": WALLETS}
    for col in spec.list_columns:
        src = pick(col)
        norm = src.str.replace(r"\s*[,，、|/;；]\s*", LIST_SEP, regex=True).str.strip(LIST_SEP)
        norm = norm.where(norm != "", pd.NA)
        if col == "capabilities":
            implied = implied_capabilities(out["category"])
            fill = (norm.isna() & (implied != "")).to_numpy()
            norm = norm.mask(pd.Series(fill), implied)
            filled.implied = fill
            filled.capabilities_source = mapping.get(col, col)
        table = {}
        for u in pd.unique(norm.dropna()):
            codes = [c for c in str(u).split(LIST_SEP) if c]
            table[str(u)] = (
                ""
                if all(c in vocab[col] for c in codes)
                else ",".join(c for c in codes if c not in vocab[col])
            )
        unknown = colmod.map_values(norm, table)
        probs.add(
            (unknown != "").to_numpy() & norm.notna().to_numpy(),
            mapping.get(col, col),
            "imp_unknown_codes",
            unknown,
            col=col,
            known=", ".join(vocab[col]),
        )
        out[col] = norm.fillna("")
        if col in spec.required:
            probs.add(
                (norm.fillna("") == "").to_numpy(),
                col,
                "imp_no_codes",
                col=col,
            )
    for col in ("address", "source", "venue_id", "major_event", "host_id", "synthetic"):
        if col in spec.columns:
            out[col] = pick(col)
    if "source" in out.columns:
        out["source"] = out["source"].fillna(f"import: {name}")
    if "coord_precision_m" in spec.columns:
        out["coord_precision_m"] = pd.to_numeric(pick("coord_precision_m"), errors="coerce")
    if "synthetic" in out.columns:
        out["synthetic"] = (
            out["synthetic"]
            .str.lower()
            .isin(["true", "1", "yes"])
            .fillna(False)
            .map({True: "true", False: "false"})
        )
    return out
