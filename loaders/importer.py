"""Import a user's file: read, recognise columns, fix coordinates to WGS-84, validate, report.

:func:`import_file` is the one function the CLI, the data page, the benchmark and the
tests call. It writes nothing: the result holds the cleaned layer (model columns,
WGS-84) and an :class:`ImportReport` saying what was read, kept and dropped and why,
which encoding, columns and coordinate system were used and on what evidence.
Committing the result to the workspace is :func:`loaders.workspace.commit`.

:func:`import_stream` is the same import chunk by chunk, for files of any size: the
rows kept go to a file (:func:`loaders.workspace.commit_file` stores it), memory is
bounded by the chunk, and the report is the one :func:`import_file` gives. Both run
the same stages (:class:`_Import`); a table read whole is processed in chunks too.
"""

from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, ClassVar

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as _pc
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
from loaders import crsdetect, workspace
from loaders.chinacrs import SYSTEMS, to_wgs84
from loaders.errors import LoaderError
from loaders.osm import osm_fields
from loaders.readers import CHUNK_ROWS, open_text_stream, read_source, sniff_format
from loaders.table import RawTable, TableStream
from loaders.workspace import NULL_HASH, HashSet, hash_text, mix_hash

#: pyarrow's compute functions are generated at import: typed loosely for the checker.
pc: Any = _pc

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


@dataclass(kw_only=True)
class FileReport:
    """What reading a user's file found, in the form every reader's report shares: the
    base of :class:`ImportReport` and of the boundary sets' report
    (:class:`loaders.boundaries.BoundaryReport`). The fields every such report has, its
    ``--report`` JSON, its coordinate-system evidence and its summary line's terms are
    here once, so the readers' reports cannot drift apart.

    A subclass is a ``kw_only`` dataclass adding its own fields; :attr:`PLACE` says where
    its JSON lists them (the JSON's key order is part of the CLI's output).
    """

    file: str
    format: str = ""
    encoding: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    source_columns: list[str] = field(default_factory=list)
    crs: str = "wgs84"
    crs_confidence: str = "undetermined"
    crs_evidence: list[dict] = field(default_factory=list)
    crs_scores: dict[str, float] = field(default_factory=dict)
    rows_read: int = 0
    rows_kept: int = 0
    rows_dropped: int = 0
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    #: A subclass's own fields that the JSON lists right after a field of this base
    #: (field → the base's field); the others come after ``rows_dropped``, in the
    #: subclass's order.
    PLACE: ClassVar[dict[str, str]] = {}

    def to_dict(self, lang: str = "en") -> dict:
        """The report as JSON, its messages in ``lang`` (English by default); each problem
        also carries its message's ``code`` (stable whatever the language)."""
        d = asdict(self)
        own = [k for k in d if k not in _FILE_REPORT_FIELDS]
        out: dict = {}
        for k in _FILE_REPORT_FIELDS:
            out[k] = d[k]
            out.update((o, d[o]) for o in own if self.PLACE.get(o, "rows_dropped") == k)
        out["notes"] = [localize(x, lang) for x in self.notes]
        out["warnings"] = [localize(x, lang) for x in self.warnings]
        out["crs_evidence"] = self.evidence(lang)
        out["problems"] = [
            {**p.to_dict(), "message": localize(p.message, lang), "code": message_code(p.message)}
            for p in self.problems
        ]
        return out

    def evidence(self, lang: str = "en") -> list[dict]:
        """The coordinate-system evidence, its texts in ``lang``."""
        return [{**e, "text": localize(e.get("text"), lang)} for e in self.crs_evidence]

    def summary(self, lang: str = "en") -> str:
        """One line of what was read and decided, in ``lang`` (each report its own)."""
        raise NotImplementedError

    def crs_terms(self) -> dict[str, object]:
        """The ``system`` and ``confidence`` of a summary line's message: the system's
        label and the confidence as a message."""
        return {
            "system": crsdetect.LABELS.get(self.crs, self.crs),
            "confidence": confidence_label(self.crs_confidence),
        }


#: The fields of :class:`FileReport`, in order.
_FILE_REPORT_FIELDS = tuple(f.name for f in fields(FileReport))


@dataclass(kw_only=True)
class ImportReport(FileReport):
    """What an import did; ``to_dict`` is the stable JSON of ``--report``."""

    layer: str
    delimiter: str | None = None
    duplicates: int = 0
    swapped: int = 0
    geometries_repaired: int = 0
    geometries_dropped: int = 0
    outside_beijing: int = 0
    district_mismatches: int = 0
    ids_renamed: int = 0

    PLACE: ClassVar[dict[str, str]] = {"layer": "file", "delimiter": "encoding"}

    def summary(self, lang: str = "en") -> str:
        """One line: rows read/kept/dropped, system and confidence, in ``lang``."""
        return Msg(
            "imp_summary",
            read=self.rows_read,
            kept=self.rows_kept,
            dropped=self.rows_dropped,
            **self.crs_terms(),
        ).text(lang)


def message_code(message: object) -> str | None:
    """The template key a report message was worded from (None: a library's own text)."""
    return message.code if isinstance(message, Msg) else None


def confidence_label(confidence: str) -> str:
    """The confidence of a coordinate-system decision, as a message (the code itself when
    it has no template)."""
    code = f"imp_conf_{confidence}"
    return Msg(code) if code in STRINGS else confidence


