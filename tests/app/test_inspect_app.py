"""The Inspect, Work list and Audit pages and sign-in (AppTest): a visit recorded turns
the point verified and is in the audit log; each role sees and may do only its own."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dashboard.core.inspections import result_column
from loaders.audit import read_audit
from loaders.inspections_store import load_inspections
from loaders.users_store import add_user
from loaders.workspace import effective_table
from tests.app.conftest import open_page

PASSWORD = "correct-horse-9"


def _pay(place: str) -> pd.Series:
    pay = effective_table("payments")
    return pay[pay["id"] == place].iloc[0]


def record(at, place: str, results: dict[int, str], inspector: str = "Wang Li"):
    """Search ``place``, set the check buttons (by position) and save."""
    at.text_input(key="k_ip_q").set_value(place).run()
    assert at.selectbox(key="k_ip_place").value == place
    groups = at.get("button_group")
    for i, value in results.items():
        groups[i].set_value(value)
    at.text_input[1].set_value(inspector)
    at.get("form_submit_button")[0].click()
    return at.run()


def sign_in(at, name: str, password: str = PASSWORD):
    at.text_input(key="si_name").set_value(name)
    at.text_input(key="si_password").set_value(password)
    at.get("form_submit_button")[0].click()
    return at.run()


def test_a_visit_turns_the_point_verified_and_is_audited(store, home: Path):
    at = open_page("../pages/inspect.py", {"lang": "en"})
    assert not at.exception
    assert any("Never verified" in m.value for m in at.markdown)
    at = record(at, "P0003", {0: "accepted", 1: "accepted"})
    assert not at.exception and not at.error
    assert any("Verified" in s.value for s in at.success)
    assert any("**Verified**" in m.value for m in at.markdown)
    ins = load_inspections(home)
    assert list(ins["place_id"]) == ["P0003"] and list(ins["inspector"]) == ["Wang Li"]
    assert ins[result_column("foreign_card")].iloc[0] == "accepted"
    assert ins[result_column("cash")].iloc[0] in ("", None) or pd.isna(
        ins[result_column("cash")].iloc[0]
    )
    assert ins["adcode"].iloc[0] == _pay("P0003")["adcode"]
    # a later visit finds the wallet refused: the point's status is failed
    at = record(at, "P0003", {1: "refused"})
    assert any("**Failed inspection**" in m.value for m in at.markdown)
    entries = read_audit(home)
    assert [(e.action, e.actor) for e in entries] == [("inspect", "local")] * 2
    audit = open_page("../pages/audit.py", {"lang": "en"})
    assert not audit.exception and len(audit.dataframe[0].value) == 2


def test_the_verified_switch_counts_only_checked_capabilities(home: Path):
    claimed = open_page("../pages/standards.py", {"lang": "en"})
    verified = open_page("../pages/standards.py", {"lang": "en", "basis": "verified"})
    share = lambda at: float(at.metric[0].value.rstrip("%"))  # noqa: E731
    assert share(claimed) > 0 and share(verified) == 0  # nothing inspected yet
    assert verified.toggle(key="w_verified").value is True
    assert (
        verified.query_params.get("basis") == ["verified"]
        or verified.query_params.get("basis") == "verified"
    )


def test_the_work_list_closes_an_item_when_a_visit_is_recorded(store, home: Path):
    wl = open_page("../pages/worklist.py", {"lang": "en", "district": "110101"})
    assert not wl.exception
    table = wl.dataframe[0].value
    assert "P0003" in set(table["id"])
    assert len(wl.get("download_button")) == 2
    at = open_page("../pages/inspect.py", {"lang": "en"})
    record(at, "P0003", {0: "accepted", 1: "accepted"})
    wl = open_page("../pages/worklist.py", {"lang": "en", "district": "110101"})
    assert "P0003" not in set(wl.dataframe[0].value["id"])
    assert len(wl.dataframe[0].value) == len(table) - 1


@pytest.fixture
def accounts(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    add_user("vera", PASSWORD, "viewer", home=home)
    add_user("ed", PASSWORD, "editor", ("110105",), home=home)
    add_user("ada", PASSWORD, "admin", home=home)
    return home


def test_sign_in_is_required_once_accounts_exist(accounts: Path):
    at = open_page(None, {"lang": "en"})
    assert not at.exception
    assert at.title[0].value == "Sign in" and not at.get("deck_gl_json_chart")
    at = sign_in(at, "vera", "wrong password!")
    assert [e.value for e in at.error] == ["Wrong user name or password."]
    at = sign_in(at, "vera")
    assert not at.exception and at.title[0].value != "Sign in"
    assert "si_password" not in at.session_state  # the password is not kept


def test_a_viewer_sees_no_write_control(accounts: Path):
    at = sign_in(open_page(None, {"lang": "en"}), "vera")
    for page in ("inspect", "data", "standards", "progress"):
        at.switch_page(f"../pages/{page}.py").run()
        assert not at.exception, page
        assert not at.get("form_submit_button"), page
        assert not at.get("file_uploader"), page
        labels = {b.label for b in at.button}
        assert not labels & {"Save", "Undo", "Reset to the shipped standards"}, page
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("../pages/audit.py")  # not in a viewer's navigation at all


def test_a_district_editor_is_refused_another_districts_place(store, accounts: Path):
    at = sign_in(open_page(None, {"lang": "en"}), "ed")
    at.switch_page("../pages/inspect.py").run()
    assert at.selectbox(key="w_ip_district").value == "110105"  # an editor starts at home
    at.selectbox(key="w_ip_district").set_value("all").run()
    assert _pay("P0003")["adcode"] != "110105"
    at = record(at, "P0003", {0: "accepted"}, inspector="ed")
    assert not at.exception and at.error
    assert "110101" in at.error[0].value and "Not saved" in at.error[0].value
    assert load_inspections(accounts).empty and read_audit(accounts) == []


def test_an_admin_edits_a_standard(accounts: Path):
    at = sign_in(open_page(None, {"lang": "en"}), "ada")
    at.switch_page("../pages/standards.py").run()
    editor = at.get("data_editor")
    assert editor
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception and not at.error
    assert [(e.action, e.actor) for e in read_audit(accounts)] == [("standards_save", "ada")]


def _oidc_app(user: dict):
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "en"
    at.user = user
    return at.run()


def test_oidc_maps_the_providers_identity_to_an_account(accounts: Path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_ATLAS_AUTH", "oidc")
    add_user("wang@example.gov.cn", PASSWORD, "editor", ("110108",), home=accounts)
    # not signed in, and no provider configured: the sign-in page says so, shows no data
    at = _oidc_app({"is_logged_in": False})
    assert at.title[0].value == "Sign in" and "none is configured" in at.error[0].value
    # signed in by the provider as an account's address: that account's role and districts
    at = _oidc_app({"is_logged_in": True, "email": "Wang@example.gov.cn"})
    assert not at.exception and at.title[0].value != "Sign in"
    assert any("district editor" in c.value for c in at.sidebar.caption)
    # anyone else the provider signs in is a viewer
    at = _oidc_app({"is_logged_in": True, "email": "someone@else.org"})
    assert any("viewer" in c.value for c in at.sidebar.caption)


def test_the_synthetic_points_are_said_to_be_so(home: Path):
    """The shipped payment points are generated: both pages say so, and the export marks
    each generated item."""
    for page in ("inspect", "worklist"):
        at = open_page(f"../pages/{page}.py", {"lang": "en", "district": "110101"})
        assert any("illustrative" in w.value for w in at.warning), page
    table = at.dataframe[0].value
    assert table.loc[table["id"] == "P0003", "synthetic"].tolist() == [True]
