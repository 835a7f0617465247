"""Reading any supported file into one shape: a table of attributes plus, for spatial
formats, a geometry column and the CRS the file declares.

Everything here is about getting bytes safely into memory: the format is told by
content first and extension second, text encodings and delimiters are detected,
archives are checked for path traversal and decompression bombs before anything is
extracted, and every file is held to a size limit. Interpretation (which column is
what, which coordinate system) happens later in :mod:`loaders.columns` and
:mod:`loaders.crsdetect`.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import defusedxml
import defusedxml.ElementTree as defused_et
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from dashboard.core.messages import Msg
from loaders.errors import LoaderError
from loaders.osm import looks_like_osm, overpass_table
from loaders.table import RawTable, TableStream

if TYPE_CHECKING:  # imported where used: pyarrow's CSV module is not needed to start
    import pyarrow.csv as pacsv

#: Environment variable overriding :data:`DEFAULT_MAX_BYTES`.
ENV_MAX_BYTES = "EXCHANGE_ATLAS_MAX_IMPORT_BYTES"
#: Largest file (and largest total uncompressed archive content) accepted: 512 MiB.
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
#: An archive member that expands more than this many times is treated as a zip bomb.
MAX_COMPRESSION_RATIO = 200
MAX_ARCHIVE_MEMBERS = 2000

TEXT_FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".tab": "csv"}
EXTENSIONS = {
    **TEXT_FORMATS,
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xls",
    ".geojson": "json",
    ".json": "json",
    ".zip": "zip",
    ".shp": "shp",
    ".gpkg": "gpkg",
    ".parquet": "parquet",
    ".geoparquet": "parquet",
    ".kml": "kml",
    ".kmz": "kmz",
}


def max_bytes() -> int:
    """The configured size limit in bytes (``EXCHANGE_ATLAS_MAX_IMPORT_BYTES`` or 512 MiB)."""
    raw = os.environ.get(ENV_MAX_BYTES, "")
    try:
        return int(raw) if raw.strip() else DEFAULT_MAX_BYTES
    except ValueError:
        return DEFAULT_MAX_BYTES


# --------------------------------------------------------------------------- sniffing


def sniff_format(path: Path, head: bytes) -> str:
    """Format code of ``path`` from its first bytes, then its extension."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        ext = EXTENSIONS.get(path.suffix.lower())
        return ext if ext in ("xlsx", "kmz") else "zip"
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    ext = EXTENSIONS.get(path.suffix.lower())
    if ext in ("xlsx", "xls", "zip", "gpkg", "parquet", "kmz"):
        raise LoaderError(
            f"{path.name} is named like a {path.suffix} file but its content is not one "
            "(it may be truncated or renamed)"
        )
    if ext == "shp":
        return "shp"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if ext in ("json", "kml"):
        return ext
    if stripped.startswith((b"<?xml", b"<kml")) and b"kml" in head.lower():
        return "kml"
    if stripped[:1] in (b"{", b"["):
        return "json"
    return "csv"


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in sample


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _gb2312_share(text: str) -> float:
    """Share of CJK characters in ``text`` that exist in GB2312 (simplified, common)."""
    chars = _CJK.findall(text)
    if not chars:
        return 1.0
    ok = 0
    for ch in set(chars):
        try:
            ch.encode("gb2312")
            ok += chars.count(ch)
        except UnicodeEncodeError:
            pass
    return ok / len(chars)


