"""The report's gap maps: the District profile's gap map drawn offline
(:func:`dashboard.views.static_map.gap_map_spec`, no tiles, no request) for the city, a
close-up of the central districts and every district page, from the briefing's places and
recommended sites."""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import pandas as pd

from dashboard.core.i18n import t
from dashboard.core.targets import CITY
from dashboard.engine.briefing import Briefing
from dashboard.views.report import CORE_MAP, Figure
from dashboard.views.static_map import extent_of, gap_map_spec

#: The central urban districts (东城, 西城, 朝阳, 海淀, 丰台, 石景山): the city map's close-up.
CORE = ("110101", "110102", "110105", "110106", "110107", "110108")
#: The key of the close-up in :func:`map_maker`.
CORE_KEY = CORE_MAP


def map_maker(
    districts: gpd.GeoDataFrame, payments: pd.DataFrame
) -> Callable[[Briefing, str, str], Figure | None]:
    """A ``maps`` callable for :func:`dashboard.views.report.report_blocks`: the gap map of
    a district page (with its recommended sites), the city (:data:`CITY`) or its central
    districts (:data:`CORE_KEY`); ``payments`` are the points in service at the briefing's
    date."""

    def make(b: Briefing, adcode: str, lang: str) -> Figure | None:
        extent = None
        if adcode in (CITY, CORE_KEY):
            # the sites are on the district pages: on the city map they would hide the gaps
            sites, focus, (w, h) = None, None, (680, 560)
            if adcode == CORE_KEY:
                core = districts[districts["adcode"].astype(str).isin(CORE)]
                extent, (w, h) = extent_of(core), (680, 600)
        else:
            page = next((d for d in b.districts if d.adcode == adcode), None)
            if page is None:
                return None
            sites, focus, (w, h) = page.sites[["lon", "lat"]], adcode, (600, 420)
        spec = gap_map_spec(
            districts,
            b.places,
            b.places["covered"].astype(bool),
            lang=lang,
            payments=payments,
            proposed=sites,
            focus_adcode=focus,
            width=w,
            height=h,
            extent=extent,
        )
        caption = t("rp_map_caption", lang)
        if adcode == CORE_KEY:
            caption = t("rp_map_core", lang) + " " + caption
        return Figure(spec, caption, w, h, raster=True)

    return make