class ImportResult:
    """The cleaned layer (kept rows, model columns, WGS-84), the report and a preview.

    ``table`` is the layer as a plain table (``lon``/``lat`` columns, no geometry
    objects); ``frame`` is the same as a GeoDataFrame of points, built on first use
    (a million shapely points take 200 MB and 0.6 s, and storing or counting the rows
    needs none of them). ``preview`` has one row per input row: ``row``, ``lon``,
    ``lat`` (WGS-84 where known), ``name``, ``kept`` and ``reason`` — what the data
    page draws. ``geometries`` are the file's own geometries of the kept rows (aligned
    with ``frame``), rectified to WGS-84 like the points — the polygons of a boundary
    file; None when the coordinates came from columns.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        report: ImportReport,
        preview: pd.DataFrame,
        geometries: np.ndarray | None = None,
    ):
        if isinstance(frame, gpd.GeoDataFrame):
            self._frame: gpd.GeoDataFrame | None = frame
            self.table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        else:
            self._frame = None
            self.table = frame
        self.report = report
        self.preview = preview
        self.geometries = geometries

    @property
    def frame(self) -> gpd.GeoDataFrame:
        """The kept rows as WGS-84 points (built from ``lon``/``lat`` on first use)."""
        if self._frame is None:
            t = self.table
            self._frame = gpd.GeoDataFrame(
                t, geometry=gpd.points_from_xy(t["lon"], t["lat"]), crs=WGS84
            )
        return self._frame


@dataclass
class _Kind:
    """One kind of problem: the first rows listed, how many there are, and how to say
    "N more" (None: the rest are only counted elsewhere)."""

    more: Callable[[int], Problem] | None
    cap: int = MAX_LISTED
    listed: list[Problem] = field(default_factory=list)
    total: int = 0


class _Listing:
    """An import's problems by kind, in the order its stages report them: at most
    :data:`MAX_LISTED` rows listed per kind, the rest in one "N more rows" line. The
    chunks of a streamed file share one, so a kind lists the first rows of the whole
    file and the list reads as if the file had been read whole."""

    def __init__(self) -> None:
        self.order: list[tuple] = []
        self.kinds: dict[tuple, _Kind] = {}

    def kind(
        self,
        key: tuple,
        after: tuple | None,
        more: Callable[[int], Problem] | None,
        cap: int = MAX_LISTED,
    ) -> _Kind:
        """The kind ``key``, created right after ``after`` (the kind a chunk reported
        last) when new: every chunk runs the same stages in the same order."""
        k = self.kinds.get(key)
        if k is None:
            k = self.kinds[key] = _Kind(more, cap)
            self.order.insert(0 if after is None else self.order.index(after) + 1, key)
        return k

    def problems(self) -> list[Problem]:
        """Every kind's listed rows, then its "N more rows" line, kind by kind."""
        out: list[Problem] = []
        for key in self.order:
            k = self.kinds[key]
            out.extend(k.listed)
            if k.more is not None and k.total > len(k.listed):
                out.append(k.more(k.total - len(k.listed)))
        return out


class _Problems:
    """Collects problems column-wise, listing at most :data:`MAX_LISTED` of each kind.

    ``listing`` is shared by the chunks of one import (a fresh one by default)."""

    def __init__(
        self,
        file: str,
        n: int,
        rowmap: np.ndarray | None = None,
        listing: _Listing | None = None,
    ):
        self.file = file
        #: data-row number in the file of each parsed row (rows skipped by the parser shift it)
        self.rowmap = np.arange(1, n + 1) if rowmap is None else rowmap
        self.listing = _Listing() if listing is None else listing
        self._last: tuple | None = None
        self.drop: npt.NDArray[np.bool_] = np.zeros(n, dtype=bool)
        #: why each dropped row was dropped (an index into ``_whys``: 2 bytes a row)
        self._why = np.zeros(n, dtype=np.int16)
        self._whys: list[tuple[str, str]] = [("", "")]

    @property
    def reason(self) -> np.ndarray:
        """Why each dropped row was dropped, in English ("" for rows kept)."""
        return np.array([w[0] for w in self._whys], dtype=object)[self._why]

    @property
    def reason_zh(self) -> np.ndarray:
        """Why each dropped row was dropped, in Chinese (the preview's tooltip)."""
        return np.array([w[1] for w in self._whys], dtype=object)[self._why]

    @property
    def items(self) -> list[Problem]:
        """The problems listed so far (of every chunk sharing the listing)."""
        return self.listing.problems()

    def kind(
        self, key: tuple, more: Callable[[int], Problem] | None = None, cap: int = MAX_LISTED
    ) -> _Kind:
        """The kind ``key`` of the listing, placed after the kind this chunk used last."""
        k = self.listing.kind(key, self._last, more, cap)
        self._last = key
        return k

    def add(
        self,
        mask: np.ndarray,
        column: str | None,
        code: str,
        values: pd.Series | np.ndarray | Callable[[np.ndarray], object] | None = None,
        severity: str = "error",
        **params: object,
    ) -> int:
        """List the rows of ``mask`` with the message ``code`` of the importer's strings
        (``{value}``: the row's cell of ``values``, or ``values(rows)`` for the rows
        listed) and, for errors, drop them."""
        mask = np.asarray(mask, dtype=bool)
        file = self.file

        def more(k: int) -> Problem:
            msg = Msg("imp_more_rows", n=k, message=Msg(code, value="…", **params))
            return Problem(file, None, column, msg, severity)

        kind = self.kind((code, column, severity, repr(sorted(params.items()))), more)
        rows = np.flatnonzero(mask)
        if len(rows) == 0:
            return 0
        shown = rows[: max(kind.cap - len(kind.listed), 0)]
        vals = _values_at(values, shown)
        for r, v in zip(shown, vals, strict=True):
            msg = Msg(code, value=v, **params)
            kind.listed.append(Problem(file, int(self.rowmap[r]), column, msg, severity))
        kind.total += len(rows)
        if severity == "error":
            fresh = mask & ~self.drop
            self.set_reason(fresh, Msg(code, value="", **params))
            self.drop |= mask
        return len(rows)

    def set_reason(self, mask: np.ndarray, msg: Msg) -> None:
        """Record ``msg`` (without its value) as the reason the rows of ``mask`` are dropped."""
        why = (" ".join(msg.split()), " ".join(msg.text("zh").split()))
        if why not in self._whys:
            self._whys.append(why)
        self._why[mask] = self._whys.index(why)


def _values_at(values: object, rows: np.ndarray) -> list[str]:
    """The cells of ``values`` at ``rows`` as they are quoted in a problem ("" without)."""
    if values is None:
        return [""] * len(rows)
    if callable(values):
        cells = np.asarray(values(rows), dtype=object)
    elif isinstance(values, pd.Series):
        cells = values.iloc[rows].to_numpy(dtype=object)
    else:
        cells = np.asarray(values, dtype=object)[rows]
    return [_short(v) for v in cells]


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
    declared, declared_crs, fixed, name = _prepare(path, options)
    with library_warnings(path, name) as notes, workspace.returning_pool():
        raw = _read_whole(path, options)
        result = clean(raw, options, name, declared, declared_crs, fixed, release=True)
        del raw
    result.report.notes.extend(notes)
    return result


def _prepare(path: Path, options: ImportOptions) -> tuple[str, CRS | None, dict[str, str], str]:
    """The declared system, its CRS, the fixed values and the file's name, after
    checking the options."""
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
    return declared, declared_crs, fixed, options.display_name or path.name


#: A streamed file's coordinate system is decided on its first chunks holding
#: :data:`loaders.crsdetect.SAMPLE` rows with usable coordinates, or this many rows.
DECIDE_ROWS = 500_000

#: A delimited text file above this size is streamed by ``exchange-atlas import``
#: (1.6 million rows of a typical survey; read whole it would take over 800 MB).
STREAM_BYTES = 128 * 1024 * 1024


