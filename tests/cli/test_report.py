"""`exchange-atlas report`: the PDF, HTML and XLSX reports in both languages, their figures
equal to the engine's, the Chinese text embedded and extractable (poppler's pdftotext and
pdftoppm, as CI installs them), untrusted text kept as text, and bad input refused with
nothing written."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import openpyxl
import pandas as pd
import pytest

from dashboard.cli import main
from dashboard.engine.briefing import build_briefing
from dashboard.engine.coverage import assess_coverage
from dashboard.engine.layers import load_all
from dashboard.views.report import cell_text
from loaders.standards_store import load_standards
from loaders.targets_store import load_targets

AS_OF = "2025-06-30"
POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm") and shutil.which("pdffonts")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed")


def _engine(home, as_of=AS_OF):
    lay = load_all(home)
    std = load_standards(home)
    return assess_coverage(
        lay["key-locations"], lay["payments"], lay["districts"], std, as_of=as_of
    ), lay


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    """The PDF report in both languages, made by the CLI in an empty workspace."""
    out = {}
    d = tmp_path_factory.mktemp("pdf")
    for lang in ("zh", "en"):
        path = d / f"report-{lang}.pdf"
        assert (
            main(
                [
                    "report",
                    "--as-of",
                    AS_OF,
                    "--lang",
                    lang,
                    "--out",
                    str(path),
                    "--home",
                    str(d / "home"),
                ]
            )
            == 0
        )
        out[lang] = path
    return out


def _text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


@needs_poppler
def test_pdf_chinese_text_is_embedded_and_extracted(pdfs, isolated_home):
    text = _text(pdfs["zh"])
    assert "北京市外籍来华人员支付便利化工作进展报告" in text
    assert "截至日期：2025-06-30" in text
    for name in ("东城区", "朝阳区", "海淀区", "延庆区"):
        assert name in text
    assert "方法说明" in text
    fonts = subprocess.run(
        ["pdffonts", str(pdfs["zh"])], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    assert fonts, "no font in the PDF"
    for line in fonts:  # every font embedded (emb = yes), none left to the reader's machine
        assert " yes " in line, line
    assert any("NotoSansCJKSC" in line for line in fonts)


@needs_poppler
def test_pdf_figures_equal_the_engine(pdfs, isolated_home):
    cov, _ = _engine(isolated_home)
    city = cov.city
    for lang in ("zh", "en"):
        text = _text(pdfs[lang])
        assert cell_text(city["coverage"], "share") in text
        assert f"{int(city['demand']):,}" in text
    text = _text(pdfs["en"])
    assert (
        f"{int(city['covered']):,} of the city's {int(city['demand']):,} key locations are "
        f"covered: {cell_text(city['coverage'], 'share')}"
    ) in " ".join(text.split())


@needs_poppler
def test_pdf_pages_rasterise(pdfs, tmp_path):
    from PIL import Image

    for lang, path in pdfs.items():
        subprocess.run(
            ["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / lang)], check=True
        )
        pages = sorted(tmp_path.glob(f"{lang}-*.png"))
        assert len(pages) >= 16  # cover, summary, ranking, trend, status, a page per district
        for page in pages[:6]:
            im = Image.open(page).convert("L")
            lo, hi = im.getextrema()
            assert lo < 100 and hi > 240, f"{page.name} looks blank"


def test_xlsx_one_sheet_per_table_with_the_engines_numbers(tmp_path, isolated_home):
    out = tmp_path / "report.xlsx"
    assert main(["report", "--as-of", AS_OF, "--lang", "en", "--out", str(out)]) == 0
    book = openpyxl.load_workbook(out, read_only=True)
    names = book.sheetnames
    assert {"sources", "summary", "ranking", "monthly", "standards"} <= set(names)
    assert len(names) == len(set(names)) and all(len(n) <= 31 for n in names)
    ranking = pd.read_excel(out, sheet_name="ranking", engine="openpyxl")
    cov, _ = _engine(isolated_home)
    want = cov.districts.set_index(cov.districts["name_en"])
    for _, row in ranking.iterrows():
        assert row["Coverage"] == pytest.approx(want.loc[row["District"], "coverage"])
        assert row["Uncovered (gaps)"] == want.loc[row["District"], "uncovered"]
    monthly = pd.read_excel(out, sheet_name="monthly", engine="openpyxl")
    assert monthly["Coverage"].between(0, 1).all()
    assert any(n.endswith(" KPIs") for n in names)


def test_html_is_one_offline_file(tmp_path, isolated_home):
    out = tmp_path / "report.html"
    assert main(["report", "--as-of", AS_OF, "--lang", "zh", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html.lower()
    for attr in ('src="http', 'href="http', "url(http", "@import"):
        assert attr not in html
    assert html.count("<svg") >= 3  # figures inline
    assert "北京市外籍来华人员支付便利化工作进展报告" in html


def test_untrusted_names_stay_text(tmp_path, isolated_home):
    """A key location named with HTML and a spreadsheet formula: escaped in HTML, plain text
    in the PDF, never a formula in the XLSX."""
    src = tmp_path / "places.csv"
    shipped = pd.read_csv("geodata/key_locations.csv", dtype=str)
    evil = shipped.iloc[[0]].copy()
    evil["id"] = "K999"
    evil["name_en"] = "<img src=x onerror=alert(1)>"
    evil["name_zh"] = '=HYPERLINK("http://evil","x")'
    evil["lon"], evil["lat"] = "116.0300", "40.3800"  # far from every point: uncovered
    evil["adcode"] = "110119"
    pd.concat([shipped, evil]).to_csv(src, index=False)
    assert main(["import", str(src), "--layer", "key-locations", "--replace"]) == 0
    for lang in ("zh", "en"):
        html = tmp_path / f"r-{lang}.html"
        xlsx = tmp_path / f"r-{lang}.xlsx"
        for out in (html, xlsx):
            argv = ["report", "--lang", lang, "--district", "110119", "--out", str(out)]
            assert main(argv) == 0
        text = html.read_text(encoding="utf-8")
        assert "<img src=x" not in text
        book = openpyxl.load_workbook(xlsx)
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    assert c.data_type != "f", (ws.title, c.coordinate, c.value)
    assert "&lt;img src=x onerror=alert(1)&gt;" in (tmp_path / "r-en.html").read_text("utf-8")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--as-of", "2019-01-01"], "no data for the period"),
        (["--as-of", "2025-01-01", "--since", "2025-06-01"], "is after --as-of"),
        (["--district", "Atlantis"], "unknown district 'Atlantis'"),
        (["--as-of", "yesterday-ish"], "not a date"),
    ],
)
def test_bad_input_one_message_nothing_written(tmp_path, capsys, argv, message):
    out = tmp_path / "report.pdf"
    out.write_bytes(b"the previous report")
    assert main(["report", *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert out.read_bytes() == b"the previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]  # no temporary left


def test_unwritable_output_refused_before_any_work(tmp_path, capsys):
    assert main(["report", "--out", str(tmp_path / "missing" / "r.pdf")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["report", "--out", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    if (
        shutil.which("id")
        and subprocess.run(["id", "-u"], capture_output=True, text=True).stdout.strip() != "0"
    ):
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        assert main(["report", "--out", str(ro / "r.pdf")]) == 2
        assert "not writable" in capsys.readouterr().err


def test_format_from_suffix_and_the_briefing_is_the_engines(tmp_path, isolated_home):
    out = tmp_path / "r.htm"
    assert main(["report", "--as-of", AS_OF, "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"<!DOCTYPE html>")
    b = build_briefing(
        load_all(isolated_home),
        load_standards(isolated_home),
        load_targets(isolated_home),
        as_of=date(2025, 6, 30),
    )
    cov, _ = _engine(isolated_home)
    assert b.city["coverage"] == pytest.approx(float(cov.city["coverage"]))