def detect_encoding(data: bytes, name: str | None = None) -> str:
    """Text encoding of ``data``: UTF-8 (with or without BOM), UTF-16, GB18030 or Big5.

    The whole of ``data`` is checked, not a sample: it is UTF-8 only if every byte
    decodes as UTF-8, and a file in which some lines are UTF-8 Chinese and others are
    not is refused (decoding it as one encoding would garble one of the two parts).
    GB18030 (a superset of GBK) and Big5 both decode most byte strings, so the choice
    between them rests on the decoded text: GBK text is almost wholly GB2312 characters,
    Big5 text read as GBK is not. That text is taken from the first line that is not
    ASCII, however far into the file it is.

    Raises
    ------
    LoaderError
        When lines in different encodings are mixed, or no candidate decodes the data;
        the message starts with ``name`` when given.
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    bad = first_invalid_utf8(data)
    if bad is None:
        return "utf-8"
    _check_mixed(data, bad, name)
    first = _NON_ASCII.search(data)  # there is one: the data is not UTF-8
    start = data.rfind(b"\n", 0, first.start() if first else 0) + 1
    sample = data[start : start + _SAMPLE]
    return _gbk_or_big5(sample, start + len(sample) < len(data), name)


def first_invalid_utf8(data: bytes | memoryview) -> int | None:
    """Offset of the first byte of ``data`` that is not UTF-8, None when all of it is.

    Checked by pyarrow without building a Python string (a 500 MB file would take
    1–2 GB as one); the offset, when there is one, comes from Python's decoder.
    """
    import pyarrow as pa

    n = len(data)
    if n == 0:
        return None
    buf = pa.py_buffer(data)
    if n < 2**31:
        offsets = pa.py_buffer(np.array([0, n], dtype=np.int32))
        arr = pa.Array.from_buffers(pa.binary(), 1, [None, offsets, buf])
        target = pa.string()
    else:
        offsets = pa.py_buffer(np.array([0, n], dtype=np.int64))
        arr = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, buf])
        target = pa.large_string()
    try:
        arr.cast(target)
        return None
    except pa.ArrowInvalid:
        pass
    try:
        bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return None  # pragma: no cover (pyarrow and Python agree on UTF-8)


def _gbk_or_big5(sample: bytes, cut: bool, name: str | None) -> str:
    """GB18030 or Big5 for text that is not UTF-8, judged on ``sample`` (from the first
    line that is not ASCII); ``cut`` when the sample ends before the file does."""
    decoded: dict[str, str] = {}
    for enc in ("gb18030", "big5"):
        try:
            decoded[enc] = sample.decode(enc)
        except UnicodeDecodeError as exc:
            if cut and exc.start >= len(sample) - 4:  # a character cut by the sample's end
                decoded[enc] = sample[: exc.start].decode(enc, errors="replace")
    if "gb18030" in decoded and ("big5" not in decoded or _gb2312_share(decoded["gb18030"]) >= 0.9):
        return "gb18030"
    if "big5" in decoded:
        return "big5"
    raise LoaderError(
        f"{name + ': ' if name else ''}the text is in no encoding the importer knows "
        "(UTF-8, GB18030/GBK or Big5); re-save it as UTF-8"
    )


#: Bytes of the GBK-or-Big5 sample, taken from the first line that is not ASCII.
_SAMPLE = 2 * 1024 * 1024
#: The part after the first non-UTF-8 byte is searched in chunks of about this size.
_CHUNK = 4 * 1024 * 1024
_NON_ASCII = re.compile(rb"[\x80-\xff]")
#: In valid UTF-8: the first byte of a character of three or four bytes (CJK and most
#: scripts beyond Latin), and a run of four CJK characters (U+4000-U+9FFF).
_WIDE_LEAD = re.compile(rb"[\xe0-\xf4]")
_CJK_RUN_BYTES = re.compile(rb"(?:[\xe4-\xe9][\x80-\xbf][\x80-\xbf]){4,}")
#: In text decoded with replacement characters (U+FFFD) where the bytes were not UTF-8:
#: a whole line of UTF-8 with a CJK character; in text of long lines (minified JSON),
#: also four CJK characters in a row.
_UTF8_CJK_LINE = re.compile("(?m)^[^\n\ufffd\u4e00-\u9fff]*[\u4e00-\u9fff][^\n\ufffd]*$")
_CJK_RUN = re.compile("[\u4e00-\u9fff]{4,}")
#: Lines longer than this on average are searched for runs too.
_LONG_LINES = 4096


def _han_known(ch: str) -> bool:
    for enc in ("gb2312", "big5"):
        try:
            ch.encode(enc)
            return True
        except UnicodeEncodeError:
            pass
    return False


def _reads_as_chinese(text: str) -> bool:
    """True when ``text`` has CJK characters, at least 80% of them common ones (in GB2312
    or Big5). The bytes of GBK or Big5 text are sometimes valid UTF-8 by chance ("稷场"
    in GBK is the UTF-8 of "𢳡"), but then they decode to rare characters, not Chinese."""
    chars = _CJK.findall(text)
    return bool(chars) and sum(_han_known(c) for c in chars) >= 0.8 * len(chars)


def _utf8_line_before(data: bytes, line_start: int, bad: int) -> int | None:
    """Number of the first line of UTF-8 text before byte ``bad`` (all of it is UTF-8).

    The whole lines before ``bad``'s line are UTF-8 text when the first one with wide
    characters reads as Chinese, or when a second line has wide characters too (two
    lines of GBK that are valid UTF-8 by chance, at the top of a file, do not happen);
    the start of ``bad``'s own line when it has four Chinese characters in a row.
    Searched as bytes, nothing decoded but the lines found.
    """
    m = _WIDE_LEAD.search(data, 0, line_start)
    if m is not None:
        s = data.rfind(b"\n", 0, m.start()) + 1
        e = data.find(b"\n", m.start(), line_start)  # found: line_start follows a newline
        if _reads_as_chinese(data[s:e].decode("utf-8")) or _WIDE_LEAD.search(data, e, line_start):
            return data.count(b"\n", 0, s) + 1
    for m in _CJK_RUN_BYTES.finditer(data, line_start, bad):
        if _reads_as_chinese(m.group().decode("utf-8")):
            return data.count(b"\n", 0, line_start) + 1
    return None


def _first_chinese(pattern: re.Pattern, text: str) -> int | None:
    """Offset of the first match of ``pattern`` in ``text`` that reads as Chinese."""
    return next((m.start() for m in pattern.finditer(text) if _reads_as_chinese(m.group())), None)


def _utf8_line_after(data: bytes, start: int, first_line: int) -> int | None:
    """Number of the first line from byte ``start`` (the start of line ``first_line``)
    with UTF-8 Chinese (see :data:`_UTF8_CJK_LINE`). In chunks, each decoded with
    replacement characters and searched with a regular expression: memory stays bounded
    and no Python code runs per line, only per candidate (rare but in a mixed file)."""
    pos, line, n = start, first_line, len(data)
    view = memoryview(data)
    while pos < n:
        end = n if pos + _CHUNK >= n else (data.find(b"\n", pos + _CHUNK) + 1 or n)
        text = str(view[pos:end], "utf-8", "replace")
        lines = text.count("\n")
        found = [_first_chinese(_UTF8_CJK_LINE, text)]
        if len(text) > _LONG_LINES * (lines + 1):
            found.append(_first_chinese(_CJK_RUN, text))
        found = [f for f in found if f is not None]
        if found:
            return line + text.count("\n", 0, min(found))
        line += lines
        pos = end
    return None


def _check_mixed(data: bytes, bad: int, name: str | None) -> None:
    """Raise when some lines are UTF-8 Chinese and others are not (a mixed-encoding file).

    ``bad`` is the first byte that is not UTF-8, so everything before it is UTF-8
    (searched as bytes in one pass); the rest of the file is searched for UTF-8 Chinese
    in chunks, in C. Bytes that are valid UTF-8 only by chance (see
    :func:`_reads_as_chinese`) are not evidence.
    """
    line_start = data.rfind(b"\n", 0, bad) + 1
    bad_line = data.count(b"\n", 0, bad) + 1
    utf8_line = _utf8_line_before(data, line_start, bad)
    if utf8_line is None:
        utf8_line = _utf8_line_after(data, line_start, bad_line)
    if utf8_line is None:
        return
    who = f"{name} " if name else "the file "
    where = (
        f"line {utf8_line} has UTF-8 text and bytes that are not UTF-8"
        if utf8_line == bad_line
        else f"line {utf8_line} is UTF-8 but line {bad_line} is not"
    )
    raise LoaderError(
        f"{who}mixes text encodings: {where} (probably GBK); re-save the whole file in one "
        "encoding, preferably UTF-8 (if it is all GBK or Big5, give that encoding instead "
        "of detecting it)"
    )


def detect_delimiter(text: str) -> str:
    """The field delimiter among comma, tab, semicolon and pipe that splits the most
    lines of ``text`` into the same number of fields (comma when none does)."""
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if not lines:
        return ","
    best, best_score = ",", (0.0, 0)
    for delim in (",", "\t", ";", "|"):
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=delim)]
        except csv.Error:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        score = (counts.count(mode) / len(counts), mode)
        if score > best_score:
            best, best_score = delim, score
    return best


# --------------------------------------------------------------------------- archives


def check_archive(zf: zipfile.ZipFile, name: str, limit: int) -> list[zipfile.ZipInfo]:
    """Refuse an archive with unsafe member paths or that would expand beyond limits.

    Member paths must be relative and stay inside the archive (no ``..``, no absolute
    or drive paths, no symlinks); the total uncompressed size must stay under the size
    limit and no member may expand more than :data:`MAX_COMPRESSION_RATIO` times.
    """
    infos = zf.infolist()
    if len(infos) > MAX_ARCHIVE_MEMBERS:
        raise LoaderError(f"{name} holds {len(infos)} files; at most {MAX_ARCHIVE_MEMBERS}")
    total = 0
    for info in infos:
        p = info.filename.replace("\\", "/")
        parts = PurePosixPath(p).parts
        if p.startswith("/") or re.match(r"^[A-Za-z]:", p) or ".." in parts:
            raise LoaderError(
                f"{name} contains an unsafe path {info.filename!r} (outside the archive); "
                "refusing to extract it"
            )
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise LoaderError(f"{name} contains a symbolic link {info.filename!r}; refusing it")
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1_000_000 and ratio > MAX_COMPRESSION_RATIO:
            raise LoaderError(
                f"{name} looks like a zip bomb: {info.filename!r} expands {ratio:.0f} times "
                f"to {info.file_size:,} bytes; refusing it"
            )
    if total > limit:
        raise LoaderError(
            f"{name} would expand to {total:,} bytes, over the limit of {limit:,} bytes "
            f"(set {ENV_MAX_BYTES} to raise it)"
        )
    return infos


def _extract(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], dest: Path, limit: int) -> None:
    """Extract checked members, counting real bytes (headers may lie about sizes)."""
    written = 0
    for info in infos:
        if info.is_dir():
            continue
        target = dest / info.filename.replace("\\", "/")
        target.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src, open(target, "wb") as out:
            while chunk := src.read(1 << 20):
                written += len(chunk)
                if written > limit:
                    raise LoaderError(
                        f"the archive expands beyond the limit of {limit:,} bytes; refusing it"
                    )
                out.write(chunk)


# --------------------------------------------------------------------------- readers


def read_source(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    layer_name: str | None = None,
    limit: int | None = None,
) -> RawTable:
    """Read ``path`` (any supported format) into a :class:`RawTable`.

    Parameters
    ----------
    encoding, delimiter
        Override detection for text files.
    sheet
        Excel sheet to read (default: the first with data).
    layer_name
        GeoPackage/Shapefile-zip/KML layer to read (default: the first point layer).
    limit
        Size limit in bytes (default :func:`max_bytes`).

    Raises
    ------
    LoaderError
        For anything that makes the file unusable, with a message naming the cause.
    """
    path = Path(path)
    limit = max_bytes() if limit is None else limit
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise LoaderError(f"{path} does not exist") from None
    if path.is_dir():
        raise LoaderError(f"{path} is a directory, not a file")
    if size == 0:
        raise LoaderError(f"{path.name} is empty (0 bytes)")
    if size > limit:
        raise LoaderError(
            f"{path.name} is {size:,} bytes, over the import limit of {limit:,} bytes "
            f"(set {ENV_MAX_BYTES} to raise it, or split the file)"
        )
    with open(path, "rb") as fh:
        head = fh.read(4096)
    fmt = sniff_format(path, head)
    try:
        if fmt == "csv":
            return _read_text_table(path, encoding, delimiter)
        if fmt == "xlsx" or fmt == "xls":
            return _read_excel(path, fmt, sheet, limit)
        if fmt == "json":
            return _read_json(path, encoding)
        if fmt in ("zip", "kmz"):
            return _read_zip(path, layer_name, limit, encoding)
        if fmt == "kml":
            check_kml_doctype(path)
        if fmt in ("shp", "gpkg", "kml"):
            return _read_ogr(path, fmt, layer_name, encoding)
        if fmt == "parquet":
            return _read_parquet(path)
    except LoaderError:
        raise
    except (UnicodeDecodeError, LookupError) as exc:
        raise LoaderError(f"{path.name}: cannot decode the text ({exc})") from None
    except MemoryError:
        raise LoaderError(f"{path.name} is too large to read in the memory available") from None
    except Exception as exc:  # the many ways a third-party parser can fail on a bad file
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        msg = msg.replace(str(path), path.name)  # GDAL quotes the path (a temporary one, in a zip)
        raise LoaderError(
            f"{path.name} could not be read as {fmt.upper()}: {msg[:300]} "
            "(the file may be truncated or damaged)"
        ) from None
    raise LoaderError(f"{path.name}: unsupported format")  # pragma: no cover


def _read_text_table(path: Path, encoding: str | None, delimiter: str | None) -> RawTable:
    data = path.read_bytes()
    if _looks_binary(data):
        raise LoaderError(
            f"{path.name} is a binary file, not text: save it as CSV, Excel, GeoJSON, "
            "a zipped Shapefile, GeoPackage, GeoParquet or KML"
        )
    enc = encoding or detect_encoding(data, path.name)
    body: bytes | memoryview
    if enc in ("utf-8", "utf-8-sig"):
        bom = 3 if data.startswith(codecs.BOM_UTF8) else 0
        body = memoryview(data)[bom:]  # no copy of the file
        # detected as UTF-8 means checked already; a declared one is checked here
        bad = None if (encoding is None and enc == "utf-8") else first_invalid_utf8(body)
        if bad is not None:
            line = data[: bom + bad].count(b"\n") + 1
            raise LoaderError(f"{path.name} is not valid {enc}: undecodable bytes on line {line}")
    else:
        try:
            body = data.decode(enc).lstrip("\ufeff").encode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise LoaderError(
                f"{path.name} is not valid {enc}: undecodable bytes on line {line}"
            ) from None
    del data
    if _blank(body):
        raise LoaderError(f"{path.name} has no content (only blank space)")
    head = bytes(body[:65536]).decode("utf-8", errors="ignore")
    delim = delimiter or detect_delimiter(head)
    df, bad = _parse_csv(body, delim)
    if len(df.columns) == 0:
        raise LoaderError(f"{path.name} has no header row")
    return RawTable(df=df, fmt="CSV", encoding=enc, delimiter=delim, bad_lines=bad)


def _blank(body: bytes | memoryview) -> bool:
    """True when ``body`` is only blank space (checked without copying it whole)."""
    step = 1 << 20
    return all(not bytes(body[i : i + step]).strip() for i in range(0, len(body), step))


def _csv_options(
    delim: str, columns: list[str], on_bad: Callable[[Any], str]
) -> tuple[pacsv.ParseOptions, pacsv.ConvertOptions]:
    """The parse and convert options of every CSV read: all columns as text, empty
    cells missing, rows with a wrong number of fields handed to ``on_bad``."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    parse = pacsv.ParseOptions(delimiter=delim, newlines_in_values=True, invalid_row_handler=on_bad)
    convert = pacsv.ConvertOptions(
        column_types={c: pa.string() for c in columns},
        strings_can_be_null=True,
        null_values=[""],
        quoted_strings_can_be_null=True,
    )
    return parse, convert


