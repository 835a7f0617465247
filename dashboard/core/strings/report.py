"""Strings of the progress report (``exchange-atlas report`` and the Progress page's
download): keys ``rp_<name>``."""

STRINGS = {
    "rp_title": (
        "北京市外籍来华人员支付便利化工作进展报告",
        "Payment services for international visitors in Beijing: progress report",
    ),
    "rp_subtitle": ("北京国际交往地图", "Beijing Exchange Atlas"),
    "rp_as_of": ("截至日期：{date}", "As of {date}"),
    "rp_period": (
        "对比期：{since} 至 {as_of}",
        "Period: {since} to {as_of} (compared with {since})",
    ),
    "rp_scope_all": ("范围：全市16个区", "Scope: the whole city, 16 districts"),
    "rp_scope": ("范围：{names}", "Scope: {names}"),
    "rp_standard": ("服务标准：{name}", "Service standard: {name}"),
    "rp_standard_in_force": (
        "现行服务标准（各类场所半径与支付能力要求）",
        "the standards in force (radius and capabilities per category)",
    ),
    "rp_standard_any": (
        "任一服务点即视为覆盖（不区分支付能力）",
        "any payment point counts (capabilities not required)",
    ),
    "rp_basis_claimed": (
        "覆盖口径：申报能力（最近一次实地核查未通过的能力不计）",
        "Coverage counts claimed capabilities (less those whose latest field check failed)",
    ),
    "rp_basis_verified": (
        "覆盖口径：仅计有效期内实地核查通过的能力",
        "Coverage counts only capabilities verified by a field check within the validity period",
    ),
    "rp_generated": (
        "由 exchange-atlas 生成，所有数字均由数据计算得出。",
        "Made by exchange-atlas; every figure is computed from the data.",
    ),
    "rp_sources": ("数据来源", "Data sources"),
    "rp_src_layer": ("图层", "Layer"),
    "rp_src_rows": ("条数", "Rows"),
    "rp_src_sources": ("来源", "Sources"),
    "rp_src_synthetic": ("合成（示意）条数", "Synthetic rows"),
    "rp_synthetic": (
        "注意：以下图层含合成（示意）数据，仅用于演示，不代表实际情况：{layers}。",
        "Note: these layers hold synthetic (generated) rows, for demonstration only, not "
        "real places: {layers}.",
    ),
    "rp_synthetic_short": ("含合成（示意）数据：{layers}", "Contains synthetic data: {layers}"),
    "rp_examples": (
        "目标为示例（非正式决定），请以本地设定的目标为准。",
        "The targets are examples, not an official decision.",
    ),
    "rp_contents": ("目录", "Contents"),
    "rp_summary": ("全市概况", "The city against its target"),
    "rp_summary_line": (
        "截至{as_of}，全市{demand}个重点场所中{covered}个已覆盖，覆盖率{coverage}（{since}为{previous}，变化{change}）；加权覆盖率{weighted}。",
        "As of {as_of}, {covered} of the city's {demand} key locations are covered: "
        "{coverage} (on {since}: {previous}; change {change}); weighted coverage {weighted}.",
    ),
    "rp_target_line": (
        "全市目标：{due}前覆盖率达到{target}；按近期趋势预计{projected}（区间{low}–{high}），状态：{status}。",
        "City target: {target} by {due}; on the recent trend {projected} (range {low}–{high}); "
        "status: {status}.",
    ),
    "rp_no_city_target": ("全市尚未设置目标。", "No target is set for the city."),
    "rp_status_counts": (
        "各区目标状态：已达成{achieved}个，按期{on_track}个，有风险{at_risk}个，滞后{off_track}个。",
        "District targets: {achieved} achieved, {on_track} on track, {at_risk} at risk, "
        "{off_track} off track.",
    ),
    "rp_improved_line": (
        "近6个月进步最快：{names}。",
        "Most improved over the last 6 months: {names}.",
    ),
    "rp_behind_line": ("覆盖率最低：{names}。", "Lowest coverage: {names}."),
    "rp_kpi": ("指标", "Measure"),
    "rp_kpi_value": ("当前", "Now"),
    "rp_kpi_previous": ("上期", "Previous period"),
    "rp_kpi_city": ("全市", "City"),
    "rp_kpi_target": ("目标", "Target"),
    "rp_ranking": ("各区排名", "Ranking of the districts"),
    "rp_ranking_caption": (
        "按覆盖率排名；变化为自{since}以来。",
        "Ranked by coverage; change since {since}.",
    ),
    "rp_trend": ("覆盖率趋势", "Coverage month by month"),
    "rp_trend_caption": (
        "全市按月覆盖率（实线）与目标（虚线）。",
        "The city's coverage at each month's end (line) and its target (dashed).",
    ),
    "rp_multiples_caption": ("各区按月覆盖率。", "Each district's coverage month by month."),
    "rp_status": ("目标达成状态", "Status of every target"),
    "rp_map": ("全市支付服务缺口分布", "Where the gaps are"),
    "rp_map_caption": (
        "离线绘制，无底图；未覆盖场所画在最上层。",
        "Drawn offline, without tiles; uncovered places on top.",
    ),
    "rp_map_core": (
        "中心城区放大图（东城、西城、朝阳、海淀、丰台、石景山）。",
        "Close-up of the central districts (Dongcheng, Xicheng, Chaoyang, Haidian, Fengtai, "
        "Shijingshan).",
    ),
    "rp_status_payment": ("支付服务点", "Payment point"),
    "rp_districts": ("分区情况", "District by district"),
    "rp_district_heading": ("{n}. {name}（排名第{rank}）", "{n}. {name} (rank {rank})"),
    "rp_district_heading_norank": ("{n}. {name}", "{n}. {name}"),
    "rp_district_trend": ("覆盖率趋势与目标", "Coverage trend against the target"),
    "rp_district_map": ("缺口分布图", "Gap map"),
    "rp_uncovered": (
        "各行业未覆盖场所（按权重，每行业最多{n}个；共{total}个）",
        "Uncovered places by sector (heaviest first, up to {n} per sector; {total} in all)",
    ),
    "rp_none_uncovered": ("所有重点场所均已覆盖。", "Every key location is covered."),
    "rp_sites": (
        "建议新增服务点（{k}处可新增覆盖{gain}个场所）",
        "Recommended new service points ({k} sites would cover {gain} more places)",
    ),
    "rp_col_place": ("场所", "Place"),
    "rp_col_rank": ("序号", "No."),
    "rp_col_gain": ("新增覆盖", "Newly covered"),
    "rp_col_lonlat": ("经纬度（WGS-84）", "Lon, lat (WGS-84)"),
    "rp_events": ("重大活动周边支付准备情况", "Payment readiness around upcoming events"),
    "rp_events_caption": (
        "即将举办或正在举办的活动，四大国际活动优先；准备度为场馆周边重点场所在开幕日的覆盖率。",
        "Upcoming and ongoing events, the four major international events first; readiness is "
        "the coverage of key locations around the venue on the opening day.",
    ),
    "rp_events_none": (
        "截至日期后暂无已登记的活动。",
        "No events are recorded after the as-of date.",
    ),
    "rp_major": (
        "四大国际活动历届准备情况",
        "The four major international events, edition by edition",
    ),
    "rp_col_event": ("活动", "Event"),
    "rp_col_series": ("系列", "Series"),
    "rp_col_start": ("开幕", "Opens"),
    "rp_col_venue": ("场馆", "Venue"),
    "rp_col_nearby": ("周边场所", "Places nearby"),
    "rp_col_covered": ("已覆盖", "Covered"),
    "rp_col_readiness": ("准备度", "Readiness"),
    "rp_col_change": ("较上届", "Change"),
    "rp_col_venue_points": ("场馆服务点", "Points at the venue"),
    "rp_method": ("方法说明", "Method notes"),
    "rp_method_coverage": (
        "覆盖：重点场所在其类别的服务半径内有至少一个满足支付能力要求且在截至日期已投入使用的服务点。覆盖率=已覆盖场所数/场所总数；加权覆盖率按场所权重计算。",
        "Covered: a key location with at least one payment point in service on the date, "
        "within its category's radius, meeting its category's required capabilities. "
        "Coverage = covered places / all places; weighted coverage weighs each place by its "
        "category's weight.",
    ),
    "rp_method_access": (
        "可达性：增强两步移动搜索法（E2SFCA），考虑服务点容量与距离衰减。",
        "Accessibility: enhanced two-step floating catchment area (E2SFCA), with capacity and "
        "distance decay.",
    ),
    "rp_method_sites": (
        "建议站点：最大覆盖选址模型（MCLP），在未覆盖场所处选址，使新增覆盖的加权场所最多。",
        "Recommended sites: the maximal covering location problem (MCLP) over uncovered "
        "places, maximising the weight newly covered.",
    ),
    "rp_method_standards": ("现行服务标准", "The service standards in force"),
    "rp_col_category": ("类别", "Category"),
    "rp_col_radius": ("半径（米）", "Radius (m)"),
    "rp_col_require": ("支付能力要求", "Required capabilities"),
    "rp_col_weight": ("权重", "Weight"),
    "rp_col_rationale": ("依据", "Rationale"),
    "rp_missing_glyphs": (
        "报告内置字体缺少以下字符，已尝试使用系统字体显示：{chars}",
        "The report's embedded font lacks these characters; a system font was used where "
        "available: {chars}",
    ),
    "rp_section": ("{n}、{title}", "{n}. {title}"),
    "rp_page": ("第{n}页", "Page {n}"),
    "rp_layer_key-locations": ("重点场所", "Key locations"),
    "rp_layer_payments": ("支付服务点", "Payment points"),
    "rp_layer_venues": ("场馆", "Venues"),
    "rp_layer_organizations": ("国际组织", "International organizations"),
    "rp_layer_events": ("活动", "Events"),
    "rp_sheet_sources": ("数据来源", "sources"),
    "rp_sheet_summary": ("全市概况", "summary"),
    "rp_sheet_ranking": ("排名", "ranking"),
    "rp_sheet_series": ("月度趋势", "monthly"),
    "rp_sheet_status": ("目标状态", "status"),
    "rp_sheet_kpi": ("{code} 指标", "{code} KPIs"),
    "rp_sheet_gaps": ("{code} 缺口", "{code} gaps"),
    "rp_sheet_sites": ("{code} 建议点", "{code} sites"),
    "rp_sheet_events": ("活动准备", "events"),
    "rp_sheet_major": ("四大活动", "major events"),
    "rp_sheet_standards": ("服务标准", "standards"),
    "rp_download": ("下载报告", "Download the report"),
    "rp_download_help": (
        "进展报告：全市概况、排名、趋势、缺口地图、分区页、活动与方法说明（离线生成）。",
        "The progress report: city summary, ranking, trend, gap map, one page per district, "
        "events and method notes (made offline).",
    ),
    "rp_format": ("格式", "Format"),
    "rp_make": ("生成报告", "Make the report"),
    "rp_ready": ("报告已生成（{size}）。", "The report is ready ({size})."),
}
