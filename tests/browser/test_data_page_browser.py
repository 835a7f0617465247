"""The Data page in a real browser: upload a hostile file, hover its point, nothing runs."""

from __future__ import annotations

import pytest

from tests.browser.conftest import settle

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=window.__pwned=1>"


def test_upload_preview_and_tooltip_show_markup_as_text(app_url, page, tmp_path):
    f = tmp_path / "xss.csv"
    # one point at the centre of the initial view, so hovering the canvas centre picks it
    f.write_text(f'名称,类型,经度,纬度\n"{XSS}",酒店,116.40,40.23\n', encoding="utf-8")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(app_url + "/data")
    settle(page)
    page.locator("[data-testid=stFileUploaderDropzoneInput]").first.set_input_files(str(f))
    settle(page)
    canvas = page.locator("[data-testid=stDeckGlJsonChart] canvas").first
    canvas.wait_for(timeout=30_000)
    settle(page)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    for dx in (0, 1, -1, 2, -2):  # hover the point at the centre of the view
        page.mouse.move(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2)
        page.wait_for_timeout(300)
        if page.locator(".deck-tooltip").is_visible():
            break
    tip = page.locator(".deck-tooltip")
    tip.wait_for(state="visible", timeout=10_000)
    assert XSS in tip.inner_text()
    assert tip.locator("img").count() == 0
    assert page.evaluate("() => window.__pwned") is None
    assert not dialogs and not page.errors


UPLOADER_TEXTS = """
() => {
  const root = document.querySelector('[data-testid=stFileUploaderDropzone]');
  const label = root.querySelector('button [data-testid=stMarkdownContainer] p');
  const note = root.querySelector('[data-testid=stFileUploaderDropzoneInstructions] span');
  const shown = el => getComputedStyle(el).fontSize === '0px'
    ? JSON.parse(getComputedStyle(el, '::after').content) : el.textContent;
  return [shown(label), shown(note)];
}
"""


@pytest.mark.parametrize(
    ("lang", "button", "limit"),
    [
        ("zh", "上传", "每个文件不超过 200 MB · CSV, TSV, TXT"),
        ("en", "Upload", "200MB per file • CSV, TSV, TXT"),
    ],
)
def test_the_file_uploader_speaks_the_page_language(app_url, page, lang, button, limit):
    # Streamlit writes "Upload" and "200MB per file" in English on every page
    page.goto(f"{app_url}/data?lang={lang}")
    settle(page)
    page.locator("[data-testid=stFileUploaderDropzone]").first.wait_for()
    shown_button, shown_limit = page.evaluate(UPLOADER_TEXTS)
    assert shown_button == button
    assert shown_limit.startswith(limit)
    assert not page.errors
