"""Messages of partitioned GeoParquet datasets and of coverage from them on a dask cluster
(:mod:`dashboard.engine.partitioned`, :mod:`dashboard.engine.scale`, ``exchange-atlas
coverage --demand/--supply`` and ``export --partitioned``): keys ``part_<name>``, worded
with :class:`dashboard.core.messages.Msg`. The English texts are what the CLI prints by
default; ``--lang zh`` prints the Chinese ones."""

_WRITE_ZH = "请用 `exchange-atlas export 图层 --partitioned 目录` 重新写出数据集"
_WRITE_EN = "write the dataset again with `exchange-atlas export LAYER --partitioned DIR`"

STRINGS = {
    "part_not_found": (
        "{path} 不存在（应为分区 GeoParquet 数据集的目录）",
        "{path} does not exist (expected the directory of a partitioned GeoParquet dataset)",
    ),
    "part_not_dataset": (
        "{path} 不是分区数据集：应为包含 Parquet 分区文件和 _bounds.json 的目录；"
        "请用 `exchange-atlas export 图层 --partitioned 目录` 写出",
        "{path} is not a partitioned dataset: expected a directory of Parquet partitions "
        "with a _bounds.json; write one with `exchange-atlas export LAYER --partitioned DIR`",
    ),
    "part_no_bounds": (
        "{path} 没有分区范围元数据（_bounds.json）：需要每个分区的范围才能为各需求分区选取附近的"
        "供给点。请用 `exchange-atlas export 图层 --partitioned 目录`（或 Python 中的 "
        "dashboard.engine.partitioned.write_partitioned）写出数据集，它会按空间排序并写出范围",
        "{path} has no bounds metadata (_bounds.json): each partition's bounds are needed to "
        "pick the supply near each demand partition. Write the dataset with `exchange-atlas "
        "export LAYER --partitioned DIR` (or dashboard.engine.partitioned.write_partitioned "
        "in Python), which sorts it spatially and writes the bounds",
    ),
    "part_bad_bounds": (
        "{path}/_bounds.json 不是有效的分区范围元数据（{detail}）；" + _WRITE_ZH,
        "{path}/_bounds.json is not valid bounds metadata ({detail}); " + _WRITE_EN,
    ),
    "part_missing_partition": (
        "{path}：_bounds.json 列出的分区 {file} 不存在；" + _WRITE_ZH,
        "{path}: partition {file} listed in _bounds.json does not exist; " + _WRITE_EN,
    ),
    "part_schema": (
        "{path}：分区 {file} 与数据集的结构不同（{detail}）；所有分区必须有相同的列和类型，"
        + _WRITE_ZH,
        "{path}: partition {file} does not have the dataset's schema ({detail}); every "
        "partition must have the same columns and types — " + _WRITE_EN,
    ),
    "part_no_crs": (
        "{path}：{file} 没有坐标系（GeoParquet 元数据中缺少 crs）；请以 WGS-84（EPSG:4326）"
        "写出图层，例如 `exchange-atlas export 图层 --partitioned 目录`",
        "{path}: {file} has no CRS (no 'crs' in its GeoParquet metadata); write the layer "
        "with its CRS, WGS-84 (EPSG:4326), e.g. with `exchange-atlas export LAYER "
        "--partitioned DIR`",
    ),
    "part_wrong_crs": (
        "{path}：{file} 的坐标系是 {crs}；覆盖计算读取 WGS-84（EPSG:4326）经纬度。"
        "请先导入（exchange-atlas import 会纠正为 WGS-84），再用 `exchange-atlas export 图层 "
        "--partitioned 目录` 写出",
        "{path}: {file} is in {crs}; coverage reads WGS-84 (EPSG:4326) lon/lat. Import it "
        "first (exchange-atlas import rectifies to WGS-84), then write it with "
        "`exchange-atlas export LAYER --partitioned DIR`",
    ),
    "part_columns": (
        "{path}：{role}数据集缺少列 {columns}",
        "{path}: the {role} dataset lacks the column(s) {columns}",
    ),
    "part_role_demand": ("需求", "demand"),
    "part_role_supply": ("供给", "supply"),
    "part_rows": (
        "{path}：分区 {file} 有 {found} 行，而 _bounds.json 记为 {expected} 行；" + _WRITE_ZH,
        "{path}: partition {file} holds {found} rows, _bounds.json says {expected}; " + _WRITE_EN,
    ),
    "part_stale_bounds": (
        "{path}：分区 {file} 有点位于 _bounds.json 记录的范围之外（元数据已过期）；" + _WRITE_ZH,
        "{path}: points of partition {file} lie outside its bounds in _bounds.json "
        "(stale metadata); " + _WRITE_EN,
    ),
    "part_unreadable": (
        "{path}：无法读取分区 {file}（{detail}）",
        "{path}: partition {file} cannot be read ({detail})",
    ),
    "part_scheduler": (
        "无法连接 dask 调度器 {address}（{detail}）；请用 `dask scheduler` 和 "
        "`dask worker 地址` 启动，或不加 --scheduler 使用本地集群",
        "cannot reach the dask scheduler {address} ({detail}); start one with `dask "
        "scheduler` and `dask worker ADDRESS`, or leave out --scheduler for a local cluster",
    ),
    "part_out_exists": (
        "{out} 已存在且不是覆盖计算的输出；请换一个新的 --out 目录",
        "{out} already exists and is not a coverage output; choose a new --out directory",
    ),
    "part_out_dataset_exists": (
        "{out} 已存在且不是分区数据集；请换一个新的目录",
        "{out} already exists and is not a partitioned dataset; choose a new directory",
    ),
    "part_cannot_write": ("无法写入 {out}：{detail}", "cannot write {out}: {detail}"),
    "part_needs_dask": (
        "--demand 和 --supply 需要 --backend dask",
        "--demand and --supply need --backend dask",
    ),
    "part_needs_both": (
        "--demand 与 --supply 须同时给出",
        "--demand and --supply go together: give both",
    ),
    "part_not_points": (
        "{layer} 不是点图层：只有点图层（经纬度）可以写成分区数据集",
        "{layer} is not a point layer: only point layers (lon/lat) can be written as a "
        "partitioned dataset",
    ),
    "part_bad_rows": (
        "每个分区的行数须至少为 1（得到 {rows}）",
        "rows per partition must be at least 1 (got {rows})",
    ),
    "part_failed": (
        "覆盖计算在工作进程上失败：{detail}",
        "coverage failed on a worker: {detail}",
    ),
}
