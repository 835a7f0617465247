"""Where field inspections are kept: validated rows, appended in write-once batches.

Layout (``<workspace>/inspections/``)::

    b000001.parquet   the rows one add stored (write-once)
    b000001.json      its record: number, created (UTC), rows, source, actor,
                      previous (the batch in effect before it), chain (the numbers
                      of the batches in effect with it, oldest first), ids
    CURRENT           the file name of the latest batch in effect
    .lock             the writers' OS lock (:func:`loaders.workspace.dir_lock`)

The inspections in effect are the batches of the chain that ends at ``CURRENT``,
following each record's ``previous`` (kept whole in ``chain``, so a read opens one
record), oldest first. Row ids are ``I`` + the batch number and the row number in hex,
so they never clash and a later row has a higher id. An add writes its batch file and
record whole, then switches ``CURRENT`` with one atomic rename, all under the lock, so a
crash leaves the previous state and concurrent adds lose nothing. Undo moves ``CURRENT``
back to the previous batch; a later add chains onto the batch then in effect, so an
undone batch is never read again (it stays on disk, listed by the history).

With a database in use (:func:`loaders.pg.database_url`) the same functions keep the
batches in it (:mod:`loaders.pg.inspections`): the same numbers, ids, records, chain, undo
and history; each add or undo is one transaction under the inspections' advisory lock
(with the write gateway's audit entry, when it opened one), so batch numbers stay unique
under concurrent adds and a failed add leaves nothing.

:func:`prepare_inspections` turns raw rows (columns named as
:data:`dashboard.core.inspections.INSPECTION_COLUMNS`) into storable ones, with a
:class:`~dashboard.core.model.Problem` per bad cell; it reads nothing from disk.
The settings (how long an accepted check stays valid) are a versioned document.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import KDTree

from dashboard.core.inspections import (
    CHECKS,
    DEFAULT_VALIDITY_DAYS,
    INSPECTION_COLUMNS,
    PLACE_KINDS,
    RESULTS,
    empty_inspections,
    result_column,
)
from dashboard.core.messages import Msg
from dashboard.core.model import Problem
from loaders import crsdetect
from loaders.columns import to_number
from loaders.documents import (
    DocumentVersion,
    document_history,
    load_document,
    save_document,
    undo_document,
)
from loaders.pg import database_url
from loaders.workspace import (
    WorkspaceError,
    _fsync_dir,
    atomic_write_bytes,
    default_home,
    dir_lock,
)

FOLDER = "inspections"
BATCH_RE = re.compile(r"^b(\d{6,})\.parquet$")
RECORD_RE = re.compile(r"^b(\d{6,})\.json$")
SETTINGS_DOCUMENT = "inspection-settings"
#: An inspection may be dated this far past ``now`` (clocks of phones and servers differ).
FUTURE_SLACK = timedelta(minutes=5)
#: Rows of kind ``new`` this close to a known new point (and not named otherwise) are
#: visits of that point.
SAME_POINT_M = 25.0
#: Longest text kept in a cell (longer text is cut, with a warning).
MAX_TEXT = {"inspector": 100, "name": 200, "notes": 2000, "source": 300}
VALIDITY_RANGE = (1, 3650)
#: Largest batch number and row number an id holds (5 hex digits each).
MAX_ID_PART = 0xFFFFF
#: At most this many problems of one kind are listed; the rest are counted.
MAX_LISTED = 200
CHECK_COLUMNS: tuple[str, ...] = tuple(result_column(c) for c in CHECKS)
_TEXT_COLUMNS = [c for c in INSPECTION_COLUMNS if c not in ("inspected_at", "lon", "lat")]
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_PHOTO = re.compile(r"^photos/[0-9a-f]{64}\.jpg$")

#: Spellings of a result (lower case, separators as spaces) → result code ("": not tried).
RESULT_WORDS: dict[str, str] = {
    **{code: code for code in RESULTS},
    **{zh: code for code, (zh, _en) in RESULTS.items()},
    **{en.lower(): code for code, (_zh, en) in RESULTS.items()},
    **dict.fromkeys(
        ("accept", "yes", "y", "ok", "pass", "passed", "works", "true", "✓", "✔", "√"),
        "accepted",
    ),
    **dict.fromkeys(("通过", "受理", "接受", "可以", "成功", "是", "正常"), "accepted"),
    **dict.fromkeys(
        ("refuse", "no", "n", "fail", "failed", "rejected", "declined", "false", "✗", "×"),
        "refused",
    ),
    **dict.fromkeys(("拒绝", "不受理", "不接受", "不可用", "失败", "否", "拒收"), "refused"),
    **dict.fromkeys(("out of order", "broken", "down", "not working", "defect"), "out_of_order"),
    **dict.fromkeys(("故障", "设备故障", "损坏", "坏了", "停用"), "out_of_order"),
    **dict.fromkeys(("", "-", "—", "n/a", "na", "not tried", "skip", "skipped"), ""),
    **dict.fromkeys(("未检查", "未试", "未测试", "无"), ""),
}
#: Spellings of a place kind → kind code.
KIND_WORDS: dict[str, str] = {
    **{code: code for code in PLACE_KINDS},
    **{zh: code for code, (zh, _en) in PLACE_KINDS.items()},
    **{en.lower(): code for code, (_zh, en) in PLACE_KINDS.items()},
    "key location": "key_location",
    "payment point": "payment",
    "new point": "new",
    "支付点": "payment",
    "支付服务点": "payment",
    "服务点": "payment",
    "场所": "key_location",
    "重点场所": "key_location",
    "新点位": "new",
    "新发现": "new",
    "新增": "new",
}


# --------------------------------------------------------------------------- batches


@dataclass(frozen=True)
class InspectionBatch:
    """One stored batch: its number, when (UTC, ISO) and by whom it was added, from
    what, how many rows with which ids, and whether it is the latest in effect."""

    number: int
    created: str
    rows: int
    source: str
    actor: str
    ids: tuple[str, ...]
    current: bool = False
    previous: int | None = None

    def to_dict(self) -> dict:
        return {
            "number": self.number,
            "created": self.created,
            "rows": self.rows,
            "source": self.source,
            "actor": self.actor,
            "previous": self.previous,
            "current": self.current,
            "ids": list(self.ids),
        }


def inspections_dir(home: Path | None = None) -> Path:
    """The folder of the inspection batches."""
    return (home or default_home()) / FOLDER


def batch_name(number: int) -> str:
    return f"b{number:06d}.parquet"


def _number(rx: re.Pattern[str], name: str) -> int:
    m = rx.match(name)
    assert m is not None, name
    return int(m.group(1))


def _current(d: Path) -> int | None:
    """The number of the batch ``CURRENT`` names (None: no batch in effect)."""
    try:
        name = (d / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if not BATCH_RE.fullmatch(name) or not (d / name).is_file():
        return None
    return _number(BATCH_RE, name)


def _read_record(d: Path, number: int) -> dict:
    path = d / batch_name(number).replace(".parquet", ".json")
    try:
        rec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise WorkspaceError(f"{path} cannot be read ({exc}); undo to the previous batch") from None
    if not isinstance(rec, dict):
        raise WorkspaceError(f"{path} is not a batch record; undo to the previous batch")
    return rec


def _batch(rec: dict, current: int | None) -> InspectionBatch:
    number = int(rec.get("number", 0))
    prev = rec.get("previous")
    return InspectionBatch(
        number=number,
        created=str(rec.get("created", "")),
        rows=int(rec.get("rows", 0)),
        source=str(rec.get("source", "")),
        actor=str(rec.get("actor", "")),
        ids=tuple(str(i) for i in rec.get("ids", ())),
        current=number == current,
        previous=int(prev) if isinstance(prev, int) else None,
    )


def _chain(d: Path) -> list[int]:
    """Numbers of the batches in effect, oldest first: the ``chain`` the record of the
    batch ``CURRENT`` names keeps, else ``CURRENT`` back along each ``previous``."""
    number = _current(d)
    if number is None:
        return []
    rec = _read_record(d, number)
    chain = rec.get("chain")
    if isinstance(chain, list) and chain and chain[-1] == number:
        if all(isinstance(k, int) for k in chain):
            for k in chain:
                _require(d, k)
            return [int(k) for k in chain]
    out: list[int] = []
    seen: set[int] = set()
    current: int | None = number
    while current is not None:
        if current in seen:
            raise WorkspaceError(f"the inspection batches in {d} loop at batch {current}")
        _require(d, current)
        seen.add(current)
        out.append(current)
        prev = _read_record(d, current).get("previous")
        current = prev if isinstance(prev, int) and prev > 0 else None
    return out[::-1]


def _require(d: Path, number: int) -> None:
    if not (d / batch_name(number)).is_file():
        raise WorkspaceError(
            f"{d / batch_name(number)} is missing: the inspections in effect cannot be read"
        )


def _taken_numbers(d: Path) -> list[int]:
    names = [p.name for p in d.glob("b*")]
    return [_number(BATCH_RE, n) for n in names if BATCH_RE.fullmatch(n)] + [
        _number(RECORD_RE, n) for n in names if RECORD_RE.fullmatch(n)
    ]


def batch_ids(number: int, n: int) -> list[str]:
    """The ids of the ``n`` rows of batch ``number``: ``I`` + 10 hex digits, the batch's
    number (5) then the row's (5). Unique by construction (a batch number is never used
    twice), and a later row has a higher id.

    Raises
    ------
    WorkspaceError
        Past 1,048,575 batches or 1,048,576 rows in one batch (split the file).
    """
    if number > MAX_ID_PART or n > MAX_ID_PART + 1:
        raise WorkspaceError(Msg("insp_too_many", rows=n, limit=MAX_ID_PART + 1))
    rows = np.char.zfill(np.char.mod("%x", np.arange(n)), 5)
    return np.char.add(f"I{number:05x}", rows).tolist()


def _fresh_ids(prefix: str, n: int, digits: int, taken: set[str]) -> np.ndarray:
    """``n`` distinct random ids ``prefix`` + ``digits`` hex digits, none in ``taken``."""
    out = np.char.add(prefix, _hex(n, digits)).astype(object)
    while True:
        clash = pd.Series(out).duplicated().to_numpy() | np.isin(out, list(taken))
        if not clash.any():
            return out
        out[clash] = np.char.add(prefix, _hex(int(clash.sum()), digits)).astype(object)


def _hex(n: int, digits: int) -> np.ndarray:
    raw = np.frombuffer(secrets.token_bytes(n * 8), dtype=np.uint64) >> np.uint64(64 - 4 * digits)
    return np.char.zfill(np.char.mod("%x", raw), digits)


def _check_prepared(prepared: pd.DataFrame) -> None:
    missing = [c for c in INSPECTION_COLUMNS if c not in prepared.columns and c != "id"]
    if missing:
        raise WorkspaceError(Msg("insp_missing_columns", columns=", ".join(missing)))
    if len(prepared) == 0:
        raise WorkspaceError(Msg("insp_no_rows"))


def _new_batch(
    prepared: pd.DataFrame, number: int, previous: int | None, chain: list[int], source: str,
    actor: str,
) -> tuple[pd.DataFrame, dict]:  # fmt: skip
    """The rows of a new batch ``number`` (storable, with their ids) and its record."""
    frame = storable(prepared)
    ids = batch_ids(number, len(frame))
    frame["id"] = pd.Series(ids, dtype="str")
    record = {
        "number": number,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "rows": len(frame),
        "source": source,
        "actor": actor,
        "previous": previous,
        "chain": chain,
        "ids": ids,
    }
    return frame, record


def _write_batch(d: Path, frame: pd.DataFrame, record: dict) -> None:
    """Write batch ``record``'s file and record whole, never over existing ones (under the
    lock; ``CURRENT`` is the caller's)."""
    # one chunk per column: a frame concatenated from many pieces writes 40 times slower
    table = pa.Table.from_pandas(frame, preserve_index=False).combine_chunks()
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    path = d / batch_name(int(record["number"]))
    try:
        atomic_write_bytes(path, sink.getvalue().to_pybytes(), exclusive=True)
    except FileExistsError:
        raise WorkspaceError(f"{path} already exists and is never overwritten") from None
    try:
        data = json.dumps(record, ensure_ascii=False).encode("utf-8")
        atomic_write_bytes(path.with_suffix(".json"), data, exclusive=True)
    except FileExistsError:
        path.unlink()  # ours, just created and never in effect
        raise WorkspaceError(f"{path.with_suffix('.json')} already exists") from None


