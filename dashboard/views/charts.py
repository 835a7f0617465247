"""Chart builders for the comparison and profile pages: Altair charts, pydeck gap layers.

Pure: each function takes DataFrames (or records) and returns an ``alt.Chart`` or a
``pdk.Layer``; nothing is drawn here. Every label is in the language passed in; data
text reaches Vega only as data values (rendered as text, never as HTML).
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd
import pydeck as pdk

from dashboard.core import model
from dashboard.core.i18n import label_of, name_col, t
from dashboard.views.reports import header

#: Bar colours: the shared district, districts chosen for comparison, the rest.
HIGHLIGHT = "#d1495b"
CHOSEN = "#edae49"
OTHER = "#8d99ae"
#: Map colours (RGBA) of the profile map.
#: (payment points keep the shared payments colour, green, as on the other pages).
COVERED_RGBA = [37, 99, 235, 220]
UNCOVERED_RGBA = [220, 38, 38, 240]
PAYMENT_RGBA = [*model.LAYERS["payments"].color, 200]
PROPOSED_RGBA = [147, 51, 234, 245]

SHARE_METRICS = ("coverage", "weighted_coverage", "coverage_baseline", "change")


def _fmt(metric: str) -> str:
    if metric in SHARE_METRICS:
        return ".0%"
    if metric == "access":
        return ".2f"
    return ",d"


def vega_spec(chart: alt.TopLevelMixin) -> dict:
    """The Vega-Lite spec of ``chart`` with its data inline, for ``st.vega_lite_chart``.

    Altair validates the whole spec against the JSON schema on every ``to_dict`` (about
    45 ms for a layered chart, on every rerun when handed to ``st.altair_chart``); a
    spec computed once and cached costs nothing to redraw. Altair's default theme's
    300 px view size is dropped, as ``st.altair_chart`` does, so the chart fills its
    container the same way. Not validated again here: the unit tests validate every
    chart builder's output against the schema.
    """
    spec = chart.to_dict(validate=False)
    view = spec.get("config", {}).get("view", {})
    for key in ("continuousWidth", "continuousHeight"):
        if view.get(key) == 300:
            del view[key]
    if "view" in spec.get("config", {}) and not view:
        del spec["config"]["view"]
    if "config" in spec and not spec["config"]:
        del spec["config"]
    return spec


def ranked_bar(
    table: pd.DataFrame,
    metric: str,
    lang: str,
    *,
    highlight: str | None = None,
    chosen: Sequence[str] = (),
    city_value: float | None = None,
) -> alt.Chart:
    """Horizontal bars of ``metric`` per district, best first, with an optional city rule.

    ``table`` is :func:`dashboard.engine.compare.comparison_table` (its order is the ranking).
    The ``highlight`` district is drawn in :data:`HIGHLIGHT`, ``chosen`` ones in
    :data:`CHOSEN`. Districts without a value or key locations are left out.
    """
    keep = table[metric].notna() & (table["demand"] > 0)
    df = table[keep].copy()
    df["district"] = df[name_col(lang)]
    role = pd.Series("other", index=df.index)
    role[df["adcode"].isin(list(chosen))] = "chosen"
    if highlight:
        role[df["adcode"] == highlight] = "highlight"
    df["role"] = role
    df["value"] = df[metric].astype(float)
    # the ranking's order is data, not spec: another radius or date changes the rows only
    df["order"] = range(len(df))
    title = header(metric, lang)
    color = alt.Color(
        "role:N",
        scale=alt.Scale(domain=["highlight", "chosen", "other"], range=[HIGHLIGHT, CHOSEN, OTHER]),
        legend=None,
    )
    bars = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("value:Q", title=title, axis=alt.Axis(format=_fmt(metric))),
            y=alt.Y(
                "district:N",
                sort=alt.EncodingSortField(field="order", op="min", order="ascending"),
                title=None,
                axis=alt.Axis(labelOverlap=False, labelLimit=200),  # every district named
            ),
            color=color,
            tooltip=[
                alt.Tooltip("district:N", title=header("name", lang)),
                alt.Tooltip("value:Q", title=title, format=_fmt(metric)),
                alt.Tooltip("rank:Q", title=header("rank", lang)),
            ],
        )
    )
    text = bars.mark_text(align="left", dx=3, color="#333").encode(
        text=alt.Text("value:Q", format=_fmt(metric))
    )
    layers = [bars, text]
    if city_value is not None and pd.notna(city_value):
        rule_df = pd.DataFrame({"value": [float(city_value)], "label": [t("cmp_city_row", lang)]})
        rule = (
            alt.Chart(rule_df)
            .mark_rule(strokeDash=[4, 3], color="#222")
            .encode(
                x="value:Q",
                tooltip=[
                    alt.Tooltip("value:Q", title=t("cmp_city_row", lang), format=_fmt(metric))
                ],
            )
        )
        layers.append(rule)
    return alt.layer(*layers).properties(height=max(120, 28 * len(df)))


def stable_datasets(spec: dict, prefix: str = "rows") -> dict:
    """``spec`` with every dataset it draws handed over as a DataFrame under a fixed name
    (``{prefix}0``, ``{prefix}1``… in order of first use), the same chart.

    Both forms of a spec's rows are moved: inline ``data.values`` (each occurrence its own
    dataset) and references to top-level ``datasets`` under content-hash names (what
    :func:`vega_spec` makes). ``st.vega_lite_chart`` sends such datasets apart from the
    spec; when a rerun changes only their rows (another radius, date or district) the spec
    stays the same and the browser updates the drawn chart's data instead of building a
    new Vega view. A spec without rows is returned as it is.
    """
    datasets = spec.get("datasets", {})
    names: dict[str, str] = {}
    frames: dict[str, pd.DataFrame] = {}

    def walk(node: object) -> object:
        if isinstance(node, list):
            return [walk(x) for x in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for key, value in node.items():
            if key == "datasets":
                continue
            if key == "data" and isinstance(value, dict) and value.get("name") in datasets:
                old = value["name"]
                if old not in names:
                    names[old] = f"{prefix}{len(frames)}"
                    frames[names[old]] = pd.DataFrame(datasets[old])
                out[key] = {**value, "name": names[old]}
            elif key == "data" and isinstance(value, dict) and "values" in value:
                name = f"{prefix}{len(frames)}"
                frames[name] = pd.DataFrame(value["values"])
                rest = {k: v for k, v in value.items() if k != "values"}
                out[key] = {**rest, "name": name}
            else:
                out[key] = walk(value)
        return out

    body = walk(spec)
    assert isinstance(body, dict)
    if not frames and not datasets:
        return spec
    body["datasets"] = frames
    return body


def mark_districts(spec: dict, highlight: str | None, chosen: Sequence[str] = ()) -> dict:
    """A copy of a :func:`ranked_bar` spec (see :func:`vega_spec`) with the ``highlight``
    district and the ``chosen`` ones marked, as ``ranked_bar(..., highlight, chosen)``
    would draw them.

    Lets the page cache one spec per ranking and mark the shared district on every
    rerun in microseconds instead of rebuilding and validating the chart (~50 ms).
    """
    picked = set(chosen)

    def role(adcode: object) -> str:
        if highlight and adcode == highlight:
            return "highlight"
        return "chosen" if adcode in picked else "other"

    datasets = {}
    for name, rows in spec.get("datasets", {}).items():
        if rows and "role" in rows[0] and "adcode" in rows[0]:
            rows = [{**r, "role": role(r["adcode"])} for r in rows]
        datasets[name] = rows
    return {**spec, "datasets": datasets}


#: One colour per sector code (Tableau 10), the same in every language and filter.
SECTOR_COLORS: dict[str, str] = {
    "dining": "#4e79a7",
    "accommodation": "#f28e2b",
    "transportation": "#e15759",
    "shopping": "#76b7b2",
    "culture_tourism": "#59a14f",
}


def sector_facets(sectors: pd.DataFrame, names: dict[str, str], lang: str) -> alt.FacetChart:
    """Small multiples: coverage by sector, one panel per district.

    ``sectors`` is :func:`dashboard.engine.compare.sector_table`; ``names`` maps adcodes to
    district names in ``lang``.
    """
    df = sectors.copy()
    df["district"] = df["adcode"].map(lambda a: names.get(a, a))
    df["sector_label"] = df["sector"].map(lambda s: label_of("sector", str(s), lang))
    cov, sec = header("coverage", lang), header("sector", lang)
    # each sector keeps its place and colour in both languages (not alphabetical by label)
    codes = [c for c in model.SECTORS if c in set(df["sector"].astype(str))]
    codes += sorted(set(df["sector"].astype(str)) - set(codes))
    labels = [label_of("sector", c, lang) for c in codes]
    colors = [SECTOR_COLORS.get(c, "#868e96") for c in codes]
    base = alt.Chart().encode(
        # every sector named under every panel (Vega hides overlapping labels)
        x=alt.X(
            "sector_label:N",
            title=None,
            sort=labels,
            axis=alt.Axis(labelAngle=-40, labelOverlap=False, labelLimit=120),
        ),
        y=alt.Y(
            "coverage:Q",
            title=cov,
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format=".0%"),
        ),
        color=alt.Color(
            "sector_label:N",
            title=sec,
            legend=None,
            scale=alt.Scale(domain=labels, range=colors),
        ),
        tooltip=[
            alt.Tooltip("district:N", title=header("name", lang)),
            alt.Tooltip("sector_label:N", title=sec),
            alt.Tooltip("coverage:Q", title=cov, format=".0%"),
            alt.Tooltip("covered:Q", title=header("covered", lang)),
            alt.Tooltip("demand:Q", title=header("demand", lang)),
        ],
    )
    # a bar per sector, and a tick on it so that a sector with key locations but none
    # covered shows a line at 0 % (an empty slot means no key location of that sector)
    panel = alt.layer(base.mark_bar(), base.mark_tick(thickness=2, opacity=1), data=df)
    panel = panel.properties(width=max(150, 40 * df["sector_label"].nunique()), height=120)
    return panel.facet(
        facet=alt.Facet("district:N", title=None, sort=list(dict.fromkeys(df["district"]))),
        columns=4,
    )


def gap_layer(records: list[dict], layer_id: str, color: list[int], radius_px: float) -> pdk.Layer:
    """A pickable scatter layer of gap-map records (fields from
    :func:`dashboard.engine.compare.gap_records`), fixed pixel radius."""
    from dashboard.views.maps import scatter_layer

    return scatter_layer(records, layer_id, color, radius_px)


def gap_layers(
    payments: list[dict],
    covered: list[dict],
    uncovered: list[dict],
    proposed: list[dict],
    scale: float = 1.0,
) -> list[pdk.Layer]:
    """The profile map's point layers: payment points, covered and uncovered key
    locations, proposed new points (dots ``scale`` times the district size).

    Always the same four layers, empty or not, so a new district or what-if updates
    the map's layers instead of creating them.
    """
    return [
        gap_layer(payments, "payments", PAYMENT_RGBA, 3 * scale),
        gap_layer(covered, "covered", COVERED_RGBA, 5 * scale),
        gap_layer(uncovered, "uncovered", UNCOVERED_RGBA, 7 * scale),
        gap_layer(proposed, "proposed", PROPOSED_RGBA, 9),
    ]