@dataclass
class StreamedImport:
    """A file imported chunk by chunk (:func:`import_stream`): its report (the one
    :func:`import_file` gives) and the rows kept, in ``path`` (Parquet, the layer's
    columns as the workspace stores them, WGS-84 ``lon``/``lat``, no geometry) for
    :func:`loaders.workspace.commit_file`."""

    report: ImportReport
    path: Path
    #: chunks processed, and whether the file was parsed chunk by chunk (CSV) or read
    #: whole and then processed in chunks (the other formats)
    chunks: int
    streamed: bool

    def table(self) -> pd.DataFrame:
        """The rows kept, read back whole (for small files and tests)."""
        return workspace.read_rows(self.path)


def import_stream(
    path: Path | str, options: ImportOptions, out: Path | str, chunk_rows: int | None = None
) -> StreamedImport:
    """Import ``path`` ``chunk_rows`` rows at a time, writing the rows kept to ``out``;
    nothing else is written, and ``out`` is removed when the import fails.

    A delimited text file is parsed chunk by chunk (memory bounded by the chunk, not
    the file: :func:`loaders.readers.open_text_stream`); other formats are read whole
    and then processed in chunks. The coordinate system is decided once, on the first
    chunks holding :data:`loaders.crsdetect.SAMPLE` (100,000) rows with usable
    coordinates (at most :data:`DECIDE_ROWS` rows), or on the whole file when it has
    fewer (then exactly as :func:`import_file` decides); so is whether the coordinates
    are metres. Every chunk is then converted, checked, located and
    de-duplicated against all rows before it (64-bit hashes, 16 bytes a row). The
    report is :func:`import_file`'s: the same counts, warnings and first problems of
    each kind, rows numbered in the file; no preview is kept.

    Raises
    ------
    LoaderError
        As :func:`import_file`.
    """
    path, out = Path(path), Path(out)
    declared, declared_crs, fixed, name = _prepare(path, options)
    size = CHUNK_ROWS if chunk_rows is None else chunk_rows
    if size < 1:
        raise LoaderError(f"--chunk-rows {chunk_rows}: give a number of rows of at least 1")
    with library_warnings(path, name) as notes, workspace.returning_pool():
        writer = workspace.RowWriter(out, options.layer)
        try:
            stream = _open_stream(path, options, size)
            run = _Import(
                stream.head,
                options,
                name,
                declared,
                declared_crs,
                fixed,
                keep_preview=False,
                release=True,
            )
            pending: list[_Chunk] = []
            usable = chunks = held = 0
            for raw in stream.chunks:
                chunk = run.front(raw)
                chunks += 1
                if run.system is None:
                    pending.append(chunk)
                    usable += int(chunk.pts.usable.sum())
                    held += len(chunk.df)
                    if usable < crsdetect.SAMPLE and held < DECIDE_ROWS:
                        continue
                    run.decide(pending)
                for c in pending or [chunk]:
                    writer.write(run.back(c))
                pending = []
            if pending:
                run.decide(pending)
                for c in pending:
                    writer.write(run.back(c))
            del pending
            report = run.finish()
            writer.close()
        except BaseException:  # a LoaderError is worded by library_warnings
            writer.discard()
            raise
    report.notes.extend(notes)
    return StreamedImport(report, out, chunks, stream.streamed)


def _open_stream(path: Path, options: ImportOptions, chunk_rows: int) -> TableStream:
    """The file's chunks: a delimited text file parsed chunk by chunk, any other format
    read whole (within the size limit) and handed on in chunks."""
    if not path.is_file():
        raise LoaderError(
            f"{path} is a directory, not a file" if path.is_dir() else f"{path} does not exist"
        )
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if sniff_format(path, head) == "csv":
        return open_text_stream(
            path,
            encoding=options.encoding,
            delimiter=options.delimiter,
            chunk_rows=chunk_rows,
            limit=options.limit,
        )
    raw = _read_whole(path, options)
    return TableStream(raw, table_chunks(raw, chunk_rows), streamed=False)


def _read_whole(path: Path, options: ImportOptions) -> RawTable:
    """The file read whole (within the readers' size limit), with the options' reading
    choices."""
    return read_source(
        path,
        encoding=options.encoding,
        delimiter=options.delimiter,
        sheet=options.sheet,
        layer_name=options.layer_name,
        limit=options.limit,
    )


def table_chunks(raw: RawTable, chunk_rows: int, split_blocks: bool = False) -> Iterator[RawTable]:
    """``raw`` in chunks of at most ``chunk_rows`` rows, each numbered as the whole table
    is (the rows the parser skipped go with the first chunk). With ``split_blocks`` a
    table of pyarrow-backed columns is cut along its Arrow chunks too, so that each
    chunk holds buffers of its own, freed when it is."""
    n = len(raw.df)
    rowmap = np.arange(1, n + 1)
    if raw.bad_lines:
        skipped = np.asarray(raw.bad_lines)
        rowmap = np.setdiff1d(np.arange(1, n + len(skipped) + 1), skipped)[:n]
    bounds = _block_bounds(raw.df) if split_blocks else None
    if bounds is None:
        bounds = [0, n]
    cuts = sorted({*bounds, *range(0, n, chunk_rows), n} | {0})
    if n == 0:
        cuts = [0, 0]  # one empty chunk: the stages say the file has no rows
    frames = _split(raw.df, cuts) if split_blocks and len(bounds) > 2 else None
    for i, (start, stop) in enumerate(zip(cuts[:-1], cuts[1:], strict=True)):
        if stop == start and n:
            continue
        geometry = None if raw.geometry is None else raw.geometry.iloc[start:stop]
        df = raw.df.iloc[start:stop] if frames is None else frames.pop(0)
        yield replace(
            raw,
            df=df,
            geometry=geometry,
            notes=[],
            bad_lines=list(raw.bad_lines) if i == 0 else [],
            rows=rowmap[start:stop],
        )


def _block_bounds(df: pd.DataFrame) -> list[int] | None:
    """Where the Arrow chunks of ``df``'s columns begin (one layout for every column,
    as pyarrow's CSV reader makes them); None when the columns are not all Arrow-backed
    alike."""
    bounds: list[int] | None = None
    for c in df.columns:
        arr = df[c].array
        chunked = getattr(arr, "_pa_array", None)
        if not isinstance(chunked, pa.ChunkedArray):
            return None
        lens = [len(ch) for ch in chunked.chunks]  # pyright: ignore[reportOptionalMemberAccess]
        b = [0, *np.cumsum(lens).tolist()]
        if bounds is None:
            bounds = b
        elif b != bounds:
            return None
    return bounds


