"""Import an inspection sheet (CSV or Excel, Chinese or English headers) for the store.

An inspector's sheet says 场所编号, 检查时间, 检查人, 外卡, 现金, 备注; another says
place_id, inspected_at, inspector, check_foreign_card. :func:`import_inspections` reads
the file the way the point importer does (:func:`loaders.readers.read_source`:
encodings, delimiters, sheets), maps the headers to
:data:`dashboard.core.inspections.INSPECTION_COLUMNS`, puts the coordinates of points
found in the field into WGS-84 (declared with ``crs`` or decided on the evidence by
:func:`loaders.importer.rectify`, the importer's own decision), and validates every row
with :func:`loaders.inspections_store.prepare_inspections`. It writes nothing; the
report (:class:`loaders.importer.ImportReport`, layer ``inspections``) names file, row
and column of every problem in Chinese and English.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from dashboard.core.inspections import CHECK_LABELS, CHECKS, result_column
from dashboard.core.messages import Msg
from loaders import columns as colmod
from loaders import crsdetect
from loaders.errors import LoaderError
from loaders.importer import (
    _WARNINGS_LOCK,
    ImportOptions,
    ImportReport,
    Points,
    _name_only,
    _Problems,
    _to_lonlat,
    confidence_label,
    header_columns,
    library_notes,
    named_districts,
    parse_crs_option,
    rectify,
    start_report,
)
from loaders.inspections_store import prepare_inspections
from loaders.readers import read_source
from loaders.table import RawTable

LAYER = "inspections"

#: Field → header names (as :func:`loaders.columns.normalise` spells them).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "place_id": (
        "place_id",
        "place",
        "场所编号",
        "点位编号",
        "场所id",
        "点位id",
        "网点编号",
        "支付点编号",
        "id",
        "编号",
        "poi_id",
    ),
    "place_kind": ("place_kind", "kind", "类型", "场所类型", "点位类型", "place_type"),
    "inspected_at": (
        "inspected_at",
        "inspection_time",
        "visited_at",
        "检查时间",
        "核查时间",
        "检查日期",
        "核查日期",
        "巡查时间",
        "时间",
        "日期",
        "datetime",
        "date",
        "time",
    ),
    "inspector": ("inspector", "检查人", "核查人", "检查员", "核查员", "巡查人", "调查员"),
    result_column("foreign_card"): (
        "foreign_card",
        "外卡",
        "境外银行卡",
        "外卡支付",
        "境外卡",
        "card",
    ),
    result_column("foreign_wallet"): (
        "foreign_wallet",
        "境外钱包",
        "外卡钱包",
        "外籍钱包",
        "wallet",
    ),
    result_column("cash"): ("cash", "现金", "找零", "现金找零", "cash_and_change"),
    result_column("currency_exchange"): ("currency_exchange", "外币兑换", "兑换", "exchange"),
    result_column("atm_withdrawal"): (
        "atm_withdrawal",
        "取现",
        "atm取现",
        "外卡取现",
        "atm",
        "withdrawal",
    ),
    result_column("help_desk"): (
        "help_desk",
        "英语服务",
        "外语服务",
        "英语协助",
        "help",
        "help_in_english",
    ),
    "notes": ("notes", "note", "remarks", "remark", "comment", "comments", "备注", "说明"),
    "photo": ("photo", "照片"),
    "name": colmod.SYNONYMS["name"] + colmod.SYNONYMS["name_zh"] + colmod.SYNONYMS["name_en"],
    "lon": colmod.SYNONYMS["lon"],
    "lat": colmod.SYNONYMS["lat"],
    "location": colmod.SYNONYMS["location"],
    "district": tuple(n for n in colmod.SYNONYMS["district"] if n not in ("type",)),
    "source": ("source", "来源", "数据来源"),
}
for _c in CHECKS:  # the check's own column name and its labels (境外银行卡支付, Cash and change…)
    zh, en = CHECK_LABELS[_c]
    SYNONYMS[result_column(_c)] = (
        result_column(_c),
        *SYNONYMS[result_column(_c)],
        colmod.normalise(zh),
        colmod.normalise(en),
    )
#: Every field a mapping may name.
FIELDS: tuple[str, ...] = tuple(SYNONYMS)


@dataclass
class InspectionImportResult:
    """The rows ready to store (no row with an error is in it) and the report."""

    frame: pd.DataFrame
    report: ImportReport
    lang: str = "en"

    @property
    def errors(self) -> int:
        """How many rows have an error (an all-or-nothing import stores nothing then)."""
        rows = {p.row for p in self.report.problems if p.severity == "error"}
        return max(self.report.rows_read - self.report.rows_kept, len(rows - {None}))

    def to_dict(self) -> dict:
        """The report as JSON, its messages in the result's language."""
        return self.report.to_dict(self.lang)


