"""Messages of the inspection store and its imports (:mod:`loaders.photos`,
:mod:`loaders.inspections_store`, :mod:`loaders.inspection_import`, the ``inspect``
command): keys ``photo_<name>`` and ``insp_<name>``, worded with
:class:`dashboard.core.messages.Msg`. ``{value}`` is the cell's value."""

STRINGS = {
    # photos (loaders.photos)
    "photo_too_large": (
        "照片 {name} 有 {size} MB，超过 {limit} MB 的上限；请先缩小再上传",
        "photo {name} is {size} MB, over the {limit} MB limit; make it smaller first",
    ),
    "photo_not_image": (
        "{name} 不是可读取的图片（支持 {formats}）",
        "{name} is not an image this app reads ({formats})",
    ),
    "photo_damaged": (
        "照片 {name} 无法解码（文件不完整或已损坏）",
        "photo {name} cannot be decoded (the file is truncated or damaged)",
    ),
    "photo_too_many_pixels": (
        "照片 {name} 有 {width} × {height} 像素，超过 {limit} 百万像素的上限（可能是解压炸弹）",
        "photo {name} has {width} × {height} pixels, over the {limit} megapixel limit "
        "(possibly a decompression bomb)",
    ),
    "photo_empty": ("照片 {name} 是空文件", "photo {name} is empty"),
    # problems of one inspection row (loaders.inspections_store.prepare_inspections)
    "insp_unknown_place": (
        "没有编号为 {value} 的{kind}",
        "no {kind} has the id {value}",
    ),
    "insp_unknown_place_any": (
        "没有编号为 {value} 的支付服务点或重点场所",
        "no payment point or key location has the id {value}",
    ),
    "insp_kind_payment": ("支付服务点", "payment point"),
    "insp_kind_key_location": ("重点场所", "key location"),
    "insp_kind_new": ("新发现点位", "new point"),
    "insp_unknown_new": (
        "没有以前记录过的新点位 {value}；新点位请留空编号并填写经纬度",
        "no new point {value} was recorded before; for a new point leave the id empty "
        "and give its longitude and latitude",
    ),
    "insp_no_place": (
        "缺少场所编号（新发现的点位请把类型设为 new 并填写经纬度）",
        "no place id (for a point found in the field set the kind to new and give "
        "its longitude and latitude)",
    ),
    "insp_bad_kind": (
        "类型 {value} 不是 payment、key_location 或 new 之一",
        "kind {value} is not one of payment, key_location, new",
    ),
    "insp_no_time": ("缺少检查时间", "no inspection time"),
    "insp_bad_time": (
        "不是日期时间：{value}（应为 YYYY-MM-DD HH:MM）",
        "not a date and time: {value} (use YYYY-MM-DD HH:MM)",
    ),
    "insp_future": (
        "检查时间 {value} 晚于当前时间 {now}",
        "inspection time {value} is later than now ({now})",
    ),
    "insp_bad_result": (
        "结果 {value} 无法识别；可用：accepted（通过）、refused（拒绝）、"
        "out_of_order（故障），或留空表示未检查",
        "result {value} is not recognised; use accepted, refused, out_of_order "
        "(通过/拒绝/故障), or leave it empty when not tried",
    ),
    "insp_no_checks": (
        "这一行没有任何检查结果（{columns} 均为空）",
        "the row has no check result ({columns} all empty)",
    ),
    "insp_no_inspector": ("缺少检查人", "no inspector"),
    "insp_new_no_coord": (
        "新点位缺少经纬度",
        "a new point needs its longitude and latitude",
    ),
    "insp_new_outside": (
        "新点位 {value} 位于北京16个区以外",
        "new point {value} lies outside Beijing's 16 districts",
    ),
    "insp_new_no_name": (
        "新点位没有名称",
        "a new point has no name",
    ),
    "insp_bad_photo": (
        "照片 {value} 不是已保存的照片（photos/….jpg）；已忽略",
        "photo {value} is not a stored photo (photos/….jpg); left out",
    ),
    "insp_control": ("已删除控制字符", "control characters removed"),
    "insp_too_long": (
        "文字超过 {limit} 个字符，已截断",
        "text longer than {limit} characters; cut",
    ),
    # inspection settings (loaders.inspections_store)
    "insp_bad_validity": (
        "有效天数 {value} 不是 1 到 3650 之间的整数",
        "validity {value} is not a whole number of days from 1 to 3650",
    ),
    "insp_bad_settings": (
        "检查设置无效：{detail}",
        "the inspection settings are not valid: {detail}",
    ),
    "insp_nothing_to_undo": (
        "没有可撤销的检查记录",
        "no inspection batch to undo",
    ),
    "insp_too_many": (
        "一个检查批次最多 {limit} 行（此次 {rows} 行）；请拆分文件",
        "one inspection batch holds at most {limit} rows ({rows} here); split the file",
    ),
    "insp_no_rows": ("没有可保存的检查记录", "no inspection rows to store"),
    "insp_missing_columns": (
        "检查记录缺少列：{columns}",
        "the inspection rows lack the columns {columns}",
    ),
    # the import of an inspection sheet (loaders.inspection_import)
    "insp_no_place_column": (
        "{file} 没有场所编号列（场所编号/点位编号/place_id），也没有新点位的经纬度列；"
        "找到的列：{columns}",
        "{file} has no place id column (place_id/场所编号/点位编号) and no longitude and "
        "latitude of new points; its columns are {columns}",
    ),
    "insp_no_time_column": (
        "{file} 没有检查时间列（检查时间/核查时间/inspected_at）；找到的列：{columns}",
        "{file} has no inspection time column (inspected_at/检查时间/核查时间); its "
        "columns are {columns}",
    ),
    "insp_summary": (
        "读取 {read} 行，可保存 {kept} 行，有错误 {errors} 行",
        "{read} rows read, {kept} ready to store, {errors} with errors",
    ),
    "insp_all_or_nothing": (
        "{file} 有 {errors} 行错误：未写入任何记录；请更正后重新导入",
        "{file} has {errors} row(s) with errors: nothing was stored; correct them and import again",
    ),
    "insp_stored": (
        "已保存检查批次 {number}：{rows} 条记录",
        "stored inspection batch {number}: {rows} record(s)",
    ),
    "insp_undone": (
        "已撤销；现在生效的是检查批次 {number}",
        "undone; inspection batch {number} is now in effect",
    ),
    "insp_undone_all": (
        "已撤销；现在没有生效的检查记录",
        "undone; no inspection batch is in effect now",
    ),
    "insp_crs_used": (
        "新点位的坐标按 {system} 处理（{confidence}）",
        "coordinates of new points read as {system} ({confidence})",
    ),
    "insp_unknown_column": (
        "无法映射字段 {field}：可用字段为 {fields}",
        "cannot map unknown field {field}; fields are {fields}",
    ),
    "insp_missing_mapped": (
        "--map {field}={column}：文件中没有列 {column}；文件的列：{columns}",
        "--map {field}={column}: the file has no column {column}; its columns are {columns}",
    ),
    # what `exchange-atlas inspect` prints
    "insp_cli_added": (
        "检查记录 {id}：{kind} {place}（区 {adcode}），{when}",
        "inspection {id}: {kind} {place} (district {adcode}), {when}",
    ),
    "insp_cli_photo_gps": (
        "新点位的位置取自照片的 GPS：{lon}, {lat}",
        "the new point's position is the photo's GPS: {lon}, {lat}",
    ),
    "insp_cli_lon_lat": (
        "--lon 和 --lat 须同时给出",
        "--lon and --lat go together: give both",
    ),
    "insp_cli_add_crs": (
        "--crs {crs}：此处只接受 wgs84、cgcs2000、gcj02 或 bd09",
        "--crs {crs}: use wgs84, cgcs2000, gcj02 or bd09 here",
    ),
    "insp_cli_settings": (
        "通过的检查在 {days} 天内有效",
        "an accepted check stays valid for {days} days",
    ),
    "insp_cli_saved": ("已保存为版本 {version}", "saved as version {version}"),
}
