"""Draw Vega-Lite specs to PNG and SVG on this machine, offline, with the bundled CJK font.

The charts and static maps of the app are Vega-Lite specs (``views/charts``,
``views/progress``, ``views/static_map``). ``vl-convert`` runs Vega-Lite in an embedded
JavaScript engine, so a report or a downloaded PNG is drawn from the same spec the page
shows, without a browser and without a network: external data requests are refused
(``allowed_base_urls=[]``), every spec carries its rows inline.

Chinese renders on a fresh install because the font the reports embed,
``dashboard/fonts/NotoSansSC-GB2312-Regular.otf`` (OFL 1.1), is registered with the
renderer before the first drawing and named first in every spec's font list.
"""

from __future__ import annotations

import functools
from pathlib import Path

#: The bundled font: Noto Sans CJK SC Regular, subset to GB 2312 + Latin
#: (geodata/build_font.py).
FONT_PATH = Path(__file__).resolve().parents[1] / "fonts" / "NotoSansSC-GB2312-Regular.otf"
#: Its family name, as charts and the PDF report ask for it.
FONT_FAMILY = "Noto Sans CJK SC"
#: The font list every drawing uses: the bundled face first, then common system faces.
FONT_STACK = f"{FONT_FAMILY}, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"


@functools.cache
def _converter():
    import vl_convert

    vl_convert.register_font_directory(str(FONT_PATH.parent))
    return vl_convert


@functools.cache
def font_codepoints() -> frozenset[int]:
    """The code points the bundled font can draw."""
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(str(FONT_PATH), lazy=True).getBestCmap() or {})


def missing_glyphs(text: str) -> list[str]:
    """The characters of ``text`` the bundled font cannot draw, in order of first use."""
    have = font_codepoints()
    seen: dict[str, None] = {}
    for ch in text:
        if ord(ch) not in have and not ch.isspace() and ch not in seen:
            seen[ch] = None
    return list(seen)


def _config(spec: dict) -> dict:
    config = dict(spec.get("config") or {})
    config.setdefault("font", FONT_STACK)
    return config


def png(spec: dict, scale: float = 2.0) -> bytes:
    """``spec`` drawn as a PNG at ``scale`` times its pixel size."""
    return _converter().vegalite_to_png(
        spec, scale=scale, config=_config(spec), allowed_base_urls=[]
    )


def svg(spec: dict) -> str:
    """``spec`` drawn as SVG text (for the HTML report: sharp at any zoom, no script)."""
    return _converter().vegalite_to_svg(spec, config=_config(spec), allowed_base_urls=[])