def add_inspections(
    prepared: pd.DataFrame, home: Path | None = None, source: str = "", actor: str = ""
) -> InspectionBatch:
    """Append the ``prepared`` rows (of :func:`prepare_inspections`) as one new batch in
    effect, giving each row an id ``I`` + 10 hex digits (:func:`batch_ids`).

    Atomic and locked: the batch file and its record are written whole (never over an
    existing one) before ``CURRENT`` is switched; on any error nothing is in effect that
    was not before. In the database: one transaction under the advisory lock.

    Raises
    ------
    WorkspaceError
        No rows, missing columns, the lock is held too long, or the batch's file name is
        taken (nothing is written).
    """
    _check_prepared(prepared)
    if database_url():
        return _pg_add(prepared, source, actor)
    d = inspections_dir(home)
    with dir_lock(d, "the inspections"):
        previous = _current(d)
        number = max(_taken_numbers(d), default=0) + 1
        chain = [*_chain(d), number]
        frame, record = _new_batch(prepared, number, previous, chain, source, actor)
        _write_batch(d, frame, record)
        atomic_write_bytes(d / "CURRENT", batch_name(number).encode())
        return _batch(record, number)


def undo_inspections(home: Path | None = None) -> int | None:
    """Put the batch before the latest one back in effect; return its number (None: no
    inspections in effect any more). Nothing is deleted.

    Raises
    ------
    WorkspaceError
        When no batch is in effect.
    """
    if database_url():
        return _pg_undo()
    d = inspections_dir(home)
    with dir_lock(d, "the inspections"):
        cur = _current(d)
        if cur is None:
            raise WorkspaceError(Msg("insp_nothing_to_undo"))
        prev = _read_record(d, cur).get("previous")
        if isinstance(prev, int) and prev > 0 and (d / batch_name(prev)).is_file():
            atomic_write_bytes(d / "CURRENT", batch_name(prev).encode())
            return prev
        (d / "CURRENT").unlink()
        _fsync_dir(d)
        return None


