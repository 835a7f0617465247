"""The report downloaded from the Progress page in a real browser, in both languages: the
file is the same report as the CLI's (a PDF whose Chinese text extracts, or the HTML),
for the view's date and district."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.browser.conftest import settle, shot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "lang, label, words",
    [
        (
            "zh",
            "下载报告",
            ["北京市外籍来华人员支付便利化工作进展报告", "范围：朝阳区", "截至日期：2025-06-30"],
        ),
        ("en", "Download the report", ["progress report", "Scope: Chaoyang", "As of 2025-06-30"]),
    ],
)
def test_progress_page_downloads_the_report(app_url, page, tmp_path, lang, label, words):
    page.goto(f"{app_url}/progress?lang={lang}&district=110105&as_of=2025-06-30")
    settle(page)
    button = page.get_by_role("button", name=label)
    button.wait_for(timeout=30_000)
    shot(page, f"progress-report-button-{lang}")
    with page.expect_download(timeout=120_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == f"atlas-report-2025-06-30-110105-{lang}.pdf"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
        for w in words:
            assert w in text
    assert page.errors == []