def recognise(columns: list[str], overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Map inspection fields to the file's columns: ``overrides`` first, then synonyms.

    Raises
    ------
    LoaderError
        When an override names an unknown field or a column the file does not have.
    """
    mapping: dict[str, str] = {}
    cols = [str(c) for c in columns]
    for fld, col in (overrides or {}).items():
        if fld not in FIELDS:
            raise LoaderError(Msg("insp_unknown_column", field=fld, fields=", ".join(FIELDS)))
        if col not in cols:
            raise LoaderError(
                Msg("insp_missing_mapped", field=fld, column=col, columns=", ".join(cols))
            )
        mapping[fld] = col
    colmod.match_synonyms(cols, SYNONYMS, mapping)
    return mapping


def import_inspections(
    path: Path | str,
    *,
    payments: pd.DataFrame | None,
    key_locations: pd.DataFrame | None,
    districts: gpd.GeoDataFrame | None,
    now: datetime,
    crs: str = "auto",
    mapping: dict[str, str] | None = None,
    lang: str = "en",
    known: pd.DataFrame | None = None,
    display_name: str | None = None,
) -> InspectionImportResult:
    """Read and validate the inspection sheet ``path``; nothing is written.

    ``known``: the inspections in effect, so that a revisit of a point found in the
    field keeps its id. ``lang`` is the language of :meth:`InspectionImportResult.to_dict`
    (the messages themselves carry both).

    Raises
    ------
    LoaderError
        When the file cannot be used at all (unreadable, no place or time column, a bad
        option); row-level trouble is in the report.
    """
    path = Path(path)
    name = display_name or path.name
    declared, declared_crs = parse_crs_option(crs)
    with _WARNINGS_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            raw = read_source(path)
            result = _clean(
                raw,
                name,
                declared,
                declared_crs,
                (payments, key_locations, districts, known),
                now,
                mapping,
            )
        except LoaderError as exc:
            if isinstance(exc.args[0], Msg):
                raise
            raise LoaderError(_name_only(str(exc), path, name)) from None
    result.report.notes.extend(library_notes(caught, path, name))
    result.lang = lang
    return result


def _clean(
    raw: RawTable,
    name: str,
    declared: str,
    declared_crs: CRS | None,
    places: tuple[
        pd.DataFrame | None, pd.DataFrame | None, gpd.GeoDataFrame | None, pd.DataFrame | None
    ],
    now: datetime,
    overrides: dict[str, str] | None,
) -> InspectionImportResult:
    """The interpretation half of :func:`import_inspections`, on a table already read."""
    payments, key_locations, districts, known = places
    df = header_columns(raw.df, name)
    rep, probs = start_report(raw, df, ImportOptions(layer=LAYER), name)
    mapping = recognise(list(df.columns), overrides)
    rep.columns = dict(mapping)
    has_pos = ("lon" in mapping and "lat" in mapping) or "location" in mapping
    if "place_id" not in mapping and not has_pos:
        raise LoaderError(
            Msg("insp_no_place_column", file=name, columns=", ".join(map(str, df.columns)))
        )
    if "inspected_at" not in mapping:
        raise LoaderError(
            Msg("insp_no_time_column", file=name, columns=", ".join(map(str, df.columns)))
        )
    n = len(df)
    frame = pd.DataFrame(index=pd.RangeIndex(n))
    for fld, col in mapping.items():
        if fld not in ("lon", "lat", "location", "district"):
            frame[fld] = df[col].astype("string")
    lon, lat, column = _positions(df, mapping, n)
    if declared_crs is not None:
        lon, lat = _to_lonlat(lon, lat, declared_crs)
    pts = Points(lon, lat, column, declared_crs, _usable(lon, lat))
    lon, lat = _rectify(raw, df, mapping, probs, rep, declared, pts, frame, payments, key_locations)
    frame["lon"], frame["lat"] = lon, lat
    display = {fld: col for fld, col in mapping.items() if fld not in ("location",)}
    if "location" in mapping:
        display.setdefault("lon", mapping["location"])
        display.setdefault("lat", mapping["location"])
    prepared, problems = prepare_inspections(
        frame,
        payments=payments,
        key_locations=key_locations,
        now=now,
        file=name,
        districts=districts,
        known=known,
        columns=display,
        rows=probs.rowmap,
    )
    rep.problems = [*probs.items, *problems]
    rep.rows_kept = len(prepared)
    rep.rows_dropped = rep.rows_read - rep.rows_kept
    return InspectionImportResult(prepared, rep)


def _positions(
    df: pd.DataFrame, mapping: dict[str, str], n: int
) -> tuple[np.ndarray, np.ndarray, str | None]:
    """The coordinates the sheet gives (NaN where none), in the file's system."""
    if "lon" in mapping and "lat" in mapping:
        lon = colmod.to_number(df[mapping["lon"]])
        lat = colmod.to_number(df[mapping["lat"]])
        return lon.to_numpy(dtype=float), lat.to_numpy(dtype=float), mapping["lon"]
    if "location" in mapping:
        lon, lat = colmod.split_location(df[mapping["location"]])
        return lon.to_numpy(dtype=float), lat.to_numpy(dtype=float), mapping["location"]
    return np.full(n, np.nan), np.full(n, np.nan), None


def _usable(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)


def _rectify(
    raw: RawTable,
    df: pd.DataFrame,
    mapping: dict[str, str],
    probs: _Problems,
    rep: ImportReport,
    declared: str,
    pts: Points,
    frame: pd.DataFrame,
    pay: pd.DataFrame | None,
    kl: pd.DataFrame | None,
) -> tuple[np.ndarray, np.ndarray]:
    """The sheet's coordinates in WGS-84, the system decided as the point importer
    decides it (:func:`loaders.importer.rectify`). Rows of known places add evidence:
    their layer's district is the district they name."""
    if not pts.usable.any():
        return pts.lon, pts.lat
    named = named_districts(df, mapping, None, {}, probs)
    if "place_id" in frame.columns:
        pid = frame["place_id"].astype("string").str.strip()
        for layer in (kl, pay):  # payments last: they win as the kind's default does
            if layer is not None and len(layer) and "adcode" in layer.columns:
                codes = pd.Series(
                    layer["adcode"].astype(str).to_numpy(), index=layer["id"].astype(str)
                )
                codes = codes[~codes.index.duplicated()]
                hit = pid.map(codes).fillna("").to_numpy(dtype=object)
                named = np.where(hit != "", hit, named)
    names = df[mapping["name"]] if "name" in mapping else None
    fixed = rectify(raw, declared, pts, named, names, mapping, rep.file, rep)
    system = crsdetect.LABELS.get(rep.crs, rep.crs)
    rep.notes.append(
        Msg("insp_crs_used", system=system, confidence=confidence_label(rep.crs_confidence))
    )
    return np.asarray(fixed.lon, dtype=float), np.asarray(fixed.lat, dtype=float)