def _to_frame(table) -> pd.DataFrame:
    """A pyarrow table of text columns as a DataFrame of pyarrow-backed strings (no copy)."""
    import pyarrow as pa

    return table.to_pandas(
        types_mapper=lambda t: pd.StringDtype("pyarrow") if t == pa.string() else None
    )


def _parse_csv(body: bytes | memoryview, delim: str) -> tuple[pd.DataFrame, list[int]]:
    """Parse UTF-8 CSV bytes with every column as text (pyarrow, multi-threaded).

    Rows with a wrong number of fields are skipped and their data-row numbers returned
    (1 = the first row under the header; blank lines are not rows), numbered as the
    streaming reader numbers them. Falls back to pandas' parser for what pyarrow
    refuses (e.g. duplicate headers).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    head = bytes(body[:65536]).decode("utf-8", errors="ignore")
    first = next(csv.reader(io.StringIO(head), delimiter=delim), [])
    if not first:
        return pd.DataFrame(), []
    bad: list[int] = []

    def skip(row) -> str:
        bad.append(row.number - 1 if row.number is not None else -1)
        return "skip"

    parse, convert = _csv_options(delim, first, skip)
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(body)),
            read_options=pacsv.ReadOptions(block_size=16 << 20),
            parse_options=parse,
            convert_options=convert,
        )
    except (pa.ArrowInvalid, pa.ArrowKeyError, ValueError):
        body = bytes(body)
        kw: dict[str, Any] = dict(sep=delim, dtype=str, keep_default_na=False, na_values=[""])
        try:
            return pd.read_csv(io.BytesIO(body), **kw), []
        except pd.errors.EmptyDataError:
            return pd.DataFrame(), []
        except pd.errors.ParserError:
            df = pd.read_csv(io.BytesIO(body), on_bad_lines="skip", **kw)
            text = io.StringIO(body.decode("utf-8", errors="replace"))
            rows = csv.reader(text, delimiter=delim)
            return df, [i for i, rec in enumerate(rows) if rec and len(rec) > len(first)]
    df = _to_frame(table)
    del table
    if bad:  # the multi-threaded reader does not number rows: read again in order (rare)
        bad = []
        reader = pacsv.open_csv(
            pa.BufferReader(pa.py_buffer(body)),
            read_options=pacsv.ReadOptions(block_size=16 << 20, use_threads=False),
            parse_options=parse,
            convert_options=pacsv.ConvertOptions(include_columns=first[:1]),
        )
        for _ in reader:
            pass
    return df.reset_index(drop=True), sorted(bad)


# --------------------------------------------------------------------------- streaming

#: A streamed file is read and checked in blocks of about this many bytes.
STREAM_BLOCK = 4 * 1024 * 1024
#: Rows per chunk of a streamed file unless told otherwise.
CHUNK_ROWS = 131_072


def _blocks(path: Path, size: int | None = None) -> Iterator[tuple[int, bytes]]:
    """The file as (offset, bytes) blocks of about ``size`` bytes, each ending after a
    newline (the last at the end of the file), so no character is cut in UTF-8, GBK or
    Big5 (none of their multibyte characters contains the newline byte)."""
    size = size or STREAM_BLOCK
    with open(path, "rb") as fh:
        pos, carry = 0, b""
        while True:
            data = fh.read(size)
            if not data:
                if carry:
                    yield pos, carry
                return
            buf = carry + data if carry else data
            cut = buf.rfind(b"\n") + 1
            if cut == 0:  # one line longer than a block: keep reading
                carry = buf
                continue
            yield pos, buf[:cut]
            pos += cut
            carry = buf[cut:]


def detect_file_encoding(path: Path, name: str | None = None) -> str:
    """:func:`detect_encoding` on a file read block by block (memory bounded): the same
    answers and the same refusals, judged on the whole file.

    Raises
    ------
    LoaderError
        As :func:`detect_encoding`.
    """
    name = name or path.name
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    line = 1  # the line a block starts on
    non_ascii: int | None = None  # where the line of the first non-ASCII byte starts
    wide: tuple[int, bytes] | None = None  # the first line with a wide UTF-8 character
    wide_again = False  # another line with one after it
    for pos, block in _blocks(path):
        if non_ascii is None and (m := _NON_ASCII.search(block)) is not None:
            non_ascii = pos + block.rfind(b"\n", 0, m.start()) + 1
        bad = first_invalid_utf8(block)
        end = len(block) if bad is None else block.rfind(b"\n", 0, bad) + 1
        wide, wide_again = _track_wide(block, end, line, wide, wide_again)
        if bad is None:
            line += block.count(b"\n")
            continue
        bad_line = line + block.count(b"\n", 0, bad)
        utf8_line = _utf8_before_stream(block, end, bad, wide, wide_again, bad_line)
        if utf8_line is None:
            utf8_line = _utf8_after_stream(path, pos + end, bad_line)
        if utf8_line is not None:
            _raise_mixed(name, utf8_line, bad_line)
        start = non_ascii if non_ascii is not None else pos
        with open(path, "rb") as fh:
            fh.seek(start)
            sample = fh.read(_SAMPLE)
        return _gbk_or_big5(sample, start + len(sample) < path.stat().st_size, name)
    return "utf-8"


def _track_wide(
    block: bytes, end: int, line: int, wide: tuple[int, bytes] | None, again: bool
) -> tuple[tuple[int, bytes] | None, bool]:
    """The first line with a wide UTF-8 character (its number and bytes) and whether
    another follows it, updated with ``block[:end]`` (a block starting on ``line``)."""
    if again:
        return wide, again
    if wide is None:
        m = _WIDE_LEAD.search(block, 0, end)
        if m is None:
            return None, False
        s = block.rfind(b"\n", 0, m.start()) + 1
        e = block.find(b"\n", m.start(), end)
        e = end if e < 0 else e
        wide = (line + block.count(b"\n", 0, s), block[s:e])
        return wide, _WIDE_LEAD.search(block, e, end) is not None
    return wide, _WIDE_LEAD.search(block, 0, end) is not None


def _utf8_before_stream(
    block: bytes,
    line_start: int,
    bad: int,
    wide: tuple[int, bytes] | None,
    again: bool,
    bad_line: int,
) -> int | None:
    """:func:`_utf8_line_before` from what the blocks before the bad byte showed."""
    if wide is not None and (_reads_as_chinese(wide[1].decode("utf-8")) or again):
        return wide[0]
    for m in _CJK_RUN_BYTES.finditer(block, line_start, bad):
        if _reads_as_chinese(m.group().decode("utf-8")):
            return bad_line
    return None


def _utf8_after_stream(path: Path, start: int, first_line: int) -> int | None:
    """:func:`_utf8_line_after` on the file from byte ``start`` (a line's start), block
    by block."""
    line = first_line
    for pos, block in _blocks(path):
        if pos + len(block) <= start:
            continue
        part = block[max(start - pos, 0) :]
        found = _utf8_line_after(part, 0, line)
        if found is not None:
            return found
        line += part.count(b"\n")
    return None


def _raise_mixed(name: str | None, utf8_line: int, bad_line: int) -> None:
    who = f"{name} " if name else "the file "
    where = (
        f"line {utf8_line} has UTF-8 text and bytes that are not UTF-8"
        if utf8_line == bad_line
        else f"line {utf8_line} is UTF-8 but line {bad_line} is not"
    )
    raise LoaderError(
        f"{who}mixes text encodings: {where} (probably GBK); re-save the whole file in one "
        "encoding, preferably UTF-8 (if it is all GBK or Big5, give that encoding instead "
        "of detecting it)"
    )


def check_file_encoding(path: Path, enc: str, name: str | None = None) -> None:
    """Decode the whole file strictly as ``enc``, block by block; refuse it naming the
    first line with undecodable bytes.

    Raises
    ------
    LoaderError
        When some bytes are not ``enc`` (or ``enc`` is no encoding Python knows).
    """
    name = name or path.name
    utf8 = enc.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")
    try:
        decoder = None if utf8 else codecs.getincrementaldecoder(enc)(errors="strict")
    except LookupError:
        raise LoaderError(f"{name}: unknown text encoding {enc!r}") from None
    line = 1
    for _pos, block in _blocks(path):
        try:
            if decoder is None:
                bad = first_invalid_utf8(block)
                if bad is not None:
                    raise UnicodeDecodeError("utf-8", block, bad, bad + 1, "invalid")
                line += block.count(b"\n")
            else:
                line += decoder.decode(block).count("\n")
        except UnicodeDecodeError as exc:
            before = block[: max(exc.start, 0)].decode(enc, errors="replace")
            at = line + before.count("\n")
            raise LoaderError(
                f"{name} is not valid {enc}: undecodable bytes on line {at}"
            ) from None
    if decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise LoaderError(f"{name} is not valid {enc}: it ends inside a character") from None


def open_text_stream(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    limit: int | None = None,
) -> TableStream:
    """A delimited text file read ``chunk_rows`` rows at a time, whatever its size.

    The encoding is detected and checked on the whole file in blocks (as
    :func:`detect_encoding` does on bytes), the delimiter on the first 64 KiB; pyarrow's
    streaming CSV reader then parses block by block, every column as text. Each chunk
    numbers its rows as a whole-file read numbers them (rows with a wrong number of
    fields skipped and listed where they fall). Memory is bounded by the chunk size and
    the block size, not the file's. The file is held to the import size limit
    (``limit``, default :func:`max_bytes`) like any other: raise it for larger files.

    Raises
    ------
    LoaderError
        When the file cannot be read as delimited text (also while its chunks are read).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = Path(path)
    name = path.name
    if not path.exists():
        raise LoaderError(f"{path} does not exist")
    if path.is_dir():
        raise LoaderError(f"{path} is a directory, not a file")
    size = path.stat().st_size
    if size == 0:
        raise LoaderError(f"{name} is empty (0 bytes)")
    limit = max_bytes() if limit is None else limit
    if size > limit:
        raise LoaderError(
            f"{name} is {size:,} bytes, over the import limit of {limit:,} bytes "
            f"(set {ENV_MAX_BYTES} to raise it, or split the file)"
        )
    with open(path, "rb") as fh:
        first = fh.read(65536)
    if _looks_binary(first):
        raise LoaderError(
            f"{name} is a binary file, not text: save it as CSV, Excel, GeoJSON, "
            "a zipped Shapefile, GeoPackage, GeoParquet or KML"
        )
    enc = encoding or detect_file_encoding(path, name)
    if encoding is not None or enc not in ("utf-8",):
        check_file_encoding(path, enc, name)
    head = first.decode(enc, errors="ignore").lstrip("\ufeff")
    if not head.strip() and all(not b.strip() for _, b in _blocks(path)):
        raise LoaderError(f"{name} has no content (only blank space)")
    delim = delimiter or detect_delimiter(head)
    header = next(csv.reader(io.StringIO(head), delimiter=delim), [])
    if not header:
        raise LoaderError(f"{name} has no header row")
    dups = sorted({c for c in header if header.count(c) > 1})
    if dups:
        raise LoaderError(f"{name} has duplicated column names {dups}; rename them")
    info: dict[str, Any] = dict(fmt="CSV", encoding=enc, delimiter=delim)
    bad: list[int] = []

    def skip(row) -> str:
        bad.append(row.number - 1 if row.number is not None else -1)
        return "skip"

    parse, convert = _csv_options(delim, header, skip)
    read = pacsv.ReadOptions(
        block_size=STREAM_BLOCK,
        use_threads=False,  # in order, so that skipped rows have their numbers
        encoding="utf8" if enc in ("utf-8", "utf-8-sig") else enc,
    )

    def chunks() -> Iterator[RawTable]:
        try:
            reader = pacsv.open_csv(
                str(path), read_options=read, parse_options=parse, convert_options=convert
            )
        except (pa.ArrowInvalid, pa.ArrowKeyError, ValueError, UnicodeDecodeError) as exc:
            raise LoaderError(f"{name} could not be read as CSV: {str(exc)[:300]}") from None
        numbers = _RowNumbers(bad)
        pending: list[pa.RecordBatch] = []
        have = 0
        held: RawTable | None = None
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except (pa.ArrowInvalid, ValueError, UnicodeDecodeError) as exc:
                raise LoaderError(f"{name} could not be read as CSV: {str(exc)[:300]}") from None
            pending.append(batch)
            have += batch.num_rows
            while have >= chunk_rows:
                table = pa.Table.from_batches(pending, schema=reader.schema)
                pending = table.slice(chunk_rows).to_batches()
                have -= chunk_rows
                part = numbers.chunk(table.slice(0, chunk_rows), info)
                if held is not None:
                    yield held
                held = part
        if have or held is None:
            part = numbers.chunk(pa.Table.from_batches(pending, schema=reader.schema), info)
            if held is not None:
                yield held
            held = part
        held.bad_lines.extend(numbers.rest())  # rows skipped after the last row read
        yield held

    columns = pd.DataFrame(columns=pd.Index(header, dtype=object))
    return TableStream(RawTable(df=columns, **info), chunks())


class _RowNumbers:
    """Numbers the rows of consecutive chunks as a whole-file read does: 1, 2, … with
    the skipped rows (``bad``, filled by the reader as it parses) left out."""

    def __init__(self, bad: list[int]):
        self.bad = bad
        self.taken = 0  # skipped rows given to a chunk already
        self.next = 1  # the number of the next row read

    def chunk(self, table, info: dict) -> RawTable:
        """The chunk of ``table``'s rows: its data-row numbers and the skipped rows
        among them."""
        n = table.num_rows
        pending = np.asarray(self.bad[self.taken :], dtype=np.int64)
        k = 0
        while True:  # the fewest skipped rows k such that n rows and k skipped fill the range
            kk = int((pending < self.next + n + k).sum())
            if kk == k:
                break
            k = kk
        skipped = pending[:k]
        rows = np.setdiff1d(np.arange(self.next, self.next + n + k), skipped)
        self.next += n + k
        self.taken += k
        return RawTable(df=_to_frame(table), bad_lines=skipped.tolist(), rows=rows, **info)

    def rest(self) -> list[int]:
        """The skipped rows no chunk has taken (those after the last row read)."""
        out = self.bad[self.taken :]
        self.taken = len(self.bad)
        return list(out)


def _read_excel(path: Path, fmt: str, sheet: str | None, limit: int) -> RawTable:
    if fmt == "xlsx":
        with zipfile.ZipFile(path) as zf:
            check_archive(zf, path.name, limit)
    engine = "openpyxl" if fmt == "xlsx" else "calamine"
    sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine=engine)
    if not sheets:
        raise LoaderError(f"{path.name} has no sheets")
    names = list(sheets)
    if sheet is not None:
        if sheet not in sheets:
            raise LoaderError(f"{path.name} has no sheet {sheet!r}; it has {names}")
        chosen = sheet
    else:
        chosen = next((n for n in names if not sheets[n].dropna(how="all").empty), names[0])
    df = sheets[chosen].dropna(how="all")
    df.columns = [str(c).strip() for c in df.columns]
    notes: list[str] = [Msg("imp_n_sheet", sheet=repr(chosen))]
    if len(names) > 1:
        notes.append(Msg("imp_n_other_sheets", names=str(names)))
    return RawTable(df=df.reset_index(drop=True), fmt="Excel", notes=notes)


