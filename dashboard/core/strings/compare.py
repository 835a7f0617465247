"""Strings of the District comparison and District profile pages (and their exports)."""

STRINGS = {
    "page_compare": ("区间对比", "Compare districts"),
    "page_district": ("区概况", "District profile"),
    # comparison page
    "cmp_title": ("各区支付便利对比", "How the districts compare"),
    "cmp_caption": (
        "截至 {end}，按{std}判定重点场所是否有可用的支付服务点；变化为自基准日 {start} 起。",
        "Key locations judged covered under {std} as of {end}; change since the baseline {start}.",
    ),
    "cmp_std_standards": ("各类场所的服务标准", "each category's service standard"),
    "cmp_std_any": ("任一支付服务点", "any payment point"),
    "cmp_radius": ("统一半径 {r} 米", "one radius of {r} m"),
    "cmp_baseline": ("基准日", "Baseline date"),
    "cmp_baseline_help": (
        "“变化”列比较该日与截至日期的覆盖率。",
        "The change column compares coverage on this date with the as-of date.",
    ),
    "cmp_rank_by": ("排序依据", "Rank by"),
    "cmp_ranking": ("排名", "Ranking"),
    "cmp_table_help": (
        "点击表头可重新排序；没有重点场所的区不参与排名。",
        "Click a header to re-sort; districts without key locations are not ranked.",
    ),
    "cmp_chart_title": (
        "各区{metric}（高亮：{district}）",
        "{metric} by district (highlighted: {district})",
    ),
    "cmp_city_line": ("全市：{value}", "City: {value}"),
    "cmp_choose": ("选择要并列对比的区", "Districts to compare side by side"),
    "cmp_choose_help": (
        "所选区会保存在链接中（compare 参数）。",
        "The choice is kept in the link (the compare parameter).",
    ),
    "cmp_side_by_side": ("并列对比", "Side by side"),
    "cmp_pick_some": (
        "请在上方选择至少一个区进行并列对比。",
        "Choose at least one district above to compare side by side.",
    ),
    "cmp_by_sector": ("按行业的覆盖率", "Coverage by sector"),
    "cmp_by_sector_caption": (
        "底部一条线表示该行业有重点场所但全部未覆盖（0%）；空白表示该区没有该行业的重点场所。",
        "A line at the bottom: the sector has key locations and none is covered (0 %); an "
        "empty slot: the district has no key location of that sector.",
    ),
    "cmp_no_sector_data": ("所选区没有重点场所", "The chosen districts have no key locations"),
    "cmp_download_csv": ("下载 CSV", "Download CSV"),
    "cmp_download_xlsx": ("下载 Excel", "Download Excel"),
    "cmp_city_row": ("全市", "City"),
    # column headers / metric names (exports use the same)
    "cmpm_rank": ("排名", "Rank"),
    "cmpm_adcode": ("行政区划代码", "Adcode"),
    "cmpm_name": ("区", "District"),
    "cmpm_name_zh": ("区（中文）", "District (Chinese)"),
    "cmpm_name_en": ("区（英文）", "District (English)"),
    "cmpm_demand": ("重点场所", "Key locations"),
    "cmpm_covered": ("已覆盖", "Covered"),
    "cmpm_uncovered": ("未覆盖（缺口）", "Uncovered (gaps)"),
    "cmpm_coverage": ("覆盖率", "Coverage"),
    "cmpm_weighted_coverage": ("加权覆盖率", "Weighted coverage"),
    "cmpm_access": ("可达性（E2SFCA）", "Accessibility (E2SFCA)"),
    "cmpm_share_without_access": ("无可达服务点的场所占比", "Share with no point in reach"),
    "cmpm_coverage_baseline": ("基准日覆盖率", "Coverage at baseline"),
    "cmpm_change": ("覆盖率变化", "Change in coverage"),
    "cmpm_newly_covered": ("新增覆盖", "Newly covered"),
    "cmpm_sector": ("行业", "Sector"),
    "cmpm_district": ("区", "District"),
    "cmpm_category": ("类别", "Category"),
    "cmpm_distance_m": ("距最近合格服务点(米)", "Distance to nearest qualifying point (m)"),
    "cmpm_radius_m": ("服务半径(米)", "Service radius (m)"),
    "cmpm_id": ("编号", "ID"),
    "cmpm_place": ("名称", "Name"),
    "cmpm_access_help": (
        "增强两步移动搜寻法（E2SFCA）：每单位访客需求在 1 公里内可达的服务点数，"
        "按距离衰减加权，按需求加权平均。",
        "Enhanced two-step floating catchment (E2SFCA): payment points within 1 km per unit "
        "of visitor demand, distance-decayed, demand-weighted mean.",
    ),
    "cmpm_access_pooled": (
        "数据量大，可达性按 {cell} 米网格汇总计算（距离误差不超过一个网格对角线）。",
        "With this many places, accessibility is computed on a {cell} m grid (distances off "
        "by at most a cell's diagonal).",
    ),
    # district profile
    "dp_pick": (
        "这是全市概况。选择一个区查看该区概况。",
        "This is the whole city's profile. Choose a district to see its own.",
    ),
    "dp_pick_other": (
        "选择其他区，或选“全市”查看全市概况。",
        "Choose another district, or All of Beijing for the whole city's profile.",
    ),
    "dp_kpi_help_city": (
        "全市 {value}；上一期 {previous}；目标 {target}",
        "The city {value}; previous period {previous}; target {target}",
    ),
    "dp_city_note": (
        "全市：所有重点场所合计；缺口为全市总数。",
        "The city: every key location pooled; gaps are the city's total.",
    ),
    "dp_all_covered_city": (
        "全市所有重点场所均已覆盖。",
        "Every key location in the city is covered.",
    ),
    "dp_no_demand_city": (
        "全市没有重点场所，无法计算覆盖率。",
        "There are no key locations, so there is no coverage to compute.",
    ),
    "dp_districts_gaining": ("覆盖率提升的区", "Districts gaining coverage"),
    "dp_districts_gaining_help": (
        "新增这些服务点后覆盖率上升的区的数量。",
        "How many districts the proposed points raise the coverage of.",
    ),
    "dp_title": ("{district}：支付便利概况", "{district}: where foreign visitors can pay"),
    "dp_caption": (
        "截至 {end}；上一期为 {prev}。",
        "As of {end}; the previous period is {prev}.",
    ),
    "dp_reference": ("对比基准", "Compare with"),
    "dp_ref_city": ("全市平均", "City average"),
    "dp_ref_previous": ("上一期（{date}）", "Previous period ({date})"),
    "dp_ref_target": ("目标", "Target"),
    "dp_target": ("覆盖率目标(%)", "Coverage target (%)"),
    "dp_target_help": (
        "可选：输入目标覆盖率，卡片显示与目标的差距。",
        "Optional: enter a coverage target; the cards show the distance to it.",
    ),
    "dp_enter_target": ("请输入目标覆盖率。", "Enter a coverage target."),
    "dp_kpi_help": (
        "本区 {value}；全市 {city}；上一期 {previous}；目标 {target}",
        "This district {value}; city {city}; previous period {previous}; target {target}",
    ),
    "dp_city_uncovered_note": (
        "全市参考：份额为全市合计，缺口为各区平均。",
        "City reference: shares are the city total, gaps the mean per district.",
    ),
    "dp_no_demand": (
        "该区没有重点场所，无法计算覆盖率。",
        "This district has no key locations, so there is no coverage to compute.",
    ),
    "dp_map": ("本区缺口地图", "Gaps on the map"),
    "dp_map_city": ("全市缺口地图", "Gaps across the city"),
    "dp_choose": ("选择区", "Profile of"),
    "dp_legend": (
        "🔴 未覆盖重点场所　🔵 已覆盖重点场所　🟢 支付服务点（示意）　🟣 建议新增服务点",
        "🔴 uncovered key location   🔵 covered key location   🟢 payment point (illustrative)   "
        "🟣 proposed new point",
    ),
    "dp_status_covered": ("已覆盖", "Covered"),
    "dp_status_uncovered": ("未覆盖", "Not covered"),
    "dp_distance": ("最近合格服务点", "Nearest qualifying point"),
    "dp_uncovered_title": ("未覆盖的重点场所（按行业）", "Uncovered key locations by sector"),
    "dp_all_covered": (
        "本区所有重点场所均已覆盖。",
        "Every key location in the district is covered.",
    ),
    "dp_siting_title": ("建议新增服务点", "Recommended new service points"),
    "dp_k": ("新增服务点数量", "Number of new points"),
    "dp_siting_caption": (
        "最大覆盖选址（MCLP，{method}）：在未覆盖的重点场所处选 {k} 个点，"
        "使新增覆盖的加权需求最大。",
        "Maximal covering location ({method}): {k} sites among the uncovered key locations "
        "that newly cover the most weighted demand.",
    ),
    "dp_what_if": ("假设新增这些服务点", "What if we add them"),
    "dp_what_if_help": (
        "重新计算加入建议服务点后的覆盖率，并在地图上显示这些点。",
        "Recompute coverage with the proposed points added and show them on the map.",
    ),
    "dp_after": ("新增后", "After"),
    "dp_before_after": ("{district}新增前后", "{district} before and after"),
    "dp_city_after": ("全市覆盖率（新增后）", "City coverage (after)"),
    "dp_site_name": ("建议点 {n}", "Proposed point {n}"),
    "dp_site_body": (
        "位于：{place}\n新增覆盖 {n} 处重点场所",
        "At: {place}\nNewly covers {n} key locations",
    ),
    "cmpm_site_rank": ("序号", "#"),
    "cmpm_site_place": ("建议位置（重点场所）", "Proposed at (key location)"),
    "cmpm_site_newly": ("新增覆盖", "Newly covered"),
    "cmpm_site_weight": ("新增加权需求", "Newly covered weight"),
}
