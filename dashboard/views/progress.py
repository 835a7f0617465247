"""Views of progress over time: the trend chart with its target, the districts' small
multiples and the status table (no Streamlit).

The charts are Vega-Lite specs with their rows inline, drawn by ``st.vega_lite_chart`` on
the page and by the report alike.
"""

from __future__ import annotations

import math

import pandas as pd

from dashboard.core.i18n import label_of, name_col, t
from dashboard.core.targets import CITY, Target

#: The status colours (achieved, on track, at risk, off track).
STATUS_COLOURS = {
    "achieved": "#1a7f37",
    "on_track": "#2f81f7",
    "at_risk": "#d29922",
    "off_track": "#cf222e",
}


def _rows(series: pd.DataFrame, metric: str) -> list[dict]:
    return [
        {"date": d.date().isoformat(), "adcode": a, "value": None if math.isnan(v) else v}
        for d, a, v in zip(pd.to_datetime(series["date"]), series["adcode"], series[metric])
    ]


def trend_spec(
    series: pd.DataFrame,
    adcode: str,
    lang: str,
    target: Target | None = None,
    metric: str = "coverage",
) -> dict:
    """The monthly ``metric`` of ``adcode`` (``110000``: the city) as a line, with the
    target's milestones as points joined by a dashed line."""
    mine = series[series["adcode"] == adcode]
    layers: list[dict] = [
        {
            "data": {"values": _rows(mine, metric)},
            "mark": {"type": "line", "point": True, "color": "#0969da"},
            "encoding": {
                # numeric month labels and no rotated title: the same in both languages
                "x": {
                    "field": "date",
                    "type": "temporal",
                    "title": None,
                    "axis": {"format": "%Y-%m"},
                },
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": None,
                    "axis": {"format": ".0%"},
                    "scale": {"domain": [0, 1]},
                },
                "tooltip": [
                    {"field": "date", "type": "temporal", "title": t("pg_axis_month", lang)},
                    {"field": "value", "type": "quantitative", "format": ".1%"},
                ],
            },
        }
    ]
    if target is not None:
        goal = [
            {"date": m.due.isoformat(), "value": m.share, "label": f"{m.percent:g}%"}
            for m in target.milestones
        ]
        layers.append(
            {
                "data": {"values": goal},
                "mark": {"type": "line", "strokeDash": [6, 4], "color": "#cf222e", "point": True},
                "encoding": {
                    "x": {"field": "date", "type": "temporal"},
                    "y": {"field": "value", "type": "quantitative"},
                    "tooltip": [
                        {"field": "date", "type": "temporal", "title": t("pg_col_due", lang)},
                        {"field": "label", "type": "nominal", "title": t("pg_target_label", lang)},
                    ],
                },
            }
        )
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "height": 260,
        "layer": layers,
    }


def small_multiples_spec(
    series: pd.DataFrame, names: dict[str, str], lang: str, metric: str = "coverage"
) -> dict:
    """One small line chart per district (the city left out), four columns, shared axes."""
    rows = [
        {**r, "name": names.get(r["adcode"], r["adcode"])}
        for r in _rows(series[series["adcode"] != CITY], metric)
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": rows},
        "facet": {
            "field": "name",
            "type": "nominal",
            "title": None,
            "sort": {"field": "adcode"},  # adcode order, as every table
        },
        "columns": 4,
        "spec": {
            "width": 180,
            "height": 90,
            "mark": {"type": "line", "color": "#0969da"},
            "encoding": {
                "x": {
                    "field": "date",
                    "type": "temporal",
                    "title": None,
                    "axis": {"format": "%Y", "tickCount": "year"},
                },
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": None,
                    "axis": {"format": ".0%"},
                    "scale": {"domain": [0, 1]},
                },
            },
        },
    }