def _split(df: pd.DataFrame, cuts: list[int]) -> list[pd.DataFrame]:
    """``df`` cut at ``cuts`` (which include the Arrow chunk bounds) into frames whose
    columns hold only the Arrow chunks of their rows (no reference to the others)."""
    cols = {c: df[c].array._pa_array for c in df.columns}  # pyright: ignore[reportAttributeAccessIssue]
    out = []
    for start, stop in zip(cuts[:-1], cuts[1:], strict=True):
        part = {
            c: pd.Series(
                pd.arrays.ArrowStringArray(pa.chunked_array(_pieces(a, start, stop), a.type)),
                index=pd.RangeIndex(start, stop),
            )
            for c, a in cols.items()
        }
        out.append(pd.DataFrame(part, index=pd.RangeIndex(start, stop)))
    return out


def _pieces(a: pa.ChunkedArray, start: int, stop: int) -> list[pa.Array]:
    """The Arrow chunks of ``a`` between rows ``start`` and ``stop``, sliced (no copy): a
    block's buffers are freed once every chunk cut from it is."""
    got, at = [], 0
    for ch in a.chunks:
        lo, hi = max(start - at, 0), min(stop - at, len(ch))
        if lo < hi:
            got.append(ch.slice(lo, hi - lo))
        at += len(ch)
    return got


#: Held while a reader records warnings (:func:`library_warnings`): ``catch_warnings``
#: swaps process-wide state, so readers in threads (the app's sessions) take turns;
#: interleaved, one would restore another's recorder for good.
WARNINGS_LOCK = threading.Lock()
_WARNINGS_LOCK = WARNINGS_LOCK  # the old name, still used by loaders.inspection_import


@contextmanager
def library_warnings(path: Path, name: str, *, error_notes: bool = True) -> Iterator[list[str]]:
    """Read a user's file inside: the warnings libraries give (GDAL on a bare SQLite
    file, numpy on 1e308) become notes, never lines on stderr.

    Yields the list that, once the block ends, holds them as report notes
    (:func:`library_notes`). A :class:`LoaderError` raised inside comes out with the
    file's path replaced by ``name``, the name the user knows, and (``error_notes``)
    the notes so far in brackets. Readers take turns (:data:`WARNINGS_LOCK`).
    """
    notes: list[str] = []
    with WARNINGS_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield notes
        except LoaderError as exc:
            msg = _name_only(str(exc), path, name)
            said = library_notes(caught, path, name) if error_notes else []
            raise LoaderError(f"{msg} ({'; '.join(said)})" if said else msg) from None
    notes.extend(library_notes(caught, path, name))


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


#: Rows a table read whole is processed at a time (the temporaries of the stages are
#: a chunk's size, not the file's).
CLEAN_ROWS = 131_072


def clean(
    raw: RawTable,
    options: ImportOptions,
    name: str,
    declared: str,
    declared_crs: CRS | None,
    fixed: dict[str, str],
    release: bool = False,
    chunk_rows: int = CLEAN_ROWS,
) -> ImportResult:
    """The interpretation half of :func:`import_file`, on an already-read table.

    Stages, each a function of its own: columns → coordinates → districts named →
    coordinate system → where the points are → model fields → duplicates → model check
    → result. Problems and facts are collected in one :class:`_Problems` and one
    :class:`ImportReport` that every stage adds to. The table goes through the stages
    in chunks of ``chunk_rows`` (an :class:`_Import`, the code a streamed file's chunks
    go through): the stages before the coordinate system on every chunk, the decision
    on the whole table, then the rest chunk by chunk. With ``release``, ``raw.df`` is
    emptied and each chunk's text let go once done (a table pyarrow read is split
    along its own blocks, so that memory is returned as the import goes).
    """
    run = _Import(
        raw, options, name, declared, declared_crs, fixed, keep_preview=True, release=release
    )
    parts = list(table_chunks(raw, chunk_rows, split_blocks=release))
    if release:
        raw.df = raw.df.iloc[:0]
        raw.geometry = None
    chunks = [run.front(part) for part in parts]
    del parts
    workspace.trim_heap()
    run.decide(chunks)
    frames = []
    while chunks:
        frames.append(run.back(chunks.pop(0)))  # each chunk let go once done
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    del frames
    return ImportResult(frame, run.finish(), run.preview(), run.geometries())


@dataclass
class _Chunk:
    """One chunk of rows between the stages before and after the coordinate system is
    decided."""

    raw: RawTable
    df: pd.DataFrame
    rep: ImportReport
    probs: _Problems
    pts: Points
    named: np.ndarray
    names: pd.Series | None
    osm: pd.DataFrame | None
    #: rows parsed before this chunk (generated and renamed ids are numbered past them)
    offset: int


#: Where a stage's warning stands in the report: the order of the stages.
_WARNING_ORDER = {
    "imp_w_bad_lines": 0,
    "imp_w_repaired": 1,
    "imp_w_swapped": 2,
    "imp_w_undated": 4,
    "imp_w_implied": 5,
}
_DECISION_RANK = 3
#: Warnings and notes that count rows: the chunks' are added up.
_COUNTED = ("n", "first")
_SUMMED_FIELDS = (
    "rows_read",
    "duplicates",
    "swapped",
    "geometries_repaired",
    "geometries_dropped",
    "outside_beijing",
    "district_mismatches",
    "ids_renamed",
)


