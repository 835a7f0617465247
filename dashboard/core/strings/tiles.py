"""Texts of the aggregated (tiled) point layers of every map (``tl_``)."""

STRINGS = {
    "tl_cluster": ("{n} 个{layer}", "{n} {layer}"),
    "tl_cluster_zoom": ("放大地图可见单个场所", "Zoom in to see the single places"),
    "tl_cluster_covered": (
        "已覆盖 {share}，未覆盖 {uncovered} 个",
        "{share} covered, {uncovered} not covered",
    ),
    "tl_table_head": (
        "显示前 {n} 行，共 {total} 行；下载文件包含全部。",
        "Showing the first {n} of {total} rows; the download holds them all.",
    ),
    "tl_download_all": ("下载全部（CSV）", "Download all (CSV)"),
    "tl_legend": (
        "地点较多，按区域聚合：带数字的圆圈代表该处的场所数；某一图块不超过 {n} 个场所，"
        "或放大到 {zoom} 级及以上时，逐个显示场所。",
        "Many places, so they are grouped: a circle with a number stands for that many "
        "places around it; single places show where a tile holds at most {n}, and everywhere "
        "from zoom {zoom} on.",
    ),
    "tl_legend_coverage": (
        "圆圈颜色表示其中重点场所的覆盖率（分级 {classes}，红→绿）；红点为未覆盖的单个场所。",
        "A circle's colour is the share of its key locations covered (classes at {classes}, "
        "red → green); a red dot is a single place without coverage.",
    ),
    "tl_class_count": ("{label}：{n}（{share}）", "{label}: {n} ({share})"),
    "tl_legend_classes": (
        "圆圈填充色为其中数量最多的{title}；若带彩色外环，外环为其中最重要的{title}"
        "（与最多者不同时），占比越大外环越粗；悬停圆圈可见各类数量。单个点按其{title}着色。",
        "A circle is filled in the colour of the {title} most of its members have; a coloured "
        "ring shows the most important {title} among them when that is another, the thicker "
        "the larger its share; hover over a circle for the count of each. A dot is one place "
        "in the colour of its {title}.",
    ),
}