def _read_json(path: Path, encoding: str | None) -> RawTable:
    data = path.read_bytes()
    enc = encoding or detect_encoding(data, path.name)
    try:
        doc = json.loads(data.decode(enc))
    except json.JSONDecodeError as exc:
        raise LoaderError(
            f"{path.name} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno} "
            "(the file may be truncated)"
        ) from None
    if isinstance(doc, dict) and isinstance(doc.get("elements"), list):
        table = overpass_table(doc)
        table.encoding = enc
        return table
    if isinstance(doc, list) and all(isinstance(r, dict) for r in doc):
        if not doc:
            raise LoaderError(f"{path.name} is an empty JSON list")
        return RawTable(df=pd.DataFrame(doc), fmt="JSON records", encoding=enc)
    if not isinstance(doc, dict) or doc.get("type") not in ("FeatureCollection", "Feature"):
        raise LoaderError(
            f"{path.name} is JSON but neither GeoJSON (a FeatureCollection), Overpass JSON "
            "(with 'elements') nor a list of records"
        )
    feats = doc["features"] if doc["type"] == "FeatureCollection" else [doc]
    if not isinstance(feats, list) or not feats:
        raise LoaderError(f"{path.name} is a GeoJSON FeatureCollection with no features")
    table = _geojson_table(feats, path.name)
    table.encoding = enc
    crs = doc.get("crs", {}).get("properties", {}).get("name") if isinstance(doc, dict) else None
    if crs:
        table.crs = crs
        table.hints.append(str(crs))

    table.osm = looks_like_osm(table.df)
    return table


