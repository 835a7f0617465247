"""Search and details lookups that stay instant at size: an index built once per data
version, not a scan of every place on every rerun.

* :class:`TextIndex` — an n-gram inverted index over the casefolded id, Chinese name and
  English name of every row: every bigram within a field (Chinese or Latin) and every
  non-ASCII character alone (so one Chinese character is answered too), each hashed into
  :func:`bucket_bits` posting lists of row numbers (a CSC matrix built by scipy's counting
  sort: no Python loop over rows, no global argsort). A query's grams pick the candidate
  rows (intersecting the posting lists); the candidates are then checked for the real
  substring with pyarrow, in the order the results are ranked, until ``limit`` are found.
  A query of one Latin letter or digit, which no gram narrows down, walks the rows in
  ranked order the same way and stops as soon as it has ``limit`` results.
* :func:`search_inspect` — the Inspect page's search (:func:`brute_inspect` is the scan it
  replaces, kept as the reference the tests compare with), :func:`search_layers` — the Map
  explorer's (the reference is :func:`dashboard.engine.explore.search_places`).
* :class:`IdLookup`, :func:`latest_by_place`, :func:`last_names` — per-place details
  (a row by id, the latest inspection of a place) from a hash index instead of a scan.

Matching is case-insensitive by :meth:`str.casefold` ("STRASSE" finds "Straße"), on the
query with surrounding blanks removed. Pure: no Streamlit; the UI caches the indexes
(:mod:`dashboard.ui.search`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as _pc
import scipy.sparse as sp

#: Hash buckets of the grams (posting lists), at most: a collision only adds candidates,
#: which the substring check removes; 2^20 keeps them rare for a city's names. A small
#: index has fewer (:func:`bucket_bits`).
BUCKET_BITS = 20
#: Field separator inside the indexed text: ASCII's unit separator (pyarrow's patterns
#: stop at NUL). Replaced by U+FFFD in the fields; a query holding it finds nothing.
SEP = "\x1f"
_SEP_CP = np.uint64(ord(SEP))
#: Rows processed at once while building (bounds the temporary arrays).
CHUNK = 131_072
#: pyarrow's compute functions are generated at import: typed loosely for the checker.
pc: Any = _pc
_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: key * φ·2^64, top 20 bits


def fold(text: str) -> str:
    """The form queries and texts are compared in: blanks stripped, casefolded."""
    return str(text).strip().casefold()


# --------------------------------------------------------------------------- building


def _text_column(values: pd.Series | np.ndarray) -> pa.Array:
    """Strings as a pyarrow array, missing values as ''."""
    s = pd.Series(values, copy=False)
    obj = s.astype("string").fillna("").to_numpy(dtype=object)
    return pa.array(obj, type=pa.string())


def _codepoints(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The code points of every string of ``arr`` (a string array, possibly a slice)
    concatenated (uint32), and each string's length in code points."""
    if len(arr) == 0:
        return np.zeros(0, np.uint32), np.zeros(0, np.int64)
    wide = pa.types.is_large_string(arr.type)
    buf_offsets, data = arr.buffers()[1], arr.buffers()[2]
    offsets = np.frombuffer(buf_offsets, dtype=np.int64 if wide else np.int32)  # type: ignore[arg-type]
    offsets = offsets[arr.offset : arr.offset + len(arr) + 1]
    raw = b"" if data is None else bytes(memoryview(data)[offsets[0] : offsets[-1]])  # type: ignore[arg-type]
    cp = np.frombuffer(raw.decode("utf-8").encode("utf-32-le"), dtype=np.uint32)
    lengths = pc.utf8_length(arr).to_numpy(zero_copy_only=False).astype(np.int64)
    return cp, lengths