def load_inspections(home: Path | None = None) -> pd.DataFrame:
    """Every inspection in effect (the batches up to ``CURRENT``, oldest first), with
    :data:`INSPECTION_COLUMNS` and the dtypes of :func:`empty_inspections`."""
    if database_url():
        return _pg_load()
    d = inspections_dir(home)
    chain = _chain(d)
    if not chain:
        return empty_inspections()
    tables = [pq.read_table(d / batch_name(k)) for k in chain]
    frame = pa.concat_tables(tables, promote_options="permissive").to_pandas()
    return storable(frame)


def inspections_signature(home: Path | None = None) -> str:
    """What identifies the inspections in effect, for caches (an add or undo changes it):
    the batch ``CURRENT`` names and the time it was switched (``none``: no batch)."""
    if database_url():
        return _pg_signature()
    d = inspections_dir(home)
    cur = _current(d)
    if cur is None:
        return "none"
    return f"{d / batch_name(cur)}:{(d / 'CURRENT').stat().st_mtime_ns}"


def inspections_history(home: Path | None = None) -> list[InspectionBatch]:
    """Every stored batch with its record, oldest first; ``current`` marks the latest in
    effect. A batch file without a record (an add killed mid-way) was never in effect."""
    if database_url():
        return _pg_history()
    d = inspections_dir(home)
    if not d.is_dir():
        return []
    cur = _current(d)
    numbers = sorted(
        _number(BATCH_RE, p.name) for p in d.glob("b*.parquet") if BATCH_RE.fullmatch(p.name)
    )
    out = []
    for k in numbers:
        if (d / batch_name(k)).with_suffix(".json").is_file():
            out.append(_batch(_read_record(d, k), cur))
    return out