def gaps_spec(gaps: pd.DataFrame, by: str, lang: str) -> dict:
    """Gaps by sector (``by="sector"``) or key-location category over time
    (:func:`dashboard.engine.progress.gap_series`): the uncovered key locations of each
    group month by month, one coloured line each; the tooltip adds the group's coverage.
    Groups without key locations are left out."""
    kind = "sector" if by == "sector" else "key-locations"
    shown = gaps[gaps["demand"] > 0]
    rows = [
        {
            "date": pd.Timestamp(d).date().isoformat(),
            "group": label_of(kind, str(g), lang),
            "uncovered": int(u),
            "coverage": None if math.isnan(c) else float(c),
        }
        for d, g, u, c in zip(shown["date"], shown["group"], shown["uncovered"], shown["coverage"])
    ]
    group_title = t("pg_col_sector" if by == "sector" else "pg_col_category", lang)
    order = list(dict.fromkeys(r["group"] for r in rows))
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "height": 260,
        "data": {"values": rows},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "date", "type": "temporal", "title": None, "axis": {"format": "%Y-%m"}},
            "y": {
                "field": "uncovered",
                "type": "quantitative",
                "title": t("pg_axis_uncovered", lang),
            },
            # the groups in the engine's order, so a group keeps its colour in both languages
            "color": {
                "field": "group",
                "type": "nominal",
                "title": group_title,
                "scale": {"domain": order},
                "sort": order,
            },
            "tooltip": [
                {"field": "group", "type": "nominal", "title": group_title},
                {"field": "date", "type": "temporal", "title": t("pg_axis_month", lang)},
                {
                    "field": "uncovered",
                    "type": "quantitative",
                    "title": t("pg_axis_uncovered", lang),
                },
                {
                    "field": "coverage",
                    "type": "quantitative",
                    "format": ".1%",
                    "title": t("pg_axis_coverage", lang),
                },
            ],
        },
    }


def _pct(v: float) -> str:
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{100 * v:.1f}%"


def status_table(status: pd.DataFrame, names: dict[str, str], lang: str) -> pd.DataFrame:
    """The target status (:func:`dashboard.engine.progress.target_status`) for reading, in
    ``lang``: district, metric, sector, now, target, due, projected, range, status."""
    city = t("all_districts", lang)
    return pd.DataFrame(
        {
            t("pg_col_district", lang): [
                city if a == CITY else names.get(a, a) for a in status["adcode"]
            ],
            t("pg_col_metric", lang): [t(f"pg_metric_{m}", lang) for m in status["metric"]],
            t("pg_col_sector", lang): [
                t("pg_all_sectors", lang)
                if pd.isna(s) or not s
                else label_of("sector", str(s), lang)
                for s in status["sector"]
            ],
            t("pg_col_value", lang): [_pct(v) for v in status["value"]],
            t("pg_col_target", lang): [_pct(v) for v in status["target"]],
            t("pg_col_due", lang): [str(d) for d in status["due"]],
            t("pg_col_projected", lang): [_pct(v) for v in status["projected"]],
            t("pg_col_range", lang): [
                f"{_pct(lo)} – {_pct(hi)}"
                for lo, hi in zip(status["projected_low"], status["projected_high"])
            ],
            t("pg_col_status", lang): [t(f"pg_status_{s}", lang) for s in status["status"]],
            t("pg_col_example", lang): ["✓" if e else "" for e in status["example"]],
        }
    )


def improvement_table(improved: pd.DataFrame, lang: str, n: int = 5) -> pd.DataFrame:
    """The first ``n`` rows of :func:`dashboard.engine.progress.most_improved` for reading."""
    top = improved.head(n)
    return pd.DataFrame(
        {
            t("pg_col_district", lang): top[name_col(lang)].tolist(),
            t("pg_col_value", lang): [_pct(v) for v in top["coverage_end"]],
            t("pg_col_change", lang): [
                "—" if math.isnan(c) else f"{100 * c:+.1f} pp" for c in top["change"]
            ],
        }
    )
