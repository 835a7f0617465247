"""Layers and their versions in PostGIS, kept as the workspace keeps them.

``atlas_layer_versions`` holds each version's record (the workspace's ``v0001.json``
fields, plus its ``columns``, its ``chain`` and a unique ``token``); ``atlas_layer_current``
the version in effect. ``atlas_layer_rows`` holds the rows, one table for every layer: the
model columns (text; lon/lat/precision as floats), ``x<slot>`` columns for others a file
brings (``atlas_layer_columns`` names them), and ``geom geometry(Point, 4326)`` made from
lon/lat, with a GiST index. A version stores only the rows it added (with the shipped rows
when it is a layer's first); its ``chain`` lists the versions whose rows make it, in
order, so an import of 10 rows into a million copies 10 rows. Versions are write-once;
undo moves the current pointer, as in the workspace.

Storage only: :mod:`loaders.workspace` merges, renames and checks the rows, and calls these
inside one transaction under the layer's advisory lock. Rows move with ``COPY`` as CSV
written and read by Arrow, a batch at a time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg import sql

from loaders.pg.migrations import ROW_COLUMNS

_RECORD = (
    "number, created, action, rows, source, previous, added, columns, chain, base_rows, token, "
    "actor"
)


def _record(row: tuple) -> dict:
    keys = [k.strip() for k in _RECORD.split(",")]
    rec = dict(zip(keys, row, strict=True))
    rec["chain"] = [int(k) for k in rec["chain"]]
    rec["columns"] = [str(c) for c in rec["columns"]]
    return rec


def current(conn, layer: str) -> dict | None:
    """The record of the layer's version in effect (None: the shipped data)."""
    row = conn.execute(
        f"SELECT {_RECORD} FROM atlas_layer_current c JOIN atlas_layer_versions v "
        "USING (layer, number) WHERE c.layer = %s",
        (layer,),
    ).fetchone()
    return None if row is None else _record(row)


def version(conn, layer: str, number: int) -> dict | None:
    """The record of version ``number`` (None: no such version)."""
    row = conn.execute(
        f"SELECT {_RECORD} FROM atlas_layer_versions WHERE layer = %s AND number = %s",
        (layer, number),
    ).fetchone()
    return None if row is None else _record(row)


def history(conn, layer: str) -> list[dict]:
    """Every version's record, oldest first."""
    rows = conn.execute(
        f"SELECT {_RECORD} FROM atlas_layer_versions WHERE layer = %s ORDER BY number", (layer,)
    ).fetchall()
    return [_record(r) for r in rows]


def next_number(conn, layer: str) -> int:
    """One more than the highest version number the layer used."""
    row = conn.execute(
        "SELECT coalesce(max(number), 0) + 1 FROM atlas_layer_versions WHERE layer = %s", (layer,)
    ).fetchone()
    return int(row[0]) if row else 1


def add_version(conn, layer: str, rec: dict) -> str:
    """Insert a version's record (``token`` made here); return the token."""
    token = uuid.uuid4().hex
    conn.execute(
        f"INSERT INTO atlas_layer_versions (layer, {_RECORD}) VALUES "
        "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            layer,
            rec["number"],
            rec["created"],
            rec["action"],
            rec["rows"],
            rec["source"],
            rec["previous"],
            rec["added"],
            list(rec["columns"]),
            list(rec["chain"]),
            rec["base_rows"],
            token,
            str(rec.get("actor", "")),
        ),
    )
    return token


def set_current(conn, layer: str, number: int | None) -> None:
    """Put version ``number`` in effect (None: the shipped data again)."""
    if number is None:
        conn.execute("DELETE FROM atlas_layer_current WHERE layer = %s", (layer,))
        return
    conn.execute(
        "INSERT INTO atlas_layer_current (layer, number) VALUES (%s, %s) ON CONFLICT (layer) "
        "DO UPDATE SET number = excluded.number, changed = clock_timestamp()",
        (layer, number),
    )