def batch_rows(number: int, home: Path | None = None) -> pd.DataFrame:
    """The rows batch ``number`` stored, with their ids (in effect or not), storable.

    Raises
    ------
    WorkspaceError
        When no such batch is stored.
    """
    if database_url():
        from loaders.pg import inspections as pg
        from loaders.pg.connection import transaction

        with transaction() as conn:
            if pg.record(conn, number) is None:
                raise WorkspaceError(f"no inspection batch {number} is stored")
            return storable(pg.rows(conn, [number]))
    d = inspections_dir(home)
    path = d / batch_name(number)
    if not path.is_file() or not path.with_suffix(".json").is_file():
        raise WorkspaceError(f"no inspection batch {number} is stored ({path})")
    return storable(pq.read_table(path).to_pandas())


def batch_districts(number: int, home: Path | None = None) -> list[str]:
    """The distinct adcodes of the rows batch ``number`` stored, as the store holds them
    (in the database read inside the transaction of the add, for the write gateway's
    check of an editor's rows)."""
    if database_url():
        from loaders.pg import inspections as pg
        from loaders.pg.connection import transaction

        with transaction() as conn:
            return pg.batch_districts(conn, number)
    return sorted(set(batch_rows(number, home)["adcode"].astype(str)))


def copy_batches(
    batches: list[tuple[InspectionBatch, pd.DataFrame]],
    current: int | None,
    home: Path | None = None,
) -> int:
    """Store ``batches`` (each record with its rows, as :func:`inspections_history` and
    :func:`batch_rows` of another store give them) exactly as recorded — numbers, times,
    sources, actors, ids, the chain of each ``previous`` — and put batch ``current`` in
    effect (None: none); return how many batches. For copying between stores (``store
    copy``): only into a store holding no batch; all or nothing.

    Raises
    ------
    WorkspaceError
        When the store already holds a batch, or a record does not fit its rows, its
        ``previous`` or ``current`` (nothing is written).
    """
    plan = _copy_plan(batches, current)
    if database_url():
        from loaders.pg import inspections as pg
        from loaders.pg.connection import lock, transaction

        with transaction() as conn:
            lock(conn, pg.LOCK)
            if pg.next_number(conn) != 1:
                raise WorkspaceError("the database already holds inspection batches")
            for frame, record in plan:
                if pg.add_batch(conn, record, frame) != len(frame):
                    raise WorkspaceError(f"batch {record['number']} was not stored whole")
            pg.set_current(conn, current)
        return len(plan)
    d = inspections_dir(home)
    with dir_lock(d, "the inspections"):
        if _taken_numbers(d) or (d / "CURRENT").exists():
            raise WorkspaceError(f"{d} already holds inspection batches")
        try:
            for frame, record in plan:
                _write_batch(d, frame, record)
            if current is not None:
                atomic_write_bytes(d / "CURRENT", batch_name(current).encode())
        except BaseException:
            for _frame, record in plan:  # ours, never in effect
                path = d / batch_name(int(record["number"]))
                path.unlink(missing_ok=True)
                path.with_suffix(".json").unlink(missing_ok=True)
            raise
    return len(plan)


def _copy_plan(
    batches: list[tuple[InspectionBatch, pd.DataFrame]], current: int | None
) -> list[tuple[pd.DataFrame, dict]]:
    """Each batch's storable rows and record (with its chain), checked (see
    :func:`copy_batches`)."""
    chains: dict[int, list[int]] = {}
    plan = []
    for batch, rows in sorted(batches, key=lambda b: b[0].number):
        k = batch.number
        if not 0 < k <= MAX_ID_PART or k in chains:
            raise WorkspaceError(f"inspection batch number {k} is not a new batch number")
        if batch.previous is not None and batch.previous not in chains:
            raise WorkspaceError(
                f"inspection batch {k}: its previous batch {batch.previous} is not among them"
            )
        frame = storable(rows)
        if tuple(frame["id"]) != tuple(batch.ids) or len(frame) != batch.rows:
            raise WorkspaceError(f"inspection batch {k}: its rows are not those of its record")
        chains[k] = [*(chains[batch.previous] if batch.previous is not None else []), k]
        record = {
            "number": k,
            "created": batch.created,
            "rows": batch.rows,
            "source": batch.source,
            "actor": batch.actor,
            "previous": batch.previous,
            "chain": chains[k],
            "ids": list(batch.ids),
        }
        plan.append((frame, record))
    if current is not None and current not in chains:
        raise WorkspaceError(f"inspection batch {current} (in effect) is not among them")
    return plan


# --------------------------------------------------------------------------- PostgreSQL


def _pg_add(prepared: pd.DataFrame, source: str, actor: str) -> InspectionBatch:
    """:func:`add_inspections` in the database: one transaction under the advisory lock,
    so concurrent adds take distinct numbers and a failure stores nothing."""
    from loaders.pg import inspections as pg
    from loaders.pg.connection import lock, transaction

    with transaction() as conn:
        lock(conn, pg.LOCK)
        previous = pg.current(conn)
        number = pg.next_number(conn)
        before = pg.record(conn, previous) if previous is not None else None
        chain = [*(before["chain"] if before else []), number]
        frame, record = _new_batch(prepared, number, previous, chain, source, actor)
        if pg.add_batch(conn, record, frame) != len(frame):
            raise WorkspaceError(f"inspection batch {number} was not stored whole; nothing was")
        pg.set_current(conn, number)
        return _batch(record, number)


