"""Domain settings a locality may change (loan period, thresholds...): a DB override, else settings.ARCHIVE_SETTINGS.

from core.config import setting
days = setting("LOAN_DEFAULT_DAYS")
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings as django_settings
from django.db.models.signals import post_delete, post_save

_cache: dict[str, Any] = {}
_loaded_at = 0.0

LABELS = {
    "LATE_HANDOVER_DAYS": "材料形成后移交期限（天），超过即标记“逾期移交”",
    "PENDING_FILING_DAYS": "接收后应归档期限（天），超过列入待归档清单",
    "DIRECTORY_BLANK_ROWS": "目录每类预留空行数",
    "SCAN_MIN_DPI": "扫描件最低分辨率（dpi）",
    "SCAN_MAX_BYTES": "单个扫描文件大小上限（字节）",
    "SCAN_MAX_PIXELS": "单个扫描图像像素上限",
    "PROBATIONARY_MEMBERS_COUNT": "预备党员是否视为中共党员（查阅人条件）",
    "PARTY_MEMBER_RULE_IS_WARNING": "查阅人须为党员的规则仅作提醒",
    "LOAN_DEFAULT_DAYS": "借阅默认期限（天）",
    "LOAN_MAX_DAYS": "借阅最长期限（天）",
    "OVERDUE_REMIND_AGAIN_DAYS": "逾期再次提醒（天）",
    "OVERDUE_ESCALATE_DAYS": "逾期报告审批人（天）",
    "VIEW_MAX_DAYS": "现场查阅、数字查阅最长期限（天）",
    "RECEIPT_CHASE_DAYS": "转递回执催问期限（天）",
    "TRANSFER_NOTICE_PREFIX": "转递通知单字号",
    "GRADE_PASS_THRESHOLD": "新任干部档案评分合格线",
    "GRADE_EXCELLENT_THRESHOLD": "新任干部档案评分优秀线",
    "GRADE_SUBMIT_MONTHS": "新任干部任职后报送档案期限（月）",
    "APPRAISAL_START_YEAR": "年度考核表核查起始年份",
    "SWEEP_CHUNK_ARCHIVES": "完整性全量核查每批档案数",
    "FIXITY_BATCH_PAGES": "文件完整性核对每批页数",
    "MIN_WORK_AGE": "参加工作最低年龄",
    "MIN_PARTY_AGE": "入党最低年龄",
    "RESUME_GAP_MONTHS": "简历断档阈值（月）",
    "LRMX_EMPTY_TEXT": "任免表空项填写内容",
    "EDU_MIN_AGE_SECONDARY": "中专毕业最低年龄",
    "EDU_MIN_AGE_COLLEGE": "大学专科（含党校）毕业最低年龄",
    "EDU_MIN_AGE_BACHELOR": "大学本科毕业最低年龄",
    "EDU_MIN_AGE_MASTER": "硕士研究生毕业最低年龄",
    "EDU_MIN_AGE_DOCTOR": "博士研究生毕业最低年龄",
    "FOREIGN_DEGREE_VERIFICATION_YEAR": "国（境）外学历学位须认证的起始年份",
    "REVIEW_GRANT_DAYS": "任前审核阅档授权期限（天）",
    "LRMX_MAX_BYTES": "任免表（LRMX）文件大小上限（字节）",
    "LRMX_PHOTO_MAX_BYTES": "任免表照片大小上限（字节）",
}


def _load() -> None:
    global _loaded_at
    from core.models import SystemSetting

    _cache.clear()
    for key, value in SystemSetting.objects.values_list("key", "value"):
        _cache[key] = value
    _loaded_at = time.monotonic()


def setting(name: str) -> Any:
    defaults = django_settings.ARCHIVE_SETTINGS
    if name not in defaults:
        raise KeyError(f"unknown domain setting {name}")
    if time.monotonic() - _loaded_at > getattr(django_settings, "DOMAIN_SETTINGS_TTL", 15.0):
        try:
            _load()
        except Exception:
            return defaults[name]
    if name in _cache:
        value = _cache[name]
        default = defaults[name]
        # Keep the type of the default (an admin may type "7" for 7).
        if isinstance(default, bool):
            return value in (True, "true", "True", "1", 1)
        if isinstance(default, int | float) and not isinstance(value, bool):
            try:
                return type(default)(value)
            except (TypeError, ValueError):
                return default
        return value
    return defaults[name]


def invalidate(**kwargs) -> None:
    global _loaded_at
    _loaded_at = 0.0


post_save.connect(invalidate, sender="core.SystemSetting", dispatch_uid="core.config.saved")
post_delete.connect(invalidate, sender="core.SystemSetting", dispatch_uid="core.config.deleted")
