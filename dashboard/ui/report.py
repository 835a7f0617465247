"""Streamlit glue of the report download (Progress page): the same report as
``exchange-atlas report``, for the view's date, standard, district and language.

The file is made only when the button is clicked (``st.download_button`` with a
callable) and kept per view (:func:`dashboard.ui.cache.view_cached`), so the page pays
nothing for it on a rerun and a second click is instant.
"""

from __future__ import annotations

import json
from datetime import date

import streamlit as st

from dashboard.core.i18n import t
from dashboard.core.state import ALL, ViewState
from dashboard.core.targets import targets_from_dict
from dashboard.engine.briefing import build_briefing
from dashboard.ui import cache
from dashboard.ui import progress as up
from dashboard.ui.cache import ViewInputs
from dashboard.views.report_formats import FORMATS, MEDIA_TYPES, make_report


@cache.view_cached(max_entries=8)
def report_file(inputs: ViewInputs, district: str, lang: str, fmt: str, targets_json: str) -> bytes:
    """The report of the view as ``fmt`` bytes: the whole city, or one district's page
    (``district``: an adcode, or ``all``)."""
    briefing = build_briefing(
        inputs.layers,
        inputs.standards,
        targets_from_dict(json.loads(targets_json)),
        as_of=date.fromisoformat(inputs.as_of) if inputs.as_of else None,
        districts=() if district == ALL else (district,),
        supply_at=up.supply_at(inputs),
        basis=inputs.basis,
    )
    lay = inputs.layers
    return make_report(briefing, lang, fmt, districts=lay["districts"], payments=lay["payments"])


def file_name(v: ViewState, fmt: str) -> str:
    """``atlas-report-<date|latest>-<district|city>-<lang>.<fmt>``."""
    when = v.as_of.isoformat() if v.as_of else "latest"
    scope = "city" if v.district == ALL else v.district
    return f"atlas-report-{when}-{scope}-{v.lang}.{fmt}"


def download(v: ViewState) -> None:
    """A format choice and the download button of the view's report."""
    lang = v.lang
    _, targets_json = up.targets()
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    fmt = (
        left.segmented_control(
            t("rp_format", lang), FORMATS, default="pdf", key="rp_format", format_func=str.upper
        )
        or "pdf"
    )
    right.download_button(
        t("rp_download", lang),
        data=lambda: report_file(v, v.district, lang, fmt, targets_json),
        file_name=file_name(v, fmt),
        mime=MEDIA_TYPES[fmt],
        help=t("rp_download_help", lang),
        on_click="ignore",
        icon=":material/download:",
        key="rp_download",
    )
