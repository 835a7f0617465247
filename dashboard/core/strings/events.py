"""UI strings of the Events page (``pages/events.py``)."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "page_events": ("展会与论坛", "Events"),
    "ev_title": ("展会与论坛：时间线与支付便利准备度", "Events: timeline and payment readiness"),
    "ev_caption": (
        "2023–2026 年在京举办的论坛、展览等活动；准备度按每场活动开幕当日已启用的支付服务点计算。",
        "Forums, exhibitions and other events in Beijing, 2023–2026; readiness counts the "
        "payment points in service on each event's opening day.",
    ),
    "ev_none": (
        "当前数据中没有展会或论坛；请在“数据导入”页导入活动数据（events）。",
        "There are no events in the data; import an events layer on the Data page.",
    ),
    "ev_none_filtered": ("没有符合筛选条件的活动", "No events match the filters"),
    "ev_undated": (
        "{n} 场活动缺少开幕日期，未列入。",
        "{n} events have no start date and are left out.",
    ),
    # filters and parameters
    "ev_years": ("年份", "Years"),
    "ev_categories": ("类别", "Categories"),
    "ev_group_by": ("时间线分组", "Group timeline by"),
    "ev_group_venue": ("场馆", "Venue"),
    "ev_group_year": ("年份", "Year"),
    "ev_no_venue": ("（未列明场馆）", "(venue not listed)"),
    "ev_radius": ("周边半径 R（公里）", "Radius R around the venue (km)"),
    "ev_radius_help": (
        "准备度 = R 公里内已被覆盖的重点场所占比（按服务标准，截至活动开幕日）。",
        "Readiness = share of key locations within R km of the venue that are covered "
        "(under the service standards, as of the event's start date).",
    ),
    "ev_venue_radius": ("场馆周边支付点半径（米）", "Payment points at the venue: radius (m)"),
    "ev_venue_radius_help": (
        "统计开幕当日在场馆该半径内已启用的支付服务点数量。",
        "Counts payment points in service on the opening day within this radius of the venue.",
    ),
    "ev_ref_date": ("参考日期：{d}（{src}）", "Reference date: {d} ({src})"),
    "ev_ref_asof": ("共享截至日期", "shared as-of date"),
    "ev_ref_today": ("今天", "today"),
    # KPIs
    "ev_kpi_events": ("活动", "Events"),
    "ev_kpi_upcoming": ("进行中/即将举办", "Ongoing / upcoming"),
    "ev_kpi_median": ("准备度中位数", "Median readiness"),
    "ev_kpi_gaps": ("周边缺口（合计）", "Gaps nearby (total)"),
    # status
    "ev_status_upcoming": ("即将举办", "Upcoming"),
    "ev_status_ongoing": ("进行中", "Ongoing"),
    "ev_status_past": ("已结束", "Past"),
    # tabs
    "ev_tab_calendar": ("日程与准备度", "Calendar and readiness"),
    "ev_tab_event": ("单个活动：场馆周边", "One event: around its venue"),
    # timeline
    "ev_timeline": ("时间线", "Timeline"),
    "ev_tt_event": ("活动", "Event"),
    "ev_tt_venue": ("场馆", "Venue"),
    "ev_tt_category": ("类别", "Category"),
    "ev_tt_dates": ("日期", "Dates"),
    "ev_tt_status": ("状态", "Status"),
    "ev_tt_readiness": ("准备度", "Readiness"),
    "ev_axis_date": ("日期", "Date"),
    "ev_timeline_caption": (
        "每条横条为一场活动（开幕至闭幕），颜色表示类别；虚线为参考日期。",
        "One bar per event (opening to closing day), coloured by category; the dashed line "
        "is the reference date.",
    ),
    # table
    "ev_list": ("活动列表（进行中与即将举办的在前）", "Events (ongoing and upcoming first)"),
    "ev_list_pick": (
        "点选一行，查看该活动场馆周边的支付便利（地图与缺口）。",
        "Choose a row to see payments around that event's venue (map and gaps).",
    ),
    "ev_col_status": ("状态", "Status"),
    "ev_col_start": ("开幕", "Starts"),
    "ev_col_end": ("闭幕", "Ends"),
    "ev_col_name": ("活动", "Event"),
    "ev_col_venue": ("场馆", "Venue"),
    "ev_col_category": ("类别", "Category"),
    "ev_col_nearby": ("R 内重点场所", "Key locations within R"),
    "ev_col_covered": ("已覆盖", "Covered"),
    "ev_col_gaps": ("缺口", "Gaps"),
    "ev_col_readiness": ("准备度", "Readiness"),
    "ev_col_venue_points": ("场馆周边支付点", "Payment points at venue"),
    # selected event
    "ev_select": ("选择活动", "Choose an event"),
    "ev_detail": ("{name}：开幕当日（{d}）的支付便利", "{name}: payments on opening day ({d})"),
    "ev_m_readiness": ("准备度", "Readiness"),
    "ev_m_readiness_help": (
        "R={r} 公里内 {n} 个重点场所中已覆盖 {c} 个。",
        "{c} of the {n} key locations within R = {r} km are covered.",
    ),
    "ev_m_nearby": ("R 内重点场所", "Key locations within R"),
    "ev_m_gaps": ("缺口", "Gaps"),
    "ev_m_points": ("场馆 {m} 米内支付点", "Payment points within {m} m"),
    "ev_no_nearby": (
        "该场馆 R 公里内没有重点场所，准备度无从计算。",
        "No key locations lie within R of this venue, so readiness is undefined.",
    ),
    "ev_venue_missing": (
        "未找到该活动的场馆（venue_id），使用活动自身坐标。",
        "The event's venue (venue_id) was not found; the event's own coordinates are used.",
    ),
    "ev_legend": (
        "🟣 场馆　🔵 已覆盖的重点场所　🔴 缺口（未覆盖）　🟢 开幕当日已启用的支付服务点（示意数据）"
        "　外圈：R；内圈：场馆支付点半径。",
        "🟣 venue　🔵 covered key location　🔴 gap (not covered)　🟢 payment point in service "
        "on opening day (illustrative)　Outer ring: R; inner ring: venue radius.",
    ),
    "ev_gaps": ("周边缺口", "Gaps nearby"),
    "ev_no_gaps": ("R 内所有重点场所均已覆盖。", "Every key location within R is covered."),
    "ev_gcol_name": ("重点场所", "Key location"),
    "ev_gcol_category": ("类别", "Category"),
    "ev_gcol_to_venue": ("距场馆(米)", "To venue (m)"),
    "ev_gcol_nearest": ("最近合格支付点(米)", "Nearest qualifying point (m)"),
    "ev_gcol_standard": ("标准半径(米)", "Standard radius (m)"),
    "ev_gcol_shortfall": ("超出(米)", "Beyond standard (m)"),
    "ev_gcol_point": ("最近合格支付点", "Nearest qualifying point"),
    "ev_tt_covered": ("已覆盖", "Covered"),
    "ev_tt_state": ("覆盖情况", "Coverage"),
    "ev_cls_gap": ("缺口（未覆盖）", "Gap (not covered)"),
    "ev_cls_noun": ("重点场所", "key locations"),
    "ev_tt_gap": ("缺口：最近合格支付点 {d}", "Gap: nearest qualifying point {d}"),
    "ev_tt_none": ("无", "none"),
    "ev_tt_to_venue": ("距场馆 {d} 米", "{d} m from the venue"),
    "ev_note_future": (
        "即将举办的活动按计划启用日期计入支付点（数据中启用日期晚于今天的点）。",
        "For upcoming events, points are counted by their planned in-service dates.",
    ),
    # the four major international events
    "ev_major_only": ("只看四大国际活动", "Only the four major international events"),
    "ev_major_only_help": (
        "中关村论坛、服贸会、金融街论坛年会、北京文化论坛；四大活动在列表中排在前面。",
        "Zhongguancun Forum, CIFTIS, Financial Street Forum and Beijing Culture Forum; "
        "they are listed first.",
    ),
    "ev_col_major": ("四大活动", "Major event"),
    "ev_tab_major": ("四大活动：历届准备度", "Four major events: readiness by edition"),
    "ev_major_title": (
        "四大国际活动场馆周边的支付便利（历届）",
        "Payment readiness around the four major events' venues, edition by edition",
    ),
    "ev_major_caption": (
        "每届按开幕当日已启用的支付服务点计算场馆 R={r} 公里内重点场所的覆盖率；"
        "“截至参考日期”一列为同一范围截至 {d} 的覆盖率。仅列出公开资料载明日期与场馆的届次"
        "（见 geodata/PROVENANCE.md）。",
        "Each edition: share of the key locations within R = {r} km of its venue covered by "
        'the payment points in service on its opening day; the "as of" column is the same '
        "area as of {d}. Only editions whose dates and venue a published source states are "
        "listed (see geodata/PROVENANCE.md).",
    ),
    "ev_major_none": (
        "当前数据（及所选区）中没有四大国际活动的届次。",
        "The data (in the chosen district) holds no edition of the four major events.",
    ),
    "ev_major_axis": ("开幕日期", "Opening day"),
    "ev_major_series": ("活动", "Event"),
    "ev_mcol_series": ("活动", "Event"),
    "ev_mcol_edition": ("届次（年）", "Edition (year)"),
    "ev_mcol_dates": ("日期", "Dates"),
    "ev_mcol_venue": ("场馆", "Venue"),
    "ev_mcol_status": ("状态", "Status"),
    "ev_mcol_nearby": ("R 内重点场所", "Key locations within R"),
    "ev_mcol_covered": ("开幕日已覆盖", "Covered on opening day"),
    "ev_mcol_readiness": ("开幕日准备度", "Readiness on opening day"),
    "ev_mcol_change": ("较上届（百分点）", "Change from previous edition (points)"),
    "ev_mcol_readiness_as_of": ("截至参考日期准备度", "Readiness as of reference date"),
    "ev_mcol_venue_points": ("场馆周边支付点", "Payment points at venue"),
}
