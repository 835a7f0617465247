"""Field inspections in the database, kept in batches as the workspace keeps them.

``atlas_inspection_batches`` holds each batch's record (the workspace's ``b000001.json``
fields: number, created, rows, source, actor, previous, chain, ids),
``atlas_inspection_current`` the latest batch in effect (no row: none) and when it was
put in effect, ``atlas_inspections`` the rows (the columns of
:data:`dashboard.core.inspections.INSPECTION_COLUMNS`, with ``geom`` made from lon/lat and
a GiST index). Batches are write-once; undo moves the current pointer.

Storage only: :mod:`loaders.inspections_store` assigns numbers and ids and calls these
inside one transaction under the inspections' advisory lock. Rows move with ``COPY`` as
CSV written and read by Arrow.
"""

from __future__ import annotations

import io

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg import sql

from dashboard.core.inspections import INSPECTION_COLUMNS

_RECORD = "number, created, rows, source, actor, previous, chain, ids"
_KEYS = tuple(k.strip() for k in _RECORD.split(","))
#: The name of the inspections' advisory lock.
LOCK = "the inspections"


def _record(row: tuple) -> dict:
    rec = dict(zip(_KEYS, row, strict=True))
    rec["number"] = int(rec["number"])
    rec["rows"] = int(rec["rows"])
    rec["previous"] = None if rec["previous"] is None else int(rec["previous"])
    rec["chain"] = [int(k) for k in rec["chain"]]
    rec["ids"] = [str(i) for i in rec["ids"]]
    return rec


def current(conn) -> int | None:
    """The number of the latest batch in effect (None: none)."""
    row = conn.execute("SELECT number FROM atlas_inspection_current").fetchone()
    return None if row is None else int(row[0])


def marker(conn) -> tuple[int, str] | None:
    """The batch in effect and the time it was put in effect (None: none), for caches."""
    row = conn.execute("SELECT number, changed::text FROM atlas_inspection_current").fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def record(conn, number: int) -> dict | None:
    """The record of batch ``number`` (None: no such batch)."""
    row = conn.execute(
        f"SELECT {_RECORD} FROM atlas_inspection_batches WHERE number = %s", (number,)
    ).fetchone()
    return None if row is None else _record(row)


def records(conn) -> list[dict]:
    """Every batch's record, oldest first."""
    rows = conn.execute(f"SELECT {_RECORD} FROM atlas_inspection_batches ORDER BY number")
    return [_record(r) for r in rows.fetchall()]


def next_number(conn) -> int:
    """One more than the highest batch number used."""
    row = conn.execute("SELECT coalesce(max(number), 0) + 1 FROM atlas_inspection_batches")
    got = row.fetchone()
    return int(got[0]) if got else 1


def add_batch(conn, rec: dict, frame: pd.DataFrame) -> int:
    """Insert batch ``rec`` (the fields of its record) and its rows ``frame`` (storable,
    with ids); return how many rows were stored."""
    conn.execute(
        f"INSERT INTO atlas_inspection_batches ({_RECORD}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        tuple(rec[k] for k in _KEYS),
    )
    n = len(frame)
    if n == 0:
        return 0
    table = pa.Table.from_pandas(frame[list(INSPECTION_COLUMNS)], preserve_index=False)
    at = table.schema.get_field_index("inspected_at")
    table = table.set_column(at, "inspected_at", table["inspected_at"].cast(pa.timestamp("us")))
    table = table.append_column("batch", pa.array([rec["number"]] * n, type=pa.int32()))
    table = table.append_column("ord", pa.array(range(n), type=pa.int32()))
    sink = pa.BufferOutputStream()
    options = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
    pacsv.write_csv(table, sink, options)
    names = sql.SQL(", ").join(sql.Identifier(c) for c in table.column_names)
    stmt = sql.SQL("COPY atlas_inspections ({}) FROM STDIN WITH (FORMAT csv)").format(names)
    with conn.cursor().copy(stmt) as cp:
        cp.write(sink.getvalue().to_pybytes())
    row = conn.execute(
        "SELECT count(*) FROM atlas_inspections WHERE batch = %s", (rec["number"],)
    ).fetchone()
    return int(row[0]) if row else 0


def set_current(conn, number: int | None) -> None:
    """Put batch ``number`` in effect as the latest (None: no inspections in effect)."""
    if number is None:
        conn.execute("DELETE FROM atlas_inspection_current")
        return
    conn.execute(
        "INSERT INTO atlas_inspection_current (only_row, number) VALUES (true, %s) "
        "ON CONFLICT (only_row) DO UPDATE SET number = excluded.number, "
        "changed = clock_timestamp()",
        (number,),
    )


def rows(conn, chain: list[int]) -> pd.DataFrame:
    """The rows of the batches of ``chain``, in its order and each batch's row order, as
    :data:`INSPECTION_COLUMNS` (text as text, ``inspected_at`` a timestamp, lon/lat floats;
    the caller makes them storable)."""
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in INSPECTION_COLUMNS)
    stmt = sql.SQL(
        "COPY (SELECT {} FROM atlas_inspections WHERE batch = ANY({}) "
        "ORDER BY array_position({}, batch), ord) TO STDOUT WITH (FORMAT csv)"
    ).format(cols, sql.Literal(chain), sql.Literal(chain))
    buf = io.BytesIO()
    with conn.cursor().copy(stmt) as cp:
        for chunk in cp:
            buf.write(chunk)
    types: dict[str, pa.DataType] = {c: pa.string() for c in INSPECTION_COLUMNS}
    types.update(inspected_at=pa.timestamp("us"), lon=pa.float64(), lat=pa.float64())
    if buf.tell() == 0:
        return pa.schema([(c, types[c]) for c in INSPECTION_COLUMNS]).empty_table().to_pandas()
    buf.seek(0)
    table = pacsv.read_csv(
        buf,
        read_options=pacsv.ReadOptions(column_names=list(INSPECTION_COLUMNS)),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=types,
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            null_values=[""],
        ),
    )
    return table.to_pandas()


def batch_districts(conn, number: int) -> list[str]:
    """The distinct adcodes of the rows batch ``number`` stored (for the write gateway's
    check of an editor's rows inside the transaction of the add)."""
    got = conn.execute(
        "SELECT DISTINCT adcode FROM atlas_inspections WHERE batch = %s ORDER BY adcode",
        (number,),
    )
    return [str(r[0]) for r in got.fetchall()]
