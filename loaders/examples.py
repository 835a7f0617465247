"""Example inputs made from the shipped data, for demonstrations and the Data page."""

from __future__ import annotations

import io
from typing import cast

import numpy as np
import pandas as pd

from dashboard.core.model import LAYERS, label
from loaders.chinacrs import wgs84_to_gcj02
from loaders.columns import DISTRICT_NAMES
from loaders.workspace import shipped_table


def amap_style_example() -> bytes:
    """The shipped key locations as an AMap-style export: Chinese headers, GCJ-02, GBK.

    What a planner typically receives from a Chinese web map, so the Data page can show
    encoding and coordinate-system detection on a realistic file.
    """
    kl = shipped_table("key-locations")
    x, y = wgs84_to_gcj02(kl["lon"].astype(float).to_numpy(), kl["lat"].astype(float).to_numpy())
    zh = {a: n[0] + "区" for a, n in DISTRICT_NAMES.items()}
    cats = LAYERS["key-locations"].categories
    df = pd.DataFrame(
        {
            "名称": kl["name_zh"],
            "地址": kl["address"],
            "类型": kl["category"].map(lambda c: label(cats, cast(str, c), "zh")),
            "区": kl["adcode"].map(zh),
            "经度": np.round(x, 6),
            "纬度": np.round(y, 6),
        }
    )
    buf = io.BytesIO()
    df.to_csv(buf, index=False, encoding="gbk", errors="replace")
    return buf.getvalue()
