"""Strings of the Progress page: keys ``pg_<name>``."""

STRINGS = {
    "page_progress": ("进展与目标", "Progress"),
    "pg_title": ("支付便利进展与目标", "Progress against targets"),
    "pg_caption": (
        "按月覆盖率：每月末（最后一点为截至日期）在当前服务标准下的覆盖情况。",
        "Coverage month by month: at the end of each month (the last point is the as-of "
        "date), under the service standard in force.",
    ),
    "pg_examples": (
        "示例目标（非正式决定）：请在本页“编辑目标”中或通过 exchange-atlas targets set "
        "设置本地目标。",
        "Example targets, not an official decision: set your own under 'Edit targets' on "
        "this page or with 'exchange-atlas targets set'.",
    ),
    "pg_trend": ("{place}覆盖率趋势", "Coverage trend: {place}"),
    "pg_status": ("目标达成状态", "Target status"),
    "pg_status_none": ("尚未设置目标。", "No targets are set."),
    "pg_districts": ("各区趋势", "The 16 districts"),
    "pg_improved": ("进步最快（近6个月）", "Most improved (last 6 months)"),
    "pg_behind": ("差距最大", "Furthest behind"),
    "pg_method": (
        "状态判定：取最近6个月数值的最小二乘趋势，外推至下一个目标日期；"
        "区间为趋势斜率95%置信区间（各月并不独立，仅作粗略参考）。"
        "已达成：当前值已达标；按期：外推值达标；有风险：仅区间上限达标；滞后：区间上限仍未达标，或目标日期已过未达标。",
        "Status: the least-squares trend of the last 6 monthly values, projected to the next "
        "milestone's date; the range is the slope's 95 % interval (the months are not "
        "independent: read it as a rough band). Achieved: the value meets the milestone; on "
        "track: the projection does; at risk: only the top of the range does; off track: not "
        "even that, or the date has passed unmet.",
    ),
    "pg_col_district": ("区", "District"),
    "pg_col_metric": ("指标", "Metric"),
    "pg_col_sector": ("行业", "Sector"),
    "pg_col_value": ("当前", "Now"),
    "pg_col_target": ("目标", "Target"),
    "pg_col_due": ("目标日期", "Due"),
    "pg_col_projected": ("外推", "Projected"),
    "pg_col_range": ("区间", "Range"),
    "pg_col_status": ("状态", "Status"),
    "pg_col_change": ("变化", "Change"),
    "pg_col_example": ("示例", "Example"),
    "pg_all_sectors": ("全部", "All"),
    "pg_status_achieved": ("已达成", "Achieved"),
    "pg_status_on_track": ("按期", "On track"),
    "pg_status_at_risk": ("有风险", "At risk"),
    "pg_status_off_track": ("滞后", "Off track"),
    "pg_metric_coverage": ("覆盖率", "Coverage"),
    "pg_metric_weighted_coverage": ("加权覆盖率", "Weighted coverage"),
    "pg_axis_coverage": ("覆盖率", "Coverage"),
    "pg_axis_month": ("月份", "Month"),
    "pg_target_label": ("目标", "Target"),
    "pg_line": (
        "目标：{due}前{metric}达到{target}；当前{value}，按近期趋势外推{projected}——{status}。",
        "Target: {metric} {target} by {due}; now {value}, {projected} on the recent trend — "
        "{status}.",
    ),
    "pg_line_example": ("（示例目标）", "(example target)"),
    "pg_no_target": (
        "未设置目标（exchange-atlas targets set）。",
        "No target is set (exchange-atlas targets set).",
    ),
    "pg_trend_here": ("覆盖率趋势与目标", "Coverage trend and target"),
    "pg_col_category": ("类别", "Category"),
    "pg_axis_uncovered": ("未覆盖场所数", "Uncovered places"),
    "pg_choose_metric": ("指标", "Metric"),
    "pg_choose_sector": ("行业", "Sector"),
    "pg_gaps": ("各行业缺口变化", "Gaps by sector over time"),
    "pg_gaps_by": ("分组", "Group by"),
    "pg_gaps_by_sector": ("按行业", "Sector"),
    "pg_gaps_by_category": ("按场所类别", "Key-location category"),
    "pg_gaps_caption": (
        "每月末{place}尚未覆盖的重点场所数（悬停查看该组覆盖率）；与趋势线同一套按月计算。",
        "Key locations in {place} not yet covered at the end of each month (hover for the "
        "group's coverage); the same monthly computation as the trend.",
    ),
}
