"""dashboard.ui.session: the view restored from a link once, changed by set_view, mirrored
into the URL with the page parameters (AppTest of a small script)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _script() -> None:
    import streamlit as st

    from dashboard.ui import session

    v = session.view()
    ps = session.page_state()
    st.text(f"district={v.district} rank_by={ps.rank_by} lang={v.lang}")
    if st.button("change", key="change"):
        session.set_view(district="110105")
        ps.rank_by = "uncovered"
        st.rerun()
    session.keep_widget_state()
    session.sync_url()


def _shown(at: AppTest) -> str:
    return at.text[0].value


def test_a_link_restores_the_view_and_the_page_parameters(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path / "home"))
    at = AppTest.from_function(_script)
    at.query_params.update({"district": "110108", "rank_by": "weighted_coverage", "lang": "en"})
    at.run()
    assert not at.exception
    assert _shown(at) == "district=110108 rank_by=weighted_coverage lang=en"
    # the URL keeps what differs from the defaults, nothing else
    assert dict(at.query_params) == {
        "district": "110108",
        "rank_by": "weighted_coverage",
        "lang": "en",
    }


def test_changes_reach_the_url_and_an_invalid_link_opens_on_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path / "home"))
    at = AppTest.from_function(_script)
    at.query_params.update({"district": "999999", "rank_by": "nonsense"})
    at.run()
    assert _shown(at) == "district=all rank_by=coverage lang=zh"
    assert dict(at.query_params) == {}
    at.button(key="change").click().run()
    assert _shown(at) == "district=110105 rank_by=uncovered lang=zh"
    assert dict(at.query_params) == {"district": "110105", "rank_by": "uncovered"}


def test_the_view_is_read_from_the_link_once_per_session(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_ATLAS_HOME", str(tmp_path / "home"))
    at = AppTest.from_function(_script)
    at.query_params.update({"district": "110108"})
    at.run()
    at.query_params.clear()
    at.query_params.update({"district": "110101"})  # a later URL change is not a new link
    at.run()
    assert _shown(at).startswith("district=110108")