def _geojson_table(feats: list, name: str) -> RawTable:
    """Features → attributes and geometries; unparseable geometries become None."""
    props = [f.get("properties") or {} if isinstance(f, dict) else {} for f in feats]
    geoms_json = [
        json.dumps(f.get("geometry")) if isinstance(f, dict) and f.get("geometry") else None
        for f in feats
    ]
    arr = np.array(geoms_json, dtype=object)
    try:
        geoms = shapely.from_geojson(arr, on_invalid="ignore")
    except Exception:  # shapely raises for some malformed members even when ignoring
        geoms = np.array([_one_geom(g) for g in geoms_json], dtype=object)
    df = pd.DataFrame(props)
    if "id" not in df.columns:
        ids = [f.get("id") if isinstance(f, dict) else None for f in feats]
        if any(i is not None for i in ids):
            df["id"] = [None if i is None else str(i) for i in ids]
    return RawTable(df=df, geometry=gpd.GeoSeries(geoms), fmt="GeoJSON", hints=[name])


def _one_geom(g: str | None):
    if g is None:
        return None
    try:
        return shapely.from_geojson(g)
    except Exception:
        return None


def _read_zip(path: Path, layer_name: str | None, limit: int, encoding: str | None) -> RawTable:
    with zipfile.ZipFile(path) as zf:
        infos = check_archive(zf, path.name, limit)
        names = [i.filename for i in infos if not i.is_dir()]
        shps = sorted(n for n in names if n.lower().endswith(".shp"))
        kmls = sorted(n for n in names if n.lower().endswith(".kml"))
        others = [n for n in names if n.lower().endswith((".geojson", ".gpkg", ".csv"))]
        if not shps and not kmls and not others:
            raise LoaderError(
                f"{path.name} contains no Shapefile (.shp), KML or GeoJSON/GeoPackage/CSV file"
            )
        with tempfile.TemporaryDirectory(prefix="exchange-atlas-zip-") as tmp:
            dest = Path(tmp)
            _extract(zf, infos, dest, limit)
            if shps:
                pick = _pick(shps, layer_name, path.name)
                base = pick[:-4]
                missing = [
                    e
                    for e in (".shx", ".dbf")
                    if not any(n.lower() == base.lower() + e for n in names)
                ]
                if missing:
                    raise LoaderError(
                        f"{path.name}: the Shapefile {pick!r} lacks its {' and '.join(missing)} "
                        "file(s); zip all parts (.shp, .shx, .dbf, .prj, .cpg) together"
                    )
                table = _read_ogr(dest / pick, "shp", None, encoding)
                table.fmt = "Shapefile (zip)"
                if len(shps) > 1:
                    table.notes.append(Msg("imp_n_archive_pick", pick=repr(pick), others=str(shps)))
                if not any(n.lower() == base.lower() + ".prj" for n in names):
                    table.notes.append(Msg("imp_n_no_prj"))
                return table
            inner = _pick(kmls or others, layer_name, path.name)
            try:
                table = read_source(dest / inner, encoding=encoding, layer_name=None, limit=limit)
            except LoaderError as exc:  # name the archive, not only the file inside it
                raise LoaderError(f"{path.name}: {exc}") from None
            table.fmt = f"{table.fmt} (in {path.suffix.lower().lstrip('.')})"
            return table


