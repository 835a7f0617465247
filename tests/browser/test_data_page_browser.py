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
