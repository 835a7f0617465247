"""Rebuild ``dashboard/fonts/NotoSansSC-GB2312-Regular.otf``, the CJK font embedded in
every report.

Source: Noto Sans CJK SC Regular (SIL Open Font License 1.1, ``dashboard/fonts/OFL.txt``),
as Debian's ``fonts-noto-cjk`` installs it (``NotoSansCJK-Regular.ttc``, face "Noto Sans
CJK SC").
Kept: ASCII, Latin-1 and Latin Extended-A, general punctuation, the symbols the reports
draw, CJK symbols and punctuation, full-width forms, and every character of GB 2312
(6,763 hanzi and its symbols) — 3.5 MB instead of 16 MB, so that a fresh install on any
platform renders a Chinese report without the machine's own fonts. Characters outside the
subset are named by ``dashboard.views.render.missing_glyphs`` and drawn with a system
CJK font when one is installed.

Run: ``python geodata/build_font.py [path/to/NotoSansCJK-Regular.ttc]``
"""

from __future__ import annotations

import sys
from pathlib import Path

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
TARGET = (
    Path(__file__).resolve().parents[1] / "dashboard" / "fonts" / "NotoSansSC-GB2312-Regular.otf"
)
FACE = "Noto Sans CJK SC"

_RANGES = [
    (0x20, 0x7F),
    (0xA0, 0x180),
    (0x2000, 0x2070),
    (0x2100, 0x2200),
    (0x2190, 0x2200),
    (0x2200, 0x2300),
    (0x25A0, 0x2600),
    (0x2700, 0x27C0),
    (0x3000, 0x3040),
    (0xFF00, 0xFFF0),
]


def charset() -> set[int]:
    """The code points kept: the ranges above and all of GB 2312."""
    chars = {c for lo, hi in _RANGES for c in range(lo, hi)}
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([hi, lo]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return chars


def build(source: Path = SOURCE, target: Path = TARGET) -> Path:
    """Subset the Simplified Chinese face of ``source`` into ``target`` (atomically)."""
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    faces = TTCollection(str(source)).fonts
    font = next(f for f in faces if f["name"].getDebugName(4) == FACE)
    options = subset.Options()
    options.layout_features = ["*"]
    setattr(options, "name_IDs", ["*"])  # noqa: B010 (set at runtime by fontTools)
    options.notdef_outline = True
    sub = subset.Subsetter(options)
    sub.populate(unicodes=charset())
    sub.subset(font)
    tmp = target.with_suffix(".tmp")
    font.save(str(tmp))
    tmp.replace(target)
    return target


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE))