class _Import:
    """One import from chunk to chunk: the column mapping, the problems listed, the
    coordinate system once decided, the rows seen (duplicates across chunks) and each
    chunk's counts and warnings. A table read whole is one chunk; a streamed file's
    chunks go through the same stages, so both give the same rows and the same report.
    """

    def __init__(
        self,
        head: RawTable,
        options: ImportOptions,
        name: str,
        declared: str,
        declared_crs: CRS | None,
        fixed: dict[str, str],
        *,
        keep_preview: bool,
        release: bool = False,
    ):
        self.head, self.options, self.name = head, options, name
        self.release = release
        self.declared, self.declared_crs, self.fixed = declared, declared_crs, fixed
        columns = list(clean_columns(head.df, name).columns)
        self.mapping = colmod.recognise(columns, options.mapping)
        self.prefer_cols = "lon" in options.mapping or "location" in options.mapping
        self.report = ImportReport(
            file=name,
            layer=options.layer,
            format=head.fmt,
            encoding=head.encoding,
            delimiter=head.delimiter,
            columns=dict(self.mapping),
            source_columns=columns,
            notes=list(head.notes),
        )
        if head.osm:
            self.report.notes.append(Msg("imp_n_osm"))
        self.listing = _Listing()
        self.seen = _Seen()
        self.parts: list[ImportReport] = []
        self.system: str | None = None
        self.warning: str | None = None
        self.parsed = 0
        self.kept = 0
        self.keep_preview = keep_preview
        self._previews: list[tuple] = []
        self._geoms: list[np.ndarray] = []

    def front(self, raw: RawTable) -> _Chunk:
        """The stages before the coordinate system is known: rows, coordinates as read,
        the districts the rows name."""
        df = header_columns(raw.df, self.name)
        rep, probs = start_report(raw, df, self.options, self.name, self.listing)
        rep.notes = []  # the file's own notes are the import's, not the chunk's
        osm = osm_fields(df) if self.head.osm else None
        m = self.mapping
        pts = coordinates(
            raw, df, m, probs, rep, self.declared_crs, self.name, self.prefer_cols, False
        )
        named = named_districts(df, m, osm, self.fixed, probs)
        chunk = _Chunk(raw, df, rep, probs, pts, named, _name_series(df, m, osm), osm, self.parsed)
        self.parsed += len(df)
        return chunk

    def decide(self, chunks: list[_Chunk]) -> None:
        """Decide the coordinate system on the rows of ``chunks`` (the whole file, or
        the first chunks of a streamed one) and record it in the report."""
        pts, named, names = _joined(chunks)
        refuse_projected(pts, self.name)
        rep = self.report
        system, decision = _decide_system(
            self.head, self.declared, pts, named, names, self.mapping, self.name
        )
        rep.crs = system
        rep.crs_confidence = decision.confidence
        rep.crs_evidence = [e.to_dict() for e in decision.evidence]
        rep.crs_scores = decision.scores
        self.warning = decision.warning
        self.system = system
        for c in chunks:
            c.names = None  # evidence only

    def back(self, c: _Chunk) -> pd.DataFrame:
        """The stages after the decision, on one chunk: WGS-84, districts, model fields,
        duplicates, model check. Returns the chunk's kept rows."""
        assert self.system is not None, "decide() first"
        layer, m = self.options.layer, self.mapping
        pts = to_system(c.pts, self.system)
        c.pts = pts
        located = locate(pts, c.named, m, c.probs, c.rep)
        filled = Filled()
        out = _model_fields(
            c.df,
            m,
            c.osm,
            self.fixed,
            layer,
            c.probs,
            self.name,
            self.options.mapping,
            filled,
            first=c.offset,
        )
        c.df = c.df.iloc[:0]  # the text as read is no longer needed
        if self.release:  # nor the chunk's table (import_file's, or a streamed chunk)
            c.raw.df = c.raw.df.iloc[:0]
        out["adcode"] = pd.array(located, dtype="string")
        with np.errstate(over="ignore"):  # 1e308 (a dropped row) rounds to inf, not a warning
            out["lon"] = np.round(pts.lon, 7)
            out["lat"] = np.round(pts.lat, 7)
        drop_duplicates(out, pts, m, c.probs, c.rep, self.seen, first=c.offset)
        names = out["name_zh"].fillna(out["name_en"]).fillna("") if self.keep_preview else None
        categories = out[["category"]]
        frame = model_check(out, layer, self.name, c.probs, consume=True)
        del out
        report_filled(filled, categories, ~c.probs.drop, c.rep)
        if names is not None:
            self._previews.append(_preview(names, pts, c.probs))
            if pts.geoms is not None:
                self._geoms.append(pts.geoms[np.flatnonzero(~c.probs.drop)])
        self.parts.append(c.rep)
        self.kept += len(frame)
        workspace.trim_heap()
        return frame

    def finish(self) -> ImportReport:
        """The report of the whole import: the chunks' counts added up, their warnings
        merged in the order of the stages, every problem listed."""
        rep = self.report
        for f in _SUMMED_FIELDS:
            setattr(rep, f, sum(getattr(part, f) for part in self.parts))
        rep.rows_kept = self.kept
        rep.rows_dropped = rep.rows_read - rep.rows_kept
        ranked = [
            (_WARNING_ORDER.get(getattr(w, "code", ""), _DECISION_RANK), w)
            for part in self.parts
            for w in part.warnings
        ]
        if self.warning:
            ranked.append((_DECISION_RANK, self.warning))
        ranked.sort(key=lambda rw: rw[0])  # stable: the chunks' order within a rank
        rep.warnings = _merged([w for _, w in ranked])
        rep.notes.extend(_merged([n for part in self.parts for n in part.notes]))
        rep.problems = self.listing.problems()
        return rep

    def preview(self) -> pd.DataFrame:
        """One row per row read (see :class:`ImportResult`)."""
        parts = self._previews
        if not parts:
            return _preview_frame([], [], [], [], [], [], [])
        return _preview_frame(*[[p[i] for p in parts] for i in range(7)])

    def geometries(self) -> np.ndarray | None:
        """The file's own geometries of the kept rows, in WGS-84 (None: coordinates)."""
        return np.concatenate(self._geoms) if self._geoms else None


def _joined(chunks: list[_Chunk]) -> tuple[Points, np.ndarray, pd.Series | None]:
    """The points, named districts and names of ``chunks`` as one."""
    if len(chunks) == 1:
        c = chunks[0]
        return c.pts, c.named, c.names
    first = chunks[0].pts
    geoms = None
    if first.geoms is not None:
        geoms = np.concatenate([np.asarray(c.pts.geoms, dtype=object) for c in chunks])
    pts = Points(
        np.concatenate([c.pts.lon for c in chunks]),
        np.concatenate([c.pts.lat for c in chunks]),
        first.column,
        first.projected,
        np.concatenate([c.pts.usable for c in chunks]),
        geoms,
    )
    named = np.concatenate([c.named for c in chunks])
    names = None
    if chunks[0].names is not None:
        names = pd.concat([c.names for c in chunks if c.names is not None], ignore_index=True)
    return pts, named, names


def _merged(messages: list[str]) -> list[str]:
    """``messages`` with those that count rows (the same template and values but ``n``)
    made one, their counts added up (``first``: the first chunk's)."""
    out: list[str] = []
    at: dict[tuple, int] = {}
    for m in messages:
        if not isinstance(m, Msg) or "n" not in m.params:
            if m not in out:
                out.append(m)
            continue
        key = (m.code, tuple(sorted((k, str(v)) for k, v in m.params.items() if k not in _COUNTED)))
        if key not in at:
            at[key] = len(out)
            out.append(m)
            continue
        prev = out[at[key]]
        assert isinstance(prev, Msg)
        params = dict(prev.params)
        params["n"] = int(prev.params["n"]) + int(m.params["n"])  # pyright: ignore[reportArgumentType]
        out[at[key]] = Msg(prev.code, **params)
    return out


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
    df = clean_columns(df.reset_index(drop=True), name)
    if len(df) == 0:
        raise LoaderError(f"{name} has a header but no data rows")
    return df