def fold_array(values: pd.Series | np.ndarray) -> pa.Array:
    """:func:`str.casefold` of every string (missing: ''), vectorised: pyarrow's lower-case
    for all rows, Python's casefold only for the rows holding a character whose casefold
    differs from its lower case (ß, ﬁ, İ, final sigma …: rare in a city's names)."""
    raw = pc.replace_substring(_text_column(values), SEP, "\ufffd")
    low = pc.utf8_lower(raw)
    cp, lengths = _codepoints(raw)
    if len(cp) == 0:
        return low
    present = np.zeros(0x110000, dtype=bool)
    present[cp] = True
    chars = [chr(c) for c in np.flatnonzero(present)]  # the distinct characters: a few thousand
    lowered = pc.utf8_lower(pa.array(chars, type=pa.string())).to_pylist()
    odd = [ord(c) for c, lo in zip(chars, lowered, strict=True) if c.casefold() != lo]
    if not odd:
        return low
    bad = np.zeros(0x110000, dtype=bool)
    bad[odd] = True
    ends = np.cumsum(lengths)
    rows = np.unique(np.searchsorted(ends, np.flatnonzero(bad[cp]), side="right"))
    fixed = [str(v).casefold() for v in raw.take(pa.array(rows)).to_pylist()]
    mask = np.zeros(len(raw), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(low, pa.array(mask), pa.array(fixed, type=pa.string()))


def bucket_bits(rows: int) -> int:
    """log2 of the buckets an index of ``rows`` rows uses: about four per row, 2^10 to
    2^:data:`BUCKET_BITS`."""
    return int(min(BUCKET_BITS, max(10, int(np.ceil(np.log2(max(rows, 1) * 4))))))


_PAIR = np.uint64(1) << np.uint64(62)
_ONE = np.uint64(1) << np.uint64(61)


def _grams(cp: np.ndarray, bits: int, unigrams: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Where the grams of ``cp`` start and their buckets: every bigram without :data:`SEP`
    and (``unigrams``) every non-ASCII character by itself, so that one Chinese character
    is a query the index answers."""
    c = cp.astype(np.uint64)
    a, b = c[:-1], c[1:]
    pairs = np.flatnonzero((a != _SEP_CP) & (b != _SEP_CP))
    keys = _PAIR | (a[pairs] << np.uint64(21)) | b[pairs]
    if not unigrams:
        return pairs, _hash(keys, bits)
    wide = np.flatnonzero(c >= 0x80)
    at = np.concatenate([pairs, wide])
    return at, np.concatenate([_hash(keys, bits), _hash(_ONE | c[wide], bits)])


def _hash(key: np.ndarray, bits: int) -> np.ndarray:
    return ((key * _MIX) >> np.uint64(64 - bits)).astype(np.int32)


def _query_buckets(q: str, bits: int) -> np.ndarray:
    """The buckets a folded query's rows must all hold: its bigrams, or, for a single
    character, the character (non-ASCII only; empty: the index cannot narrow it down)."""
    if not q:
        return np.zeros(0, np.int32)
    cp = np.frombuffer((q + SEP).encode("utf-32-le"), dtype=np.uint32)
    _, grams = _grams(cp, bits, unigrams=False)
    if len(grams) == 0:
        _, grams = _grams(cp, bits, unigrams=True)
    return np.unique(grams)


@dataclass(frozen=True, eq=False)
class SortedField:
    """One folded field of every row and the rows in the order of its values: equal
    values and prefixes by binary search (a few microseconds), no scan."""

    values: pa.Array
    order: np.ndarray

    def _left(self, q: str) -> int:
        lo, hi = 0, len(self.order)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.values[int(self.order[mid])].as_py() < q:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def _range(self, lo_q: str, hi_q: str | None) -> np.ndarray:
        lo = self._left(lo_q)
        hi = len(self.order) if hi_q is None else self._left(hi_q)
        return np.sort(self.order[lo:hi]).astype(np.int64)

    def equal(self, q: str) -> np.ndarray:
        """Rows whose value is ``q`` (ascending)."""
        return self._range(q, q + "\x00")

    def prefixed(self, q: str) -> np.ndarray:
        """Rows whose value starts with ``q`` (ascending)."""
        if not q:
            return np.arange(len(self.order), dtype=np.int64)
        last = ord(q[-1])
        return self._range(q, q[:-1] + chr(last + 1) if last < 0x10FFFF else None)


def _sorted_field(values: pa.Array) -> SortedField:
    return SortedField(values, pc.sort_indices(values).to_numpy().astype(np.int64))


@dataclass(frozen=True, eq=False)
class TextIndex:
    """The n-gram index of ``size`` rows (see the module docstring).

    ``fields`` hold each row's casefolded fields (id, name_zh, name_en), each also sorted
    (``sorted``) for equality and prefix look-ups; ``indptr`` and ``rows`` are the posting
    lists (rows of bucket ``b``: ``rows[indptr[b]:indptr[b+1]]``, ascending).
    """

    size: int
    fields: tuple[SortedField, ...]
    indptr: np.ndarray
    rows: np.ndarray
    bits: int

    @property
    def nbytes(self) -> int:
        """Memory the index holds (folded text, sort orders, posting lists)."""
        text = sum(f.values.nbytes + f.order.nbytes for f in self.fields)
        return int(text + self.indptr.nbytes + self.rows.nbytes)

    def candidates(self, q: str, sep: str | None = None) -> np.ndarray | None:
        """Rows that may contain the folded query ``q`` (ascending), a superset of those
        that do (:meth:`contains` with the same ``sep``); None when ``q`` has no gram
        (every row is a candidate)."""
        if SEP in q:
            return np.zeros(0, np.int64)
        # a match across fields has the separator where the text has none: no gram over it
        buckets = _query_buckets(q.replace(sep, SEP) if sep else q, self.bits)
        if len(buckets) == 0:
            return None
        lists = sorted((self.rows[self.indptr[b] : self.indptr[b + 1]] for b in buckets), key=len)
        cur = lists[0]
        for lst in lists[1:]:
            if len(cur) == 0:
                break
            at = np.searchsorted(lst, cur)
            hit = at < len(lst)
            hit[hit] = lst[at[hit]] == cur[hit]
            cur = cur[hit]
        return cur.astype(np.int64)

    def contains(self, rows: np.ndarray, q: str, sep: str | None = None) -> np.ndarray:
        """Whether each of ``rows`` contains the folded query ``q``: in one of its fields
        (``sep`` None), or in the fields joined by ``sep`` (a match may span them)."""
        if not q:
            return np.ones(len(rows), dtype=bool)
        if SEP in q:
            return np.zeros(len(rows), dtype=bool)
        at = pa.array(rows, type=pa.int64())
        cols = [f.values.take(at) for f in self.fields]
        text = pc.binary_join_element_wise(*cols, sep if sep and sep in q else SEP)
        return pc.match_substring(text, q).to_numpy(zero_copy_only=False)


def build_index(
    frame: pd.DataFrame, fields: tuple[str, ...] = ("id", "name_zh", "name_en")
) -> TextIndex:
    """The :class:`TextIndex` of ``frame``'s ``fields`` (missing values are ''), one row
    per row of ``frame`` in its order; built :data:`CHUNK` rows at a time."""
    n = len(frame)
    columns = [
        frame[f].to_numpy() if f in frame.columns else np.full(n, "", dtype=object) for f in fields
    ]
    bits = bucket_bits(n)
    folded: list[list[pa.Array]] = [[] for _ in fields]
    blocks = []
    for a in range(0, n, CHUNK):
        b = min(a + CHUNK, n)
        parts = [fold_array(col[a:b]) for col in columns]
        for f, part in zip(folded, parts, strict=True):
            f.append(part)
        sep = pa.array(np.full(b - a, SEP, dtype=object), type=pa.string())
        text = pc.binary_join_element_wise(*[x for p in parts for x in (p, sep)], "")
        cp, lengths = _codepoints(text)
        at, bucket = _grams(cp, bits)
        row = np.repeat(np.arange(b - a, dtype=np.int32), lengths)[at]
        m = sp.csr_matrix(
            (np.ones(len(row), np.int8), (row, bucket)), shape=(b - a, 1 << bits), dtype=np.int8
        )
        m.sum_duplicates()
        blocks.append(m)
    if blocks:
        csc = sp.vstack(blocks, format="csr").tocsc()
        indptr, rows = csc.indptr, csc.indices.astype(np.int32)
        values = [pa.concat_arrays(f) for f in folded]
    else:
        indptr, rows = np.zeros((1 << bits) + 1, np.int32), np.zeros(0, np.int32)
        values = [pa.array([], pa.string()) for _ in fields]
    return TextIndex(n, tuple(_sorted_field(v) for v in values), indptr, rows, bits)


# --------------------------------------------------------------------------- ranking


def ranked(
    rows: np.ndarray, primary: np.ndarray, limit: int, keep: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """The first ``limit`` of ``rows`` (ascending) in the order (``primary``, row) for which
    ``keep`` holds, calling ``keep`` on as few rows as it can: on the best ``4 × limit``
    first, then on four times more each round. Each round is a partial sort (linear), and
    ties of ``primary`` are taken in row order, so no round sorts more rows than it checks."""
    n = len(rows)
    if n == 0 or limit <= 0:
        return np.zeros(0, np.int64)
    out: list[np.ndarray] = []
    found = 0
    k = max(4 * limit, 64)
    left = np.ones(n, dtype=bool)  # not yet checked
    while found < limit and left.any():
        todo = np.flatnonzero(left)  # ascending: in row order
        if k >= len(todo):
            take = todo
        else:
            p = primary[todo]
            thr = p[np.argpartition(p, k - 1)[k - 1]]
            below = todo[p < thr]
            ties = todo[p == thr][: k - len(below)]  # the first rows of the tie
            take = np.concatenate([below, ties])
        take = take[np.lexsort((rows[take], primary[take]))]
        left[take] = False
        hit = rows[take][keep(rows[take])]
        out.append(hit)
        found += len(hit)
        k *= 4
    return np.concatenate(out)[:limit] if out else np.zeros(0, np.int64)


@dataclass(frozen=True, eq=False)
class IdLookup:
    """Rows of a table by id (as text), by a hash index: the first and the last row of
    each id, no scan."""

    ids: pd.Index
    first_rows: np.ndarray
    last_rows: np.ndarray

    def first(self, ids) -> np.ndarray:
        """The first row of each of ``ids`` (-1: no such id)."""
        at = self.ids.get_indexer(pd.Index(np.asarray(ids, dtype=object).astype(str)))
        return np.where(at >= 0, self.first_rows[at], -1)

    def last(self, ids) -> np.ndarray:
        """The last row of each of ``ids`` (-1: no such id)."""
        at = self.ids.get_indexer(pd.Index(np.asarray(ids, dtype=object).astype(str)))
        return np.where(at >= 0, self.last_rows[at], -1)

    def rows(self, place_id: str) -> np.ndarray:
        """Every row of ``place_id`` when an id is in the table at most twice (a layer's
        ids are unique; the Inspect page's places repeat an id at most once, in the other
        kind), ascending."""
        f, la = int(self.first([place_id])[0]), int(self.last([place_id])[0])
        return np.zeros(0, np.int64) if f < 0 else np.unique([f, la])


def id_lookup(ids: pd.Series | np.ndarray) -> IdLookup:
    """The :class:`IdLookup` of a column of ids."""
    codes, uniques = pd.factorize(pd.Series(ids, copy=False).astype(str).to_numpy())
    n = len(uniques)
    order = np.arange(len(codes))
    first = np.full(n, -1, np.int64)
    last = np.full(n, -1, np.int64)
    first[codes[::-1]] = order[::-1]  # the last write wins: the first row
    last[codes] = order
    index = pd.Index(np.asarray(uniques, dtype=object))
    index.get_indexer(index[:1])  # its hash table built now (~1 s at 1.5M), not by a lookup
    return IdLookup(index, first, last)


# --------------------------------------------------------------------------- Inspect


class PlaceIndex:
    """The Inspect page's places (:func:`inspect_places`) with their kind and district as
    small integer codes and the rows of each (for filtering without a scan), and, built
    at their first use (a query typed, a place looked up, not an empty search), a text
    index and their rows by id. The text index may be another table's (the Map
    explorer's, which holds the same places): ``text_row`` maps a place to its row there,
    ``place_row`` back (-1: not a place of this page). Read-only once built."""

    def __init__(
        self, places: pd.DataFrame, shared: Callable[[], LayerIndex] | LayerIndex | None = None
    ) -> None:
        self.places = places
        self._shared = shared
        kind_codes, kinds = pd.factorize(places["kind"].astype(str))
        ad_codes, adcodes = pd.factorize(places["adcode"].astype(str))
        self.kinds = tuple(str(k) for k in kinds)
        self.adcodes = tuple(str(a) for a in adcodes)
        self.lon = places["lon"].to_numpy("float64")
        self.lat = places["lat"].to_numpy("float64")
        n = len(places)
        groups: dict[tuple[int, int], np.ndarray] = {}
        order = np.lexsort((np.arange(n), ad_codes, kind_codes))
        k_sorted, a_sorted = kind_codes[order], ad_codes[order]
        edges = np.flatnonzero((np.diff(k_sorted) != 0) | (np.diff(a_sorted) != 0)) + 1
        for part in np.split(order, edges):  # one part per kind and district: a few dozen
            if len(part):
                groups[(int(kind_codes[part[0]]), int(ad_codes[part[0]]))] = part.astype(np.int64)
        for k in range(len(kinds)):
            groups[(k, -1)] = np.flatnonzero(kind_codes == k).astype(np.int64)
        self.groups: Mapping[tuple[int, int], np.ndarray] = groups

    @functools.cached_property
    def by_id(self) -> IdLookup:
        """The places' rows by id."""
        return id_lookup(self.places["id"])

    @functools.cached_property
    def _text(self) -> tuple[TextIndex, np.ndarray, np.ndarray]:
        places, n = self.places, len(self.places)
        shared = self._shared() if callable(self._shared) else self._shared
        if shared is not None:
            layer = shared.places["layer"].astype(str).to_numpy()
            text_row = np.full(n, -1, np.int64)
            kind = places["kind"].astype(str).to_numpy()
            for k, name in KIND_LAYERS.items():
                mine, theirs = np.flatnonzero(kind == k), np.flatnonzero(layer == name)
                if len(mine) != len(theirs):
                    raise ValueError(
                        f"the shared index holds {len(theirs)} {name}, not {len(mine)}"
                    )
                text_row[mine] = theirs
            if (text_row < 0).any():
                raise ValueError("a place of an unknown kind: the shared index cannot hold it")
            index = shared.index
        else:
            index = build_index(places)
            text_row = np.arange(n, dtype=np.int64)
        place_row = np.full(index.size, -1, np.int64)
        place_row[text_row] = np.arange(n)
        return index, text_row, place_row

    @property
    def index(self) -> TextIndex:
        """The text index (built, or taken from the shared table, at first use)."""
        return self._text[0]

    def group(self, kind: str, district: str | None) -> np.ndarray:
        """Rows of ``kind`` in ``district`` (None: the city), ascending."""
        none = np.zeros(0, np.int64)
        if kind not in self.kinds or (district is not None and district not in self.adcodes):
            return none
        k = self.kinds.index(kind)
        a = -1 if district is None else self.adcodes.index(district)
        return self.groups.get((k, a), none)

    def _places(self, text_rows: np.ndarray) -> np.ndarray:
        p = self._text[2][text_rows]
        return np.sort(p[p >= 0])

    def candidates(self, q: str) -> np.ndarray | None:
        """Places that may contain ``q`` (the fields joined by spaces), ascending; None:
        every place."""
        cand = self.index.candidates(q, " ")
        return None if cand is None else self._places(cand)

    def contains(self, rows: np.ndarray, q: str) -> np.ndarray:
        """Whether each place of ``rows`` holds ``q`` (its id, names joined by spaces)."""
        if not q:
            return np.ones(len(rows), dtype=bool)
        return self.index.contains(self._text[1][rows], q, " ")

    def exact(self, q: str) -> np.ndarray:
        """Places whose folded id is ``q``, ascending."""
        return self._places(self.index.fields[0].equal(q))


def inspect_places(payments: pd.DataFrame, key_locations: pd.DataFrame) -> pd.DataFrame:
    """Every place an inspector can visit: the payment points, then the key locations, with
    ``kind``, ``id``, both names, ``category``, ``adcode``, ``lon``, ``lat`` (text columns as
    strings, missing as '')."""
    cols = ["id", "name_zh", "name_en", "category", "adcode", "lon", "lat"]
    pay = pd.DataFrame(payments[cols]).assign(kind="payment")
    key = pd.DataFrame(key_locations[cols]).assign(kind="key_location")
    out = pd.concat([pay, key], ignore_index=True)
    for c in ("id", "name_zh", "name_en", "category", "adcode"):
        out[c] = out[c].astype("string").fillna("")
    return out


#: The layer each kind of the Inspect page's places comes from.
KIND_LAYERS = {"payment": "payments", "key_location": "key-locations"}


def place_index(
    places: pd.DataFrame, shared: Callable[[], LayerIndex] | LayerIndex | None = None
) -> PlaceIndex:
    """The :class:`PlaceIndex` of an :func:`inspect_places` frame; with ``shared`` (the
    Map explorer's :class:`LayerIndex` of the same layers, or a function returning it) its
    text index is reused, not built a second time."""
    return PlaceIndex(places, shared)


def distance_m(lon: np.ndarray, lat: np.ndarray, lon0: float, lat0: float) -> np.ndarray:
    """Great-circle distances (metres) from ``(lon0, lat0)``: haversine on a 6,371 km sphere,
    within a few metres of the metric projection at walking distances."""
    la, la0 = np.radians(lat.astype("float64")), np.radians(lat0)
    dlat, dlon = la - la0, np.radians(lon.astype("float64") - lon0)
    h = np.sin(dlat / 2) ** 2 + np.cos(la) * np.cos(la0) * np.sin(dlon / 2) ** 2
    return 2 * 6_371_000.0 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def search_inspect(
    pi: PlaceIndex,
    kind: str,
    district: str | None,
    query: str,
    near: tuple[float, float] | None = None,
    limit: int = 30,
) -> pd.DataFrame:
    """The places of ``kind`` in ``district`` (None: the city) whose id, names or the three
    joined by spaces contain ``query`` (casefolded), at most ``limit``: exact id matches
    first, then in the places' order; or, ``near`` a position (lon, lat, WGS-84), the
    nearest first (ties in the places' order) with ``distance_m``."""
    q = fold(query)
    rows = pi.group(kind, district)
    if q:
        cand = pi.candidates(q)
        if cand is not None:
            rows = _within(cand, rows)

    def keep(r: np.ndarray) -> np.ndarray:
        return pi.contains(r, q)

    if near is not None:
        d = distance_m(pi.lon[rows], pi.lat[rows], *near)
        hit = ranked(rows, d, limit, keep)
        dist = distance_m(pi.lon[hit], pi.lat[hit], *near)
        return pi.places.iloc[hit].assign(distance_m=dist)
    primary = np.ones(len(rows))
    if q:
        primary[np.isin(rows, pi.exact(q), assume_unique=True)] = 0.0
    return pi.places.iloc[ranked(rows, primary, limit, keep)]


def _within(cand: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The sorted ``cand`` that are in the sorted ``rows``."""
    if len(cand) == 0 or len(rows) == 0:
        return np.zeros(0, np.int64)
    at = np.searchsorted(rows, cand)
    ok = at < len(rows)
    ok[ok] = rows[at[ok]] == cand[ok]
    return cand[ok]


def brute_inspect(
    places: pd.DataFrame,
    kind: str,
    district: str | None,
    query: str,
    near: tuple[float, float] | None = None,
    limit: int = 30,
) -> pd.DataFrame:
    """:func:`search_inspect` by a scan of every place (the reference the tests compare
    the index with, and what the Inspect page did before the index)."""
    p = places
    mask = (p["kind"] == kind).to_numpy()
    if district is not None:
        mask = mask & (p["adcode"] == district).to_numpy()
    q = fold(query)
    if q:
        hay = (p["id"] + " " + p["name_zh"] + " " + p["name_en"]).map(str.casefold)
        mask = mask & hay.str.contains(q, regex=False).to_numpy()
    hits = p[mask]
    if near is not None:
        d = distance_m(hits["lon"].to_numpy(), hits["lat"].to_numpy(), *near)
        return hits.assign(distance_m=d).sort_values("distance_m", kind="stable").head(limit)
    exact = (hits["id"].map(str.casefold) == q).to_numpy()
    return pd.concat([hits[exact], hits[~exact]]).head(limit)


# --------------------------------------------------------------------------- Map explorer

#: Columns of a Map explorer search result.
LAYER_COLUMNS = ["layer", "id", "name_zh", "name_en", "lon", "lat", "adcode"]


@dataclass(frozen=True, eq=False)
class LayerIndex:
    """Every point layer's places in one table (``LAYER_COLUMNS``, the layers in order) with
    their text index and the length of each English name (missing: after all others)."""

    places: pd.DataFrame
    index: TextIndex
    name_len: np.ndarray
    #: every row in the order (English name's length, row): a short query walks it
    by_length: np.ndarray


def layer_index(layers: Mapping[str, pd.DataFrame]) -> LayerIndex:
    """The :class:`LayerIndex` of ``layers`` (the districts and empty layers left out)."""
    frames = [
        pd.DataFrame(g[LAYER_COLUMNS[1:]]).assign(layer=name)[LAYER_COLUMNS]
        for name, g in layers.items()
        if name != "districts" and not g.empty
    ]
    places = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=LAYER_COLUMNS)
    n = pd.to_numeric(places["name_en"].astype("string").str.len(), errors="coerce")
    name_len = n.fillna(1e8).to_numpy("float64")
    by_length = np.lexsort((np.arange(len(places)), name_len)).astype(np.int64)
    return LayerIndex(places, build_index(places), name_len, by_length)


def search_layers(li: LayerIndex, query: str, limit: int = 20) -> pd.DataFrame:
    """Places whose Chinese or English name (or id) contains ``query`` (casefolded), as
    :func:`dashboard.engine.explore.search_places` finds them: names that start with the
    query first, then shorter English names, then in the layers' order; at most ``limit``,
    ``LAYER_COLUMNS``, a fresh index."""
    q = fold(query)
    if not q:
        return pd.DataFrame(columns=LAYER_COLUMNS)
    idx = li.index
    first = np.union1d(idx.fields[1].prefixed(q), idx.fields[2].prefixed(q))

    def keep(r: np.ndarray) -> np.ndarray:
        return idx.contains(r, q)  # within a field: the search box has one line

    cand = idx.candidates(q)
    if cand is None:  # one Latin letter: the names starting with it, then walk by length
        hit = first[np.lexsort((first, li.name_len[first]))][:limit]
        if len(hit) < limit:
            hit = np.concatenate([hit, _walk(li.by_length, first, limit - len(hit), keep)])
    else:
        primary = li.name_len[cand] + 1e9
        primary[np.isin(cand, first, assume_unique=True)] -= 1e9
        hit = ranked(cand, primary, limit, keep)
    return li.places.iloc[hit].reset_index(drop=True)


def _walk(
    order: np.ndarray, skip: np.ndarray, limit: int, keep: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """The first ``limit`` rows of ``order`` not in ``skip`` (sorted) for which ``keep``
    holds, checked in growing chunks."""
    out: list[np.ndarray] = []
    found, at, k = 0, 0, max(4 * limit, 64)
    while found < limit and at < len(order):
        chunk = order[at : at + k]
        chunk = chunk[~np.isin(chunk, skip)]
        hit = chunk[keep(chunk)]
        out.append(hit)
        found += len(hit)
        at += k
        k *= 4
    return np.concatenate(out)[:limit] if out else np.zeros(0, np.int64)


# --------------------------------------------------------------------------- details


def latest_by_place(inspections: pd.DataFrame) -> pd.DataFrame:
    """The latest inspection of each place (by ``inspected_at``; of equal times the later
    row), indexed by ``place_id`` as text."""
    if inspections.empty:
        return inspections.set_index(inspections["place_id"].astype(str))
    ins = inspections.sort_values("inspected_at", kind="stable")
    last = ins.drop_duplicates("place_id", keep="last")
    return last.set_index(last["place_id"].astype(str))


def last_names(inspections: pd.DataFrame) -> pd.Series:
    """The name the last inspection row giving one (in the records' order) gave each place,
    indexed by ``place_id`` as text."""
    named = inspections[inspections["name"].notna()]
    named = named.drop_duplicates("place_id", keep="last")
    return pd.Series(named["name"].to_numpy(), index=named["place_id"].astype(str).to_numpy())
