"""Verified coverage: payment points as field inspections find them, and the work list.

Field inspections (:mod:`dashboard.core.inspections`) say, check by check, whether a
visitor could actually pay at a place. This module turns them into an *effective supply*
that :func:`dashboard.engine.coverage.assess_coverage` takes as it takes the payments
layer, into a status per payment point, and into the list of places due for a visit.

Rules (as of date ``D``; ``as_of=None`` is today)
-------------------------------------------------
* **Evidence** for (place, check) = the latest inspection of that place with
  ``inspected_at.date() <= D`` whose ``check_<c>`` is non-empty (one of
  :data:`~dashboard.core.inspections.RESULTS`; other text counts as not tried). Ties at
  the same timestamp: the later row of the frame wins (the store appends in the order of
  entry).
* ``basis="claimed"``: a point's effective capabilities = claimed ∪ {c: evidence
  accepted} − {c: evidence refused / out of order}, whatever its age.
* ``basis="verified"``: effective capabilities = {c: evidence accepted and
  ``(D − date).days <= validity_days``}.
* Places of kind ``key_location`` and ``new`` become virtual supply points (id
  ``"<place_id>/visit"`` for a key location, ``place_id`` for a new point) with claimed =
  nothing and the same rule; their position, district and name are the latest
  inspection's (the name: the latest non-empty one, else the id); their
  ``in_service_date`` is the date of their first accepted check.
* A supply row whose effective capabilities are empty is dropped when the basis is
  verified, or when it has any evidence (claimed basis); rows with no evidence keep their
  claims.

The effective supply is the supply *of one date*: coverage on date ``t`` is
``assess_coverage(..., effective_supply(..., as_of=t), ..., as_of=t)``. Everything is
vectorised over the inspections' long form (one row per tried check): a sort and a
de-duplication, then numpy indexing; no Python loop over rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.core.inspections import (
    FAILS,
    PASS,
    REASONS,
    RESULTS,
    result_column,
)
from dashboard.core.model import CAPABILITIES, LIST_SEP
from dashboard.core.standards import Standards
from dashboard.engine.coverage import DateLike, assess_coverage, capability_matrix, in_service

#: The time zone of the inspections' times (naive, Beijing local).
BEIJING: Final[str] = "Asia/Shanghai"

#: The two readings of the payments layer: its claims amended by inspections, or only
#: what inspections verified recently.
BASES: Final[tuple[str, ...]] = ("claimed", "verified")

#: Columns of :func:`latest_evidence`.
EVIDENCE_COLUMNS: Final[tuple[str, ...]] = (
    "place_kind",
    "place_id",
    "check",
    "result",
    "inspected_at",
    "lon",
    "lat",
    "adcode",
)
#: Columns of :func:`point_status`.
STATUS_COLUMNS: Final[tuple[str, ...]] = (
    "status",
    "last_inspected",
    "verified_caps",
    "failed_caps",
    "due_since",
)
#: Columns of :func:`work_list`.
WORK_LIST_COLUMNS: Final[tuple[str, ...]] = (
    "kind",
    "id",
    "name_zh",
    "name_en",
    "category",
    "adcode",
    "lon",
    "lat",
    "reason",
    "weight",
    "last_inspected",
    "due_since",
)
#: Payment type of a virtual supply point (a valid code of ``model.PAYMENT_TYPES``).
VIRTUAL_CATEGORY: Final[str] = "foreign_card_pos"
#: ``source`` of a virtual supply point.
VIRTUAL_SOURCE: Final[str] = "field inspection"
#: Days before ``as_of`` of the default ``since`` of :func:`work_list`.
NEWLY_UNCOVERED_DAYS: Final[int] = 30

_CAPS: Final[list[str]] = list(CAPABILITIES)
_NCAP = len(_CAPS)
_DAY_NS = 86_400 * 10**9
_NAT = np.iinfo(np.int64).min
_VIRTUAL_KINDS = ("key_location", "new")
#: ``;``-joined capabilities of each bit pattern (bit j: ``_CAPS[j]``).
_JOINED = np.array(
    [LIST_SEP.join(c for j, c in enumerate(_CAPS) if b >> j & 1) for b in range(1 << _NCAP)],
    dtype=object,
)
_BITS = 1 << np.arange(_NCAP, dtype=np.int64)


# --------------------------------------------------------------------------- helpers


def _day(as_of: DateLike | None) -> pd.Timestamp:
    """``as_of`` as a day (midnight); None is today in Beijing, whose time the records
    keep, whatever the server's own time zone (between 16:00 and 24:00 UTC Beijing is a
    day ahead: a visit recorded a minute ago would otherwise lie in the future)."""
    ts = pd.Timestamp.now(tz=BEIJING).tz_localize(None) if as_of is None else pd.Timestamp(as_of)
    if ts.tzinfo is not None:
        ts = ts.tz_convert(BEIJING).tz_localize(None)
    return ts.normalize()


def _check_args(basis: str, validity_days: int) -> None:
    if basis not in BASES:
        raise ValueError(f"basis must be one of {', '.join(BASES)}, got {basis!r}")
    if not validity_days >= 0:
        raise ValueError(f"validity_days must be a non-negative number, got {validity_days!r}")


def _text(values: pd.Series) -> pd.Series:
    """Cells as stripped text, missing as ``""``."""
    if isinstance(values.dtype, pd.StringDtype):  # pyarrow's strip, no Python objects
        return values.str.strip().fillna("").astype(str)
    return values.astype(object).where(values.notna(), "").astype(str).str.strip()


def _timestamps(values: pd.Series) -> pd.Series:
    at = pd.to_datetime(values, errors="coerce", format="mixed")
    if isinstance(at.dtype, pd.DatetimeTZDtype):
        at = at.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    return at.astype("datetime64[ns]")


def _any_row(mat: np.ndarray) -> np.ndarray:
    """Per row of a boolean matrix: any True."""
    return np.asarray(mat.any(axis=1), dtype=bool)


def _joined(mat: np.ndarray) -> np.ndarray:
    """``;``-joined capability codes of each row of a boolean (n × capabilities) matrix."""
    if mat.shape[0] == 0:
        return np.zeros(0, dtype=object)
    return _JOINED[mat.astype(np.int64) @ _BITS]


def _rows(inspections: pd.DataFrame, day: pd.Timestamp | None) -> pd.DataFrame:
    """The inspections dated on or before ``day`` (None: every dated one): kind, place id,
    timestamp, frame position, and the columns later steps read."""
    at = _timestamps(inspections["inspected_at"])
    keep = at.notna() if day is None else at.notna() & (at < day + pd.Timedelta(days=1))
    keep = keep.to_numpy()
    pos = np.flatnonzero(keep)
    sub = inspections.iloc[pos]
    out = pd.DataFrame(
        {
            "place_kind": _text(sub["place_kind"]).to_numpy(),
            "place_id": _text(sub["place_id"]).to_numpy(),
            "inspected_at": at.to_numpy()[pos],
            "pos": pos,
        }
    )
    for col in ("lon", "lat"):
        out[col] = (
            pd.to_numeric(sub[col], errors="coerce").to_numpy(dtype="float64")
            if col in sub.columns
            else np.nan
        )
    for col in ("adcode", "name"):
        out[col] = _text(sub[col]).to_numpy() if col in sub.columns else ""
    return out


def _long(rows: pd.DataFrame, inspections: pd.DataFrame) -> pd.DataFrame:
    """One row per tried check of ``rows`` (result one of RESULTS), in frame order per check."""
    parts = []
    for j, check in enumerate(_CAPS):
        col = result_column(check)
        if col not in inspections.columns:
            continue
        res = _text(inspections[col].iloc[rows["pos"].to_numpy()]).to_numpy()
        hit = np.isin(res, list(RESULTS))
        if hit.any():
            part = rows.loc[hit].copy()
            part["check"] = check
            part["cap"] = j
            part["result"] = res[hit]
            parts.append(part)
    if not parts:
        empty = rows.iloc[:0].copy()
        empty["check"] = pd.Series([], dtype=object)
        empty["cap"] = pd.Series([], dtype=np.int64)
        empty["result"] = pd.Series([], dtype=object)
        return empty
    return pd.concat(parts, ignore_index=True)


@dataclass(frozen=True, eq=False)
class FieldRecords:
    """The inspections read once for every date: their rows (:func:`_rows` without the
    date cut) and their tried checks (:func:`_long`), so that each date is a cut of two
    arrays instead of a new reading of the text. Built by :func:`field_records`; what
    :func:`point_status`, :func:`effective_supply` and :func:`work_list` take in place of
    the inspections frame, with the same answers. Read-only (shared by callers)."""

    inspections: pd.DataFrame
    rows: pd.DataFrame
    long: pd.DataFrame

    def on(self, day: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``(_rows(inspections, day), _long(those rows, inspections))``, equal to them."""
        cut = (day + pd.Timedelta(days=1)).to_datetime64()
        keep = self.rows["inspected_at"].to_numpy() < cut
        if not keep.any():  # nothing yet: the reading of no rows, with its dtypes
            rows = _rows(self.inspections, day)
            return rows, _long(rows, self.inspections)
        rows = self.rows if keep.all() else self.rows[keep].reset_index(drop=True)
        tried = self.long["inspected_at"].to_numpy() < cut
        if not tried.any():
            return rows, _long(rows, self.inspections)
        long = self.long if tried.all() else self.long[tried].reset_index(drop=True)
        return rows, long