def _pg_undo() -> int | None:
    from loaders.pg import inspections as pg
    from loaders.pg.connection import lock, transaction

    with transaction() as conn:
        lock(conn, pg.LOCK)
        cur = pg.current(conn)
        if cur is None:
            raise WorkspaceError(Msg("insp_nothing_to_undo"))
        rec = pg.record(conn, cur)
        prev = None if rec is None else rec["previous"]
        pg.set_current(conn, prev)
        return prev


def _pg_load() -> pd.DataFrame:
    from loaders.pg import inspections as pg
    from loaders.pg.connection import transaction

    with transaction() as conn:
        cur = pg.current(conn)
        rec = None if cur is None else pg.record(conn, cur)
        if rec is None:
            return empty_inspections()
        return storable(pg.rows(conn, rec["chain"]))


def _pg_signature() -> str:
    from loaders.pg import inspections as pg
    from loaders.pg.connection import store_key, transaction

    with transaction() as conn:
        got = pg.marker(conn)
    if got is None:
        return "none"
    return f"pg:{store_key()}:inspections:{got[0]}:{got[1]}"


def _pg_history() -> list[InspectionBatch]:
    from loaders.pg import inspections as pg
    from loaders.pg.connection import transaction

    with transaction() as conn:
        cur = pg.current(conn)
        recs = pg.records(conn)
    return [_batch(r, cur) for r in recs]


