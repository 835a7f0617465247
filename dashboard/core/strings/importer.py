"""Messages of the importer's validation report (:mod:`loaders.importer`, the coordinate
evidence of :mod:`loaders.crsdetect`, the readers' notes of :mod:`loaders.readers`):
keys ``imp_<name>``, worded with :class:`dashboard.core.messages.Msg`. The English texts
are the report's (``exchange-atlas import`` and its ``--report`` JSON by default); the
Data page and ``--lang zh`` show the Chinese ones. ``{value}`` is the cell's value."""

from dashboard.core.model import CAPABILITIES, PAYMENT_TYPES

STRINGS = {
    # problems of one row (the value is the cell's)
    "imp_geom_missing": ("几何为空或缺失", "empty or missing geometry"),
    "imp_geom_invalid": ("几何无效且无法修复", "invalid geometry that could not be repaired"),
    "imp_coord_missing": ("缺少坐标", "missing coordinate"),
    "imp_not_number": ("不是数字：{value}", "not a number: {value}"),
    "imp_not_pair": ("不是“经度,纬度”格式：{value}", "not a 'longitude,latitude' pair: {value}"),
    "imp_not_wkt": ("不是有效的 WKT：{value}", "not valid WKT: {value}"),
    "imp_swapped": ("经纬度颠倒，已更正", "latitude and longitude were swapped; corrected"),
    "imp_out_of_range": (
        "坐标超出范围（经度 ±180，纬度 ±90）",
        "coordinate out of range (longitude ±180, latitude ±90)",
    ),
    "imp_no_coord": (
        "无可用坐标（为空、无穷大或 NaN）",
        "no usable coordinate (empty, infinite or NaN)",
    ),
    "imp_unknown_district": (
        "区 {value} 不是北京16个区之一",
        "district {value} is not one of Beijing's 16 districts",
    ),
    "imp_outside_beijing": ("点位于北京以外", "point lies outside Beijing"),
    "imp_outside_districts": (
        "点位于北京16个区的范围以外",
        "point lies outside Beijing's 16 districts",
    ),
    "imp_district_mismatch": (
        "所填的区与点所在的区不同（{value}）；以点的位置为准",
        "the named district differs from the district the point lies in ({value}); "
        "the point's location is used",
    ),
    "imp_duplicate": (
        "与前面某行重复（名称、类别和位置相同）；已剔除",
        "duplicate of an earlier row (same name, category and position); dropped",
    ),
    "imp_duplicate_id": ("编号 {value} 重复；已改名", "duplicate id {value}; renamed"),
    "imp_control": ("已删除控制字符", "control characters removed"),
    "imp_markup": (
        "名称含 HTML/脚本标记 {value}；按纯文本保留，显示时转义",
        "name contains HTML/script markup {value}; it is kept as plain text and escaped when shown",
    ),
    "imp_no_name": ("没有名称（名称）", "no name (名称)"),
    "imp_unknown_category": (
        "{layer} 的未知类别 {value}（请用 --set category=代码 或可识别的类型）",
        "unknown category {value} for {layer} (use --set category=CODE or a recognised type)",
    ),
    "imp_no_category": (
        "没有类别（类型）：请添加类型列或 --set category=代码",
        "no category (类型): add a type column or --set category=CODE",
    ),
    "imp_no_sector": (
        "没有行业：请添加行业列或 --set sector=代码",
        "no sector: add a sector column or --set sector=CODE",
    ),
    "imp_not_date": ("不是日期：{value}", "not a date: {value}"),
    "imp_missing_date": (
        "缺少 {col}（{layer} 必填；请添加该列或 --set {col}=YYYY-MM-DD）",
        "missing {col} (required for {layer}; add a column or --set {col}=YYYY-MM-DD)",
    ),
    "imp_unknown_codes": (
        "未知的 {col} 代码 {value}；可用代码：{known}",
        "unknown {col} code(s) {value}; known: {known}",
    ),
    "imp_no_codes": (
        "没有 {col}：请添加该列或 --set {col}=代码;代码",
        "no {col}: add a column or --set {col}=code;code",
    ),
    "imp_bad_line": ("字段数不对：已跳过该行", "wrong number of fields: row skipped"),
    "imp_more_rows": ("另有 {n} 行：{message}", "{n} more rows: {message}"),
    "imp_model_check": ("未通过数据模型检查：{detail}", "{detail}"),
    "imp_model_reason": ("未通过数据模型检查", "fails the model check"),
    # warnings of the whole file
    "imp_w_bad_lines": (
        "{n} 行的字段数与表头不一致，已跳过（第一处：第 {first} 行）；请检查引号和分隔符",
        "{n} row(s) did not have as many fields as the header and were skipped (first: "
        "row {first}); check quoting and the delimiter",
    ),
    "imp_w_swapped": (
        "{n} 行经纬度颠倒，已更正",
        "{n} row(s) had latitude and longitude swapped; corrected",
    ),
    "imp_w_undated": (
        "{n} 行没有 {col}：按始终在用导入（覆盖计算在任何日期都计入这些点）；"
        "如需注明日期，请添加该列或 --set {field}=YYYY-MM-DD",
        "{n} row(s) have no {col}: imported as in service on every date (coverage counts "
        "them on any date); to date them, add the column or --set {field}=YYYY-MM-DD",
    ),
    "imp_w_implied": (
        "{n} 行没有 {col}，已按类别 {category}（{cat}）推定为 {caps}（{caps_label}）；"
        "如不符，请在 {col} 列中注明",
        "capabilities filled from category {category} ({cat}) for {n} row(s): {caps} "
        "({caps_label}); state them in a {col} column if they differ",
    ),
    "imp_and": ("{a}、{b}", "{a}, {b}"),
    "imp_w_repaired": ("已修复 {n} 个无效几何", "{n} invalid geometries repaired"),
    "imp_w_declared_conflict": (
        "声明了 --crs {declared}，但证据指向 {system}：{text}",
        "--crs {declared} was declared but the evidence points to {system}: {text}",
    ),
    "imp_w_no_evidence": (
        "坐标系无法确定：文件中没有依据；按 WGS-84 处理。请声明坐标系"
        "（高德/腾讯用 --crs gcj02，百度用 bd09）或添加“区”列。",
        "coordinate system undetermined: no evidence in the file; WGS-84 assumed. Declare "
        "it (--crs gcj02 for AMap/Tencent, bd09 for Baidu) or add a district column.",
    ),
    "imp_w_tie": (
        "坐标系无法确定：{a} 与 {b} 的证据同样有力；按 WGS-84 处理。请用 --crs 声明。",
        "coordinate system undetermined: the evidence for {a} and {b} is equally strong; "
        "WGS-84 assumed. Declare it with --crs.",
    ),
    "imp_w_weak": (
        "依据不足仍选用了坐标系 {system}；请检查预览或用 --crs 声明",
        "coordinate system {system} chosen on weak evidence; check the preview or declare "
        "it with --crs",
    ),
    # notes
    "imp_n_osm": (
        "已映射 OpenStreetMap 标签：payment:*、currency:*、amenity=atm|bank|bureau_de_change",
        "OpenStreetMap tags mapped: payment:*, currency:*, amenity=atm|bank|bureau_de_change",
    ),
    "imp_n_reduced": (
        "{n} 个线/面几何已化为代表点",
        "{n} line/polygon geometries reduced to a representative point",
    ),
    "imp_n_library": ("{lib} 提示：{text}", "{lib} warned: {text}"),
    "imp_n_sheet": ("已读取工作表 {sheet}", "read sheet {sheet}"),
    "imp_n_other_sheets": ("其他工作表：{names}", "other sheets: {names}"),
    "imp_n_archive_pick": (
        "已读取 {pick}；压缩包中还有 {others}",
        "read {pick}; the archive also has {others}",
    ),
    "imp_n_no_prj": (
        "没有 .prj 文件：未声明坐标系",
        "no .prj file: the coordinate system is not declared",
    ),
    "imp_n_no_cpg": (
        "没有 .cpg 文件：属性编码检测为 {encoding}",
        "no .cpg file: attribute encoding detected as {encoding}",
    ),
    "imp_n_kml_folders": ("已读取 {n} 个 KML 文件夹：{names}", "read {n} KML folder(s): {names}"),
    "imp_n_layer": (
        "已读取图层 {layer}；文件中还有 {names}",
        "read layer {layer}; the file also has {names}",
    ),
    # coordinate-system evidence
    "imp_e_no_district": ("没有一行填写可识别的区", "no row names a recognisable district"),
    "imp_e_districts_tie": (
        "落在所填区内的行：{detail}——无差别",
        "rows in their named district: {detail} — no difference",
    ),
    "imp_e_districts": (
        "落在所填区内的行：{detail}；{system} 多 {margin} 行",
        "rows in their named district: {detail}; {system} leads by {margin}",
    ),
    "imp_e_districts_few": (
        "落在所填区内的行：{detail}；{system} 多 {margin} 行"
        "（但任何坐标系下吻合的都不到一半：请检查“区”列）",
        "rows in their named district: {detail}; {system} leads by {margin} (but fewer "
        "than half match under any system: check the district column)",
    ),
    "imp_e_landmarks": (
        "{n} 行的名称与项目自带场所相同；到这些场所的距离中位数：{detail}",
        "{n} rows name shipped places; median distance to them: {detail}",
    ),
    "imp_e_landmarks_none": (
        "{n} 行的名称与项目自带场所相同；到这些场所的距离中位数：{detail}——无明显胜出者",
        "{n} rows name shipped places; median distance to them: {detail} — no clear winner",
    ),
    "imp_e_names": (
        "文件的名称或元数据提到 {match}",
        "the file's names/metadata mention {match}",
    ),
    "imp_e_declared_by": ("由{src}声明：{name}", "declared by {src}: {name}"),
    "imp_e_src_option": ("--crs 参数", "--crs"),
    "imp_e_src_metadata": ("文件元数据（.prj/CRS）", "the file's metadata (.prj/CRS)"),
    "imp_e_osm": ("OpenStreetMap 数据为 WGS-84", "OpenStreetMap data is WGS-84"),
    "imp_e_format": (
        "{fmt} 按规范为 WGS-84（但国内服务商导出的常为 GCJ-02）",
        "{fmt} is WGS-84 by specification (though Chinese providers often export GCJ-02)",
    ),
    "imp_e_epsg": (
        "文件声明为 EPSG:{epsg}（GCJ-02 数据也常被这样误标）",
        "the file declares EPSG:{epsg} (GCJ-02 data is often mislabelled so)",
    ),
    "imp_e_declared": ("已声明：--crs {declared}", "declared: --crs {declared}"),
    "imp_e_boundaries": (
        "多边形顶点落在项目自带区界上（{tol} 米以内）的比例：{detail}；{system} 最吻合"
        "（比较了 {n} 个顶点）",
        "polygon vertices on a shipped district boundary (within {tol} m): {detail}; "
        "{system} fits best ({n} vertices compared)",
    ),
    "imp_e_boundaries_none": (
        "多边形顶点落在项目自带区界上（{tol} 米以内）的比例：{detail}——没有坐标系明显更吻合"
        "（多边形不沿区界），由其他依据决定（比较了 {n} 个顶点）",
        "polygon vertices on a shipped district boundary (within {tol} m): {detail} — no "
        "system fits clearly better (the polygons do not follow the district boundaries); "
        "the other evidence decides ({n} vertices compared)",
    ),
    "imp_e_boundaries_outside": (
        "多边形顶点只有 {share} 位于北京：无法与项目自带区界比较，由其他依据决定"
        "（比较了 {n} 个顶点）",
        "only {share} of the polygon vertices lie in Beijing: they cannot be compared with "
        "the shipped district boundaries; the other evidence decides ({n} vertices compared)",
    ),
    # the summary and the confidence of the coordinate system
    "imp_summary": (
        "读取 {read} 行，保留 {kept} 行，剔除 {dropped} 行；坐标系 {system}（{confidence}）",
        "{read} rows read, {kept} kept, {dropped} dropped; coordinates {system} ({confidence})",
    ),
    "imp_conf_high": ("高", "high"),
    "imp_conf_medium": ("中", "medium"),
    "imp_conf_low": ("低", "low"),
    "imp_conf_undetermined": ("无法确定", "undetermined"),
    "imp_conf_declared": ("已声明", "declared"),
    # what `exchange-atlas import` prints around the report
    "imp_cli_warning": ("警告：{text}", "warning: {text}"),
    "imp_cli_format": (
        "  格式 {fmt}，编码 {encoding}，列对应 {columns}",
        "  format {fmt}, encoding {encoding}, columns {columns}",
    ),
    "imp_cli_evidence": ("  依据（{source}）：{text}", "  evidence ({source}): {text}"),
    "imp_cli_dry_run": ("试运行：工作区未改动", "dry run: the workspace was not changed"),
    "imp_cli_renamed": (
        "  {n} 个导入的编号与现有编号冲突，已改名（…~imp）",
        "  {n} imported id(s) clashed with existing ones and were renamed (…~imp)",
    ),
    "imp_cli_added": (
        "已追加到 {layer}：版本 {version}，现有 {rows} 行",
        "added to {layer}: version {version}, {rows} rows in effect",
    ),
    "imp_cli_replaced": (
        "已替换 {layer}：版本 {version}，现有 {rows} 行",
        "replaced {layer}: version {version}, {rows} rows in effect",
    ),
    "imp_cli_no_rows": (
        "{file} 中没有可用的行：读取 {read} 行，全部剔除{first}。未写入任何内容。",
        "no usable rows in {file}: {read} read, all dropped{first}. Nothing was written.",
    ),
    "imp_cli_where_row": ("{file}，第 {row} 行", "{file}, row {row}"),
    "imp_cli_where_column": ("{where}，列“{column}”", "{where}, column '{column}'"),
    "imp_cli_problem": ("{where}：{message}", "{where}: {message}"),
    # the evidence table of the Data page: its columns and where each piece comes from
    "imp_ev_source": ("来源", "Source"),
    "imp_ev_system": ("坐标系", "System"),
    "imp_ev_strength": ("强度", "Strength"),
    "imp_ev_text": ("说明", "Evidence"),
    "imp_src_declared": ("声明", "declared"),
    "imp_src_districts": ("区名", "districts"),
    "imp_src_landmarks": ("已知场所", "landmarks"),
    "imp_src_names": ("名称与元数据", "names"),
    "imp_src_provenance": ("数据来源", "provenance"),
    "imp_src_format": ("文件格式", "format"),
    "imp_src_boundaries": ("区界", "district boundaries"),
}

# The labels of the model's codes as messages, so that a report words them in its own
# language (the labels' one home stays dashboard/core/model.py).
STRINGS.update({f"imp_cap_{code}": pair for code, pair in CAPABILITIES.items()})
STRINGS.update({f"imp_ptype_{code}": pair for code, pair in PAYMENT_TYPES.items()})
