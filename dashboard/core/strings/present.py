"""Strings of the presenter mode: keys ``pr_<name>``."""

STRINGS = {
    "pr_enter": ("演示模式", "Present"),
    "pr_enter_help": (
        "全屏演示：城市概况 → 排名 → 趋势 → 各区 → 展会活动；←/→/空格翻页，Esc 退出。",
        "Slides for a meeting: city summary → ranking → trend → each district → events; "
        "←/→/Space to step, Esc to leave.",
    ),
    "pr_prev": ("上一页", "Back"),
    "pr_next": ("下一页", "Next"),
    "pr_exit": ("退出演示", "Leave"),
    "pr_settings": ("设置", "Settings"),
    "pr_counter": ("第 {n} / {total} 页", "Slide {n} of {total}"),
    "pr_districts": ("演示的区（按所选顺序）", "Districts to present (in this order)"),
    "pr_districts_help": (
        "不选：全部16个区，按排名顺序。",
        "None chosen: all 16 districts in ranking order.",
    ),
    "pr_auto": ("自动翻页间隔（秒，0 为关闭）", "Auto-advance every … seconds (0: off)"),
    "pr_auto_on": ("每 {s} 秒自动翻页", "Advancing every {s} s"),
    "pr_summary_title": ("{place}：外籍人员支付便利", "{place}: where foreign visitors can pay"),
    "pr_ranking_title": ("各区排名：{metric}", "Districts ranked by {metric}"),
    "pr_district_title": ("{district}", "{district}"),
    "pr_district_rank": (
        "按{metric}排名：第 {rank} / {total} 位",
        "Rank {rank} of {total} by {metric}",
    ),
    "pr_no_rank": ("无重点场所，不参与排名", "No key locations: not ranked"),
    "pr_events_title": ("重大国际活动：场馆周边支付准备度", "Events: payment readiness at venues"),
    "pr_events_none": ("没有可显示的活动。", "No events to show."),
    "pr_events_caption": (
        "准备度：场馆周边 {r:g} 公里内重点场所的覆盖率。参照日期 {d}。",
        "Readiness: coverage of the key locations within {r:g} km of the venue, on {d}.",
    ),
    "pr_footer": (
        "截至 {date} · 服务标准：{std} · 与上期（{prev}）比较",
        "As of {date} · Standard: {std} · Change since {prev}",
    ),
    "pr_synthetic": (
        "⚠️ 支付服务点为示意数据（合成，非真实调查），共 {n} 个。",
        "⚠️ Payment-service points are synthetic (illustrative, not a survey): {n} points.",
    ),
}