def _physical(conn, names: Iterable[str], create: bool) -> dict[str, str]:
    """The table column of each column name: a model column's own, else ``x<slot>``
    (made, with its slot, when ``create``)."""
    out: dict[str, str] = {}
    extra = [n for n in names if n not in ROW_COLUMNS]
    for n in names:
        if n in ROW_COLUMNS:
            out[n] = n
    if extra:
        rows = conn.execute(
            "SELECT name, slot FROM atlas_layer_columns WHERE name = ANY(%s)", (extra,)
        ).fetchall()
        slots = {str(n): int(s) for n, s in rows}
        for n in extra:
            if n not in slots:
                if not create:
                    continue
                row = conn.execute(
                    "INSERT INTO atlas_layer_columns (name, slot) SELECT %s, "
                    "coalesce(max(slot), 0) + 1 FROM atlas_layer_columns RETURNING slot",
                    (n,),
                ).fetchone()
                assert row is not None
                slots[n] = int(row[0])
                conn.execute(
                    sql.SQL("ALTER TABLE atlas_layer_rows ADD COLUMN {} text").format(
                        sql.Identifier(f"x{slots[n]}")
                    )
                )
            out[n] = f"x{slots[n]}"
    return out


def copy_in(
    conn, layer: str, number: int, columns: list[str], batches: Iterable[pd.DataFrame]
) -> int:
    """Store ``batches`` (storable tables of ``columns``) as version ``number``'s rows, in
    order; return how many."""
    phys = _physical(conn, columns, create=True)
    target = [sql.Identifier(c) for c in ("layer", "version", "ord")]
    target += [sql.Identifier(phys[c]) for c in columns]
    stmt = sql.SQL("COPY atlas_layer_rows ({}) FROM STDIN WITH (FORMAT csv)").format(
        sql.SQL(", ").join(target)
    )
    options = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
    at = 0
    with conn.cursor().copy(stmt) as cp:
        for b in batches:
            n = len(b)
            if not n:
                continue
            arrays = [
                pa.array(np.full(n, layer, dtype=object), type=pa.string()),
                pa.array(np.full(n, number, dtype=np.int64)),
                pa.array(np.arange(at, at + n, dtype=np.int64)),
            ]
            arrays += [pa.array(b[c], from_pandas=True) for c in columns]
            names = ["layer", "version", "ord", *columns]
            table = pa.Table.from_arrays(arrays, names=names)
            sink = pa.BufferOutputStream()
            pacsv.write_csv(table, sink, options)
            cp.write(sink.getvalue().to_pybytes())
            at += n
    return at


def bounds(conn, layer: str, chain: list[int]) -> tuple[float, float, float, float] | None:
    """The lon/lat bounds of the rows of ``chain`` (None: no rows)."""
    row = conn.execute(
        "SELECT min(lon), min(lat), max(lon), max(lat) FROM atlas_layer_rows "
        "WHERE layer = %s AND version = ANY(%s)",
        (layer, chain),
    ).fetchone()
    if row is None or row[0] is None:
        return None
    return (float(row[0]), float(row[1]), float(row[2]), float(row[3]))


def copy_out(
    conn, layer: str, chain: list[int], columns: list[str], scratch: Path
) -> Iterator[pd.DataFrame]:
    """The rows of ``chain`` (its versions in order, each by row) as text frames of
    ``columns`` (NA where NULL), a batch at a time; ``scratch`` is a temporary file."""
    phys = _physical(conn, columns, create=False)
    select = [sql.Identifier(phys[c]) if c in phys else sql.SQL("NULL::text") for c in columns]
    types = {c: pa.string() for c in columns}
    for number in chain:
        stmt = sql.SQL(
            "COPY (SELECT {} FROM atlas_layer_rows WHERE layer = {} AND version = {} "
            "ORDER BY ord) TO STDOUT WITH (FORMAT csv)"
        ).format(sql.SQL(", ").join(select), sql.Literal(layer), sql.Literal(number))
        with open(scratch, "wb") as fh, conn.cursor().copy(stmt) as cp:
            for chunk in cp:
                fh.write(chunk)
        if scratch.stat().st_size == 0:
            continue
        reader = pacsv.open_csv(
            scratch,
            read_options=pacsv.ReadOptions(column_names=columns, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
                null_values=[""],
            ),
        )
        for batch in reader:
            yield batch.to_pandas(types_mapper=lambda t: pd.StringDtype("pyarrow"))
    scratch.unlink(missing_ok=True)


def new_row_districts(conn, layer: str, number: int, start: int) -> list[str | None]:
    """The distinct adcodes of version ``number``'s rows from ``start`` on (the rows an
    import added), for the write gateway's check inside the transaction."""
    rows = conn.execute(
        "SELECT DISTINCT adcode FROM atlas_layer_rows WHERE layer = %s AND version = %s "
        "AND ord >= %s",
        (layer, number, start),
    ).fetchall()
    return [r[0] for r in rows]