def _pick(candidates: list[str], wanted: str | None, name: str) -> str:
    if wanted is None:
        return candidates[0]
    for c in candidates:
        if c == wanted or Path(c).stem == wanted:
            return c
    raise LoaderError(f"{name} has no layer {wanted!r}; it has {candidates}")


def check_kml_doctype(path: Path) -> None:
    """Refuse a KML whose DOCTYPE declares entities or references other files.

    A DOCTYPE on its own is harmless and some exporters write one; entity declarations
    can expand without limit ("billion laughs") and external ones read local or remote
    files (XXE). defusedxml parses the file and refuses exactly those, so the message
    says why instead of GDAL's "parsing aborted". Declarations can only come before the
    root element, so the parse stops there: every KML is checked, wherever its DOCTYPE
    stands, at the cost of its prolog (GDAL reads the rest).
    """
    try:
        with open(path, "rb") as fh:
            for _event, _root in defused_et.iterparse(
                fh, events=("start",), forbid_dtd=False, forbid_entities=True, forbid_external=True
            ):
                break
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
        raise LoaderError(
            f"{path.name} declares XML entities in its DOCTYPE; they are refused because "
            "they can read local files or expand without limit (remove the DOCTYPE, or "
            "export the KML again)"
        ) from None
    except defusedxml.DefusedXmlException as exc:
        raise LoaderError(f"{path.name}: unsafe XML refused ({type(exc).__name__})") from None
    except defused_et.ParseError as exc:
        raise LoaderError(f"{path.name} is not well-formed XML: {exc}") from None