def clean_columns(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """``df`` (a shallow copy) with clean header names, after checking they are distinct."""
    df = df.copy(deep=False)
    df.columns = pd.Index([str(c).replace("\ufeff", "").strip() for c in df.columns])
    if df.columns.duplicated().any():
        dups = sorted(set(df.columns[df.columns.duplicated()]))
        raise LoaderError(f"{name} has duplicated column names {dups}; rename them")
    return df


def start_report(
    raw: RawTable,
    df: pd.DataFrame,
    options: ImportOptions,
    name: str,
    listing: _Listing | None = None,
) -> tuple[ImportReport, _Problems]:
    """The report and the problem list of an import (or of one chunk of it, numbered by
    ``raw.rows``), with the rows the parser skipped; ``listing`` is the import's when
    the chunks share one."""
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
    rowmap = raw.rows
    if rowmap is None and raw.bad_lines:
        skipped = np.asarray(raw.bad_lines)
        rowmap = np.setdiff1d(np.arange(1, n + len(skipped) + 1), skipped)[:n]
    probs = _Problems(name, n, rowmap, listing)
    kind = probs.kind(("imp_bad_line",))
    if raw.bad_lines:
        rep.warnings.append(Msg("imp_w_bad_lines", n=len(raw.bad_lines), first=raw.bad_lines[0]))
        room = max(kind.cap - len(kind.listed), 0)
        for r in raw.bad_lines[:room]:
            kind.listed.append(Problem(name, int(r), None, Msg("imp_bad_line")))
        kind.total += len(raw.bad_lines)
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
    check_projected: bool = True,
) -> Points:
    """Every row's coordinates as read, swapped latitude/longitude corrected, and which
    are usable; rows without a usable coordinate are dropped. Without
    ``check_projected`` the caller checks for metres (:func:`refuse_projected`) on the
    rows the coordinate system is decided on.

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
    probs.add(swap, coord_col, "imp_swapped", severity="warning")
    if swap.any():
        lon, lat = np.where(swap, lat, lon), np.where(swap, lon, lat)
        rep.swapped = int(swap.sum())
        rep.warnings.append(Msg("imp_w_swapped", n=rep.swapped))
    finite = np.isfinite(lon) & np.isfinite(lat)
    bad_range = finite & ((np.abs(lon) > 180) | (np.abs(lat) > 90))
    pts = Points(lon, lat, coord_col, proj_crs, finite & ~bad_range, geoms)
    if check_projected:
        refuse_projected(pts, name)
    probs.add(bad_range, coord_col, "imp_out_of_range")
    probs.add(~finite & ~probs.drop, coord_col, "imp_no_coord")
    return pts


def refuse_projected(pts: Points, name: str) -> None:
    """Refuse coordinates that are mostly metres (a projected system) when none is
    declared.

    Raises
    ------
    LoaderError
        Naming an example and the ``--crs EPSG:N`` to give.
    """
    lon, lat = pts.lon, pts.lat
    finite = np.isfinite(lon) & np.isfinite(lat)
    bad_range = finite & ((np.abs(lon) > 180) | (np.abs(lat) > 90))
    if pts.projected is None and finite.sum() and (bad_range.sum() > 0.5 * finite.sum()):
        big = finite & (np.abs(lon) > 1000) & (np.abs(lat) > 1000)
        if big.sum() > 0.5 * finite.sum():
            raise LoaderError(
                f"{name}: the coordinates look projected (metres, e.g. {lon[big][0]:.0f}, "
                f"{lat[big][0]:.0f}), not degrees; declare the system with --crs EPSG:N "
                "(e.g. EPSG:32650 for UTM 50N, EPSG:4547 for CGCS2000 3° zone 117°E)"
            )


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
        named = _mapped(dist_src, colmod.district_table(dist_src))
        unknown = (named == "") & dist_src.astype("string").fillna("").str.strip().ne("").to_numpy()
        probs.add(
            unknown,
            mapping.get("district"),
            "imp_unknown_district",
            dist_src,
            severity="warning",
        )
    return named


def _mapped(values: pd.Series, table: dict[str, str]) -> np.ndarray:
    """:func:`loaders.columns.map_values` as an object array whose cells share the few
    distinct codes (not a Python string per row: 60 MB for a million rows)."""
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    mapped = np.array([table.get(str(u), "") for u in uniques] + [""], dtype=object)
    return mapped[codes]


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
    return to_system(pts, system)


def to_system(pts: Points, system: str) -> Points:
    """``pts`` (read in ``system``) in WGS-84: GCJ-02 and BD-09 converted, every other
    system already in degrees of WGS-84 or converted when read."""
    if system not in ("gcj02", "bd09"):
        return pts
    lon, lat = np.empty_like(pts.lon), np.empty_like(pts.lat)
    for a in range(0, len(lon), _CONVERT_ROWS):  # in slices: the inversion's temporaries
        b = a + _CONVERT_ROWS  # are a few dozen arrays of the slice's size
        wl, wt = to_wgs84(pts.lon[a:b], pts.lat[a:b], system)
        lon[a:b], lat[a:b] = wl, wt
    geoms = None if pts.geoms is None else rectify_geometries(pts.geoms, system)
    return replace(pts, lon=lon, lat=lat, geoms=geoms)


#: Points converted from GCJ-02 or BD-09 at a time.
_CONVERT_ROWS = 131_072


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
    located[usable] = locate_points(lon[usable], lat[usable])
    x0, y0, x1, y1 = BEIJING_BBOX
    in_box = usable & (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
    outside = usable & (located == "")
    rep.outside_beijing = int(outside.sum())
    probs.add(outside & ~in_box, coord_col, "imp_outside_beijing")
    probs.add(outside & in_box, coord_col, "imp_outside_districts")
    mismatch = usable & (named != "") & (located != "") & (named != located)
    rep.district_mismatches = int(mismatch.sum())
    probs.add(
        mismatch,
        mapping.get("district"),
        "imp_district_mismatch",
        lambda rows: [f"{named[r]} vs {located[r]}" for r in rows],  # only the rows listed
        severity="warning",
    )
    return located


def locate_points(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """:func:`loaders.crsdetect.locate` (the adcode of each WGS-84 point's district, ""
    outside; the first district in file order wins on a shared edge) with the districts
    found as small integers: a million points in a quarter of the time."""
    d = crsdetect.districts()
    codes = np.full(len(lon), -1, dtype=np.int16)
    ok = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    x, y = lon[ok], lat[ok]
    for i, geom in enumerate(d.geometry.values):
        x0, y0, x1, y1 = geom.bounds
        idx = np.flatnonzero((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
        idx = idx[codes[ok[idx]] < 0]
        if len(idx):
            inside = shapely.contains_xy(geom, x[idx], y[idx])
            codes[ok[idx[inside]]] = i
    names = np.array([*d["adcode"].astype(str), ""], dtype=object)
    return names[codes]


def _cell(v: np.ndarray) -> np.ndarray:
    """Position to 1e-5 degrees as integers; 0 where it is not a coordinate (the row is
    dropped already, and NaN or an infinite value has no integer)."""
    ok = np.isfinite(v) & (np.abs(v) <= 360)
    return np.round(np.where(ok, v, 0.0) * 1e5).astype("int64")


def _row_hash(*parts: np.ndarray) -> np.ndarray:
    """One 64-bit hash of several uint64/int64 columns, in order."""
    with np.errstate(over="ignore"):
        h = np.full(len(parts[0]), NULL_HASH, dtype=np.uint64)
        for p in parts:
            h = mix_hash(h ^ np.asarray(p).view(np.uint64))
    return h


class _Seen:
    """The rows of earlier chunks: the hashes of their duplicate keys (all rows) and of
    their ids (rows kept)."""

    def __init__(self) -> None:
        self.keys = HashSet()
        self.ids = HashSet()


def drop_duplicates(
    out: pd.DataFrame,
    pts: Points,
    mapping: dict[str, str],
    probs: _Problems,
    rep: ImportReport,
    seen: _Seen | None = None,
    first: int = 0,
) -> None:
    """Drop rows repeating an earlier one (same names, category and position to ~1 m)
    and rename repeated ids (``ID-dupN``) in ``out``, in place.

    Rows are compared by 64-bit hashes of their key and id (:func:`hash_text`), so the
    chunks of a streamed file compare with every earlier chunk (``seen``, 16 bytes a
    row) as a whole file does; ``first`` is the number of rows before this chunk (``N``
    of ``ID-dupN`` counts from the file's first row).
    """
    seen = _Seen() if seen is None else seen
    alive = ~probs.drop
    key = _row_hash(
        hash_text(out["name_zh"]),
        hash_text(out["name_en"]),
        hash_text(out["category"]),
        _cell(np.asarray(pts.lon, dtype=float)),
        _cell(np.asarray(pts.lat, dtype=float)),
    )
    repeat = pd.Series(key).duplicated(keep="first").to_numpy() | seen.keys.contains(key)
    seen.keys.add(key)
    dup = alive & repeat
    rep.duplicates = int(dup.sum())
    probs.add(dup, None, "imp_duplicate")
    ids = out["id"].astype("string")
    ident = hash_text(ids)
    cand = ~probs.drop & ids.notna().to_numpy()
    at = np.flatnonzero(cand)
    dup_id = np.zeros(len(out), dtype=bool)
    dup_id[at] = pd.Series(ident[at]).duplicated(keep="first").to_numpy()
    dup_id[at] |= seen.ids.contains(ident[at])
    seen.ids.add(ident[at])
    probs.add(dup_id, mapping.get("id", "id"), "imp_duplicate_id", ids, severity="warning")
    if dup_id.any():
        k = pd.Series(np.flatnonzero(dup_id) + first, index=ids.index[dup_id])
        out.loc[dup_id, "id"] = ids[dup_id] + "-dup" + k.astype("string")
        rep.ids_renamed += int(dup_id.sum())


def model_check(
    out: pd.DataFrame, layer: str, name: str, probs: _Problems, consume: bool = False
) -> pd.DataFrame:
    """The rows still kept that pass the data model's check (failing rows are dropped,
    with the model's problems numbered as rows of the file, the first
    :data:`MAX_LISTED` listed in row order). With ``consume`` the columns of ``out`` are
    moved into the result one at a time (``out`` is left empty), so the rows are not
    held twice."""
    n = len(out)
    kept_idx = np.flatnonzero(~probs.drop)
    kind = probs.kind(("imp_model_check",))
    frame = _take(out, kept_idx, consume)
    check = [p for p in validate_points(frame, layer, name) if p.severity == "error"]
    if check:
        bad = np.zeros(n, dtype=bool)
        for p in check:
            if p.row is not None:
                bad[kept_idx[p.row - 1]] = True
        check.sort(key=lambda p: -1 if p.row is None else p.row)  # stable: the model's order
        for p in check[: max(kind.cap - len(kind.listed), 0)]:
            if p.row is not None:
                p.row = int(probs.rowmap[kept_idx[p.row - 1]])
            p.message = Msg("imp_model_check", detail=p.message)  # the model's words, framed
            kind.listed.append(p)
        kind.total += len(check)
        probs.set_reason(bad & ~probs.drop, Msg("imp_model_reason"))
        probs.drop |= bad
        frame = frame.iloc[np.flatnonzero(~bad[kept_idx])].reset_index(drop=True)
    return frame


def _take(out: pd.DataFrame, idx: np.ndarray, consume: bool) -> pd.DataFrame:
    """The rows ``idx`` of ``out`` (itself when that is every row), renumbered from 0;
    with ``consume``, column by column, each removed from ``out`` once taken."""
    if len(idx) == len(out):
        frame = out.reset_index(drop=True)
        if consume:
            frame = frame.copy(deep=False)
            for c in list(out.columns):
                del out[c]
        return frame
    if not consume:
        return out.iloc[idx].reset_index(drop=True)
    cols: dict[str, object] = {}
    for c in list(out.columns):
        cols[c] = out[c].iloc[idx].reset_index(drop=True)
        del out[c]
    return pd.DataFrame(cols)


def _preview(names: pd.Series, pts: Points, probs: _Problems) -> tuple:
    """One chunk's preview columns: each row's number, where it is, its name, kept or
    why not (made one frame by :func:`_preview_frame`)."""
    return (
        probs.rowmap,
        pts.lon,
        pts.lat,
        names.reset_index(drop=True),
        ~probs.drop,
        probs.reason,
        probs.reason_zh,
    )


def _preview_frame(rows, lon, lat, names, kept, reason, reason_zh) -> pd.DataFrame:
    """The preview of the chunks whose columns are given (lists of one per chunk)."""

    def cat(parts: list) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0)

    return pd.DataFrame(
        {
            "row": cat(rows).astype(np.int64),
            "lon": cat(lon),
            "lat": cat(lat),
            "name": (
                pd.concat(names, ignore_index=True) if names else pd.Series([], dtype="string")
            ),
            "kept": cat(kept).astype(bool),
            "reason": pd.Categorical(cat(reason).astype(object)),
            "reason_zh": pd.Categorical(cat(reason_zh).astype(object)),
        }
    )


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
        lon, lat = _to_number(lon_raw), _to_number(lat_raw)
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


#: A plain decimal number (after trimming): what nearly every coordinate cell holds.
_PLAIN_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"


def _to_number(s: pd.Series) -> pd.Series:
    """:func:`loaders.columns.to_number` (text → float, NaN when not a number), with the
    plain decimal numbers parsed by pyarrow (a hundred times faster than pandas on
    text) and only the other cells by the columns' rules."""
    if pd.api.types.is_numeric_dtype(s):
        return colmod.to_number(s)
    t = pc.utf8_trim_whitespace(pa.array(s.astype("string"), type=pa.large_string()))
    plain = pc.fill_null(pc.match_substring_regex(t, _PLAIN_NUMBER), False)
    plain = np.asarray(plain.to_numpy(zero_copy_only=False), dtype=bool)
    out = np.full(len(s), np.nan)
    at = np.flatnonzero(plain)
    if len(at):
        out[at] = pc.cast(pc.filter(t, pa.array(plain)), pa.float64()).to_numpy()
    rest = np.flatnonzero(~plain & s.notna().to_numpy())
    if len(rest):
        out[rest] = colmod.to_number(s.iloc[rest]).to_numpy(dtype="float64", na_value=np.nan)
    return pd.Series(out, index=s.index)


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
    evidence.extend(file_evidence(raw, [name, *raw.hints, *[str(c) for c in raw.df.columns]]))
    dec = decide_crs(evidence, scores, declared)
    return (dec.system if declared == "auto" else declared), dec


