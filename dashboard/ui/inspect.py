"""Glue of the Inspect and Work list pages: the places an inspector can pick, their status
by field checks, recording a visit (through :mod:`loaders.writes`, which checks the
signed-in account's rights), and the work list of a district."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pydeck as pdk
import streamlit as st

from dashboard.core.i18n import label_of, layer_label, name_col, t
from dashboard.core.inspections import (
    CHECKS,
    POINT_STATUSES,
    REASONS,
    WORK_KINDS,
    check_label,
    result_column,
    result_label,
)
from dashboard.core.messages import error_text, localize
from dashboard.core.model import Problem, label
from dashboard.core.rights import Actor, check
from dashboard.core.safetext import md_literal
from dashboard.core.state import ALL, ViewState
from dashboard.engine import search as place_search
from dashboard.engine import verification
from dashboard.engine.coverage import in_service, place_coverage
from dashboard.ui import cache, search_index, tiling, widgets
from dashboard.ui.cache import ViewInputs
from dashboard.views import maps, tiles
from loaders import writes
from loaders.errors import LoaderError
from loaders.inspection_import import import_inspections
from loaders.inspections_store import InspectionBatch, prepare_inspections
from loaders.photos import PhotoError, clean_photo, save_photo
from loaders.workspace import WorkspaceError, default_home

#: What a visit recorded on the page is recorded as coming from (the batch's source).
SOURCE = "Inspect page"
#: Map colours of the point statuses (RGBA).
STATUS_COLORS: dict[str, list[int]] = {
    "verified": [26, 152, 80, 230],
    "failed": [215, 48, 39, 230],
    "expired": [244, 165, 30, 230],
    "never": [140, 140, 140, 200],
}
#: The time zone inspectors write times in (the records keep Beijing time, naive).
BEIJING = ZoneInfo("Asia/Shanghai")


def beijing_now() -> datetime:
    """Now in Beijing, naive, to the minute: the form's default time, whatever the
    server's own time zone."""
    return datetime.now(BEIJING).replace(tzinfo=None, second=0, microsecond=0)


#: How many matches the search lists.
MATCHES = 30


def work_list_dates(v: ViewState) -> tuple[date, date]:
    """The Work list's date (the view's, else today in Beijing) and the day its "newly
    uncovered" compares with by default (:func:`verification.comparison_day`)."""
    end = v.as_of or beijing_now().date()
    return end, verification.comparison_day(end).date()


def _unstandardised(inputs: ViewInputs) -> ViewInputs:
    """``inputs`` without the standards: the key of results that do not depend on them (a
    radius step keeps them)."""
    return dataclasses.replace(inputs, standards_json="{}")


def _inputs(view: ViewState | ViewInputs) -> ViewInputs:
    return view if isinstance(view, ViewInputs) else cache.view_inputs(view)


@cache.view_cached(dated=False, max_entries=4)
def _field_records(inputs: ViewInputs) -> verification.FieldRecords:
    """The field checks in effect read once for every date (cached per data; do not
    modify)."""
    return verification.field_records(inputs.field_checks)


@cache.view_cached()
def _point_status(inputs: ViewInputs) -> pd.DataFrame:
    pay = inputs.layers["payments"]
    status = verification.point_status(
        pay, _field_records(inputs), as_of=inputs.as_of, validity_days=validity_days(inputs)
    )
    cols = ["id", "name_zh", "name_en", "category", "adcode", "lon", "lat", "capabilities"]
    return pd.concat(
        [pd.DataFrame(pay[cols]).reset_index(drop=True), status.reset_index(drop=True)], axis=1
    )


def point_status(view: ViewState | ViewInputs) -> pd.DataFrame:
    """:func:`verification.point_status` of every payment point at the view's date, with the
    points' id, names, category, district and position (cached per data and date, not per
    standards: a radius step reuses it; do not modify)."""
    return _point_status(_unstandardised(_inputs(view)))


def validity_days(inputs: ViewInputs) -> int:
    """The validity period of a check in effect (days)."""
    return int(dict(inputs.signature).get("validity_days", "180"))


@cache.view_cached(dated=False)
def places(inputs: ViewInputs) -> pd.DataFrame:
    """Every place an inspector can visit: the payment points and the key locations, with
    ``kind``, ``id``, both names, ``category``, ``adcode``, ``lon``, ``lat``
    (:func:`dashboard.engine.search.inspect_places`, the table the search index holds;
    cached; do not modify)."""
    return search_index.place_index().places


