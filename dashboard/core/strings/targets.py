"""Messages of the targets' checks (:mod:`dashboard.core.targets`) and of the target editor
on the Progress page: keys ``tg_<name>``. The English texts are what the CLI prints."""

STRINGS = {
    # checks (dashboard.core.targets): worded with Msg, shown by the CLI and the page
    "tg_not_a_date": (
        "里程碑日期 {due} 不是日期（应为 YYYY-MM-DD）",
        "milestone date {due} is not a date (YYYY-MM-DD)",
    ),
    "tg_not_a_percent": (
        "里程碑 {due}：{percent} 不是百分比",
        "milestone {due}: {percent} is not a percentage",
    ),
    "tg_percent_range": (
        "里程碑 {due}：{percent} % 超出 (0, 100] 范围",
        "milestone {due}: {percent} % is outside (0, 100]",
    ),
    "tg_not_rising": (
        "里程碑 {due} 不晚于前一个里程碑（{previous}）",
        "milestone {due} is not after the previous one ({previous})",
    ),
    "tg_falling": (
        "里程碑 {due}：{percent} % 低于前一个里程碑的 {previous} %",
        "milestone {due}: {percent} % is below the earlier milestone's {previous} %",
    ),
    "tg_no_milestone": (
        "目标至少需要一个里程碑（日期=百分比）",
        "a target needs at least one milestone (DATE=PERCENT)",
    ),
    "tg_pair": (
        "{item}：应为 日期=百分比（如 2026-12-31=80）",
        "{item}: expected DATE=PERCENT (e.g. 2026-12-31=80)",
    ),
    "tg_before_data": (
        "{due}：早于数据起始日期 {first}",
        "{due}: before the data, which starts on {first}",
    ),
    "tg_unknown_district": (
        "未知的区 {district}；应为 {city}（全市）或区划代码 {first}…{last}",
        "unknown district {district}; expected {city} (the city) or an adcode {first}…{last}",
    ),
    "tg_unknown_metric": (
        "未知的指标 {metric}；应为 {known} 之一",
        "unknown metric {metric}; expected one of {known}",
    ),
    "tg_unknown_sector": (
        "未知的行业 {sector}；应为 {known} 之一",
        "unknown sector {sector}; expected one of {known}",
    ),
    "tg_no_such_target": (
        "{district} 没有{metric}目标（行业：{sector}）",
        "no {metric} target for {district}, sector {sector}",
    ),
    # the editor on the Progress page
    "tg_edit": ("编辑目标", "Edit targets"),
    "tg_edit_intro": (
        "为全市或某区设置目标（可按行业）：每行一个里程碑“日期=百分比”，如 2026-12-31=80。"
        "每次保存都是工作区中的一个新版本，可撤销；"
        "与 exchange-atlas targets set 使用同一存储和同一套校验。",
        "Set a target for the city or a district (optionally one sector): one milestone per "
        "line as DATE=PERCENT, e.g. 2026-12-31=80. Every save is a new version in the "
        "workspace and can be undone; the same store and checks as 'exchange-atlas targets set'.",
    ),
    "tg_scope": ("范围", "Scope"),
    "tg_metric": ("指标", "Metric"),
    "tg_sector": ("行业", "Sector"),
    "tg_milestones": ("里程碑（每行 日期=百分比）", "Milestones (one DATE=PERCENT a line)"),
    "tg_note": ("备注（由谁设定、依据的决定）", "Note (who set it, the decision it comes from)"),
    "tg_save": ("保存目标", "Save target"),
    "tg_remove": ("删除此目标", "Remove this target"),
    "tg_undo": ("撤销上一次更改", "Undo the last change"),
    "tg_reset": ("恢复示例目标", "Restore the example targets"),
    "tg_saved": ("已保存（版本 {version}）。", "Saved (version {version})."),
    "tg_removed": ("已删除（版本 {version}）。", "Removed (version {version})."),
    "tg_undone": ("已撤销：现用 {version}。", "Undone: {version} is in effect."),
    "tg_undone_shipped": ("已撤销：现用示例目标。", "Undone: the example targets apply."),
    "tg_was_reset": ("已恢复示例目标（可撤销）。", "The example targets apply again (undoable)."),
    "tg_not_saved": ("未保存：{msg}", "Not saved: {msg}"),
    "tg_is_example": (
        "此范围当前是示例目标（非正式决定）；保存后成为本工作区的目标。",
        "This scope has an example target (not an official decision); saving makes it the "
        "workspace's own.",
    ),
    "tg_history": ("目标版本历史", "Target versions"),
    "tg_never_changed": (
        "尚未更改（使用随附的示例目标）。",
        "Never changed (the shipped example targets apply).",
    ),
    "tg_col_version": ("版本", "Version"),
    "tg_col_created": ("时间 (UTC)", "Created (UTC)"),
    "tg_col_action": ("操作", "Action"),
    "tg_col_source": ("来源", "Source"),
    "tg_col_current": ("当前", "In effect"),
}
