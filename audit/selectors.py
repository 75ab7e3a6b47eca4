"""Reads of the audit log for the auditor's page, the API and the exports.

`AuditFilter.from_params(params)` turns query parameters into a validated filter (DomainError with a Chinese
message on bad input); `events(filter)` is the filtered queryset; `keyset_page()` pages it on (created_at, id)
descending without OFFSET, so page 5,000 costs what page 1 does.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import itertools
from dataclasses import asdict, dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from accounts.models import Unit
from accounts.roles import ALL_ROLES
from audit import actions
from audit.models import AuditEvent, Outcome
from core.errors import DomainError

FILTER_INVALID = "FILTER_INVALID"
CURSOR_INVALID = "CURSOR_INVALID"
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def _parse_moment(text: str, field: str, *, end: bool) -> datetime.datetime | None:
    """'2026-11-24' (a whole day) or '2026-11-24T09:30' / '2026-11-24 09:30:00' (local time)."""
    text = (text or "").strip()
    if not text:
        return None
    moment = parse_datetime(text.replace(" ", "T")) if ("T" in text or " " in text) else None
    if moment is None:
        day = parse_date(text) if "T" not in text and " " not in text else None
        if day is None:
            label = "结束时间" if end else "开始时间"
            raise DomainError(FILTER_INVALID, f"{label}格式不正确，应为“年-月-日”或“年-月-日 时:分”。", field)
        moment = datetime.datetime.combine(day + datetime.timedelta(days=1) if end else day, datetime.time())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


@dataclass(frozen=True)
class AuditFilter:
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None  # exclusive
    actor: str = ""
    role: str = ""
    action: str = ""
    unit: int | None = None
    archive_no: str = ""
    outcome: str = ""
    ip: str = ""

    @classmethod
    def from_params(cls, params) -> AuditFilter:
        start = _parse_moment(params.get("start", ""), "start", end=False)
        end = _parse_moment(params.get("end", ""), "end", end=True)
        if start and end and end <= start:
            raise DomainError(FILTER_INVALID, "结束时间必须晚于开始时间。", "end")
        role = (params.get("role") or "").strip()
        if role and role not in ALL_ROLES:
            raise DomainError(FILTER_INVALID, f"不存在的角色：{role}。", "role")
        outcome = (params.get("outcome") or "").strip()
        if outcome and outcome not in Outcome.values:
            raise DomainError(FILTER_INVALID, "结果只能是成功、拒绝或失败。", "outcome")
        unit_text = (params.get("unit") or "").strip()
        if unit_text and not unit_text.isdecimal():
            raise DomainError(FILTER_INVALID, "单位参数无效。", "unit")
        action = (params.get("action") or "").strip()[:64]
        return cls(
            start=start,
            end=end,
            actor=(params.get("actor") or "").strip()[:150],
            role=role,
            action=action,
            unit=int(unit_text) if unit_text else None,
            archive_no=(params.get("archive_no") or "").strip()[:40],
            outcome=outcome,
            ip=(params.get("ip") or "").strip()[:45],
        )

    @property
    def is_empty(self) -> bool:
        return self == AuditFilter()

    def as_details(self) -> dict:
        """The filter as the audit log records it (for audit.search and audit.export)."""
        data = {k: v for k, v in asdict(self).items() if v not in (None, "")}
        for key in ("start", "end"):
            if key in data:
                data[key] = timezone.localtime(data[key]).strftime("%Y-%m-%d %H:%M")
        return data

    def describe(self) -> str:
        """Readable summary of the filter in Chinese (for the page and the export header)."""
        parts = []
        if self.start:
            parts.append(f"自 {timezone.localtime(self.start):%Y-%m-%d %H:%M}")
        if self.end:
            parts.append(f"至 {timezone.localtime(self.end):%Y-%m-%d %H:%M} 前")
        if self.actor:
            parts.append(f"操作人 {self.actor}")
        if self.role:
            parts.append(f"角色 {self.role}")
        if self.action:
            if self.action.endswith("*"):
                prefix = self.action[:-1].rstrip(".")
                parts.append(f"操作 {GROUP_NAMES.get(prefix, prefix)}（全部）")
            else:
                parts.append(f"操作 {actions.label(self.action)}")
        if self.unit:
            unit = Unit.objects.filter(pk=self.unit).first()
            parts.append(f"单位 {unit.name if unit else self.unit}")
        if self.archive_no:
            parts.append(f"档号 {self.archive_no}")
        if self.outcome:
            parts.append(f"结果 {Outcome(self.outcome).label}")
        if self.ip:
            parts.append(f"IP {self.ip}")
        return "，".join(parts) or "全部"


def role_sets_with(role: str) -> list[str]:
    """Every value actor_roles can take (sorted role names joined by commas, as audit.services.record writes
    them) that includes `role`: an IN list on an indexed column instead of a substring scan."""
    others = [r for r in ALL_ROLES if r != role]
    values = []
    for n in range(len(others) + 1):
        for combo in itertools.combinations(others, n):
            values.append(",".join(sorted((role, *combo)))[:100])
    return values


def events(f: AuditFilter) -> QuerySet:
    """The audit events matching the filter, newest first. Every condition lands on an indexed column or is
    combined with one (time range, actor, action, unit, archive)."""
    from archives.models import Archive

    qs = AuditEvent.objects.all()
    if f.start:
        qs = qs.filter(created_at__gte=f.start)
    if f.end:
        qs = qs.filter(created_at__lt=f.end)
    if f.actor:
        qs = qs.filter(Q(actor_username=f.actor) | Q(actor_name=f.actor))
    if f.role:
        qs = qs.filter(actor_roles__in=role_sets_with(f.role))
    if f.action:
        if f.action.endswith("*"):
            qs = qs.filter(action__startswith=f.action[:-1])
        else:
            qs = qs.filter(action=f.action)
    if f.unit:
        unit = Unit.objects.filter(pk=f.unit).first()
        ids = (
            list(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True)) if unit else []
        )
        qs = qs.filter(actor_unit_id__in=ids or [f.unit])
    if f.archive_no:
        ids = list(Archive.objects.filter(archive_no=f.archive_no).values_list("pk", flat=True))
        qs = qs.filter(archive_id__in=ids) if ids else qs.filter(archive_no=f.archive_no)
    if f.outcome:
        qs = qs.filter(outcome=f.outcome)
    if f.ip:
        qs = qs.filter(ip=f.ip)
    return qs.order_by("-created_at", "-id")


# --- keyset pagination on (created_at, id) descending --------------------------------------------------------


def encode_cursor(event: AuditEvent) -> str:
    raw = f"{event.created_at.astimezone(datetime.UTC).isoformat()}|{event.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[datetime.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        moment, _, pk = raw.partition("|")
        when = datetime.datetime.fromisoformat(moment)
        if timezone.is_naive(when):
            raise ValueError("naive cursor")
        return when, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise DomainError(CURSOR_INVALID, "分页参数无效，请从第一页重新查询。", "cursor")


@dataclass
class Page:
    rows: list
    next_cursor: str | None  # older events
    prev_cursor: str | None  # newer events
    is_first: bool


def keyset_page(qs: QuerySet, *, after: str = "", before: str = "", size: int = PAGE_SIZE) -> Page:
    """One page of `qs` (ordered newest first).

    `after`: continue with events older than this cursor (the "下一页" link); `before`: the events newer than
    this cursor (the "上一页" link). The bound `created_at <= t` is spelled out so PostgreSQL walks the
    (created_at, id) index from the cursor instead of filtering from the top.
    """
    size = max(1, min(size, MAX_PAGE_SIZE))
    if before:
        when, pk = decode_cursor(before)
        newer = (
            qs.filter(created_at__gte=when)
            .filter(Q(created_at__gt=when) | Q(id__gt=pk))
            .order_by("created_at", "id")
        )
        rows = list(newer[: size + 1])
        has_newer = len(rows) > size
        rows = list(reversed(rows[:size]))
        return Page(
            rows=rows,
            next_cursor=encode_cursor(rows[-1]) if rows else after or None,
            prev_cursor=encode_cursor(rows[0]) if rows and has_newer else None,
            is_first=not has_newer,
        )
    if after:
        when, pk = decode_cursor(after)
        qs = qs.filter(created_at__lte=when).filter(Q(created_at__lt=when) | Q(id__lt=pk))
    rows = list(qs[: size + 1])
    has_older = len(rows) > size
    rows = rows[:size]
    return Page(
        rows=rows,
        next_cursor=encode_cursor(rows[-1]) if rows and has_older else None,
        prev_cursor=encode_cursor(rows[0]) if rows and after else None,
        is_first=not after,
    )


# --- the auditor's home-page panels --------------------------------------------------------------------------


def recent_denied(limit: int = 8) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="access.denied").order_by("-created_at", "-id")[:limit])


def failed_logins(hours: int = 24, limit: int = 6) -> tuple[int, list[AuditEvent]]:
    since = timezone.now() - datetime.timedelta(hours=hours)
    qs = AuditEvent.objects.filter(
        action__in=("auth.login_failed", "auth.login_locked"), created_at__gte=since
    )
    return qs.count(), list(qs.order_by("-created_at", "-id")[:limit])


def last_verification() -> AuditEvent | None:
    return AuditEvent.objects.filter(action="audit.verify").order_by("-created_at", "-id").first()


GROUP_NAMES = {
    "auth": "登录与会话",
    "accounts": "用户与角色",
    "access": "访问控制",
    "grant": "档案授权",
    "cadre": "干部",
    "archive": "档案",
    "batch": "零散材料",
    "material": "材料",
    "page": "扫描件",
    "roster": "名册",
    "audit": "审计",
}


def action_groups() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Action choices grouped by prefix: (group name, "prefix.*", [(code, label)]) for the filter's select."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, label in actions.choices():
        groups.setdefault(code.split(".", 1)[0], []).append((code, label))
    order = list(GROUP_NAMES)
    ordered = sorted(groups, key=lambda p: (order.index(p) if p in order else len(order), p))
    return [(GROUP_NAMES.get(p, p), f"{p}.*", groups[p]) for p in ordered]
