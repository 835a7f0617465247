"""What a reader hands the importer: a file's content before interpretation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd


@dataclass
class RawTable:
    """A file's content before interpretation.

    Attributes
    ----------
    df
        Attribute columns as read (no geometry column).
    geometry
        Geometries for spatial formats, aligned with ``df``; None for plain tables.
    crs
        The CRS the file declares (``.prj``, GeoPackage, GeoParquet metadata), if any.
    fmt
        Human-readable format name, e.g. ``"CSV"`` or ``"Shapefile (zip)"``.
    encoding, delimiter
        Detected (or given) text encoding and delimiter; None when not applicable.
    notes
        Facts worth reporting (which sheet or layer was read, what else was there).
    hints
        Provenance text (metadata, layer names) used as weak CRS evidence.
    osm
        True for OpenStreetMap data, whose tags are mapped to payment capabilities.
    """

    df: pd.DataFrame
    geometry: gpd.GeoSeries | None = None
    crs: object | None = None
    fmt: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    osm: bool = False
    #: Data rows (1 = first row under the header) skipped for a wrong number of fields.
    bad_lines: list[int] = field(default_factory=list)
    #: The data-row number of each row of ``df`` (a chunk of a streamed file); None: the
    #: rows are numbered 1, 2, … with ``bad_lines`` left out.
    rows: np.ndarray | None = None


@dataclass
class TableStream:
    """A file read in chunks: what is known before the first row (format, encoding,
    delimiter, columns) and the chunks, each a :class:`RawTable` whose ``rows`` number
    its rows in the file and whose ``bad_lines`` are the skipped rows among them."""

    head: RawTable
    chunks: Iterator[RawTable]
    #: True when the file is parsed chunk by chunk (memory bounded); False when it was
    #: read whole and is only handed on in chunks (Excel, GeoJSON, Shapefile, ...).
    streamed: bool = True