def _read_ogr(path: Path, fmt: str, layer_name: str | None, encoding: str | None) -> RawTable:
    layers = pyogrio.list_layers(path)
    if len(layers) == 0:
        raise LoaderError(f"{path.name} contains no layers")
    names = [str(n) for n in layers[:, 0]]
    notes: list[str] = []
    kw: dict = {}
    if fmt == "shp":
        cpg = path.with_suffix(".cpg")
        if encoding:
            kw["encoding"] = encoding
        elif not cpg.exists() and not path.with_suffix(".CPG").exists():
            dbf = path.with_suffix(".dbf")
            if dbf.exists():
                raw = dbf.read_bytes()
                if not raw.isascii():
                    kw["encoding"] = _dbf_encoding(raw)
                    notes.append(Msg("imp_n_no_cpg", encoding=kw["encoding"]))
    if fmt == "kml" and layer_name is None and len(names) > 1:
        frames = [pyogrio.read_dataframe(path, layer=n, **kw) for n in names]
        frames = [f for f in frames if len(f)]
        if not frames:
            raise LoaderError(f"{path.name} has no placemarks")
        gdf = pd.concat(frames, ignore_index=True)
        notes.append(Msg("imp_n_kml_folders", n=len(frames), names=str(names)))
    else:
        if layer_name is not None:
            if layer_name not in names:
                raise LoaderError(f"{path.name} has no layer {layer_name!r}; it has {names}")
            chosen = layer_name
        else:
            points = [str(n) for n, g in layers if g and "Point" in str(g)]
            chosen = points[0] if points else names[0]
        gdf = pyogrio.read_dataframe(path, layer=chosen, **kw)
        if len(names) > 1:
            notes.append(Msg("imp_n_layer", layer=repr(chosen), names=str(names)))
    label = {"shp": "Shapefile", "gpkg": "GeoPackage", "kml": "KML"}[fmt]
    geom = gpd.GeoSeries(gdf.geometry.values, crs=gdf.crs)
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    hints = [path.name, *names]
    table = RawTable(df=df, geometry=geom, crs=gdf.crs, fmt=label, notes=notes, hints=hints)
    table.encoding = kw.get("encoding") or ("from .cpg" if fmt == "shp" else None)
    if fmt == "kml":
        table.encoding = "utf-8"
    return table


def _dbf_encoding(raw: bytes) -> str:
    try:
        return detect_encoding(raw[32:])
    except LoaderError:
        return "gb18030"


def _read_parquet(path: Path) -> RawTable:
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    if b"geo" in meta:
        gdf = gpd.read_parquet(path)
        geom = gpd.GeoSeries(gdf.geometry.values, crs=gdf.crs)
        df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        return RawTable(df=df, geometry=geom, crs=gdf.crs, fmt="GeoParquet", hints=[path.name])
    return RawTable(df=pd.read_parquet(path), fmt="Parquet", hints=[path.name])