def file_evidence(raw: RawTable, texts: list[str]) -> list[crsdetect.Evidence]:
    """What a file itself says of its coordinate system: its format (GeoJSON and KML are
    WGS-84 by specification) or the geographic system its metadata declares, then the
    names in ``texts`` (the file's name, the reader's hints, the columns). The layer
    importer and the boundary reader (:mod:`loaders.boundaries`) weigh it alike."""
    evidence: list[crsdetect.Evidence] = []
    if raw.fmt in ("GeoJSON", "KML"):
        evidence.append(crsdetect.Evidence("format", "wgs84", 1, Msg("imp_e_format", fmt=raw.fmt)))
    elif raw.crs is not None:
        try:
            epsg = CRS.from_user_input(raw.crs).to_epsg()
        except CRSError:
            epsg = None
        if epsg in (4326, 4490):
            strength = 2 if epsg == 4490 else 1
            evidence.append(
                crsdetect.Evidence("declared", "wgs84", strength, Msg("imp_e_epsg", epsg=epsg))
            )
    evidence.extend(crsdetect.name_evidence(texts))
    return evidence


def decide_crs(
    evidence: list[crsdetect.Evidence], scores: dict[str, float], declared: str
) -> crsdetect.CrsDecision:
    """The coordinate-system decision on ``evidence`` (with its ``scores``), or the
    ``declared`` system (not ``auto``; CGCS2000 is WGS-84 here) taken as declared, with
    a warning when strong evidence (strength 3) names another system."""
    if declared == "auto":
        dec = crsdetect.decide(evidence)
        dec.scores = scores
        return dec
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
        dec.warning = Msg(
            "imp_w_declared_conflict",
            declared=declared,
            system=crsdetect.LABELS[top.system],
            text=top.text,
        )
    return dec


