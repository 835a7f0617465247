"""Sign-in and rights in a real browser, one journey per role, against a server whose
workspace has a users file: an inspector records a visit on a phone and the point turns
verified on the map; a district editor is refused another district's place (by the
server: also with a direct call); an admin edits a standard; a viewer sees no write
control. The audit log then holds exactly the journeys' writes."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from dashboard.core.rights import Actor, PermissionDenied
from loaders import writes
from loaders.audit import read_audit
from loaders.inspections_store import load_inspections, prepare_inspections
from loaders.standards_store import load_standards, shipped_standards
from loaders.users_store import add_user
from loaders.workspace import effective_table
from tests.browser.conftest import choose, settle, shot, start_server, stop_server

pytestmark = pytest.mark.browser

PASSWORD = "field-check-2026"
#: A foreign-card POS in Dongcheng (110101) of the shipped data.
PLACE = "P0003"
VERIFIED_RGBA = [26, 152, 80, 230]


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    h = tmp_path_factory.mktemp("roles-home")
    add_user("insp", PASSWORD, "editor", ("110101",), home=h)
    add_user("ed", PASSWORD, "editor", ("110105",), home=h)
    add_user("ada", PASSWORD, "admin", home=h)
    add_user("vera", PASSWORD, "viewer", home=h)
    return h


@pytest.fixture(scope="module")
def url(home, tmp_path_factory):
    proc, base = start_server(home, tmp_path_factory.mktemp("logs"))
    yield base
    stop_server(proc)


def _offline(route) -> None:
    ok = route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
    route.continue_() if ok else route.abort()


@pytest.fixture
def context_for(browser):
    made = []

    def make(**options):
        ctx = browser.new_context(**options)
        ctx.route("**/*", _offline)
        made.append(ctx)
        pg = ctx.new_page()
        pg.errors = []
        pg.on("pageerror", lambda e: pg.errors.append(str(e)))
        return pg

    yield make
    for ctx in made:
        ctx.close()


def sign_in(pg, url: str, name: str, path: str = "", lang: str = "en") -> None:
    pg.goto(f"{url}/{path}?lang={lang}")
    settle(pg)
    pg.get_by_role("textbox", name="User name" if lang == "en" else "用户名").fill(name)
    pg.get_by_role("textbox", name="Password" if lang == "en" else "密码").fill(PASSWORD)
    pg.get_by_role("button", name="Sign in" if lang == "en" else "登录").click()
    settle(pg)
    assert pg.get_by_text("Signed in:" if lang == "en" else "已登录").count() >= 1


def go(pg, title: str) -> None:
    """Open a page from the sidebar, within the signed-in session (a reload is a new
    session, which asks to sign in again)."""
    pg.locator("[data-testid=stSidebarNavLink]").filter(has_text=title).first.click()
    settle(pg)
    assert pg.get_by_text("Signed in:").count() >= 1  # still the same session


def find_place(pg, place: str) -> None:
    box = pg.get_by_label("Search by name or id")
    box.fill(place)
    box.press("Enter")
    settle(pg)


def tick(pg, n_accepted: int) -> None:
    """Press "Accepted" on the first ``n_accepted`` checks of the form."""
    form = pg.locator("[data-testid=stForm]")
    for i in range(n_accepted):
        form.get_by_role("radio", name="Accepted").nth(i).click()


def served_records(pg) -> list[dict]:
    """Every record of the map layer data the page fetched from the app's server."""
    return [r for batch in pg.served for r in batch]  # type: ignore[attr-defined]


def capture(pg) -> None:
    pg.served = []

    def on_response(resp):
        if "/atlas-data/" in resp.url and resp.ok:
            try:
                data = json.loads(resp.body())
            except Exception:  # noqa: BLE001 - not JSON: not a layer
                return
            if isinstance(data, list):
                pg.served.append(data)

    pg.on("response", on_response)


