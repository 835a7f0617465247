"""Messages of boundary sets (:mod:`loaders.boundaries`, :mod:`dashboard.engine.zones`, the
``boundaries`` command, the Data page's "Boundary sets" section, Compare by set and the
District profile's drill-down): keys ``bnd_<name>``, worded with
:class:`dashboard.core.messages.Msg` where they are report messages. ``{value}`` is the
cell's value."""

STRINGS = {
    # problems of one zone (feature)
    "bnd_not_polygon": (
        "不是多边形（{value}）：边界集只接受 Polygon/MultiPolygon",
        "not a polygon ({value}): a boundary set takes Polygon/MultiPolygon features only",
    ),
    "bnd_repaired": ("几何无效，已修复（make_valid）", "invalid geometry, repaired (make_valid)"),
    "bnd_out_of_range": (
        "坐标超出范围（经度 ±180，纬度 ±90）",
        "coordinates out of range (longitude ±180, latitude ±90)",
    ),
    "bnd_outside_beijing": (
        "分区完全位于北京16个区以外",
        "the zone lies entirely outside Beijing's 16 districts",
    ),
    "bnd_mostly_outside": (
        "分区面积只有 {share} 位于北京16个区以内",
        "only {share} of the zone's area lies within Beijing's 16 districts",
    ),
    "bnd_straddles": (
        "分区跨越多个区：归入 {district}（占其面积 {share}）",
        "the zone spans several districts: assigned to {district} ({share} of its area)",
    ),
    "bnd_no_id": ("分区编号为空", "the zone's id is empty"),
    "bnd_duplicate_id": (
        "分区编号 {value} 与前面某行重复",
        "zone id {value} repeats an earlier row's",
    ),
    "bnd_overlap": (
        "与第 {other} 行（{other_id}）重叠 {area} 公顷：落在重叠处的场所只计入前一个分区",
        "overlaps row {other} ({other_id}) by {area} ha: a place in the overlap counts in "
        "the earlier zone only",
    ),
    # warnings and notes of the whole file
    "bnd_w_repaired": (
        "{n} 个无效几何已修复（make_valid）",
        "{n} invalid geometries were repaired (make_valid)",
    ),
    "bnd_w_overlaps": (
        "{n} 对分区相互重叠：每个场所只计入一个分区（顺序靠前者）",
        "{n} pair(s) of zones overlap: each place counts in one zone only (the earlier)",
    ),
    "bnd_w_straddles": (
        "{n} 个分区跨越多个区，各归入占其面积最多的区",
        "{n} zone(s) span several districts; each belongs to the district holding most of its area",
    ),
    "bnd_n_ids_generated": (
        "文件没有编号列：分区编号按顺序生成（Z0001…）",
        "the file has no id column: zone ids were numbered in order (Z0001…)",
    ),
    "bnd_n_unnamed": (
        "{n} 个分区没有名称：以编号作名称",
        "{n} zone(s) have no name: their id is used as the name",
    ),
    "bnd_n_synthetic": (
        "该边界集为合成示例数据（非真实街道边界）",
        "this boundary set is synthetic example data (not real subdistrict boundaries)",
    ),
    "bnd_n_projected": (
        "坐标由 {crs} 转换为 WGS-84",
        "coordinates converted from {crs} to WGS-84",
    ),
    "bnd_summary": (
        "读取 {read} 个分区，{status}；坐标系 {system}（{confidence}）",
        "{read} zones read, {status}; coordinates {system} ({confidence})",
    ),
    "bnd_status_ok": ("全部有效", "all valid"),
    "bnd_status_errors": (
        "{n} 个错误，不能保存任何内容",
        "{n} error(s): nothing can be stored",
    ),
    # the engine's rows that are not zones
    "bnd_outside_row": ("不在任何分区内", "Outside any zone"),
    # the boundaries command
    "bnd_cli_errors": (
        "{file}：{n} 个错误，未写入任何内容：{first}",
        "{file}: {n} error(s), nothing was written: {first}",
    ),
    "bnd_cli_stored": (
        "已保存边界集 {name}：版本 {version}，{zones} 个分区",
        "stored boundary set {name}: version {version}, {zones} zones",
    ),
    "bnd_cli_checked": (
        "检查完毕（--dry-run）：工作区未改动",
        "checked (--dry-run): the workspace was not changed",
    ),
    "bnd_cli_synthetic": (
        "注意：边界集 {name} 为合成示例数据（非真实街道边界）",
        "note: boundary set {name} is synthetic example data (not real subdistricts)",
    ),
    # the Data page's section
    "bnd_title": ("边界集（街道/乡镇、规划分区）", "Boundary sets (subdistricts, planning zones)"),
    "bnd_intro": (
        "导入自己的多边形（GeoJSON、GeoPackage、Shapefile 压缩包等）作为命名的边界集；"
        "覆盖率、区域比较和区概况可按边界集统计，各分区之和等于所在区和全市。",
        "Import your own polygons (GeoJSON, GeoPackage, zipped Shapefile …) as a named "
        "boundary set; coverage, the comparison and the district profile then work by it, "
        "and the zones add up to their district and to the city.",
    ),
    "bnd_none": ("尚无边界集。", "No boundary sets yet."),
    "bnd_upload": ("选择边界文件", "Choose a boundary file"),
    "bnd_sample": (
        "使用合成示例街道（GCJ-02；由各区随机切分，非真实边界）",
        "Use the synthetic sample subdistricts (GCJ-02; districts cut at random, not real)",
    ),
    "bnd_name": (
        "边界集名称（小写字母、数字、- 和 _）",
        "Set name (lower-case letters, digits, - and _)",
    ),
    "bnd_crs": ("坐标系", "Coordinate system"),
    "bnd_auto": ("自动检测", "detect"),
    "bnd_zones_read": ("读取分区", "Zones read"),
    "bnd_errors": ("错误", "Errors"),
    "bnd_warnings_n": ("警告", "Warnings"),
    "bnd_store": ("保存边界集", "Store the set"),
    "bnd_stored": (
        "已保存：{name}，版本 {v}，{n} 个分区。",
        "Stored: {name}, version {v}, {n} zones.",
    ),
    "bnd_not_stored": (
        "有错误，不能保存：请更正文件后重新上传。",
        "There are errors, so nothing can be stored: correct the file and upload it again.",
    ),
    "bnd_preview": ("分区预览", "Zones preview"),
    "bnd_download": ("下载校验报告 (JSON)", "Download the validation report (JSON)"),
    "bnd_undo": ("撤销 {name} 的上一次修改", "Undo the last change of {name}"),
    "bnd_remove": ("删除 {name}", "Remove {name}"),
    "bnd_undone": ("{name}：已恢复 {v}", "{name}: {v} restored"),
    "bnd_undone_none": (
        "{name}：已撤销，该边界集不再存在",
        "{name}: undone, the set no longer exists",
    ),
    "bnd_removed": ("已删除 {name}（可撤销）", "Removed {name} (undoable)"),
    "bnd_manage": ("管理边界集", "Manage a set"),
    "bnd_manage_pick": ("边界集", "Boundary set"),
    "bnd_yes": ("是", "yes"),
    "bnd_no": ("否", "no"),
    "bnd_synthetic_notice": (
        "⚠️ 边界集 {name} 为合成示例数据（由各区随机切分），不是真实的街道/乡镇边界。",
        "⚠️ Boundary set {name} is synthetic example data (districts cut at random), not "
        "real subdistrict boundaries.",
    ),
    # the list of sets: its columns
    "bnd_col_name": ("名称", "Name"),
    "bnd_col_zone_count": ("分区数", "Zones"),
    "bnd_col_districts": ("涉及区数", "Districts"),
    "bnd_col_synthetic": ("合成数据", "Synthetic"),
    "bnd_col_source": ("来源文件", "Source file"),
    "bnd_col_crs": ("原坐标系", "Coordinates were"),
    "bnd_col_version": ("版本", "Version"),
    "bnd_col_created": ("时间 (UTC)", "Time (UTC)"),
    # choosing a set on Compare and the District profile
    "bnd_by": ("比较单元", "Compare by"),
    "bnd_districts": ("区（16个区）", "Districts (the 16)"),
    "bnd_by_help": (
        "选择一个边界集，则按其分区比较；在“数据导入”页导入边界集。",
        "Choose a boundary set to compare its zones; import sets on the Data page.",
    ),
    "bnd_cmp_title": ("按边界集 {name} 比较", "Comparison by boundary set {name}"),
    "bnd_cmp_caption": (
        "各分区之和等于全市（含“不在任何分区内”一行）；排名不含该行。",
        "The zones add up to the city (with the 'Outside any zone' row, which is not ranked).",
    ),
    "bnd_map": ("分区着色：{metric}", "Zones coloured by {metric}"),
    "bnd_drill": ("细分到边界集", "Drill down by boundary set"),
    "bnd_drill_none": ("不细分", "no drill-down"),
    "bnd_drill_title": ("{district}的分区：{name}", "Zones of {district}: {name}"),
    "bnd_drill_caption": (
        "各行（含“不在任何分区内”）之和等于上方的{district}数字（最后一行）。",
        "The rows (with 'Outside any zone') add up to {district}'s figure above (the last row).",
    ),
    "bnd_drill_empty": (
        "尚无边界集：可在“数据导入”页导入街道/乡镇边界。",
        "No boundary sets yet: import subdistricts on the Data page.",
    ),
    "bnd_download_csv": ("下载 CSV", "Download CSV"),
    # table headers (reports.header reads cmpm_<code>)
    "cmpm_zone_id": ("分区编号", "Zone id"),
    "cmpm_zone": ("分区", "Zone"),
}
