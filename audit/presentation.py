"""Showing an audit event's details to a person: Chinese names for the usual keys, readable values."""

from __future__ import annotations

import datetime

from django.utils import timezone

from audit import actions

KEY_LABELS = {
    "action": "操作",
    "reason": "原因",
    "path": "访问路径",
    "before": "变更前",
    "after": "变更后",
    "roles": "角色",
    "via": "方式",
    "locked": "已锁定",
    "filter": "筛选条件",
    "format": "格式",
    "up_to_event": "截至事件ID",
    "checked": "校验环节数",
    "broken": "断裂位置",
    "unsealed": "未封存事件数",
    "sealed_now": "本次封存",
    "anchor": "锚点",
    "grant_id": "授权编号",
    "user": "被授权人账号",
    "user_name": "被授权人",
    "permission": "权限代码",
    "permission_label": "权限",
    "valid_from": "生效时间",
    "valid_until": "失效时间",
    "scope_all": "全部材料",
    "categories": "授权类别",
    "materials": "授权材料",
    "access_request": "查借阅申请",
    "granted_by": "授权人",
    "withdraw_reason": "收回原因",
    "count": "数量",
    "grants": "授权",
    "table": "数据表",
    "material_id": "材料ID",
    "page": "页码",
    "code": "规则代码",
    "message": "说明",
    "review_case": "任前审核事项",
    "start": "开始时间",
    "end": "结束时间",
    "actor": "操作人",
    "role": "角色",
    "unit": "单位",
    "archive_no": "档号",
    "outcome": "结果",
    "ip": "IP地址",
    "seq": "环节序号",
    "event_id": "事件ID",
    "q": "检索词",
    "results": "结果数",
    "filters": "筛选",
    "pages": "页数",
    "api": "接口",
    "demo": "演示数据",
}
ACTION_VALUES = {"view_directory": "查看目录", "view_content": "查阅内容", "manage": "管理"}
REASON_VALUES = {
    "archive not visible": "无权访问该档案",
    "page not visible": "无权查看该页",
    "material not visible": "无权查看该材料",
    "locked": "账号已锁定",
}


def _value(key: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        if key == "action":
            return ACTION_VALUES.get(value, actions.LABELS.get(value, value))
        if key == "reason":
            return REASON_VALUES.get(value, value)
        if len(value) >= 19 and value[4] == "-" and value[10] == "T":
            try:
                moment = datetime.datetime.fromisoformat(value)
            except ValueError:
                return value
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return moment.strftime("%Y-%m-%d %H:%M")
        return value
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            return "；".join(_inline(v) for v in value[:10]) + (
                f"……（共 {len(value)} 项）" if len(value) > 10 else ""
            )
        return "、".join(_value(key, v) for v in value) or "—"
    if isinstance(value, dict):
        return _inline(value)
    return str(value)


def _inline(data: dict) -> str:
    return "，".join(f"{KEY_LABELS.get(k, k)} {_value(k, v)}" for k, v in data.items())


def detail_lines(details, *, limit: int | None = None) -> list[tuple[str, str]]:
    """[(label, text)] for an event's details, in a stable order; `limit` keeps the first few for tables."""
    if not isinstance(details, dict) or not details:
        return []
    lines = [(KEY_LABELS.get(key, key), _value(key, value)) for key, value in details.items()]
    if limit is not None and len(lines) > limit:
        lines = [*lines[:limit], ("…", f"另有 {len(lines) - limit} 项")]
    return lines