def storable(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with exactly :data:`INSPECTION_COLUMNS` in order and their dtypes: text
    as ``str`` ("" for empty), ``inspected_at`` naive datetime64, ``lon``/``lat`` float64."""
    n = len(frame)
    out = pd.DataFrame(index=pd.RangeIndex(n))
    for c in INSPECTION_COLUMNS:
        s = frame[c].reset_index(drop=True) if c in frame.columns else None
        if c == "inspected_at":
            t = pd.Series(pd.NaT, index=out.index) if s is None else pd.to_datetime(s)
            if isinstance(t.dtype, pd.DatetimeTZDtype):
                t = t.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
            out[c] = t.astype("datetime64[ns]")
        elif c in ("lon", "lat"):
            v = pd.Series(np.nan, index=out.index) if s is None else s
            out[c] = pd.to_numeric(v, errors="coerce").astype("float64")
        else:
            v = pd.Series("", index=out.index) if s is None else s
            out[c] = v.astype("string").fillna("").astype("str")
    return out


# --------------------------------------------------------------------------- preparing


def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    """Column ``col`` as stripped text, NA where empty (all NA when absent)."""
    n = len(frame)
    if col not in frame.columns:
        return pd.Series(pd.NA, index=range(n), dtype="string")
    s = frame[col].reset_index(drop=True).astype("string").str.strip()
    return s.where(s != "", pd.NA)


def _word(text: str) -> str:
    """A spelling as looked up: lower case, runs of spaces, ``_`` and ``-`` as one space."""
    return re.sub(r"[\s_\-]+", " ", text.lower()).strip()


def _lookup(s: pd.Series, table: Mapping[str, str]) -> pd.Series:
    """Each distinct value of ``s`` through ``table`` (keys as :func:`_word` spells
    them) once; empty is ``table[""]`` (NA when absent), an unknown value NA."""
    words = {_word(k): v for k, v in table.items()}
    codes, uniques = pd.factorize(s.fillna(""), use_na_sentinel=True)
    mapped = np.array([words.get(_word(str(u))) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=s.index, dtype="string")


def _place_table(layer: pd.DataFrame | None) -> pd.DataFrame:
    """id, name, adcode, lon, lat of a layer's places (indexed by id, first id wins)."""
    cols = ["name", "adcode", "lon", "lat"]
    if layer is None or len(layer) == 0 or "id" not in layer.columns:
        return pd.DataFrame(columns=cols, index=pd.Index([], dtype="str"))
    df = pd.DataFrame(layer)
    if "lon" in df.columns and "lat" in df.columns:
        lon = pd.to_numeric(df["lon"], errors="coerce")
        lat = pd.to_numeric(df["lat"], errors="coerce")
    else:
        geom = gpd.GeoSeries(df["geometry"])
        lon, lat = geom.x, geom.y
    names = pd.Series(pd.NA, index=df.index, dtype="string")
    for c in ("name_zh", "name_en", "name"):
        if c in df.columns:
            v = df[c].astype("string")
            names = names.fillna(v.where(v.str.strip() != "", pd.NA))
    out = pd.DataFrame(
        {
            "name": names.fillna("").to_numpy(),
            "adcode": (
                df["adcode"].astype("string").fillna("").to_numpy()
                if "adcode" in df.columns
                else ""
            ),
            "lon": np.asarray(lon, dtype="float64"),
            "lat": np.asarray(lat, dtype="float64"),
        },
        index=pd.Index(df["id"].astype("string").str.strip().to_numpy(), dtype="str"),
    )
    return out[~out.index.duplicated(keep="first")]


def _locate(lon: np.ndarray, lat: np.ndarray, districts: gpd.GeoDataFrame | None) -> np.ndarray:
    """The adcode of the district polygon holding each point ("" for none)."""
    if districts is None:
        return crsdetect.locate(lon, lat)
    d = districts
    if d.crs is not None and not d.crs.equals("EPSG:4326"):
        d = d.to_crs("EPSG:4326")
    out = np.full(len(lon), "", dtype=object)
    ok = np.isfinite(lon) & np.isfinite(lat)
    codes = d["adcode"].astype(str).to_numpy()
    for code, geom in zip(codes, d.geometry.to_numpy(), strict=True):  # 16 districts
        if geom is None or geom.is_empty:
            continue
        x0, y0, x1, y1 = geom.bounds
        idx = np.flatnonzero(ok & (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
        idx = idx[out[idx] == ""]
        if idx.size:
            out[idx[shapely.contains_xy(geom, lon[idx], lat[idx])]] = code
    return out


def _metres(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Local planar coordinates in metres (equirectangular around Beijing's latitude)."""
    return np.column_stack([lon * 111_320.0 * np.cos(np.radians(40.0)), lat * 110_574.0])


def _same_name(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Names that do not contradict each other: equal (ignoring case and spaces) or one
    of them empty."""
    return (a == "") | (b == "") | (a == b)


def _name_key(s: pd.Series) -> np.ndarray:
    return s.fillna("").str.lower().str.replace(r"\s+", "", regex=True).to_numpy(dtype=object)


def new_point_ids(
    lon: np.ndarray, lat: np.ndarray, names: pd.Series, known: pd.DataFrame | None
) -> np.ndarray:
    """The place id of each new point: a known new point's id when one lies within
    :data:`SAME_POINT_M` under a name that does not contradict it, else one fresh
    ``F`` + 8 hex id per group of such points of the rows."""
    n = len(lon)
    out = np.full(n, "", dtype=object)
    if n == 0:
        return out
    xy = _metres(lon, lat)
    key = _name_key(names)
    if known is not None and len(known):
        kn = known[known["place_kind"].astype(str) == "new"]
        kn = kn.drop_duplicates("place_id", keep="last")
        if len(kn):
            kxy = _metres(kn["lon"].to_numpy(dtype=float), kn["lat"].to_numpy(dtype=float))
            kkey = _name_key(kn["name"].astype("string"))
            dist = KDTree(xy).sparse_distance_matrix(
                KDTree(kxy), SAME_POINT_M, output_type="ndarray"
            )
            pairs = pd.DataFrame({"i": dist["i"], "j": dist["j"], "v": dist["v"]})
            pairs = pairs[_same_name(key[pairs["i"]], kkey[pairs["j"]])]
            best = pairs.sort_values(["i", "v"]).drop_duplicates("i")
            out[best["i"].to_numpy()] = kn["place_id"].to_numpy(dtype=object)[best["j"].to_numpy()]
    rest = np.flatnonzero(out == "")
    if rest.size:
        pairs = KDTree(xy[rest]).query_pairs(SAME_POINT_M, output_type="ndarray")
        if len(pairs):
            pairs = pairs[_same_name(key[rest][pairs[:, 0]], key[rest][pairs[:, 1]])]
        m = rest.size
        graph = sparse.coo_matrix(
            (np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1]) if len(pairs) else ([], [])),
            shape=(m, m),
        )
        _, labels = csgraph.connected_components(graph, directed=False)
        taken = set() if known is None else set(known["place_id"].astype(str))
        out[rest] = _fresh_ids("F", int(labels.max()) + 1, 8, taken)[labels]
    return out


def _parse_times(s: pd.Series) -> pd.Series:
    """Text → naive datetime (Beijing time; an explicit offset is converted), NaT if not.
    ``2026年3月1日 14时30分`` reads as ``2026-3-1 14:30``."""
    s = (
        s.str.replace(r"(\d)\s*年\s*(\d)", r"\1-\2", regex=True)
        .str.replace(r"(\d)\s*月\s*(\d)", r"\1-\2", regex=True)
        .str.replace(r"(\d)\s*日", r"\1 ", regex=True)
        .str.replace(r"(\d)\s*[时點点]\s*(\d)", r"\1:\2", regex=True)
        .str.replace(r"(\d)\s*分", r"\1", regex=True)
        .str.strip()
    )
    t = pd.to_datetime(s, errors="coerce", format="mixed", utc=True)
    local = t.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    naive = s.str.contains(r"(?:[zZ]|[+-]\d\d:?\d\d)\s*$", regex=True, na=False)
    plain = pd.to_datetime(s.where(~naive), errors="coerce", format="mixed")
    return plain.where(~naive, local)


def _beijing_naive(now: datetime) -> pd.Timestamp:
    ts = pd.Timestamp(now)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("Asia/Shanghai").tz_localize(None)
    return ts


def prepare_inspections(
    frame: pd.DataFrame,
    *,
    payments: pd.DataFrame | None,
    key_locations: pd.DataFrame | None,
    now: datetime,
    file: str,
    districts: gpd.GeoDataFrame | None = None,
    known: pd.DataFrame | None = None,
    columns: Mapping[str, str] | None = None,
    rows: np.ndarray | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Validate and normalise raw inspection rows; reads nothing from disk.

    ``frame`` has columns of :data:`INSPECTION_COLUMNS` (any subset; ``id`` is ignored:
    the store assigns ids). Each row names a place: ``place_kind`` payment (an id of
    ``payments``), key_location (an id of ``key_locations``) or new (a point found in
    the field: ``lon``/``lat`` in WGS-84 inside Beijing); without a kind, the id decides
    (payments first), and a row with no id but a position is new. A new point gets the
    id of a ``known`` new point (the inspections in effect) within
    :data:`SAME_POINT_M` of it, else a fresh ``F`` + 8 hex. ``inspected_at`` must parse
    and not be later than ``now`` (+5 minutes); check values are normalised to
    :data:`RESULTS` codes (English or Chinese words, ``""``: not tried) and at least one
    must be tried; ``inspector`` is required. ``lon``/``lat``/``adcode``/``name`` of
    payments and key locations come from their layer; the adcode of a new point from
    ``districts`` (point in polygon; the shipped districts when None).

    ``columns`` (model column → the file's header) and ``rows`` (the file's row number of
    each row; default 1, 2, …) only word the problems.

    Returns
    -------
    (frame, problems)
        The rows without errors, storable (:func:`storable`), and every problem (file,
        row, column, a bilingual :class:`Msg`). Rows with an error are not in the frame:
        the caller decides whether to store the rest.
    """
    n = len(frame)
    frame = frame.reset_index(drop=True)
    rownum = np.arange(1, n + 1) if rows is None else np.asarray(rows)
    names = dict(columns or {})
    problems: list[Problem] = []
    bad = np.zeros(n, dtype=bool)

    def col(c: str) -> str:
        return names.get(c, c)

    def report(
        mask: np.ndarray,
        column: str | None,
        code: str,
        values: pd.Series | None = None,
        severity: str = "error",
        **params: object,
    ) -> None:
        idx = np.flatnonzero(mask)
        vals = None if values is None else values.astype("string").fillna("").to_numpy()
        for r in idx[:MAX_LISTED]:  # only the rows with a problem, at most MAX_LISTED
            value = "" if vals is None else repr(str(vals[r])[:60])
            msg = Msg(code, value=value, **params)
            problems.append(Problem(file, int(rownum[r]), column, msg, severity))
        if len(idx) > MAX_LISTED:
            more = Msg(
                "imp_more_rows", n=len(idx) - MAX_LISTED, message=Msg(code, value="…", **params)
            )
            problems.append(Problem(file, None, column, more, severity))
        if severity == "error":
            bad[idx] = True

    out = pd.DataFrame(index=pd.RangeIndex(n))
    # texts: control characters removed, length capped
    for c in ("inspector", "name", "notes", "source"):
        s = _text(frame, c)
        ctrl = s.str.contains(_CONTROL, regex=True, na=False).to_numpy()
        s = s.str.replace(_CONTROL, "", regex=True)
        report(ctrl, col(c), "insp_control", severity="warning")
        long = (s.str.len() > MAX_TEXT[c]).fillna(False).to_numpy()
        s = s.str.slice(0, MAX_TEXT[c])
        report(long, col(c), "insp_too_long", severity="warning", limit=MAX_TEXT[c])
        out[c] = s.str.strip().fillna("")
    report((out["inspector"] == "").to_numpy(), col("inspector"), "insp_no_inspector")
    out["source"] = out["source"].where(out["source"] != "", f"import: {file}")

    # the place
    pid = _text(frame, "place_id")
    kind_src = _text(frame, "place_kind")
    kind = _lookup(kind_src, KIND_WORDS)
    report(
        (kind.isna() & kind_src.notna()).to_numpy(), col("place_kind"), "insp_bad_kind", kind_src
    )
    pay, kl = _place_table(payments), _place_table(key_locations)
    known_new = (
        set(known.loc[known["place_kind"].astype(str) == "new", "place_id"].astype(str))
        if known is not None and len(known)
        else set()
    )
    in_pay = pid.isin(pay.index).to_numpy()
    in_kl = pid.isin(kl.index).to_numpy()
    in_new = pid.isin(known_new).to_numpy()
    lon_in = to_number(_text(frame, "lon")).to_numpy(dtype=float)
    lat_in = to_number(_text(frame, "lat")).to_numpy(dtype=float)
    has_pos = np.isfinite(lon_in) & np.isfinite(lat_in)
    given = kind.fillna("").to_numpy(dtype=object)
    no_id = pid.isna().to_numpy()
    default = np.select(
        [in_pay, in_kl, in_new, no_id & has_pos], ["payment", "key_location", "new", "new"], ""
    ).astype(object)
    k = np.where(given != "", given, default)
    unknown = ~no_id & (k == "") & kind_src.isna().to_numpy()
    report(unknown, col("place_id"), "insp_unknown_place_any", pid)
    report(no_id & (k != "new") & ~bad, col("place_id"), "insp_no_place")
    for code, inside in (("payment", in_pay), ("key_location", in_kl)):
        wrong = (k == code) & ~no_id & ~inside
        report(wrong, col("place_id"), "insp_unknown_place", pid, kind=Msg(f"insp_kind_{code}"))
    report((k == "new") & ~no_id & ~in_new, col("place_id"), "insp_unknown_new", pid)
    out["place_kind"] = pd.Series(k, dtype="str")
    out["place_id"] = pid.fillna("").astype("str")

    # positions, districts and names: from the layer, or the point itself when new
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    adcode = np.full(n, "", dtype=object)
    place_name = np.full(n, "", dtype=object)
    for code, table in (("payment", pay), ("key_location", kl)):
        m = (k == code) & pid.isin(table.index).to_numpy()
        if m.any():
            rows_of = table.loc[pid[m].astype(str).to_numpy()]
            lon[m] = rows_of["lon"].to_numpy(dtype=float)
            lat[m] = rows_of["lat"].to_numpy(dtype=float)
            adcode[m] = rows_of["adcode"].to_numpy(dtype=object)
            place_name[m] = rows_of["name"].to_numpy(dtype=object)
    new = k == "new"
    revisit = new & in_new & ~has_pos  # a known new point: its last position
    if revisit.any() and known is not None:
        last = known[known["place_kind"].astype(str) == "new"]
        last = last.drop_duplicates("place_id", keep="last")
        rows_of = last.set_index(last["place_id"].astype(str)).loc[pid[revisit].astype(str)]
        lon[revisit] = rows_of["lon"].to_numpy(dtype=float)
        lat[revisit] = rows_of["lat"].to_numpy(dtype=float)
        adcode[revisit] = rows_of["adcode"].astype(str).to_numpy(dtype=object)
        place_name[revisit] = rows_of["name"].astype(str).to_numpy(dtype=object)
    report(new & ~has_pos & ~revisit & ~bad, col("lon"), "insp_new_no_coord")
    fine = new & has_pos
    lon[fine], lat[fine] = lon_in[fine], lat_in[fine]
    adcode[fine] = _locate(lon_in[fine], lat_in[fine], districts)
    where = (
        pd.Series(np.round(lon_in, 6)).astype("string")
        + ","
        + pd.Series(np.round(lat_in, 6)).astype("string")
    )
    report(fine & (adcode == ""), col("lon"), "insp_new_outside", where)
    assign = new & no_id & ~bad
    if assign.any():
        out.loc[assign, "place_id"] = new_point_ids(
            lon[assign], lat[assign], out["name"][assign], known
        )
    out["lon"], out["lat"] = lon, lat
    out["adcode"] = pd.Series(adcode, dtype="str")
    out["name"] = out["name"].where(out["name"] != "", pd.Series(place_name, dtype="str"))

    # when
    t_src = _text(frame, "inspected_at")
    if "inspected_at" in frame.columns and pd.api.types.is_datetime64_any_dtype(
        frame["inspected_at"]
    ):
        when = storable(frame[["inspected_at"]])["inspected_at"]
    else:
        when = _parse_times(t_src.fillna(""))
    report(t_src.isna().to_numpy(), col("inspected_at"), "insp_no_time")
    report((when.isna() & t_src.notna()).to_numpy(), col("inspected_at"), "insp_bad_time", t_src)
    limit = _beijing_naive(now)
    late = (when > limit + FUTURE_SLACK).fillna(False).to_numpy(dtype=bool)
    report(late, col("inspected_at"), "insp_future", t_src, now=limit.strftime("%Y-%m-%d %H:%M"))
    out["inspected_at"] = when.astype("datetime64[ns]")

    # the checks
    tried = np.zeros(n, dtype=bool)
    unreadable = np.zeros(n, dtype=bool)
    for c in CHECK_COLUMNS:
        src = _text(frame, c)
        res = _lookup(src, RESULT_WORDS)
        wrong = (res.isna() & src.notna()).to_numpy()
        report(wrong, col(c), "insp_bad_result", src)
        unreadable |= wrong
        res = res.fillna("")
        tried |= (res != "").to_numpy()
        out[c] = res
    present = [col(c) for c in CHECK_COLUMNS if c in frame.columns] or [col(CHECK_COLUMNS[0])]
    report(~tried & ~unreadable, present[0], "insp_no_checks", columns=", ".join(present))

    # the photo: a stored photo's path or nothing
    photo = _text(frame, "photo").fillna("")
    odd = (photo != "") & ~photo.str.match(_PHOTO.pattern)
    report(odd.to_numpy(), col("photo"), "insp_bad_photo", photo, severity="warning")
    out["photo"] = photo.where(~odd, "")

    problems.sort(key=lambda p: (p.row or 0, p.severity != "error"))
    kept = out.loc[~bad].reset_index(drop=True)
    return storable(kept), problems


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class InspectionSettings:
    """How inspections count: an accepted check is valid evidence for ``validity_days``."""

    validity_days: int = DEFAULT_VALIDITY_DAYS


def settings_from_dict(data: Mapping) -> InspectionSettings:
    """Validate the settings document.

    Raises
    ------
    ValueError
        With a :class:`Msg` when ``validity_days`` is not a whole number in 1..3650.
    """
    if not isinstance(data, Mapping):
        raise ValueError(Msg("insp_bad_settings", detail=type(data).__name__))
    days = data.get("validity_days", DEFAULT_VALIDITY_DAYS)
    lo, hi = VALIDITY_RANGE
    if isinstance(days, bool) or not isinstance(days, int) or not lo <= days <= hi:
        raise ValueError(Msg("insp_bad_validity", value=repr(days)))
    return InspectionSettings(validity_days=days)


def load_settings(home: Path | None = None) -> InspectionSettings:
    """The settings in effect: the workspace's document, else the defaults.

    Raises
    ------
    ValueError
        When the stored document is not valid (undo to the previous version).
    """
    content = load_document(SETTINGS_DOCUMENT, home)
    return InspectionSettings() if content is None else settings_from_dict(content)


def save_settings(settings: InspectionSettings, home: Path | None = None, source: str = "") -> str:
    """Validate and store ``settings`` as a new version; return its file name."""
    data = {"validity_days": settings.validity_days}
    settings_from_dict(data)
    return save_document(SETTINGS_DOCUMENT, data, home, source)


def undo_settings(home: Path | None = None) -> str | None:
    """Step the settings back one version (None: the defaults again)."""
    return undo_document(SETTINGS_DOCUMENT, home)


def settings_history(home: Path | None = None) -> list[DocumentVersion]:
    """Every stored version of the settings, oldest first."""
    return document_history(SETTINGS_DOCUMENT, home)
