"""Strings of the Service standards page: keys ``stdp_<name>``."""

STRINGS = {
    "stdp_intro": (
        "每类重点场所的服务标准：半径（米，直线距离）内须有满足要求的支付服务点。"
        "要求写作“能力|能力 + 能力”：“|”表示任选其一，“+”表示都须满足（可由不同服务点满足）；"
        "“any”表示任何支付服务点均可。权重用于加权覆盖率和选址。",
        "The service standard of each key-location category: a qualifying payment point must "
        "lie within the radius (metres, straight line). Write requirements as "
        "'capability|capability + capability': '|' means any of them, '+' means all clauses "
        "(possibly met by different points); 'any' means any payment point. Weights drive "
        "weighted coverage and siting.",
    ),
    "stdp_custom": (
        "当前使用本工作区保存的标准：{path}",
        "Using the standards saved in the workspace: {path}",
    ),
    "stdp_default": ("当前使用随附的默认标准。", "Using the shipped default standards."),
    "stdp_save": ("保存", "Save"),
    "stdp_reset": ("恢复默认", "Reset to defaults"),
    "stdp_undo": ("撤销上次更改", "Undo the last change"),
    "stdp_saved": ("已保存。", "Saved."),
    "stdp_read_only": (
        "当前账号只能查看服务标准；修改需要市级管理员账号。",
        "This account can view the standards; changing them needs a city admin account.",
    ),
    "stdp_was_reset": ("已恢复默认标准。", "Defaults restored."),
    "stdp_category": ("类别", "Category"),
    "stdp_radius_m": ("半径(米)", "Radius (m)"),
    "stdp_require": ("支付能力要求", "Required capabilities"),
    "stdp_weight": ("权重", "Weight"),
    "stdp_rationale": ("理由", "Rationale"),
    "stdp_codes": ("支付能力代码", "Capability codes"),
    "stdp_code": ("代码", "Code"),
    "stdp_capability": ("支付能力", "Capability"),
    "stdp_city_cov": ("全市覆盖率（当前标准）", "City coverage (standards in effect)"),
    "stdp_invalid": ("未保存：{msg}", "Not saved: {msg}"),
}
