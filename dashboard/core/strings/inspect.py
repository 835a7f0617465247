"""Texts of the Inspect page (``ip_``), the Work list page (``wl_``), the Audit page
(``au_``) and sign-in (``si_``)."""

STRINGS = {
    "page_inspect": ("实地检查", "Inspect"),
    "page_worklist": ("待检清单", "Work list"),
    "page_audit": ("操作日志", "Audit log"),
    # Inspect page
    "ip_title": ("实地检查", "Field inspection"),
    "ip_caption": (
        "找到场所，逐项试用（外卡、钱包、现金找零、兑换、英语协助），记录结果。"
        "有效期内通过的检查使该点位计入“已核验”覆盖。",
        "Find the place, try each check (foreign card, wallet, cash and change, exchange, "
        "help in English) and record the results. A check passed within the validity period "
        "makes the point count in verified coverage.",
    ),
    "ip_find": ("1 查找场所", "1 Find the place"),
    "ip_kind": ("场所类型", "Kind of place"),
    "ip_search": ("按名称或编号搜索", "Search by name or id"),
    "ip_pick": ("场所", "Place"),
    "ip_near_me": ("📍 附近", "📍 Near me"),
    "ip_locating": ("正在定位…", "Locating…"),
    "ip_locate_refused": (
        "未能获取位置（未允许或无信号）",
        "No position (not allowed, or no signal)",
    ),
    "ip_locate_unavailable": ("此浏览器不能定位", "This browser cannot locate"),
    "ip_near": (
        "按与您所在位置的距离排序（定位精度约 {acc} 米）。",
        "Nearest to where you are first (position accurate to about {acc} m).",
    ),
    "ip_none_found": ("没有找到匹配的场所。", "No place matches."),
    "ip_map_hint": (
        "也可在地图上点击点位。颜色：绿=已核验，红=未通过，橙=已过期，灰=从未检查。",
        "Or tap a point on the map. Green: verified, red: failed, orange: expired, "
        "grey: never inspected.",
    ),
    "ip_selected": ("已选：{name}（{id}）", "Selected: {name} ({id})"),
    "ip_status": ("当前状态：{status}", "Status now: {status}"),
    "ip_last": ("最近一次检查：{when}，{who}", "Last inspected {when} by {who}"),
    "ip_form": ("2 记录检查结果", "2 Record the visit"),
    "ip_date": ("日期", "Date"),
    "ip_time": ("时间", "Time"),
    "ip_inspector": ("检查人", "Inspector"),
    "ip_notes": ("备注", "Notes"),
    "ip_photo": ("照片（可选）", "Photo (optional)"),
    "ip_photo_help": (
        "保存前重新编码并去除位置与相机信息；照片中的GPS位置可用于新点位。",
        "Re-encoded before it is kept, without location or camera data; a GPS position "
        "in the photo can place a new point.",
    ),
    "ip_new_name": ("新点位名称", "Name of the new point"),
    "ip_lon": ("经度（WGS-84）", "Longitude (WGS-84)"),
    "ip_lat": ("纬度（WGS-84）", "Latitude (WGS-84)"),
    "ip_submit": ("保存检查记录", "Save the inspection"),
    "ip_saved": (
        "已保存：{name}，第 {n} 批记录。当前状态：{status}。",
        "Saved: {name}, batch {n}. Status now: {status}.",
    ),
    "ip_pick_first": ("请先选择场所。", "Choose a place first."),
    "ip_refused": ("未保存：{reason}", "Not saved: {reason}"),
    "ip_viewer": (
        "当前账号只能查看，不能记录检查。",
        "This account can view but not record inspections.",
    ),
    "ip_recent": ("最近的检查", "Recent inspections"),
    "ip_sheet": ("导入检查记录表（CSV / Excel）", "Import a sheet of inspections (CSV / Excel)"),
    "ip_sheet_help": (
        "中英文表头均可（场所编号、检查时间、检查人、外卡、境外钱包、现金……）；"
        "任何一行有错误时不导入任何记录。",
        "Chinese or English headers (place_id, inspected_at, inspector, foreign_card, "
        "foreign_wallet, cash …); if any row has an error, nothing is stored.",
    ),
    "ip_sheet_refused": (
        "{n} 行有错误：未导入任何记录。请改正后重新上传。",
        "{n} row(s) with an error: nothing was stored. Correct them and upload again.",
    ),
    "ip_sheet_store": ("导入这 {n} 条检查记录", "Store these {n} inspections"),
    "ip_sheet_stored": ("已导入 {n} 条（第 {b} 批）。", "Stored {n} inspections (batch {b})."),
    "ip_undo": ("撤销最近一批检查", "Undo the latest batch"),
    "ip_undone": ("已撤销。", "Undone."),
    "ip_col_when": ("时间", "When"),
    "ip_col_place": ("场所", "Place"),
    "ip_col_inspector": ("检查人", "Inspector"),
    "ip_col_results": ("结果", "Results"),
    "ip_col_district": ("区", "District"),
    # Work list page
    "wl_title": ("待检清单", "Work list"),
    "wl_caption": (
        "需要实地检查的场所：从未检查、核验过期、最近一次未通过、重点场所新近失去覆盖。"
        "按权重与服务标准排序；记录一次检查即关闭该项。",
        "Places due for a visit: never inspected, verification expired, failed the latest "
        "check, a key location newly uncovered. Ordered by weight and standard; recording a "
        "visit closes the item.",
    ),
    "wl_since": ("“新近失去覆盖”对比日期", "“Newly uncovered” compared with"),
    "wl_count": ("{n} 项待检（{district}）", "{n} items due ({district})"),
    "wl_empty": ("没有待检项目。", "Nothing is due."),
    "wl_reason": ("原因", "Reason"),
    "wl_weight": ("权重", "Weight"),
    "wl_kind": ("类型", "Kind"),
    "wl_due_since": ("到期自", "Due since"),
    "wl_last": ("最近检查", "Last inspected"),
    "wl_name": ("名称", "Name"),
    "wl_category": ("类别", "Category"),
    "wl_district": ("区", "District"),
    "wl_csv": ("下载 CSV", "Download CSV"),
    "wl_xlsx": ("下载 Excel", "Download Excel"),
    "wl_visit": ("记录检查：", "Record a visit:"),
    "wl_go": ("去检查", "Inspect"),
    "wl_validity": ("核验有效期：{days} 天", "Validity of a check: {days} days"),
    "wl_shown": ("地图显示前 {n} 项", "The map shows the first {n} items"),
    "wl_items": ("待检项目", "items due"),
    "wl_map_colours": ("地图颜色：待检原因", "Colours on the map: why each item is due"),
    "ip_map_status": ("核验状态", "Check status"),
    # Audit page
    "au_title": ("操作日志", "Audit log"),
    "au_caption": (
        "每一次写入：导入、撤销、服务标准、目标、检查记录、用户变更——谁、何时、做了什么、生成的版本。",
        "Every write — import, undo, standards, targets, an inspection, a user change: who, "
        "when, what, and the version it created.",
    ),
    "au_admin_only": (
        "只有市级管理员可以查看操作日志。",
        "Only a city admin can see the audit log.",
    ),
    "au_filter_actor": ("操作人", "Actor"),
    "au_filter_action": ("操作", "Action"),
    "au_none": ("暂无记录。", "No entries yet."),
    "au_count": ("共 {n} 条", "{n} entries"),
    "au_time": ("时间（UTC）", "Time (UTC)"),
    "au_actor": ("操作人", "Actor"),
    "au_role": ("角色", "Role"),
    "au_via": ("途径", "Via"),
    "au_action": ("操作", "Action"),
    "au_target": ("对象", "Target"),
    "au_version": ("版本", "Version"),
    "au_detail": ("说明", "Detail"),
    "au_csv": ("下载 CSV", "Download CSV"),
    # sign-in
    "si_title": ("登录", "Sign in"),
    "si_caption": (
        "本部署已开启登录。请使用管理员为您创建的账号。",
        "Sign-in is on for this deployment. Use the account your administrator created.",
    ),
    "si_name": ("用户名", "User name"),
    "si_password": ("密码", "Password"),
    "si_submit": ("登录", "Sign in"),
    "si_failed": ("用户名或密码不正确。", "Wrong user name or password."),
    "si_locked": (
        "登录失败次数过多，请 {minutes} 分钟后再试。",
        "Too many failed sign-ins: try again in {minutes} minutes.",
    ),
    "si_oidc": ("使用单位账号登录", "Sign in with your organisation's account"),
    "si_oidc_missing": (
        "已选择单位账号登录，但未配置身份提供方（.streamlit/secrets.toml 的 [auth]）。",
        "Sign-in with an identity provider is chosen, but none is configured "
        "([auth] in .streamlit/secrets.toml).",
    ),
    "si_as": ("已登录：{name}（{role}）", "Signed in: {name} ({role})"),
    "si_districts": ("负责区：{names}", "Districts: {names}"),
    "si_out": ("退出登录", "Sign out"),
    "si_local": ("本机使用，无需登录（管理员权限）", "On this machine, no sign-in (admin rights)"),
    "role_viewer": ("查看者", "viewer"),
    "role_editor": ("区级编辑", "district editor"),
    "role_admin": ("市级管理员", "city admin"),
}
