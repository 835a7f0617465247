"""The progress report as a sequence of blocks — headings, paragraphs, tables, figures —
built from a :class:`~dashboard.engine.briefing.Briefing` in one language.

One content, three formats: :mod:`dashboard.views.report_formats` writes these blocks as
PDF, as one self-contained HTML file, or as XLSX (one sheet per table). Tables keep
their numbers as numbers with a display kind per column (``share``, ``pp``, ``count``,
``num``, ``text``), so the spreadsheet holds values and the PDF and HTML format them the
same way (:func:`cell_text`). Text from the data (names, sources) stays plain text in
every format.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, cast

import pandas as pd

from dashboard.core.i18n import label_of, name_col, t
from dashboard.core.standards import format_requirement
from dashboard.core.targets import CITY, target_for
from dashboard.engine.briefing import Briefing, DistrictBrief
from dashboard.views import charts
from dashboard.views import progress as vp

Kind = Literal["share", "pp", "count", "num", "text"]


@dataclass(frozen=True)
class Heading:
    """A heading: ``level`` 0 the title, 1 a section, 2 a district page."""

    text: str
    level: int = 1
    new_page: bool = False


@dataclass(frozen=True)
class Para:
    text: str
    tone: Literal["normal", "note", "warn"] = "normal"


@dataclass(frozen=True)
class Table:
    """A table: ``sheet`` its XLSX sheet name, ``title`` its caption, ``frame`` its values
    (headers already in the report's language), ``kinds`` the display kind per column,
    ``show`` False for tables only the spreadsheet carries (the monthly series)."""

    sheet: str
    title: str
    frame: pd.DataFrame
    kinds: dict[str, Kind] = field(default_factory=dict)
    show: bool = True
    widths: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Figure:
    """A Vega-Lite chart or offline map, drawn by :mod:`dashboard.views.render`."""

    spec: dict
    caption: str
    width: int = 680
    height: int = 260
    #: Drawn as an image in the HTML report too (maps: thousands of marks as SVG weigh
    #: megabytes; a PNG stays small).
    raster: bool = False


Block = Heading | Para | Table | Figure
#: The key of the city map's close-up of the central districts (see ``report_maps``).
CORE_MAP = "core"
#: Draws an offline gap map of a district (or ``110000``, the city) as a figure.
MapMaker = Callable[[Briefing, str, str], "Figure | None"]


def cell_text(value: object, kind: Kind) -> str:
    """Display text of one table cell: shares ``34.1%``, changes ``+2.5 pp``, counts with
    thousands separators, numbers with two decimals; missing as ``—``."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if kind == "text":
        return str(value)
    try:
        v = float(value)  # pyright: ignore[reportArgumentType]
    except (TypeError, ValueError):
        return str(value)
    if math.isinf(v):
        return "—"
    if kind == "share":
        return f"{v:.1%}"
    if kind == "pp":
        return f"{100 * v:+.1f} pp"
    if kind == "count":
        return f"{v:,.0f}"
    return f"{v:,.2f}"


def _status_label(status: str, lang: str) -> str:
    return t(f"pg_status_{status}", lang)


def _layer_label(layer: str, lang: str) -> str:
    return t(f"rp_layer_{layer}", lang)


def _names(b: Briefing, lang: str) -> dict[str, str]:
    c = b.comparison
    return dict(zip(c["adcode"].astype(str), c[name_col(lang)].astype(str)))


def _sheet(key: str, lang: str, **kw: str) -> str:
    return t(f"rp_sheet_{key}", lang, **kw)


# --------------------------------------------------------------------------- tables


def sources_table(b: Briefing, lang: str) -> Table:
    s = b.sources
    cols = [
        t(k, lang) for k in ("rp_src_layer", "rp_src_rows", "rp_src_synthetic", "rp_src_sources")
    ]
    frame = pd.DataFrame(
        {
            cols[0]: [_layer_label(x, lang) for x in s["layer"]],
            cols[1]: s["rows"].to_numpy(),
            cols[2]: s["synthetic"].to_numpy(),
            cols[3]: s["sources"].to_numpy(),
        }
    )
    kinds: dict[str, Kind] = {cols[0]: "text", cols[1]: "count", cols[2]: "count", cols[3]: "text"}
    return Table(
        _sheet("sources", lang), t("rp_sources", lang), frame, kinds, widths=(28, 16, 22, 114)
    )


#: The KPI columns of the summary and district tables, in order, with their kinds.
KPI_KINDS: dict[str, Kind] = {
    "coverage": "share",
    "weighted_coverage": "share",
    "uncovered": "count",
    "access": "num",
}


def kpi_table(kpis: pd.DataFrame, lang: str, sheet: str, title: str) -> Table:
    """A KPI table (:func:`compare.district_kpis` / :func:`compare.city_kpis`) with one
    column per measure and one row per reference (now, previous, city, target)."""
    refs = [("value", "rp_kpi_value"), ("previous", "rp_kpi_previous")]
    if kpis["city"].notna().any():
        refs.append(("city", "rp_kpi_city"))
    if kpis["target"].notna().any():
        refs.append(("target", "rp_kpi_target"))
    first = t("rp_kpi", lang)
    data: dict[str, list] = {first: [t(label, lang) for _, label in refs]}
    kinds: dict[str, Kind] = {first: "text"}
    for m, kind in KPI_KINDS.items():
        head = t(f"cmpm_{m}", lang)
        data[head] = [float(cast(float, kpis.at[m, ref])) for ref, _ in refs]
        kinds[head] = kind
    return Table(sheet, title, pd.DataFrame(data), kinds, widths=(36, 36, 36, 36, 36))


#: Ranking columns (comparison-table codes) and their kinds.
RANKING_KINDS: dict[str, Kind] = {
    "rank": "count",
    "name": "text",
    "demand": "count",
    "covered": "count",
    "uncovered": "count",
    "coverage": "share",
    "weighted_coverage": "share",
    "change": "pp",
    "newly_covered": "count",
    "access": "num",
}


def ranking_table(b: Briefing, lang: str) -> Table:
    c = b.comparison
    heads = {m: t(f"cmpm_{m}", lang) for m in RANKING_KINDS}
    frame = pd.DataFrame(
        {heads[m]: (c[name_col(lang)] if m == "name" else c[m]).to_numpy() for m in RANKING_KINDS}
    )
    kinds: dict[str, Kind] = {heads[m]: k for m, k in RANKING_KINDS.items()}
    return Table(
        _sheet("ranking", lang),
        t("rp_ranking_caption", lang, since=b.since.isoformat()),
        frame,
        kinds,
        widths=(10, 26, 17, 16, 18, 18, 20, 19, 18, 18),
    )


def series_table(b: Briefing, lang: str) -> Table:
    s = b.series
    names = {**_names(b, lang), CITY: t("all_districts", lang)}
    cols = {
        "date": t("pg_axis_month", lang),
        "name": t("cmpm_name", lang),
        "demand": t("cmpm_demand", lang),
        "covered": t("cmpm_covered", lang),
        "coverage": t("cmpm_coverage", lang),
        "weighted_coverage": t("cmpm_weighted_coverage", lang),
    }
    frame = pd.DataFrame(
        {
            cols["date"]: pd.to_datetime(s["date"]).dt.date.astype(str).to_numpy(),
            t("cmpm_adcode", lang): s["adcode"].astype(str).to_numpy(),
            cols["name"]: [names.get(a, a) for a in s["adcode"].astype(str)],
            **{
                cols[m]: s[m].to_numpy()
                for m in ("demand", "covered", "coverage", "weighted_coverage")
                if m in s
            },
        }
    )
    kinds: dict[str, Kind] = {
        cols["coverage"]: "share",
        cols["weighted_coverage"]: "share",
        cols["demand"]: "count",
        cols["covered"]: "count",
    }
    return Table(_sheet("series", lang), t("rp_trend", lang), frame, kinds, show=False)


def status_table(status: pd.DataFrame, b: Briefing, lang: str, sheet: str, title: str) -> Table:
    """Target statuses with numbers kept (the page's :func:`vp.status_table` formats them)."""
    names = {**_names(b, lang), CITY: t("all_districts", lang)}
    c = {
        k: t(f"pg_col_{k}", lang)
        for k in (
            "district",
            "metric",
            "sector",
            "value",
            "target",
            "due",
            "projected",
            "range",
            "status",
        )
    }
    frame = pd.DataFrame(
        {
            c["district"]: [names.get(a, a) for a in status["adcode"]],
            c["metric"]: [t(f"pg_metric_{m}", lang) for m in status["metric"]],
            c["sector"]: [
                t("pg_all_sectors", lang)
                if pd.isna(s) or not s
                else label_of("sector", str(s), lang)
                for s in status["sector"]
            ],
            c["value"]: status["value"].to_numpy(),
            c["target"]: status["target"].to_numpy(),
            c["due"]: [str(d) for d in status["due"]],
            c["projected"]: status["projected"].to_numpy(),
            c["range"]: [
                f"{cell_text(lo, 'share')} – {cell_text(hi, 'share')}"
                for lo, hi in zip(status["projected_low"], status["projected_high"])
            ],
            c["status"]: [_status_label(s, lang) for s in status["status"]],
        }
    )
    kinds: dict[str, Kind] = {c["value"]: "share", c["target"]: "share", c["projected"]: "share"}
    return Table(sheet, title, frame, kinds, widths=(24, 22, 20, 16, 16, 22, 18, 26, 16))


def uncovered_table(d: DistrictBrief, lang: str, n: int) -> Table:
    u = d.uncovered
    other = "name_en" if lang == "zh" else "name_zh"
    names = (
        u[name_col(lang)].fillna(u[other]).fillna(u["id"])
        if len(u)
        else pd.Series([], dtype=object)
    )
    cols = {
        "sector": t("cmpm_sector", lang),
        "place": t("rp_col_place", lang),
        "category": t("cmpm_category", lang),
        "distance": t("cmpm_distance_m", lang),
        "weight": t("rp_col_weight", lang),
    }
    frame = pd.DataFrame(
        {
            cols["sector"]: [label_of("sector", str(s), lang) for s in u["sector"]],
            cols["place"]: names.astype(str).to_numpy(),
            cols["category"]: [label_of("key-locations", str(c), lang) for c in u["category"]],
            cols["distance"]: u["distance_m"].to_numpy(dtype="float64"),
            cols["weight"]: u["weight"].to_numpy(dtype="float64"),
        }
    )
    kinds: dict[str, Kind] = {cols["distance"]: "count", cols["weight"]: "num"}
    return Table(
        _sheet("gaps", lang, code=d.adcode),
        t("rp_uncovered", lang, n=str(n), total=f"{d.uncovered_total:,}"),
        frame,
        kinds,
        widths=(34, 62, 34, 32, 18),
    )


def sites_table(d: DistrictBrief, lang: str) -> Table:
    s = d.sites
    other = "name_en" if lang == "zh" else "name_zh"
    place = s[name_col(lang)].fillna(s[other]).fillna(s["id"]).astype(str)
    cols = {
        "rank": t("rp_col_rank", lang),
        "place": t("rp_col_place", lang),
        "gain": t("rp_col_gain", lang),
        "where": t("rp_col_lonlat", lang),
    }
    frame = pd.DataFrame(
        {
            cols["rank"]: s["rank"].to_numpy(),
            cols["place"]: place.to_numpy(),
            cols["gain"]: s["newly_covered"].to_numpy(),
            cols["where"]: [f"{lon:.5f}, {lat:.5f}" for lon, lat in zip(s["lon"], s["lat"])],
        }
    )
    kinds: dict[str, Kind] = {cols["rank"]: "count", cols["gain"]: "count"}
    return Table(
        _sheet("sites", lang, code=d.adcode),
        t("rp_sites", lang, k=str(len(s)), gain=f"{d.sites_gain:,}"),
        frame,
        kinds,
        widths=(16, 86, 28, 50),
    )


def events_table(events: pd.DataFrame, lang: str, sheet: str, title: str) -> Table:
    c = {
        k: t(f"rp_col_{k}", lang)
        for k in (
            "event",
            "series",
            "start",
            "venue",
            "nearby",
            "covered",
            "readiness",
            "venue_points",
        )
    }
    other = "name_en" if lang == "zh" else "name_zh"
    vname = "venue_name_zh" if lang == "zh" else "venue_name_en"
    vother = "venue_name_en" if lang == "zh" else "venue_name_zh"
    major = events["major_event"] if "major_event" in events else pd.Series([None] * len(events))
    frame = pd.DataFrame(
        {
            c["event"]: events[name_col(lang)].fillna(events[other]).astype(str).to_numpy(),
            c["series"]: [
                label_of("major_event", str(m), lang) if isinstance(m, str) and m else ""
                for m in major
            ],
            c["start"]: pd.to_datetime(events["start_date"]).dt.date.astype(str).to_numpy(),
            c["venue"]: events[vname].fillna(events[vother]).fillna("").astype(str).to_numpy()
            if vname in events
            else [""] * len(events),
            c["nearby"]: events["nearby"].to_numpy(),
            c["covered"]: events["covered"].to_numpy(),
            c["readiness"]: events["readiness"].to_numpy(dtype="float64"),
            c["venue_points"]: events["venue_points"].to_numpy(),
        }
    )
    kinds: dict[str, Kind] = {
        c["nearby"]: "count",
        c["covered"]: "count",
        c["readiness"]: "share",
        c["venue_points"]: "count",
    }
    widths: tuple[float, ...] = (46, 28, 20, 34, 14, 12, 14, 12)
    if "change" in events:  # editions of a series: the change from the previous one
        frame[t("rp_col_change", lang)] = events["change"].to_numpy(dtype="float64")
        kinds[t("rp_col_change", lang)] = "pp"
        widths = (40, 26, 18, 30, 13, 12, 13, 12, 16)
    return Table(sheet, title, frame, kinds, widths=widths)


def standards_table(b: Briefing, lang: str) -> Table:
    c = {
        k: t(f"rp_col_{k}", lang) for k in ("category", "radius", "require", "weight", "rationale")
    }
    rows = [
        {
            c["category"]: label_of("key-locations", cat, lang),
            c["radius"]: s.radius_m,
            c["require"]: format_requirement(s.require) or "—",
            c["weight"]: s.weight,
            c["rationale"]: s.rationale_in(lang),
        }
        for cat, s in b.standards.items()
    ]
    kinds: dict[str, Kind] = {c["radius"]: "count", c["weight"]: "num"}
    return Table(
        _sheet("standards", lang),
        t("rp_method_standards", lang),
        pd.DataFrame(rows, columns=list(c.values())),
        kinds,
        widths=(28, 18, 44, 14, 76),
    )


# --------------------------------------------------------------------------- figures


def _sized(spec: dict, width: int, height: int) -> dict:
    out = dict(spec)
    if "facet" in out or "spec" in out:
        return out
    out["width"], out["height"] = width, height
    return out


def ranking_figure(b: Briefing, lang: str) -> Figure:
    chart = charts.ranked_bar(b.comparison, "coverage", lang, city_value=b.city.get("coverage"))
    return Figure(
        _sized(charts.vega_spec(chart), 560, 380),
        t("rp_ranking_caption", lang, since=b.since.isoformat()),
        560,
        380,
    )


def trend_figure(b: Briefing, adcode: str, lang: str, caption: str) -> Figure:
    target = target_for(b.targets, "all" if adcode == CITY else adcode)
    spec = vp.trend_spec(b.series, adcode, lang, target)
    return Figure(_sized(spec, 640, 220), caption, 640, 220)


def multiples_figure(b: Briefing, lang: str) -> Figure:
    spec = vp.small_multiples_spec(b.series, _names(b, lang), lang)
    return Figure(spec, t("rp_multiples_caption", lang), 760, 520)


# --------------------------------------------------------------------------- blocks


_ZH_NUMERALS = "一二三四五六七八九十"


def section(n: int, key: str, lang: str, *, new_page: bool = True) -> Heading:
    """The ``n``-th section's heading (一、… in Chinese, 1. … in English)."""
    num = _ZH_NUMERALS[n - 1] if lang == "zh" and n <= len(_ZH_NUMERALS) else str(n)
    return Heading(t("rp_section", lang, n=num, title=t(key, lang)), new_page=new_page)


def _named_values(key: str, rows: pd.DataFrame, col: str, kind: Kind, lang: str) -> Para:
    """One sentence naming districts with a value each: ``朝阳区 (+1.7 pp)、…``."""
    sep = "、" if lang == "zh" else ", "
    names = sep.join(f"{n} ({cell_text(v, kind)})" for n, v in zip(rows[name_col(lang)], rows[col]))
    return Para(t(key, lang, names=names))


def _summary(b: Briefing, lang: str, n: int) -> list[Block]:
    city, prev = b.city, b.city_previous
    out: list[Block] = [
        section(n, "rp_summary", lang),
        Para(
            t(
                "rp_summary_line",
                lang,
                as_of=b.as_of.isoformat(),
                demand=cell_text(city["demand"], "count"),
                covered=cell_text(city["covered"], "count"),
                coverage=cell_text(city["coverage"], "share"),
                since=b.since.isoformat(),
                previous=cell_text(prev["coverage"], "share"),
                change=cell_text(city["coverage"] - prev["coverage"], "pp"),
                weighted=cell_text(city["weighted_coverage"], "share"),
            )
        ),
    ]
    mine = b.status[(b.status["adcode"] == CITY) & b.status["sector"].isna()]
    if len(mine):
        r = mine.iloc[0]
        out.append(
            Para(
                t(
                    "rp_target_line",
                    lang,
                    target=cell_text(r["target"], "share"),
                    due=str(r["due"]),
                    projected=cell_text(r["projected"], "share"),
                    low=cell_text(r["projected_low"], "share"),
                    high=cell_text(r["projected_high"], "share"),
                    status=_status_label(str(r["status"]), lang),
                )
            )
        )
    else:
        out.append(Para(t("rp_no_city_target", lang)))
    districts = b.status[(b.status["adcode"] != CITY) & b.status["sector"].isna()]
    counts = districts["status"].value_counts()
    out.append(
        Para(
            t(
                "rp_status_counts",
                lang,
                **{
                    s: str(int(counts.get(s, 0)))
                    for s in ("achieved", "on_track", "at_risk", "off_track")
                },
            )
        )
    )
    ranked = b.comparison.dropna(subset=["rank"])
    out.append(_named_values("rp_improved_line", b.improved.head(3), "change", "pp", lang))
    out.append(
        _named_values("rp_behind_line", ranked.tail(3).iloc[::-1], "coverage", "share", lang)
    )
    out.append(kpi_table(b.city_kpis, lang, _sheet("summary", lang), ""))
    return out


def _district_blocks(
    b: Briefing, d: DistrictBrief, n: int, lang: str, top: int, maps: MapMaker | None
) -> list[Block]:
    name = d.name_zh if lang == "zh" else d.name_en
    head = (
        t("rp_district_heading", lang, n=str(n), name=name, rank=str(d.rank))
        if d.rank is not None
        else t("rp_district_heading_norank", lang, n=str(n), name=name)
    )
    out: list[Block] = [
        Heading(head, level=2, new_page=True),
        kpi_table(d.kpis, lang, _sheet("kpi", lang, code=d.adcode), ""),
    ]
    for r in d.status.itertuples(index=False):
        out.append(
            Para(
                t(
                    "pg_line",
                    lang,
                    metric=t(f"pg_metric_{r.metric}", lang),
                    target=cell_text(r.target, "share"),
                    due=str(r.due),
                    value=cell_text(r.value, "share"),
                    projected=cell_text(r.projected, "share"),
                    status=_status_label(str(r.status), lang),
                ),
                tone="note",
            )
        )
    out.append(trend_figure(b, d.adcode, lang, t("rp_district_trend", lang)))
    if maps is not None:
        fig = maps(b, d.adcode, lang)
        if fig is not None:
            out.append(fig)
    if d.uncovered_total:
        out.append(uncovered_table(d, lang, top))
        if len(d.sites):
            out.append(sites_table(d, lang))
    else:
        out.append(Para(t("rp_none_uncovered", lang)))
    return out


def report_blocks(
    b: Briefing,
    lang: str,
    *,
    maps: MapMaker | None = None,
    top_uncovered: int = 5,
) -> list[Block]:
    """The whole report in ``lang``: cover, summary, ranking, trend, status, city gap map,
    one page per district, events, method notes.

    ``maps`` draws a gap map figure for an adcode (None: no maps).
    """
    syn = b.synthetic_layers
    scope = (
        t(
            "rp_scope",
            lang,
            names=("、" if lang == "zh" else ", ").join(_names(b, lang).get(a, a) for a in b.scope),
        )
        if b.scope
        else t("rp_scope_all", lang)
    )
    blocks: list[Block] = [
        Heading(t("rp_title", lang), level=0),
        Para(t("rp_subtitle", lang), tone="note"),
        Para(t("rp_as_of", lang, date=b.as_of.isoformat())),
        Para(t("rp_period", lang, since=b.since.isoformat(), as_of=b.as_of.isoformat())),
        Para(scope),
        Para(t("rp_standard", lang, name=_standard_name(b, lang))),
        Para(t(f"rp_basis_{b.basis}", lang)),
    ]
    if syn:
        blocks.append(
            Para(
                t("rp_synthetic", lang, layers=", ".join(_layer_label(x, lang) for x in syn)),
                tone="warn",
            )
        )
    if b.targets and all(x.example for x in b.targets):
        blocks.append(Para(t("rp_examples", lang), tone="warn"))
    blocks += [sources_table(b, lang), Para(t("rp_generated", lang), tone="note")]
    counter = iter(range(1, 100))
    blocks += _summary(b, lang, next(counter))
    blocks += [
        section(next(counter), "rp_ranking", lang, new_page=False),  # under the summary
        ranking_table(b, lang),
        ranking_figure(b, lang),
    ]
    blocks += [
        section(next(counter), "rp_trend", lang),
        trend_figure(b, CITY, lang, t("rp_trend_caption", lang)),
        multiples_figure(b, lang),
        series_table(b, lang),
    ]
    if len(b.status):
        blocks += [
            section(next(counter), "rp_status", lang),
            status_table(b.status, b, lang, _sheet("status", lang), ""),
            Para(t("pg_method", lang), tone="note"),
        ]
    city_maps = [maps(b, key, lang) for key in (CITY, CORE_MAP)] if maps is not None else []
    if city_maps and city_maps[0] is not None:
        blocks += [section(next(counter), "rp_map", lang)]
        blocks += [f for f in city_maps if f is not None]
    blocks.append(section(next(counter), "rp_districts", lang))
    for n, d in enumerate(b.districts, start=1):
        blocks += _district_blocks(b, d, n, lang, top_uncovered, maps)
    blocks.append(section(next(counter), "rp_events", lang))
    if len(b.events):
        blocks += [
            Para(t("rp_events_caption", lang), tone="note"),
            events_table(b.events, lang, _sheet("events", lang), t("rp_events", lang)),
        ]
    else:
        blocks.append(Para(t("rp_events_none", lang)))
    if len(b.major_editions):
        blocks.append(
            events_table(b.major_editions, lang, _sheet("major", lang), t("rp_major", lang))
        )
    blocks += [
        section(next(counter), "rp_method", lang),
        Para(t("rp_method_coverage", lang)),
        Para(t("rp_method_access", lang)),
        Para(t("rp_method_sites", lang)),
        Para(t("pg_method", lang)),
        standards_table(b, lang),
    ]
    if syn:
        blocks.append(
            Para(
                t("rp_synthetic_short", lang, layers=", ".join(_layer_label(x, lang) for x in syn)),
                tone="warn",
            )
        )
    return blocks


def _standard_name(b: Briefing, lang: str) -> str:
    any_point = all(not s.require for s in b.standards.values())
    return t("rp_standard_any" if any_point else "rp_standard_in_force", lang)
