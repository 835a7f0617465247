"""The target editor on the Progress page in a real browser: a district head sets a new
target for Chaoyang and sees its status change in the table; a refused one says why."""

from __future__ import annotations

import pytest

from tests.browser.conftest import settle, shot, start_server, stop_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def editor_url(tmp_path_factory):
    """A server of its own: the test writes targets into its workspace."""
    proc, url = start_server(tmp_path_factory.mktemp("edit-home"), tmp_path_factory.mktemp("logs"))
    yield url
    stop_server(proc)


def _row(page, district: str) -> list[str]:
    """The cells of ``district``'s row (every sector) in the status table (the grid's
    accessible table holds the cell texts)."""
    cells = page.locator("[data-testid=stDataFrame]").first.locator("td").all_inner_texts()
    rows = [cells[i : i + 10] for i in range(0, len(cells), 10)]
    return next(r for r in rows if r[0] == district and r[2] in ("All", "全部"))


def _open_editor(page, label: str) -> None:
    page.get_by_text(label, exact=True).first.click()
    settle(page)
    page.locator("[data-testid=stTextArea] textarea").first.wait_for(timeout=20_000)


def test_a_target_edited_on_the_page_changes_its_status(editor_url, page):
    page.goto(f"{editor_url}/progress?lang=en&district=110105")
    settle(page)
    before = _row(page, "Chaoyang District")
    assert before[-1] == "✓" and before[-2] != "Achieved"  # the shipped example, not met
    _open_editor(page, "Edit targets")
    box = page.locator("[data-testid=stTextArea] textarea").first
    assert "2026-06-30=60" in box.input_value()  # the example's milestones to start from
    box.fill("2026-12-31=150")
    box.press("Control+Enter")  # commit the text, as leaving the field does
    settle(page)
    page.get_by_role("button", name="Save target").click()
    settle(page)
    alert = page.locator("[data-testid=stAlertContentError]").first
    assert "outside (0, 100]" in alert.inner_text()
    assert _row(page, "Chaoyang District") == before  # nothing written
    box.fill("2027-12-31=20")
    box.press("Control+Enter")
    settle(page)
    page.get_by_role("button", name="Save target").click()
    settle(page)
    assert "Saved (version" in page.locator("[data-testid=stAlertContentSuccess]").inner_text()
    after = _row(page, "Chaoyang District")
    assert after[4] == "20.0%" and after[5] == "2027-12-31"
    assert after[-2] == "Achieved" and after[-1] == ""  # no longer an example
    page.get_by_role("button", name="Save target").scroll_into_view_if_needed()
    shot(page, "target-editor-en")
    assert page.errors == []


def test_the_editor_in_chinese(editor_url, page):
    page.goto(f"{editor_url}/progress?lang=zh&district=110105")
    settle(page)
    _open_editor(page, "编辑目标")
    page.get_by_role("button", name="保存目标").scroll_into_view_if_needed()
    page.wait_for_timeout(400)
    shot(page, "target-editor-zh")
    assert page.get_by_text("目标版本历史").count() == 1
    assert page.errors == []
