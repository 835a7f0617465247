"""The session side of page state: the shared view, page filters kept across pages, the URL.

See :mod:`dashboard.ui.page_state` for the state model.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, NoReturn, cast

import streamlit as st

from dashboard.core.state import (
    ViewState,
    from_query,
    to_query,
)
from dashboard.ui.page_params import (
    DEFAULT_PREFIX,
    filter_value,
    page_params_from_query,
    page_params_to_query,
)
from dashboard.ui.page_state import PageState

VIEW_KEY = "view"


#: Set when the session began from a link carrying page filters (pages may consume it).
RESTORED_KEY = "_restored_from_link"


def _session() -> MutableMapping[str, Any]:
    """Streamlit's session state as the mapping it is (its proxy type is not declared one)."""
    return cast(MutableMapping[str, Any], st.session_state)


def view() -> ViewState:
    """The shared view state, initialised once per session from the URL."""
    if VIEW_KEY not in st.session_state:
        query: dict[str, object] = dict(st.query_params.to_dict())
        st.session_state[VIEW_KEY] = from_query(query)
        restored = page_params_from_query(query)
        for key, value in restored.items():  # page filters a link carries
            st.session_state[key] = value
        if restored:
            st.session_state[RESTORED_KEY] = True
    return st.session_state[VIEW_KEY]


def set_view(**changes: object) -> None:
    st.session_state[VIEW_KEY] = view().with_(**changes)


def sync_url() -> None:
    """Mirror the view state and the page filters into the query string (non-defaults only)."""
    wanted = to_query(view()) | page_params_to_query(_session())
    current = st.query_params.to_dict()
    if current != wanted:
        st.query_params.from_dict(wanted)


def stop() -> NoReturn:
    """End the page here (like ``st.stop``) with the URL still mirroring the view."""
    sync_url()
    st.stop()


def page_value(key: str) -> object:
    """A page filter's value whether or not its widget is drawn in this run
    (:func:`dashboard.ui.page_params.filter_value` of the session)."""
    return filter_value(_session(), key)


def page_default(key: str, value: object) -> None:
    """Record the default of page filter ``key`` that only the page can compute, so the
    link leaves it out (:data:`dashboard.ui.page_params.DEFAULT_PREFIX`)."""
    st.session_state[DEFAULT_PREFIX + key] = value


def bind_widget(widget_key: str, value: object) -> None:
    """Set a widget's value from the view state before it is drawn.

    The view state is authoritative (callbacks update it before the rerun), so the
    widget always shows it, also after a page switch or when a link restored it.
    """
    if st.session_state.get(widget_key) != value:
        st.session_state[widget_key] = value


#: Widgets whose key starts with this prefix keep their value across page switches.
KEEP_PREFIX = "k_"


def keep_widget_state() -> None:
    """Stop Streamlit from discarding page widgets' values when another page is shown.

    Re-assigning a widget key in every run (from the entry script) detaches the value
    from the widget's lifetime, so filters survive a visit to another page.
    """
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and key.startswith(KEEP_PREFIX):
            st.session_state[key] = st.session_state[key]


def page_state() -> PageState:
    """The pages' own state as typed attributes (:mod:`dashboard.ui.page_state`)."""
    return PageState(_session())
