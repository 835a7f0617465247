"""Messages of the rights rules (:mod:`dashboard.core.rights`), the write gateway
(:mod:`loaders.writes`) and the users file (:mod:`loaders.users_store`): keys ``rights_``,
``users_`` and ``audit_``, worded with :class:`dashboard.core.messages.Msg`. The English
texts are what the CLI prints."""

STRINGS = {
    # roles
    "rights_role_viewer": ("查看者", "viewer"),
    "rights_role_editor": ("编辑者", "editor"),
    "rights_role_admin": ("管理员", "administrator"),
    # actions, as the object of "may not …"
    "rights_action_import": ("导入数据", "import data"),
    "rights_action_replace": ("整体替换图层", "replace a whole layer"),
    "rights_action_undo_layer": ("撤销图层的导入", "undo a layer's import"),
    "rights_action_inspect": ("记录核查结果", "record inspections"),
    "rights_action_undo_inspections": ("撤销核查批次", "undo an inspection batch"),
    "rights_action_standards": ("修改服务标准", "change the service standards"),
    "rights_action_targets": ("修改目标", "change the targets"),
    "rights_action_settings": ("修改核查设置", "change the inspection settings"),
    "rights_action_users": ("管理用户", "manage users"),
    "rights_action_boundaries": ("导入边界集", "import a boundary set"),
    "rights_action_undo_boundaries": ("撤销边界集的修改", "undo a boundary set's change"),
    "rights_action_remove_boundaries": ("删除或替换边界集", "remove or replace a boundary set"),
    # refusals
    "rights_denied_viewer": (
        "{actor}（{role}）不能{action}：查看者只能查看，不能修改任何内容",
        "{actor} ({role}) may not {action}: a viewer sees everything and changes nothing",
    ),
    "rights_denied_admin": (
        "{actor}（{role}）不能{action}：只有管理员可以",
        "{actor} ({role}) may not {action}: only an administrator may",
    ),
    "rights_denied_districts": (
        "{actor}（{role}）不能在 {districts} 区{action}：编辑者只能处理本人负责的区（{own}）",
        "{actor} ({role}) may not {action} in district(s) {districts}: an editor works "
        "only in their own districts ({own})",
    ),
    "rights_denied_not_own": (
        "{actor}（{role}）不能{action}：当前版本由 {creator} 创建，编辑者只能撤销自己的修改",
        "{actor} ({role}) may not {action}: the version in effect was made by {creator}, "
        "and an editor undoes only their own changes",
    ),
    "rights_unknown_creator": ("未记录的用户", "someone not on record"),
    "rights_denied_rows": (
        "{actor}（{role}）只能导入本人负责的区（{own}）的数据；{n} 行位于其他区（{districts}），"
        "未写入任何内容：{rows}",
        "{actor} ({role}) may import only rows of their own districts ({own}); {n} row(s) "
        "lie in other districts ({districts}), nothing was written: {rows}",
    ),
    "rights_denied_districts_row": (
        "区 {district} 不是本人负责的区",
        "district {district} is not one of the editor's districts",
    ),
    "rights_where": ("{file} 第 {row} 行，“{column}”列", "{file}, row {row}, column '{column}'"),
    "rights_join": ("{a}；{b}", "{a}; {b}"),
    "rights_more": ("{a}；另有 {n} 行", "{a}; and {n} more"),
    "rights_none": ("无", "none"),
    # the users file
    "users_bad_name": (
        "用户名 {name} 无效：只能包含字母、数字和 . _ - @，最多 64 个字符",
        "user name {name} is not valid: letters, digits and . _ - @ only, at most 64 characters",
    ),
    "users_bad_role": (
        "角色 {role} 无效（可选：viewer、editor、admin）",
        "role {role} is not valid (viewer, editor or admin)",
    ),
    "users_bad_district": (
        "{district} 不是北京16个区的行政区划代码之一",
        "{district} is not the adcode of one of Beijing's 16 districts",
    ),
    "users_editor_districts": (
        "编辑者至少需要一个区（--district 行政区划代码）",
        "an editor needs at least one district (--district ADCODE)",
    ),
    "users_short_password": (
        "密码太短：至少需要 {n} 个字符",
        "the password is too short: at least {n} characters",
    ),
    "users_long_password": (
        "密码太长：最多 {n} 个字符",
        "the password is too long: at most {n} characters",
    ),
    "users_exists": ("用户 {name} 已存在", "user {name} exists already"),
    "users_unknown": ("没有用户 {name}", "there is no user {name}"),
    "users_nothing_to_undo": (
        "无可撤销：用户文件 {file} 从未修改",
        "nothing to undo: the users file {file} was never changed",
    ),
    "users_bad_file": (
        "用户文件 {file} 无法读取（{error}）；可用 'exchange-atlas users undo' 恢复上一版本",
        "the users file {file} cannot be read ({error}); "
        "'exchange-atlas users undo' restores the previous version",
    ),
    "users_locked": (
        "用户 {name} 登录失败次数过多，已暂停登录；请在 {minutes} 分钟后再试",
        "too many failed sign-ins for {name}: sign-in is paused, try again in {minutes} minute(s)",
    ),
}