def field_records(inspections: pd.DataFrame | FieldRecords) -> FieldRecords:
    """The :class:`FieldRecords` of an inspections frame (a FieldRecords is returned as is)."""
    if isinstance(inspections, FieldRecords):
        return inspections
    rows = _rows(inspections, None)
    return FieldRecords(inspections, rows, _long(rows, inspections))


def _rows_long(
    inspections: pd.DataFrame | FieldRecords, day: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows dated on or before ``day`` and their tried checks."""
    if isinstance(inspections, FieldRecords):
        return inspections.on(day)
    rows = _rows(inspections, day)
    return rows, _long(rows, inspections)


def _latest(long: pd.DataFrame) -> pd.DataFrame:
    """The latest evidence per (place_kind, place_id, check): ties by frame position."""
    ordered = long.sort_values(["inspected_at", "pos"], kind="stable")
    last = ordered.drop_duplicates(["place_kind", "place_id", "check"], keep="last")
    return last.sort_values(["place_kind", "place_id", "cap"], kind="stable")


class _Evidence:
    """Evidence matrices (places × capabilities) for the places ``keys`` of one kind."""

    def __init__(
        self, latest: pd.DataFrame, kind: str, keys: pd.Index, day: pd.Timestamp, validity: int
    ):
        n = len(keys)
        sub = latest[latest["place_kind"].to_numpy() == kind]
        u = keys.get_indexer(pd.Index(sub["place_id"]))
        ok = u >= 0
        u, j = u[ok], sub["cap"].to_numpy(dtype=np.intp)[ok]
        res = sub["result"].to_numpy()[ok]
        date = sub["inspected_at"].dt.normalize().to_numpy("datetime64[ns]").astype(np.int64)[ok]
        self.accepted = np.zeros((n, _NCAP), dtype=bool)
        self.failed = np.zeros((n, _NCAP), dtype=bool)
        self.date = np.full((n, _NCAP), _NAT, dtype=np.int64)  # day of the evidence (ns)
        self.accepted[u, j] = res == PASS
        self.failed[u, j] = np.isin(res, FAILS)
        self.date[u, j] = date
        age = (day.value - self.date) // _DAY_NS
        self.valid = self.accepted & (age <= validity)
        self.any = _any_row(self.accepted | self.failed)

    def effective(self, claimed: np.ndarray, basis: str) -> np.ndarray:
        if basis == "verified":
            return self.valid
        return (claimed | self.accepted) & ~self.failed


def _id_keys(ids: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Each row's position among the distinct ids, and the distinct ids."""
    codes, uniques = pd.factorize(_text(ids), use_na_sentinel=False)
    return codes, pd.Index(uniques)


# --------------------------------------------------------------------------- evidence


def latest_evidence(
    inspections: pd.DataFrame | FieldRecords, as_of: DateLike | None = None
) -> pd.DataFrame:
    """The evidence as of ``as_of``: per (place_kind, place_id, check) the latest non-empty
    result dated on or before that day (ties at one timestamp: the later row wins).

    Returns
    -------
    DataFrame with :data:`EVIDENCE_COLUMNS`; ``lon``, ``lat``, ``adcode`` are the
    evidence's inspection's. Sorted by place kind, place id and check.
    """
    day = _day(as_of)
    long = _rows_long(inspections, day)[1]
    return _latest(long)[list(EVIDENCE_COLUMNS)].reset_index(drop=True)


def _virtual_points(
    rows: pd.DataFrame, long: pd.DataFrame, latest: pd.DataFrame, day, basis, validity
) -> pd.DataFrame:
    """Supply rows of the key-location visits and new points with effective capabilities."""
    kinds = latest["place_kind"].to_numpy()
    places = latest[np.isin(kinds, _VIRTUAL_KINDS)]
    if places.empty:
        return pd.DataFrame()
    frames = []
    for kind in _VIRTUAL_KINDS:
        keys = pd.Index(pd.unique(places.loc[places["place_kind"] == kind, "place_id"]))
        if len(keys) == 0:
            continue
        ev = _Evidence(latest, kind, keys, day, validity)
        eff = ev.effective(np.zeros_like(ev.accepted), basis)
        keep = _any_row(eff)
        if not keep.any():
            continue
        of_kind = long[long["place_kind"].to_numpy() == kind]
        last = of_kind.sort_values(["inspected_at", "pos"], kind="stable").drop_duplicates(
            "place_id", keep="last"
        )
        last = last.set_index("place_id").reindex(keys[keep])
        named = rows[(rows["place_kind"].to_numpy() == kind) & (rows["name"] != "").to_numpy()]
        names = (
            named.sort_values(["inspected_at", "pos"], kind="stable")
            .drop_duplicates("place_id", keep="last")
            .set_index("place_id")["name"]
            .reindex(keys[keep])
        )
        ids = keys[keep].to_numpy(dtype=object)
        names = names.where(names.notna(), pd.Series(ids, index=names.index)).to_numpy()
        accepted = of_kind[of_kind["result"].to_numpy() == PASS]
        first = accepted.groupby("place_id")["inspected_at"].min().dt.normalize()
        frame = pd.DataFrame(
            {
                "id": ids + "/visit" if kind == "key_location" else ids,
                "name_zh": names,
                "name_en": names,
                "category": VIRTUAL_CATEGORY,
                "adcode": last["adcode"].to_numpy(),
                "lon": last["lon"].to_numpy(dtype="float64"),
                "lat": last["lat"].to_numpy(dtype="float64"),
                "capabilities": _joined(eff[keep]),
                "in_service_date": first.reindex(keys[keep]).to_numpy("datetime64[ns]"),
                "host_id": ids if kind == "key_location" else None,
                "source": VIRTUAL_SOURCE,
                "synthetic": False,
            }
        )
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def effective_supply(
    payments: pd.DataFrame,
    inspections: pd.DataFrame | FieldRecords,
    *,
    as_of: DateLike | None = None,
    basis: str = "claimed",
    validity_days: int = 180,
) -> pd.DataFrame:
    """The payment points as inspections found them on ``as_of``: usable as the ``supply``
    of :func:`~dashboard.engine.coverage.assess_coverage` for that same date.

    ``capabilities`` holds the effective capabilities (``;``-joined, model order) of each
    row that has evidence; rows without evidence keep their cell as it is (claimed basis).
    Rows are dropped and virtual points (key-location visits, new points) added by the
    module's rules; virtual points have ``category`` :data:`VIRTUAL_CATEGORY`, ``source``
    :data:`VIRTUAL_SOURCE`, ``synthetic`` False (and ``host_id`` the key location for a
    visit). With no evidence on the claimed basis the payments come back unchanged (the
    same object). A GeoDataFrame stays one (virtual points get a point geometry).
    ``inspections`` may be their :func:`field_records` (read once for many dates).

    Raises
    ------
    ValueError
        On an unknown basis or a negative validity.
    """
    _check_args(basis, validity_days)
    day = _day(as_of)
    raw = inspections.inspections if isinstance(inspections, FieldRecords) else inspections
    if len(raw) == 0 and basis == "claimed":
        return payments
    rows, long = _rows_long(inspections, day)
    if long.empty and basis == "claimed":
        return payments
    latest = _latest(long)

    codes, keys = _id_keys(payments["id"])
    ev = _Evidence(latest, "payment", keys, day, validity_days)
    claimed = capability_matrix(payments["capabilities"]) if "capabilities" in payments else None
    if claimed is None:
        claimed = np.zeros((len(payments), _NCAP), dtype=bool)
    has = ev.any[codes] if len(payments) else np.zeros(0, dtype=bool)
    eff = ev.effective(claimed, basis)[codes] if len(payments) else claimed
    empty = ~_any_row(eff)
    keep = ~(empty & ((basis == "verified") | has))

    out = payments.iloc[np.flatnonzero(keep)].reset_index(drop=True)
    caps = (
        _text(payments["capabilities"]).to_numpy(dtype=object)
        if "capabilities" in payments
        else np.full(len(payments), "", dtype=object)
    )
    rewrite = has if basis == "claimed" else np.ones(len(payments), dtype=bool)
    caps = np.where(rewrite, _joined(eff), caps)[keep]
    out["capabilities"] = pd.Series(caps, index=out.index, dtype="str")

    virtual = _virtual_points(rows, long, latest, day, basis, validity_days)
    if virtual.empty:
        return out
    cols = list(dict.fromkeys([*out.columns, "id", "lon", "lat", "capabilities"]))
    cols += [] if "in_service_date" in cols else ["in_service_date"]
    if isinstance(out, gpd.GeoDataFrame):
        geo = out.geometry.name
        virtual[geo] = gpd.points_from_xy(virtual["lon"], virtual["lat"], crs=out.crs)
        virtual = gpd.GeoDataFrame(virtual, geometry=geo, crs=out.crs)
    virtual = virtual.reindex(columns=cols)
    for col in ("card_schemes", "wallets"):
        if col in virtual.columns:
            virtual[col] = ""
    if len(out) == 0:
        return virtual.reset_index(drop=True)
    return pd.concat([out, virtual], ignore_index=True)


# --------------------------------------------------------------------------- status


def point_status(
    payments: pd.DataFrame,
    inspections: pd.DataFrame | FieldRecords,
    *,
    as_of: DateLike | None = None,
    validity_days: int = 180,
) -> pd.DataFrame:
    """Each payment point's standing with the inspectors on ``as_of`` (payments' index).

    * ``status``: ``failed`` when the evidence of a claimed capability (the layer's
      ``capabilities``) is a refusal or out of order; else ``verified`` when some
      capability has accepted evidence no older than ``validity_days`` (the point is in
      the verified supply); else ``expired`` when it has accepted evidence, all older;
      else ``never`` (never confirmed, whether or not inspected).
    * ``last_inspected``: its latest inspection on or before ``as_of`` (NaT: none).
    * ``verified_caps``: capabilities with valid accepted evidence; ``failed_caps``: the
      claimed capabilities whose evidence failed (``;``-joined).
    * ``due_since``: the day it became due: failed → the earliest day of its current
      failures; expired → the first day its latest pass no longer counts (pass day +
      ``validity_days`` + 1); verified and never → NaT.
    """
    _check_args("claimed", validity_days)
    day = _day(as_of)
    n = len(payments)
    codes, keys = _id_keys(payments["id"])
    rows, long = _rows_long(inspections, day)
    latest = _latest(long)
    ev = _Evidence(latest, "payment", keys, day, validity_days)
    claimed = (
        capability_matrix(payments["capabilities"])
        if "capabilities" in payments
        else np.zeros((n, _NCAP), dtype=bool)
    )
    if n == 0:
        return pd.DataFrame(
            {c: pd.Series([], dtype=object) for c in STATUS_COLUMNS}, index=payments.index
        ).astype({"last_inspected": "datetime64[ns]", "due_since": "datetime64[ns]"})
    accepted, valid, date = ev.accepted[codes], ev.valid[codes], ev.date[codes]
    failed = ev.failed[codes] & claimed
    is_failed = _any_row(failed)
    is_verified = ~is_failed & _any_row(valid)
    is_expired = ~is_failed & ~is_verified & _any_row(accepted)
    status = np.select(
        [is_failed, is_verified, is_expired],
        np.array(["failed", "verified", "expired"], dtype=object),
        default="never",
    )

    big = np.iinfo(np.int64).max
    fail_day = np.where(failed, date, big).min(axis=1)
    pass_day = np.where(accepted, date, _NAT).max(axis=1)
    due = np.full(n, _NAT, dtype=np.int64)
    due[is_failed] = fail_day[is_failed]
    due[is_expired] = pass_day[is_expired] + (int(validity_days) + 1) * _DAY_NS

    visits = rows[rows["place_kind"].to_numpy() == "payment"]
    last = visits.groupby("place_id")["inspected_at"].max().reindex(keys)
    return pd.DataFrame(
        {
            "status": status,
            "last_inspected": last.to_numpy("datetime64[ns]")[codes],
            "verified_caps": _joined(valid),
            "failed_caps": _joined(failed),
            "due_since": due.view("datetime64[ns]"),
        },
        index=payments.index,
    )


# --------------------------------------------------------------------------- work list


def _empty_work_list() -> pd.DataFrame:
    types: dict[str, str] = {c: "object" for c in WORK_LIST_COLUMNS}
    types.update(lon="float64", lat="float64", weight="float64")
    frame = pd.DataFrame({c: pd.Series([], dtype=t) for c, t in types.items()})
    return frame.astype({"last_inspected": "datetime64[ns]", "due_since": "datetime64[ns]"})


def day_of(as_of: DateLike | None = None) -> pd.Timestamp:
    """The day the work list and the point status are of: ``as_of`` at midnight; None is
    today in Beijing (the records' time)."""
    return _day(as_of)


def comparison_day(as_of: DateLike | None = None, since: DateLike | None = None) -> pd.Timestamp:
    """The day "newly uncovered" compares with: ``since``, by default ``as_of`` − 30 days."""
    if since is not None:
        return _day(since)
    return _day(as_of) - pd.Timedelta(days=NEWLY_UNCOVERED_DAYS)


def work_list(
    key_locations: pd.DataFrame,
    payments: pd.DataFrame,
    inspections: pd.DataFrame | FieldRecords,
    standards: Standards,
    districts: gpd.GeoDataFrame | None = None,
    *,
    as_of: DateLike | None = None,
    validity_days: int = 180,
    since: DateLike | None = None,
    basis: str = "claimed",
) -> pd.DataFrame:
    """The places due for a visit on ``as_of``, the most important first.

    * **Payment points** in service on ``as_of`` whose :func:`point_status` is
      ``failed``, ``expired`` or ``never`` (that is the ``reason``).
    * **Key locations newly uncovered**: covered on ``since`` (default ``as_of`` − 30
      days) and not on ``as_of``, each date's coverage computed by ``assess_coverage``
      on that date's :func:`effective_supply` of ``basis``; an item is closed by an
      inspection of that key location dated after ``since`` (and on or before ``as_of``).

    ``weight``: a key location's standard weight; a payment point's, the sum of the
    standard weights of the key locations it covers as their deciding point
    (``nearest_id``) on the layer's own claims on ``as_of`` (what coverage loses if its
    claims are wrong), 0 if none. Order: weight (desc), reason (failed, newly
    uncovered, expired, never), the standard weight of the category (desc; payment
    types have none, 0), id. ``due_since``: :func:`point_status`'s for points; NaT for key
    locations (they turned uncovered some day after ``since``).

    The parts (status, the three coverages) are computed here and put together by
    :func:`work_list_of`, which a caller holding them already (cached) calls instead.

    Returns
    -------
    DataFrame with :data:`WORK_LIST_COLUMNS`, index 0..n-1.
    """
    _check_args(basis, validity_days)
    day = _day(as_of)
    then = comparison_day(day, since)
    records = field_records(inspections)

    def places(supply: pd.DataFrame, when: pd.Timestamp) -> pd.DataFrame:
        return assess_coverage(key_locations, supply, districts, standards, as_of=when).places

    def supply(when: pd.Timestamp) -> pd.DataFrame:
        return effective_supply(
            payments, records, as_of=when, basis=basis, validity_days=validity_days
        )

    return work_list_of(
        key_locations,
        payments,
        records,
        standards,
        status=point_status(payments, records, as_of=day, validity_days=validity_days),
        on_claims=places(payments, day),
        now=places(supply(day), day),
        before=places(supply(then), then),
        as_of=day,
        since=then,
    )


def _lookup(values: pd.Series, table: dict, missing: float) -> np.ndarray:
    """``table`` of each value (``missing`` when absent) as float64, looked up once per
    distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    lut = np.array([table.get(u, missing) for u in uniques], dtype="float64")
    return lut[codes] if len(codes) else np.zeros(0, dtype="float64")


def _decided_weights(pay_ids: np.ndarray, nearest: pd.Series, weights: pd.Series) -> np.ndarray:
    """Per id of ``pay_ids`` (sorted), the sum of the ``weights`` whose ``nearest`` is it
    (0: none); each sum over its rows in their order, as a group-by of ``nearest`` sums.
    Looked up in the arrays' own hash (pyarrow) when the ids are distinct."""
    n = len(pay_ids)
    if n == 0 or (n > 1 and bool((pay_ids[1:] == pay_ids[:-1]).any())):
        weight_of = weights.groupby(nearest, sort=False).sum()
        return weight_of.reindex(pay_ids).fillna(0.0).to_numpy("float64")
    # pyarrow.compute makes its functions at import: the stubs do not list index_in
    find = pc.index_in  # pyright: ignore[reportAttributeAccessIssue]
    at = find(pa.array(nearest, type=pa.string()), value_set=pa.array(pay_ids, type=pa.string()))
    at = pc.fill_null(at, -1).to_numpy().astype(np.intp)
    hit = at >= 0
    sums = weights[hit].groupby(at[hit], sort=False).sum()
    out = np.zeros(n, dtype="float64")
    out[sums.index.to_numpy(dtype=np.intp)] = sums.to_numpy(dtype="float64")
    return out


def _cells(frame: pd.DataFrame, col: str, at: np.ndarray) -> object:
    """The cells of ``col`` at the positions ``at`` (``""`` without the column)."""
    return frame[col].iloc[at].to_numpy() if col in frame else ""  # not the whole column


def due_points(
    payments: pd.DataFrame, status: pd.DataFrame, as_of: DateLike | None = None
) -> pd.DataFrame:
    """The payment points of the work list on ``as_of`` (in service, ``status`` not
    verified; ``status`` is :func:`point_status`'s, row for row with ``payments``), as its
    rows with weight 0, in the order of their ids (a stable sort): the part that depends on
    the checks and the date, not on the standards (:func:`work_list_of` weights them and
    then needs to compare ids only with the key locations'; its order is the same as if
    they came in the layer's order, the sort being stable)."""
    day = _day(as_of)
    reason = status["status"].to_numpy()
    due = np.flatnonzero((reason != "verified") & in_service(payments, day))
    ids = _text(payments["id"].iloc[due]).to_numpy()
    by_id = np.argsort(ids, kind="stable")
    due, ids = due[by_id], ids[by_id]

    return pd.DataFrame(
        {
            "kind": "payment",
            "id": ids,
            "name_zh": _cells(payments, "name_zh", due),
            "name_en": _cells(payments, "name_en", due),
            "category": _cells(payments, "category", due),
            "adcode": _text(payments["adcode"].iloc[due]).to_numpy()
            if "adcode" in payments
            else "",
            "lon": payments["lon"].to_numpy(dtype="float64")[due],
            "lat": payments["lat"].to_numpy(dtype="float64")[due],
            "reason": reason[due],
            "weight": np.zeros(due.size, dtype="float64"),
            "last_inspected": status["last_inspected"].to_numpy()[due],
            "due_since": status["due_since"].to_numpy()[due],
        }
    )


def work_list_of(
    key_locations: pd.DataFrame,
    payments: pd.DataFrame,
    inspections: pd.DataFrame | FieldRecords,
    standards: Standards,
    *,
    status: pd.DataFrame,
    on_claims: pd.DataFrame,
    now: pd.DataFrame,
    before: pd.DataFrame,
    as_of: DateLike | None = None,
    since: DateLike | None = None,
    due: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """:func:`work_list` from its parts: ``status``, :func:`point_status` on ``as_of``
    (row for row with ``payments``: its ``status``, ``last_inspected`` and ``due_since``
    are read by position), and the key locations' coverage (``place_coverage``'s table,
    row for row with ``key_locations``) on ``as_of`` on the payments' claims
    (``on_claims``) and on the effective supply of ``as_of`` (``now``) and of ``since``
    (``before``, default ``as_of`` − 30 days; only its ``covered`` is read, and only
    where ``now`` is not covered); ``due``: :func:`due_points` of ``payments``
    and ``status`` if the caller holds it. Only the items' rows are gathered; the answer
    is :func:`work_list`'s."""
    day = _day(as_of)
    then = comparison_day(day, since)

    # payment points due, weighted by the key locations they decide on their claims
    pay_items = due_points(payments, status, day) if due is None else due
    decided = on_claims["covered"].to_numpy(dtype=bool)
    nearest = pd.Series(on_claims["nearest_id"].array[decided]).astype(str)
    weights = pd.Series(on_claims["weight"].to_numpy(dtype="float64")[decided])
    pay_ids = pay_items["id"].to_numpy()
    pay_items = pay_items.assign(weight=_decided_weights(pay_ids, nearest, weights))

    # key locations newly uncovered and not visited since
    newly = before["covered"].to_numpy(dtype=bool) & ~now["covered"].to_numpy(dtype=bool)
    rows, _ = _rows_long(inspections, day)
    visits = rows[rows["place_kind"].to_numpy() == "key_location"]
    after = visits[(visits["inspected_at"].dt.normalize() > then).to_numpy()]
    at = np.flatnonzero(newly)
    if "id" in key_locations:
        kid = _text(key_locations["id"].iloc[at]).to_numpy()
        by_id = np.argsort(kid, kind="stable")  # in the order of ids, as the due points
        at, kid = at[by_id], kid[by_id]
    else:
        kid = now["id"].iloc[at].to_numpy()
    open_ = ~np.isin(kid, after["place_id"].to_numpy())
    at, kid = at[open_], kid[open_]
    last_visit = visits.groupby("place_id")["inspected_at"].max()
    key_items = pd.DataFrame(
        {
            "kind": "key_location",
            "id": kid,
            "name_zh": _cells(key_locations, "name_zh", at),
            "name_en": _cells(key_locations, "name_en", at),
            "category": key_locations["category"].iloc[at].to_numpy(),
            "adcode": now["adcode"].iloc[at].astype(str).to_numpy(),
            "lon": now["lon"].to_numpy(dtype="float64")[at],
            "lat": now["lat"].to_numpy(dtype="float64")[at],
            "reason": "newly_uncovered",
            "weight": now["weight"].to_numpy(dtype="float64")[at],
            "last_inspected": last_visit.reindex(kid).to_numpy("datetime64[ns]"),
            "due_since": np.full(at.size, _NAT, dtype=np.int64).view("datetime64[ns]"),
        }
    )

    items = [f for f in (pay_items, key_items) if len(f)]
    if not items:
        return _empty_work_list()
    out = pd.concat(items, ignore_index=True)
    rank = {r: k for k, r in enumerate(REASONS)}
    cat_w = {c: s.weight for c, s in standards.items()}
    if "id" in key_locations:
        # both parts come sorted by id (stably): an id's rank among all of them, the key
        # location after a payment point of the same id (as a stable sort of the two)
        places = 2 * np.searchsorted(pay_ids, kid, side="right") - 1
        id_rank = np.concatenate([2 * np.arange(len(pay_ids)), places])
    else:
        id_rank = out["id"].to_numpy()
    order = np.lexsort(
        (
            id_rank,
            -_lookup(out["category"], cat_w, 0.0),
            _lookup(out["reason"], rank, np.nan),
            -out["weight"].to_numpy(dtype="float64"),
        )
    )
    return out.take(order).reset_index(drop=True)[list(WORK_LIST_COLUMNS)]


__all__ = [
    "BASES",
    "EVIDENCE_COLUMNS",
    "STATUS_COLUMNS",
    "WORK_LIST_COLUMNS",
    "FieldRecords",
    "comparison_day",
    "day_of",
    "due_points",
    "effective_supply",
    "field_records",
    "latest_evidence",
    "point_status",
    "work_list",
    "work_list_of",
]
