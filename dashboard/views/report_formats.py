"""The report's blocks (:mod:`dashboard.views.report`) written as PDF, HTML or XLSX bytes.

- **PDF** (fpdf2): A4, the bundled CJK font (``dashboard/fonts``) embedded as a subset, so
  Chinese renders and can be searched and copied on any machine; figures drawn offline
  by :mod:`dashboard.views.render`. Characters the bundled font lacks are drawn with a
  system CJK font when one is installed, and named on the last page.
- **HTML**: one file, styles inline, figures as inline SVG: it opens offline and makes
  no request. Every text from the data is escaped.
- **XLSX**: one sheet per table, numbers as numbers (shares formatted as percentages),
  text never a formula, sanitised against formula injection.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from dashboard.core.i18n import t
from dashboard.core.safetext import spreadsheet_safe
from dashboard.engine.briefing import Briefing
from dashboard.views import render
from dashboard.views.report import Block, Figure, Heading, Kind, Para, Table, cell_text

FORMATS = ("pdf", "html", "xlsx")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

#: System CJK fonts tried, in order, for characters outside the bundled subset.
SYSTEM_CJK_FONTS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("C:/Windows/Fonts/msyh.ttc", 0),
    ("/System/Library/Fonts/PingFang.ttc", 0),
)

_TONE_RGB = {"normal": (33, 37, 41), "note": (87, 96, 106), "warn": (154, 103, 0)}


def all_text(blocks: Iterable[Block]) -> str:
    """Every piece of text the blocks show (to find characters the font lacks)."""
    parts: list[str] = []
    for b in blocks:
        if isinstance(b, (Heading, Para)):
            parts.append(b.text)
        elif isinstance(b, Table):
            parts.append(b.title)
            parts += [str(c) for c in b.frame.columns]
            for col in b.frame.columns:
                if b.kinds.get(col, "text") == "text":
                    parts += [str(v) for v in b.frame[col]]
        elif isinstance(b, Figure):
            parts.append(b.caption)
    return "\n".join(parts)


def _cells(table: Table) -> list[list[str]]:
    kinds: list[Kind] = [table.kinds.get(c, "text") for c in table.frame.columns]
    return [
        [cell_text(v, k) for v, k in zip(row, kinds)]
        for row in table.frame.itertuples(index=False, name=None)
    ]


def _figure_spec(fig: Figure) -> dict:
    spec = dict(fig.spec)
    spec.setdefault("background", "white")
    return spec


# --------------------------------------------------------------------------- PDF


def pdf_bytes(blocks: Sequence[Block], lang: str, title: str) -> bytes:
    """The report as PDF bytes (A4 portrait, bundled font embedded)."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    missing = render.missing_glyphs(all_text(blocks))

    class _Pdf(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("atlas", size=8)
            self.set_text_color(120, 120, 120)
            self.cell(0, 6, f"{title} · {t('rp_page', lang, n=str(self.page_no()))}", align="C")

    pdf = _Pdf(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_margins(15, 15, 15)
    pdf.set_title(title)
    pdf.set_lang("zh-CN" if lang == "zh" else "en")
    pdf.set_creator("exchange-atlas")
    pdf.add_font("atlas", "", str(render.FONT_PATH))
    if missing:
        for i, (path, number) in enumerate(SYSTEM_CJK_FONTS):
            if Path(path).is_file():
                pdf.add_font(f"fallback{i}", "", path, collection_font_number=number)
                pdf.set_fallback_fonts([f"fallback{i}"])
                break
    pdf.add_page()
    width = pdf.epw
    for block in blocks:
        if isinstance(block, Heading):
            if block.new_page and pdf.page_no() >= 1 and pdf.get_y() > 30:
                pdf.add_page()
            if pdf.get_y() > pdf.h - 60:  # never a heading alone at the foot of a page
                pdf.add_page()
            size = {0: 19, 1: 16, 2: 14}.get(block.level, 12)
            pdf.set_font("atlas", size=size)
            pdf.set_text_color(9, 105, 218)
            pdf.multi_cell(width, size * 0.55, block.text)
            pdf.ln(2)
        elif isinstance(block, Para):
            pdf.set_font("atlas", size=9.5 if block.tone == "normal" else 8.5)
            pdf.set_text_color(*_TONE_RGB[block.tone])
            pdf.multi_cell(width, 5, block.text)
            pdf.ln(1.5)
        elif isinstance(block, Table):
            if not block.show or block.frame.empty:
                continue
            if pdf.get_y() > pdf.h - 45:  # keep a caption with its first rows
                pdf.add_page()
            pdf.set_font("atlas", size=9)
            pdf.set_text_color(87, 96, 106)
            if block.title:
                pdf.multi_cell(width, 5, block.title)
            pdf.set_text_color(33, 37, 41)
            pdf.set_font("atlas", size=7.5)
            cols = len(block.frame.columns)
            widths = block.widths if block.widths and len(block.widths) == cols else None
            heading = FontFace(fill_color=(234, 238, 242))
            with pdf.table(
                col_widths=widths,
                width=width,
                line_height=4.2,
                headings_style=heading,
                text_align="LEFT",
                borders_layout="HORIZONTAL_LINES",
                padding=0.8,
            ) as tbl:
                head = tbl.row()
                for c in block.frame.columns:
                    head.cell(str(c))
                kinds = [block.kinds.get(c, "text") for c in block.frame.columns]
                for row in _cells(block):
                    r = tbl.row()
                    for v, k in zip(row, kinds):
                        r.cell(v, align="LEFT" if k == "text" else "RIGHT")
            pdf.ln(3)
        elif isinstance(block, Figure):
            png = render.png(_figure_spec(block), scale=2.0)
            w = min(width, block.width * 0.265)  # px at 96 dpi → mm
            h = w * block.height / block.width
            if pdf.get_y() + h > pdf.h - 20:
                pdf.add_page()
            pdf.image(io.BytesIO(png), w=w, keep_aspect_ratio=True)
            pdf.set_font("atlas", size=8)
            pdf.set_text_color(*_TONE_RGB["note"])
            pdf.multi_cell(width, 4.5, block.caption)
            pdf.ln(2)
    if missing:
        pdf.set_font("atlas", size=8)
        pdf.multi_cell(width, 4.5, t("rp_missing_glyphs", lang, chars=" ".join(missing)))
    return bytes(pdf.output())


# --------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei","PingFang SC",sans-serif;
max-width:1000px;margin:24px auto;padding:0 16px;color:#212529;line-height:1.5}
h1{color:#0969da;font-size:26px}h2{color:#0969da;font-size:20px;margin-top:36px;
border-top:1px solid #d0d7de;padding-top:18px}
p.note{color:#57606a;font-size:14px}p.warn{color:#9a6700;background:#fff8c5;padding:6px 10px}
table{border-collapse:collapse;margin:6px 0 18px;font-size:13px}
caption{text-align:left;color:#57606a;padding:4px 0}
th{background:#eaeef2;text-align:left}th,td{padding:3px 8px;border-bottom:1px solid #d0d7de}
td.n{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:8px 0 18px}figcaption{color:#57606a;font-size:13px}
figure svg,figure img{max-width:100%;height:auto}
"""


def html_text(blocks: Sequence[Block], lang: str, title: str) -> str:
    """The report as one self-contained HTML document (no script, no external request)."""
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
    ]
    for block in blocks:
        if isinstance(block, Heading):
            tag = f"h{min(block.level + 1, 4)}"
            out.append(f"<{tag}>{e(block.text)}</{tag}>")
        elif isinstance(block, Para):
            out.append(f'<p class="{block.tone}">{e(block.text)}</p>')
        elif isinstance(block, Table):
            if not block.show or block.frame.empty:
                continue
            kinds = [block.kinds.get(c, "text") for c in block.frame.columns]
            caption = f"<caption>{e(block.title)}</caption>" if block.title else ""
            rows = ["<table>", f"{caption}<thead><tr>"]
            rows += [f"<th>{e(str(c))}</th>" for c in block.frame.columns]
            rows.append("</tr></thead><tbody>")
            for row in _cells(block):
                cells = "".join(
                    f'<td class="n">{e(v)}</td>' if k != "text" else f"<td>{e(v)}</td>"
                    for v, k in zip(row, kinds)
                )
                rows.append(f"<tr>{cells}</tr>")
            rows.append("</tbody></table>")
            out.append("".join(rows))
        elif isinstance(block, Figure):
            if block.raster:
                data = base64.b64encode(render.png(_figure_spec(block), scale=1.5)).decode()
                body = (
                    f'<img src="data:image/png;base64,{data}" width="{block.width}" '
                    f'alt="{e(block.caption)}">'
                )
            else:
                body = render.svg(_figure_spec(block))
            out.append(f"<figure>{body}<figcaption>{e(block.caption)}</figcaption></figure>")
    out.append("</body></html>")
    return "\n".join(out)


# --------------------------------------------------------------------------- XLSX

_FORBIDDEN_SHEET = str.maketrans({c: "_" for c in "[]:*?/\\"})


def sheet_names(tables: Sequence[Table]) -> list[str]:
    """Excel-safe, unique sheet names (≤ 31 characters) for ``tables``, in order."""
    names: list[str] = []
    for tb in tables:
        base = tb.sheet.translate(_FORBIDDEN_SHEET)[:31] or "sheet"
        name, k = base, 2
        while name.casefold() in {n.casefold() for n in names}:
            suffix = f" ({k})"
            name, k = base[: 31 - len(suffix)] + suffix, k + 1
        names.append(name)
    return names


def xlsx_bytes(blocks: Sequence[Block]) -> bytes:
    """One sheet per table of the report (hidden-on-page tables included), values kept."""
    tables = [b for b in blocks if isinstance(b, Table)]
    buf = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with pd.ExcelWriter(buf, engine="xlsxwriter", engine_kwargs={"options": options}) as xw:
        book = xw.book
        fmt = {
            "share": book.add_format({"num_format": "0.0%"}),
            "pp": book.add_format({"num_format": "+0.0%;-0.0%;0.0%"}),
            "count": book.add_format({"num_format": "#,##0"}),
            "num": book.add_format({"num_format": "0.00"}),
        }
        for tb, name in zip(tables, sheet_names(tables)):
            df = spreadsheet_safe(tb.frame)
            df.to_excel(xw, sheet_name=name, index=False)
            ws = xw.sheets[name]
            for i, col in enumerate(df.columns):
                width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200)])
                kind = tb.kinds.get(col, "text")
                ws.set_column(i, i, min(max(8, width + 2), 60), fmt.get(kind))
            ws.freeze_panes(1, 0)
    return buf.getvalue()


def report_bytes(blocks: Sequence[Block], fmt: str, lang: str) -> bytes:
    """The report in ``fmt`` (one of :data:`FORMATS`)."""
    title = t("rp_title", lang)
    if fmt == "pdf":
        return pdf_bytes(blocks, lang, title)
    if fmt == "html":
        return html_text(blocks, lang, title).encode("utf-8")
    if fmt == "xlsx":
        return xlsx_bytes(blocks)
    raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")


def make_report(
    briefing: Briefing,
    lang: str,
    fmt: str,
    *,
    districts: gpd.GeoDataFrame | None = None,
    payments: pd.DataFrame | None = None,
) -> bytes:
    """The report of ``briefing`` (:func:`dashboard.engine.briefing.build_briefing`) in
    ``lang`` and ``fmt``; with the ``districts`` polygons and the ``payments`` layer, the
    gap maps too (drawn offline, :mod:`dashboard.views.report_maps`)."""
    from dashboard.engine.coverage import in_service
    from dashboard.views.report import report_blocks
    from dashboard.views.report_maps import map_maker

    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
    maps = None
    if districts is not None and payments is not None and fmt != "xlsx":
        live = payments[in_service(payments, briefing.as_of)]
        maps = map_maker(districts, live)
    return report_bytes(report_blocks(briefing, lang, maps=maps), fmt, lang)