def _filled(a: pd.Series, b: pd.Series) -> pd.Series:
    """``a.fillna(b)``, but ``a`` or ``b`` itself when one of them is the answer: the
    column then shares the other's buffers (a file with one name column gives both)."""
    if not a.isna().any():
        return a
    if a.isna().all():
        return b
    return a.fillna(b)


def _markup(s: pd.Series) -> np.ndarray:
    """Which texts contain markup (:data:`_HTML`). Python's regular expressions, but
    only on the texts with a ``<``, a ``&`` or ``javascript:`` in them (found by
    pyarrow), since RE2 reads ``\\s`` differently."""
    t = pa.array(s.astype("string"), type=pa.large_string())
    cand = pc.or_(
        pc.or_(pc.match_substring(t, "<"), pc.match_substring(t, "&")),
        pc.match_substring(t, "javascript:", ignore_case=True),
    )
    at = np.flatnonzero(cand.to_numpy(zero_copy_only=False) & ~s.isna().to_numpy())
    found = np.zeros(len(s), dtype=bool)
    if len(at):
        found[at] = s.iloc[at].str.contains(_HTML, na=False).to_numpy()
    return found


def _text(df: pd.DataFrame, col: str | None, n: int) -> pd.Series:
    if col is None or col not in df.columns:
        return pd.Series(pd.NA, index=range(n), dtype="string")
    s = df[col]
    if not (pd.api.types.is_string_dtype(s) or s.dtype == object):
        s = s.astype("string")
    s = s.astype("string").str.strip()
    return s.where(s != "", pd.NA)


def _model_fields(
    df, mapping, osm, fixed, layer, probs, name, explicit, filled: Filled | None = None, first=0
) -> pd.DataFrame:
    """Model columns of ``layer`` from mapped columns, OSM tags and ``--set`` values;
    empty cells read as the model allows (an open date, implied capabilities) are
    recorded in ``filled``. ``first``: rows before these (ids made up for rows without
    one are numbered in the file)."""
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
    at = np.flatnonzero(ids.isna().to_numpy())
    if len(at):  # made up only where missing (a million made-up ids take a second)
        number = pd.Series(at + first + 1, index=at).astype("string").str.zfill(7)
        ids = ids.fillna(f"{ID_PREFIX[layer]}-IMP-" + number)
    out["id"] = ids
    generic = pick("name")
    zh, en = pick("name_zh"), pick("name_en")
    has_cjk = generic.str.contains(_CJK, na=False)
    zh = zh.fillna(generic.where(has_cjk, pd.NA))
    en = en.fillna(generic.where(~has_cjk, pd.NA))
    out["name_zh"], out["name_en"] = _filled(zh, en), _filled(en, zh)
    for col in ("name_zh", "name_en"):
        v = out[col]
        ctrl = v.str.contains(_CONTROL, na=False)
        if ctrl.any():
            out[col] = v.str.replace(_CONTROL, "", regex=True)
        probs.add(ctrl.to_numpy(), col, "imp_control", severity="warning")
        probs.add(_markup(out[col]), col, "imp_markup", out[col], severity="warning")
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