def search(
    inputs: ViewInputs,
    kind: str,
    district: str,
    query: str,
    near: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """The places of ``kind`` in ``district`` (``all``: the city) whose id or names contain
    ``query`` (case-insensitive), at most :data:`MATCHES`: exact id matches first, or,
    ``near`` a position (lon, lat, WGS-84), the nearest first with ``distance_m``. From the
    search index (:func:`dashboard.engine.search.search_inspect`), not a scan."""
    return place_search.search_inspect(
        search_index.place_index(),
        kind,
        None if district == ALL else district,
        query,
        near,
        MATCHES,
    )


def distance_m(lon: np.ndarray, lat: np.ndarray, lon0: float, lat0: float) -> np.ndarray:
    """Great-circle distances (metres) from ``(lon0, lat0)``: haversine on a 6,371 km sphere,
    within a few metres of the metric projection at walking distances."""
    la, la0 = np.radians(lat.astype("float64")), np.radians(lat0)
    dlat, dlon = la - la0, np.radians(lon.astype("float64") - lon0)
    h = np.sin(dlat / 2) ** 2 + np.cos(la) * np.cos(la0) * np.sin(dlon / 2) ** 2
    return 2 * 6_371_000.0 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


#: Pixel radius of a place on the Inspect and Work list maps (big enough to tap).
DOT_PX = 6.0
#: The point statuses as the Inspect map colours them, the most important first (a cluster is
#: ringed in the colour of the first it holds).
STATUS_ORDER = ("failed", "expired", "never", "verified")


def status_classes(lang: str) -> tiles.Classes:
    """The check statuses of the Inspect map as tile categories."""
    return tiles.Classes(
        column="status",
        codes=STATUS_ORDER,
        labels=tuple(label(POINT_STATUSES, c, lang) for c in STATUS_ORDER),
        colors=tuple(tuple(STATUS_COLORS[c]) for c in STATUS_ORDER),
        title=t("ip_map_status", lang),
        noun=layer_label("payments", lang, short=True),
    )


def district_status(inputs: ViewInputs, district: str) -> pd.DataFrame:
    """:func:`point_status` of the payment points of ``district`` (``all``: the city)."""
    s = point_status(inputs)
    return s if district == ALL else s[s["adcode"].astype(str) == district]


@cache.view_cached(max_entries=16)
def status_source(inputs: ViewInputs, district: str, lang: str) -> tiles.TileSource:
    """The tile source of every payment point of ``district`` coloured by its status (the
    Inspect map above :func:`dashboard.ui.tiling.is_tiled`; cached per view)."""
    rows = district_status(inputs, district)
    classes = status_classes(lang)
    parts = ("status", district)
    return tiling.class_source(rows, "payments", lang, classes, inputs, parts, single_px=DOT_PX)


def status_layer_records(inputs: ViewInputs, district: str, lang: str) -> list[dict]:
    """Map records of every payment point of ``district`` coloured by status (the map of a
    district of few points), tooltips as plain-text fields."""
    s = district_status(inputs, district)
    head = t("ip_map_status", lang)
    bodies = [f"{head}: {label(POINT_STATUSES, x, lang)}" for x in s["status"]]
    colors = [STATUS_COLORS.get(x, STATUS_COLORS["never"]) for x in s["status"]]
    return _dot_records(s, lang, bodies, colors)


def _dot_records(rows: pd.DataFrame, lang: str, bodies, colors) -> list[dict]:
    """Map records of ``rows`` (``id``, ``lon``, ``lat``, both names) with the plain-text
    tooltip fields: the name in ``lang`` (else the id), the other name, ``bodies``; and
    ``colors``."""
    own, other = name_col(lang), "name_en" if lang == "zh" else "name_zh"
    names = rows[own].astype("string").fillna("").to_numpy()
    others = rows[other].astype("string").fillna("").to_numpy()
    return [
        {
            "id": str(i),
            "lon": float(lo),
            "lat": float(la),
            "tt_title": str(n) or str(i),
            "tt_sub": str(o),
            "tt_body": body,
            "color": color,
        }
        for i, lo, la, n, o, body, color in zip(
            rows["id"], rows["lon"], rows["lat"], names, others, bodies, colors, strict=True
        )
    ]


def status_deck(
    inputs: ViewInputs, district: str, lang: str, selected: dict | None
) -> tuple[pdk.Deck, tiles.TileSource | None]:
    """A small map of every payment point of ``district`` by status, the selected place
    ringed: dots, or (many points) tiles of clusters by status; and the tile source, which
    the legend must explain (None: dots)."""
    layers = list(cache.district_layers(lang, district))
    view = maps.view_for(inputs.layers["districts"], None if district == ALL else district)
    src = None
    if tiling.is_tiled(len(district_status(inputs, district))):
        src = status_source(inputs, district, lang)  # inline: the district's clusters
        layers.append(tiles.tile_layer(src, view["zoom"], "payments"))
    else:
        records = status_layer_records(inputs, district, lang)
        layers.append(maps.scatter_layer(records, "payments", "color", radius_px=DOT_PX))
    if selected:
        ring = [{"id": selected["id"], "lon": selected["lon"], "lat": selected["lat"]}]
        layers.append(
            pdk.Layer(
                "ScatterplotLayer",
                data=ring,
                id="selected",
                get_position="[lon, lat]",
                filled=False,
                stroked=True,
                get_line_color=[20, 20, 20, 255],
                line_width_min_pixels=3,
                radius_units="'pixels'",
                get_radius=12,
            )
        )
        view = {**view, "longitude": selected["lon"], "latitude": selected["lat"], "zoom": 15}
    return maps.make_deck(layers, view, height=340), src


@dataclass(frozen=True)
class Visit:
    """What the inspector entered for one visit."""

    kind: str
    place_id: str
    inspected_at: datetime
    inspector: str
    results: dict[str, str]
    notes: str = ""
    name: str = ""
    lon: float | None = None
    lat: float | None = None
    photo: bytes | None = None
    photo_name: str = ""


@dataclass(frozen=True)
class Recorded:
    """A visit saved (``batch``) or refused (``problems``, nothing written)."""

    batch: InspectionBatch | None
    problems: tuple[str, ...] = ()
    place_id: str = ""


def record_visit(actor: Actor, visit: Visit, inputs: ViewInputs, lang: str) -> Recorded:
    """Store one visit: the photo re-encoded, the row checked against the layers (a place
    that exists, a time not in the future, a result tried), then written through
    :func:`loaders.writes.add_inspections`, which refuses it unless ``actor`` may inspect
    the place's district. Nothing is written when anything is refused."""
    home = default_home()
    photo, lon, lat = "", visit.lon, visit.lat
    jpeg: bytes | None = None
    if visit.photo:
        try:
            jpeg, _size, gps = clean_photo(visit.photo, visit.photo_name or "photo")
        except PhotoError as exc:
            return Recorded(None, (error_text(exc, lang),))
        if visit.kind == "new" and (lon is None or lat is None) and gps:
            lon, lat = gps
    row: dict[str, object] = {
        "place_kind": visit.kind,
        "place_id": visit.place_id,
        "inspected_at": pd.Timestamp(visit.inspected_at),
        "inspector": visit.inspector,
        "name": visit.name,
        "lon": np.nan if lon is None else float(lon),
        "lat": np.nan if lat is None else float(lat),
        "notes": visit.notes,
        "photo": photo,
        "source": SOURCE,
    }
    for c in CHECKS:
        row[result_column(c)] = visit.results.get(c, "")
    lay = inputs.layers
    prepared, problems = prepare_inspections(
        pd.DataFrame([row]),
        payments=lay["payments"],
        key_locations=lay["key-locations"],
        now=datetime.now(timezone.utc),
        file=SOURCE,
        districts=lay["districts"],
        known=cache.inspections(),
    )
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        return Recorded(None, tuple(_problem_text(p, lang) for p in errors))
    try:
        check(actor, "inspect", prepared["adcode"])  # before the photo is kept
        if jpeg is not None:
            prepared = prepared.assign(photo=save_photo(jpeg, home))
        batch = writes.add_inspections(actor, prepared, home, source=SOURCE)
    except PermissionError as exc:
        return Recorded(None, (error_text(exc, lang),))
    return Recorded(batch, (), str(prepared["place_id"].iloc[0]))


def _problem_text(p: Problem, lang: str) -> str:
    message = localize(p.message, lang)
    return f"{p.column}: {message}" if p.column else message


def last_inspector(place_id: str) -> str:
    """Who inspected ``place_id`` last (plain text; empty when nobody did)."""
    latest = search_index.latest_inspections()
    at = latest.index.get_indexer(pd.Index([str(place_id)]))[0]
    return "" if at < 0 else str(latest["inspector"].iat[at])


def place_status_label(inputs: ViewInputs, place_id: str, lang: str) -> str:
    """The status label of a payment point, or, for another place, of its latest check."""
    row = search_index.rows_of(point_status(inputs), "payments", place_id)
    if len(row):
        return label(POINT_STATUSES, str(row["status"].iloc[0]), lang)
    ev = verification.latest_evidence(inputs.field_checks, inputs.as_of)
    ev = ev[ev["place_id"].astype(str) == place_id]
    ok = bool((ev["result"] == "accepted").any()) if len(ev) else False
    return label(POINT_STATUSES, "verified" if ok else "failed", lang)


def place_name(inputs: ViewInputs, place_id: str, lang: str) -> str:
    """The name of a place (a new point's as its inspection gave it; else its id)."""
    pi = search_index.place_index()
    at = int(pi.by_id.first([place_id])[0])
    if at >= 0:
        return str(pi.places[name_col(lang)].iat[at]) or place_id
    own = search_index.inspection_names().get(str(place_id))
    return str(own) if own is not None and str(own) else place_id


#: How many recent inspections the page lists.
RECENT = 20


def recent_table(inputs: ViewInputs, district: str, lang: str) -> pd.DataFrame:
    """The latest inspections in ``district`` (``all``: the city), newest first, as text."""
    ins = cache.inspections()
    if district != ALL:
        ins = ins[ins["adcode"].astype(str) == district]
    ins = ins.sort_values("inspected_at", ascending=False, kind="stable").head(RECENT)
    names = cache.district_names(lang)
    ids = ins["place_id"].astype(str)
    known = search_index.place_names(ids, name_col(lang))  # by id: no dict of every place
    own = ins["name"].astype("string").fillna("")
    shown = [known.get(i) or n or i for i, n in zip(ids, own, strict=True)]
    results = [
        "; ".join(
            f"{check_label(c, lang)}: {result_label(r[result_column(c)], lang)}"
            for c in CHECKS
            if isinstance(r[result_column(c)], str) and r[result_column(c)]
        )
        for _, r in ins.iterrows()  # at most RECENT rows
    ]
    return pd.DataFrame(
        {
            t("ip_col_when", lang): ins["inspected_at"].dt.strftime("%Y-%m-%d %H:%M").to_numpy(),
            t("ip_col_place", lang): [f"{n} · {i}" for n, i in zip(shown, ids, strict=True)],
            t("ip_col_district", lang): ins["adcode"].astype(str).map(names).fillna("").to_numpy(),
            t("ip_col_inspector", lang): ins["inspector"].astype(str).to_numpy(),
            t("ip_col_results", lang): results,
        }
    )


# ----------------------------------------------------------------------------- work list


def _claims_inputs(inputs: ViewInputs) -> ViewInputs:
    """The inputs whose :func:`cache.coverage` is coverage on the payments layer's own
    claims: the view's when no field check changes the supply; on the verified basis with
    no checks recorded, the claimed basis' (the coverage index, shared with that view);
    else the data without the evidence (assessed on the layer, cached)."""
    if not inputs.evidence:
        return inputs
    keys = dict(inputs.signature)
    if keys.get("inspections") == "none":  # no checks under this signature
        keys["basis"] = "claimed"
        return dataclasses.replace(inputs, signature=tuple(keys.items()))
    evidence = dict(cache.evidence_signature(inputs.basis))
    plain = tuple((k, v) for k, v in inputs.signature if k not in evidence)
    return dataclasses.replace(inputs, signature=plain)


def _dated(inputs: ViewInputs, day: pd.Timestamp) -> ViewInputs:
    """``inputs`` on ``day``: the view's own (undated) when the view has no date and every
    payment point is in service on ``day`` (coverage is then the same, and the other pages'
    cached answer is reused), else dated ``day``."""
    if inputs.as_of is None:
        if bool(in_service(inputs.layers["payments"], day).all()):
            return inputs
    return dataclasses.replace(inputs, as_of=day.date().isoformat())


@cache.view_cached()
def work_list(inputs: ViewInputs, since: str | None) -> pd.DataFrame:
    """:func:`verification.work_list` of the whole city at the view's date (cached; do not
    modify); ``since`` (ISO) is the date "newly uncovered" compares with (None: 30 days).

    Put together (:func:`verification.work_list_of`) from cached parts: the point status
    (per data and date, not per radius), and the three coverages from
    :func:`cache.coverage` (the coverage index's vectorised pass when no field check
    changes the supply): on the layer's claims, and on the effective supply of the view's
    date and of ``since``. The same answer as :func:`verification.work_list`."""
    lay = inputs.layers
    day = verification.day_of(inputs.as_of)
    then = verification.comparison_day(day, since)
    now_at = _dated(inputs, day)
    now = cache.coverage(now_at).places
    claims = _claims_inputs(now_at)
    on_claims = now if claims is now_at else cache.coverage(claims).places
    then_at = dataclasses.replace(inputs, as_of=then.date().isoformat())
    before = _covered_before(then_at, now) if inputs.evidence else cache.coverage(then_at).places
    return verification.work_list_of(
        lay["key-locations"],
        lay["payments"],
        _field_records(_unstandardised(inputs)),
        inputs.standards,
        status=point_status(inputs),
        on_claims=on_claims,
        now=now,
        before=before,
        as_of=day,
        since=then,
        due=_due_points(_unstandardised(inputs)),
    )


def _covered_before(then_at: ViewInputs, now: pd.DataFrame) -> pd.DataFrame:
    """Whether each key location was covered on ``then_at``'s date, asked only of those
    not covered ``now`` (the others cannot be newly uncovered: False), on that date's
    effective supply: a place's answer does not depend on the other places, and "newly
    uncovered" reads nothing else (no districts, distances only up to the radii)."""
    kl = then_at.layers["key-locations"]
    covered = np.zeros(len(kl), dtype=bool)
    ask = np.flatnonzero(~now["covered"].to_numpy(dtype=bool))
    if ask.size:
        places = place_coverage(
            kl.iloc[ask],
            then_at.supply,
            then_at.standards,
            as_of=then_at.as_of,
            max_distance=0.0,  # the search bound is then each requirement's largest radius
        )
        covered[ask] = places["covered"].to_numpy(dtype=bool)
    return pd.DataFrame({"covered": covered})


@cache.view_cached()
def _due_points(inputs: ViewInputs) -> pd.DataFrame:
    """:func:`verification.due_points` of the view's date (cached per data and date, not per
    standards; do not modify)."""
    day = verification.day_of(inputs.as_of)
    return verification.due_points(inputs.layers["payments"], point_status(inputs), day)


def district_work_list(inputs: ViewInputs, district: str, since: str | None) -> pd.DataFrame:
    """The work list of ``district`` (``all``: the city), in its order (cached per view: the
    page, its map and its tiles read it; do not modify)."""
    if district == ALL:
        return work_list(inputs, since)
    return _district_work_list(inputs, district, since)


@cache.view_cached(max_entries=64)
def _district_work_list(inputs: ViewInputs, district: str, since: str | None) -> pd.DataFrame:
    wl = work_list(inputs, since)
    return wl[wl["adcode"].astype(str) == district]


def _labels(values: pd.Series, labeller) -> list[str]:
    """``labeller`` of each value, called once per distinct value (a list, as a comprehension
    over the values gave)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    lut = np.array([labeller(u) for u in uniques], dtype=object)
    return lut[codes].tolist()


def work_table(items: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The work list as the page shows and exports it: labelled columns, plain text. Each
    label is made once per distinct value (the page draws the first rows; a download
    makes the whole list)."""
    names = cache.district_names(lang)

    def when(col: str) -> list[str]:
        s = pd.to_datetime(items[col])
        return s.dt.strftime("%Y-%m-%d").where(s.notna(), "").tolist()

    def category(kind: str, cat: str) -> str:
        return label_of(_LAYER_OF_KIND.get(kind, "payments"), cat, lang)

    return pd.DataFrame(
        {
            t("wl_reason", lang): _labels(items["reason"], lambda r: label(REASONS, r, lang)),
            t("wl_name", lang): items[name_col(lang)].astype("string").fillna("").to_numpy(),
            "id": items["id"].astype(str).to_numpy(),
            t("wl_kind", lang): _labels(items["kind"], lambda k: label(WORK_KINDS, k, lang)),
            t("wl_category", lang): _per_kind_category(items, category).tolist(),
            t("wl_district", lang): items["adcode"].astype(str).map(names).fillna("").to_numpy(),
            t("wl_weight", lang): items["weight"].round(1).to_numpy(),
            t("wl_last", lang): when("last_inspected"),
            t("wl_due_since", lang): when("due_since"),
            "lon": items["lon"].round(6).to_numpy(),
            "lat": items["lat"].round(6).to_numpy(),
            "synthetic": _synthetic(items),
        }
    )


def screen_table(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` as the page draws it: each text column holding few distinct values (a
    reason, a kind, a district) as a categorical, which Streamlit sends as one dictionary
    of its values and a small code per row (the Work list's first 1,000 rows: ~110 KB
    instead of ~195 KB); the same cells on screen. A column with an empty cell stays text
    (the table draws an empty categorical cell as "None"). The downloads keep plain text."""
    out = table.copy()
    for c in table.columns:
        col = table[c]
        if not pd.api.types.is_string_dtype(col) or col.nunique(dropna=False) * 4 > len(col):
            continue
        if col.isna().any() or (col == "").any():
            continue
        out[c] = col.astype("category")
    return out


def _synthetic(items: pd.DataFrame) -> np.ndarray:
    """Whether each work-list item is a generated (synthetic) place: said in the export."""
    lay = cache.load_layers()
    ids = items["id"].astype(str).to_numpy()
    kinds = items["kind"].astype(str).to_numpy()
    out = np.zeros(len(items), dtype=bool)
    for kind, layer in (("payment", "payments"), ("key_location", "key-locations")):
        if "synthetic" not in lay[layer].columns:
            continue
        mine = np.flatnonzero(kinds == kind)  # by id (an id's last row, as a dict did)
        rows = search_index.ids(layer).last(ids[mine])
        found = rows >= 0
        flags = lay[layer]["synthetic"].iloc[rows[found]].astype(str).reset_index(drop=True)
        out[mine[found]] = (flags.str.lower() == "true").to_numpy()
    return out


#: Map colours of the reasons (RGBA), in the order of urgency (a cluster is ringed in the
#: colour of the most urgent it holds).
REASON_COLORS: dict[str, list[int]] = {
    "failed": [215, 48, 39, 235],
    "newly_uncovered": [117, 42, 135, 235],
    "expired": [244, 165, 30, 235],
    "never": [120, 120, 120, 210],
}


def reason_classes(lang: str) -> tiles.Classes:
    """The work list's reasons as tile categories, the most urgent first."""
    return tiles.Classes(
        column="reason",
        codes=tuple(REASON_COLORS),
        labels=tuple(label(REASONS, r, lang) for r in REASON_COLORS),
        colors=tuple(tuple(c) for c in REASON_COLORS.values()),
        title=t("wl_reason", lang),
        noun=t("wl_items", lang),
    )


_LAYER_OF_KIND = {"payment": "payments", "key_location": "key-locations"}


def _per_kind_category(items: pd.DataFrame, make: Callable[[str, str], str]) -> np.ndarray:
    """``make(kind, category)`` of each item, called once per distinct pair (a few dozen),
    the items found by their factorized codes (no string per item built to find them)."""
    k_codes, kinds = pd.factorize(items["kind"].astype(str))
    c_codes, cats = pd.factorize(items["category"].astype(str))
    n = max(len(cats), 1)
    uniq, inverse = np.unique(k_codes.astype(np.int64) * n + c_codes, return_inverse=True)
    lut = np.array([make(str(kinds[u // n]), str(cats[u % n])) for u in uniq], dtype=object)
    return lut[inverse.reshape(-1)]


def _kind_notes(items: pd.DataFrame, lang: str) -> pd.Series:
    """Each item's kind and category as one line of plain text ("Payment point · Bank")."""

    def note(kind: str, cat: str) -> str:
        layer = _LAYER_OF_KIND.get(kind, "payments")
        return label(WORK_KINDS, kind, lang) + " · " + label_of(layer, cat, lang)

    return pd.Series(_per_kind_category(items, note), index=items.index, dtype=object)


@cache.view_cached(max_entries=16)
def work_source(
    inputs: ViewInputs, district: str, since: str | None, lang: str
) -> tiles.TileSource:
    """The tile source of every work-list item of ``district`` coloured by reason (the Work
    list map above :func:`dashboard.ui.tiling.is_tiled`; cached per view)."""
    items = district_work_list(inputs, district, since)
    items = items.assign(wl_note=_kind_notes(items, lang).to_numpy())
    parts = ("worklist", district, since)
    classes = reason_classes(lang)
    return tiling.class_source(
        items, "worklist", lang, classes, inputs, parts, note="wl_note", single_px=DOT_PX
    )


def work_deck(
    inputs: ViewInputs, district: str, since: str | None, lang: str
) -> tuple[pdk.Deck, tiles.TileSource | None]:
    """Every item of the work list of ``district`` on a map, coloured by reason: dots, or
    (many items) tiles of clusters by reason; and the tile source (None: dots)."""
    items = district_work_list(inputs, district, since)
    layers = list(cache.district_layers(lang, district))
    view = maps.view_for(inputs.layers["districts"], None if district == ALL else district)
    src = None
    if tiling.is_tiled(len(items)):
        src = work_source(inputs, district, since, lang)
        layers.append(tiles.tile_layer(src, view["zoom"], "worklist"))
    else:
        notes = _kind_notes(items, lang).to_numpy()
        head = t("wl_reason", lang)
        bodies = [
            f"{head}: {label(REASONS, r, lang)}\n{note}"
            for r, note in zip(items["reason"], notes, strict=True)
        ]
        colors = [REASON_COLORS.get(r, REASON_COLORS["never"]) for r in items["reason"]]
        records = _dot_records(items, lang, bodies, colors)
        layers.append(maps.scatter_layer(records, "worklist", "color", radius_px=DOT_PX))
    return maps.make_deck(layers, view, height=420), src


def legend_rows(
    colors: dict[str, list[int]], labels: dict[str, tuple[str, str]], lang: str
) -> list[tuple[tuple[int, int, int], str]]:
    """The colour chips of a map coloured by category: ``(rgb, label)`` in ``colors``' order."""
    return [((c[0], c[1], c[2]), label(labels, k, lang)) for k, c in colors.items()]


# ----------------------------------------------------------------------------- a sheet


def import_sheet(actor: Actor, inputs: ViewInputs, data: bytes, name: str, lang: str) -> None:
    """Import a sheet of inspections (CSV/Excel, Chinese or English headers): the report's
    problems listed by row and column, and the rows stored only when none has an error
    (all or nothing) and the account may inspect every place's district."""
    lay = inputs.layers
    suffix = Path(name).suffix.lower() or ".csv"
    with tempfile.TemporaryDirectory(prefix="exchange-atlas-inspections-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            result = import_inspections(
                path,
                payments=lay["payments"],
                key_locations=lay["key-locations"],
                districts=lay["districts"],
                now=datetime.now(timezone.utc),
                lang=lang,
                known=cache.inspections(),
                display_name=name,
            )
        except LoaderError as exc:
            st.error(md_literal(error_text(exc, lang)))
            return
    rep = result.report
    st.text(rep.summary(lang))
    if rep.problems:
        rows = [(p.row, p.column, localize(p.message, lang), p.severity) for p in rep.problems]
        cols = [t(f"data_{k}", lang) for k in ("row", "column", "message", "severity")]
        widgets.dataframe(pd.DataFrame(rows, columns=cols))
    if result.errors:
        st.error(t("ip_sheet_refused", lang, n=result.errors))
        return
    if result.frame.empty:
        return
    if st.button(t("ip_sheet_store", lang, n=len(result.frame)), type="primary"):
        try:
            batch = writes.add_inspections(actor, result.frame, default_home(), source=name)
        except (PermissionError, WorkspaceError) as exc:
            st.error(md_literal(error_text(exc, lang)))
        else:
            st.success(t("ip_sheet_stored", lang, n=batch.rows, b=batch.number))
