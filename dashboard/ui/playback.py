"""Playback of the rollout: the shared as-of date stepped month by month."""

from __future__ import annotations

import time
from datetime import date, timedelta

import streamlit as st

from dashboard.core.i18n import t
from dashboard.core.state import (
    ViewState,
)
from dashboard.ui.page_state import PageState as P
from dashboard.ui.session import page_state, set_view, view

PLAY_STEP = timedelta(days=30)


PLAY_DELAY_S = 0.8


def playback_advance(lo: date, hi: date) -> ViewState:
    """If a playback step is due, move the shared date one step (call before any widget).

    Reaching the last date ends the playback and shows all data again.
    """
    ps = page_state()
    due = ps.advance
    ps.forget(P.advance)
    if due and ps.playing:
        v = view()
        nxt = min((v.as_of or lo) + PLAY_STEP, hi)
        ps.as_of_picker = nxt
        set_view(as_of=None if nxt >= hi else nxt)
        if nxt >= hi:
            ps.playing = False
    return view()


def play_button(container, lo: date) -> None:
    """Play / pause the rollout (a toggle, so a click during a step is never lost).

    Starting from "all data" plays from the first date.
    """
    lang = view().lang

    def _changed() -> None:
        if ps.playing:
            if view().as_of is None:
                set_view(as_of=lo - PLAY_STEP)
            ps.advance = True

    ps = page_state()
    container.toggle(t("play", lang), key=P.playing.key, on_change=_changed)


def playback_tick(hi: date) -> None:
    """At the end of a page run: while playing, wait a moment and schedule the next step."""
    ps = page_state()
    if ps.playing:
        v = view()
        st.caption(t("playing_at", v.lang, date=(v.as_of or hi).isoformat()))
        time.sleep(PLAY_DELAY_S)
        ps.advance = True
        st.rerun()
