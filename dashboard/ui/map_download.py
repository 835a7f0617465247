"""The two download buttons under every map: the map as an offline HTML file and as a PNG.

Both files are built only when their button is clicked (a callable ``data``, run by
Streamlit on the click), so a page pays nothing for them on a rerun; the click does not
rerun the page (``on_click="ignore"``). What goes into the files is
:mod:`dashboard.views.map_files`.
"""

from __future__ import annotations

import functools
from datetime import date

import pydeck as pdk
import streamlit as st

from dashboard.core.i18n import t
from dashboard.core.state import ALL
from dashboard.engine import stats
from dashboard.ui import cache, session
from dashboard.views import map_files


def _title(page: str, district: str, lang: str) -> str:
    place = t("all_districts", lang) if district == ALL else cache.district_names(lang)[district]
    return f"{t(f'page_{page}', lang)} · {place}"


def _notes(deck: pdk.Deck, district: str, as_of: date | None, lang: str) -> list[str]:
    """The file's lines under the title: the date shown, generated data if any is drawn."""
    day = (as_of or date.today()).isoformat()
    notes = [f"{t('as_of', lang)}: {day}" if as_of else t("mf_exported", lang, date=day)]
    if any(getattr(layer, "id", "") == "payments" for layer in deck.layers):
        pay = stats.in_district(cache.load_layers()["payments"], district)
        n = int(pay["synthetic"].sum()) if len(pay) else 0
        if n:
            notes.append(t("synthetic_notice", lang, n=f"{n:,}"))
    return notes


def map_buttons(deck: pdk.Deck, page: str, district: str | None = None, box=None) -> None:
    """Draw "map as HTML" and "map as PNG" for ``deck`` (the map just drawn on ``page``, a
    ``page_<page>`` title key) in ``box`` (default: the page), files named
    ``atlas-<page>-<district>-<date>.html|png``."""
    v = session.view()
    lang, district = v.lang, district or v.district
    title = _title(page, district, lang)
    notes = _notes(deck, district, v.as_of, lang)
    row = (box or st).container(horizontal=True, gap="small")
    files = (
        ("html", map_files.deck_html, "text/html", ":material/download:"),
        ("png", map_files.deck_png, "image/png", ":material/image:"),
    )
    for ext, make, mime, icon in files:
        row.download_button(
            t(f"mf_download_{ext}", lang),
            data=functools.partial(make, deck, lang=lang, title=title, notes=notes),
            file_name=map_files.file_name(page, district, v.as_of, ext),
            mime=mime,
            key=f"map-{ext}-{page}",
            help=t(f"mf_download_{ext}_help", lang),
            on_click="ignore",
            icon=icon,
        )