def test_an_inspector_records_a_visit_on_a_phone(url, home, context_for):
    pg = context_for(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    capture(pg)
    sign_in(pg, url, "insp", "inspect")
    assert pg.get_by_role("heading", name="Field inspection").count() == 1
    find_place(pg, PLACE)
    assert pg.get_by_text("Status now: Never verified").count() == 1
    before = [r for r in served_records(pg) if r.get("id") == PLACE]
    assert before and before[-1]["color"] != VERIFIED_RGBA
    tick(pg, 2)  # foreign card and foreign wallet accepted
    form = pg.locator("[data-testid=stForm]")
    form.get_by_label("Inspector").fill("Li Na")
    shot(pg, "inspect-phone-form-en")
    form.get_by_role("button", name="Save the inspection").click()
    settle(pg)
    assert "Status now: Verified" in pg.locator("[data-testid=stAlertContentSuccess]").inner_text()
    after = [r for r in served_records(pg) if r.get("id") == PLACE]
    assert after[-1]["color"] == VERIFIED_RGBA and after[-1]["tt_body"].endswith(": Verified")
    # usable at 390 px: nothing wider than the screen
    assert pg.evaluate("() => document.documentElement.scrollWidth") <= 390
    pg.get_by_text("Status now:").first.scroll_into_view_if_needed()
    shot(pg, "inspect-phone-verified-en")
    ins = load_inspections(home)
    assert list(ins["place_id"]) == [PLACE] and list(ins["inspector"]) == ["Li Na"]
    assert pg.errors == []


def test_the_inspect_page_in_chinese_on_a_phone(url, context_for):
    pg = context_for(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    sign_in(pg, url, "insp", "inspect", lang="zh")
    assert pg.get_by_role("heading", name="实地检查").count() == 1
    shot(pg, "inspect-phone-zh")
    assert pg.errors == []


def test_a_district_editor_is_refused_another_district(url, home, context_for):
    pg = context_for(viewport={"width": 1280, "height": 900})
    sign_in(pg, url, "ed", "inspect")
    choose(pg, "District", "All of Beijing")  # an editor starts in their own district
    find_place(pg, PLACE)  # in Dongcheng; ed edits Chaoyang (110105) only
    tick(pg, 1)
    pg.locator("[data-testid=stForm]").get_by_role("button", name="Save the inspection").click()
    settle(pg)
    alert = pg.locator("[data-testid=stAlertContentError]").first.inner_text()
    assert "Not saved" in alert and "110101" in alert
    assert len(load_inspections(home)) == 1  # only the inspector's visit
    # the server refuses the same write made directly, whatever the page shows
    lay = {k: effective_table(k, home) for k in ("payments", "key-locations")}
    row = pd.DataFrame(
        [{"place_id": PLACE, "inspected_at": "2026-11-30 10:00", "inspector": "ed"}]
    ).assign(check_foreign_card="accepted")
    prepared, problems = prepare_inspections(
        row,
        payments=lay["payments"],
        key_locations=lay["key-locations"],
        now=pd.Timestamp.now().to_pydatetime(),
        file="direct call",
    )
    assert not [p for p in problems if p.severity == "error"]
    with pytest.raises(PermissionDenied, match="110101"):
        writes.add_inspections(Actor("ed", "editor", ("110105",), via="web"), prepared, home)
    assert len(load_inspections(home)) == 1
    shot(pg, "inspect-refused-en")
    assert pg.errors == []


def test_an_admin_edits_a_standard(url, home, context_for):
    pg = context_for(viewport={"width": 1400, "height": 1000})
    sign_in(pg, url, "ada", "standards")
    grid = pg.locator("[data-testid=stDataFrame]").first
    grid.wait_for()
    assert grid.locator("td").nth(1).inner_text() == "300"  # the first category's radius
    box = grid.bounding_box()
    assert box is not None
    # the grid is a canvas: on a loaded machine a first click can land before it takes
    # input, so the cell is selected again (at most three times) until its number editor
    # opens, and the value is typed into that editor, not into whatever has the focus
    editor = pg.locator(".gdg-input").first
    for _ in range(3):
        pg.mouse.click(box["x"] + 30, box["y"] + 35 + 17)  # the first row's first cell
        pg.keyboard.press("ArrowRight")  # to its radius
        pg.keyboard.press("Enter")  # edit it
        try:
            editor.wait_for(state="visible", timeout=5_000)
        except PlaywrightTimeout:
            pg.keyboard.press("Escape")
            continue
        editor.press("Control+a")
        editor.press_sequentially("450", delay=60)
        editor.press("Enter")
        settle(pg)
        if grid.locator("td").nth(1).inner_text() == "450":
            break
    assert grid.locator("td").nth(1).inner_text() == "450"
    pg.get_by_role("button", name="Save", exact=True).click()
    settle(pg)
    assert shipped_standards()["shopping_mall"].radius_m == 300  # the table's first row
    assert load_standards(home)["shopping_mall"].radius_m == 450
    assert pg.errors == []


def test_a_viewer_sees_no_write_control(url, home, context_for):
    pg = context_for(viewport={"width": 1400, "height": 1000})
    sign_in(pg, url, "vera", "inspect")
    assert pg.get_by_text("This account can view but not record inspections.").count() == 1
    assert pg.get_by_role("button", name="Save the inspection").count() == 0
    for title in ("Data", "Service standards", "Progress"):
        go(pg, title)
        assert pg.get_by_role("heading", name=title).count() >= 1, title
        assert pg.locator("[data-testid=stFileUploader]").count() == 0, title
        for label in ("Save", "Undo", "Confirm import", "Undo the last import"):
            assert pg.get_by_role("button", name=label, exact=True).count() == 0, (title, label)
    nav = pg.locator("[data-testid=stSidebarNavLink]").all_inner_texts()
    assert "Inspect" in " ".join(nav) and "Audit log" not in " ".join(nav)
    viewer = Actor("vera", "viewer", via="web")
    with pytest.raises(PermissionDenied):
        writes.save_standards(viewer, shipped_standards(), home)
    with pytest.raises(PermissionDenied):
        writes.undo_inspections(viewer, home)
    shot(pg, "viewer-en")
    assert pg.errors == []


def test_the_audit_log_lists_every_write_of_the_journeys(url, home, context_for):
    entries = [(e.actor, e.action) for e in read_audit(home)]
    assert entries == [("insp", "inspect"), ("ada", "standards_save")]
    pg = context_for(viewport={"width": 1400, "height": 1000})
    sign_in(pg, url, "ada", "audit")
    cells = pg.locator("[data-testid=stDataFrame]").first.locator("td").all_inner_texts()
    assert "insp" in cells and "ada" in cells
    shot(pg, "audit-en")
    assert pg.errors == []
