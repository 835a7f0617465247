"""Strings of the map files: the download buttons, the static map's legend, the HTML file."""

STRINGS = {
    "mf_download_html": ("下载地图（HTML）", "Map as HTML"),
    "mf_download_html_help": (
        "单个 HTML 文件：离线可打开，可缩放，图层与提示框同本页地图；不含底图瓦片。",
        "One HTML file that opens offline, zoomable, with this map's layers and tooltips; "
        "no basemap tiles.",
    ),
    "mf_download_png": ("下载地图（PNG）", "Map as PNG"),
    "mf_download_png_help": (
        "本页地图的静态图片（离线绘制，无底图），含图例。",
        "A picture of this map (drawn offline, without tiles), with its legend.",
    ),
    # legend labels of the map layers that are not layers of the data model
    "mf_covered": ("已覆盖的重点场所", "Covered key location"),
    "mf_uncovered": ("未覆盖的重点场所（缺口）", "Uncovered key location (gap)"),
    "mf_proposed": ("建议新增点", "Proposed new point"),
    "mf_gaps": ("覆盖缺口", "Coverage gap"),
    "mf_selected": ("选中的地点", "Selected place"),
    "mf_heat": ("缺口热力", "Gap density"),
    "mf_venue": ("场馆", "Venue"),
    "mf_ring": ("活动半径 R", "Radius R around the venue"),
    "mf_ring_venue": ("场馆支付点半径", "Venue payment radius"),
    "mf_h3": ("H3 覆盖网格（红→绿：覆盖率低→高）", "H3 coverage grid (red→green: low→high)"),
    "mf_count": ("{label}（{n}）", "{label} ({n})"),
    "mf_thinned": (
        "点数超过 {limit}：每 {cell} 像素格只画一个点，图例中为实际数量。",
        "More than {limit} points: one mark per {cell}-pixel cell; the legend gives the real "
        "counts.",
    ),
    "mf_no_basemap": (
        "离线文件，无底图。滚轮或双击缩放，拖动平移。",
        "Offline file, no basemap. Zoom with the wheel or a double click, drag to pan.",
    ),
    "mf_basemap_dropped": (
        "页面上的底图瓦片未包含在文件中（离线）；坐标与页面所用坐标系一致。",
        "The page's basemap tiles are not in the file (offline); coordinates are in the "
        "page's display system.",
    ),
    "mf_exported": ("导出于 {date}", "Exported {date}"),
    "mf_synthetic": (
        "支付服务点为示意（合成）数据。",
        "Payment points are illustrative (synthetic) data.",
    ),
}
