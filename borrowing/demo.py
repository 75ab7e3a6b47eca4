"""Demo viewing and borrowing requests for `manage.py seed_demo`, one or more in every state.

The clerk guandang files for the city discipline commission (viewers chayue1 and chayue2, Party members); the
reviewers shenpi and shenpi2 approve (borrowing needs both). chayue3 (群众) has a draft the rules refuse. Every step
goes through borrowing.services, so the audit log, the archive history and the grants are those of real use;
past dates (an overdue loan, an expired viewing) are then moved back in the database.

Idempotent: each scenario is keyed by its description (purpose_detail) and skipped when it exists.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from archives.models import Archive, Material, MaterialStatus
from borrowing import services
from borrowing.models import AccessRequest, Checkout

PREFIX = "【演示】"


def _materials(archive: Archive, code: str, n: int = 1) -> list[Material]:
    return list(
        Material.objects.filter(archive=archive, status=MaterialStatus.FILED, category__code=code).order_by(
            "seq"
        )[:n]
    )


def _all_back(archive: Archive) -> dict:
    return {m.pk: {"present": True, "pages": m.page_count} for m in services._filed(archive)}


def seed(ctx: dict) -> str:
    users = ctx["users"]
    clerk, shenpi, shenpi2 = users["guandang"], users["shenpi"], users["shenpi2"]
    v1, v2, v3 = users["chayue1"], users["chayue2"], users["chayue3"]
    unit = ctx["units"]["QS-JW"]
    archives = {
        a.archive_no: a
        for a in Archive.objects.filter(holding_unit=ctx["units"]["QS-ZZB"], archive_no__regex=r"^QS000\d\d$")
        .select_related("cadre")
        .order_by("archive_no")
    }
    wanted = [f"QS{n:05d}" for n in range(1, 13)]
    if not all(no in archives for no in wanted):
        return "查借阅演示数据：缺少演示档案，未载入"
    a = [archives[no] for no in wanted]
    now = timezone.now()
    made = 0

    def exists(text: str) -> bool:
        return AccessRequest.objects.filter(purpose_detail=PREFIX + text).exists()

    def data(text, *, mode="onsite", subjects, viewers=None, days=None, start=None, **extra):
        start = start or now - datetime.timedelta(minutes=30)
        days = days or {"onsite": 1, "digital": 7, "loan": 7}[mode]
        return {
            "mode": mode,
            "requesting_unit": unit,
            "unit_opinion": "因审查调查工作需要，经委领导同意，请予查阅。",
            "unit_signer": "陈纪明",
            "unit_signed_on": timezone.localdate(),
            "purpose": "inspection",
            "purpose_detail": PREFIX + text,
            "start_at": start,
            "end_at": start + datetime.timedelta(days=days),
            "viewers": viewers if viewers is not None else [{"user": v1}, {"user": v2}],
            "subjects": subjects,
            **extra,
        }

    def create(text, by=clerk, **kw):
        return services.access_request_create(by=by, data=data(text, **kw))

    def approve(req, *levels):
        for level, reviewer in zip((1, 2), levels, strict=False):
            req = services.access_request_approve(request=req, by=reviewer, level=level, opinion="同意。")
        return req

    names = [v1.get_full_name(), v2.get_full_name()]
    with transaction.atomic():
        text = "核实有关问题线索，拟现场查阅（草稿）"
        if not exists(text):
            create(text, subjects=[{"archive": a[0], "scope_all": True}])
            made += 1

        text = "核实有关问题线索，现场查阅履历和考核材料"
        if not exists(text):
            cats = list({m.category for m in _materials(a[1], "1") + _materials(a[1], "3")})
            req = create(text, subjects=[{"archive": a[1], "scope_all": False, "categories": cats}])
            services.access_request_submit(request=req, by=clerk)
            made += 1

        text = "立案审查需要，借阅纸质档案（待二级审批）"
        if not exists(text):
            req = create(text, mode="loan", subjects=[{"archive": a[2], "scope_all": True}])
            services.access_request_submit(request=req, by=clerk)
            approve(req, shenpi)
            made += 1

        text = "初核问题线索，数字查阅考核和任免材料"
        if not exists(text):
            cats = list({m.category for m in _materials(a[0], "3") + _materials(a[0], "92")})
            req = create(
                text, mode="digital", subjects=[{"archive": a[0], "scope_all": False, "categories": cats}]
            )
            services.access_request_submit(request=req, by=clerk)
            approve(req, shenpi)
            made += 1

        text = "了解干部有关情况（事由不充分，未予批准）"
        if not exists(text):
            req = create(text, subjects=[{"archive": a[3], "scope_all": True}])
            services.access_request_submit(request=req, by=clerk)
            services.access_request_reject(
                request=req, by=shenpi, reason="查阅事由不具体，请补充问题线索来源后重新申请。"
            )
            made += 1

        text = "核实有关情况（已撤回）"
        if not exists(text):
            req = create(text, subjects=[{"archive": a[4], "scope_all": True}])
            services.access_request_submit(request=req, by=clerk)
            services.access_request_withdraw(request=req, by=clerk, reason="线索已另行核实")
            made += 1

        text = "审查调查，现场查阅并复制任免审批表"
        if not exists(text):
            appointment = _materials(a[5], "92")
            req = create(
                text,
                subjects=[{"archive": a[5], "scope_all": True, "copy_materials": appointment}],
                copies_requested=bool(appointment),
                copy_note="复制干部任免审批表一份，附卷备查",
            )
            services.access_request_submit(request=req, by=clerk)
            approve(req, shenpi)
            services.access_request_checkout(request=req, by=clerk, signatures=names)
            if appointment:
                services.copy_register(
                    request=req,
                    material=appointment[0],
                    pages="1",
                    by=clerk,
                    recipient=names[0],
                    note="附卷备查",
                )
            made += 1

        text = "立案审查需要，借阅纸质档案（逾期未还）"
        if not exists(text):
            req = create(text, mode="loan", subjects=[{"archive": a[6], "scope_all": True}])
            services.access_request_submit(request=req, by=clerk)
            approve(req, shenpi, shenpi2)
            (checkout,) = services.access_request_checkout(request=req, by=clerk, signatures=names)
            # Lent eighteen days ago for seven days: overdue for eleven days.
            start = now - datetime.timedelta(days=18)
            AccessRequest.objects.filter(pk=req.pk).update(
                start_at=start, end_at=start + datetime.timedelta(days=7)
            )
            Checkout.objects.filter(pk=checkout.pk).update(
                out_at=start, due_at=start + datetime.timedelta(days=7)
            )
            made += 1

        text = "审查调查，借阅纸质档案（已归还）"
        if not exists(text):
            req = create(text, mode="loan", subjects=[{"archive": a[7], "scope_all": True}])
            services.access_request_submit(request=req, by=clerk)
            approve(req, shenpi, shenpi2)
            (checkout,) = services.access_request_checkout(request=req, by=clerk, signatures=names)
            services.checkout_return(checkout=checkout, by=clerk, items=_all_back(a[7]), signatures=names[:1])
            made += 1

        text = "审查调查，借阅纸质档案（归还时缺页）"
        if not exists(text):
            req = create(text, mode="loan", subjects=[{"archive": a[8], "scope_all": True}])
            services.access_request_submit(request=req, by=clerk)
            approve(req, shenpi, shenpi2)
            (checkout,) = services.access_request_checkout(request=req, by=clerk, signatures=names)
            items = _all_back(a[8])
            if items:
                first = next(iter(items))
                items[first] = {"present": True, "pages": max(0, items[first]["pages"] - 1)}
            services.checkout_return(checkout=checkout, by=clerk, items=items, signatures=names[:1])
            made += 1

        text = "了解干部有关情况，数字查阅（期限已过）"
        if not exists(text):
            req = create(text, mode="digital", days=2, subjects=[{"archive": a[9], "scope_all": True}])
            services.access_request_submit(request=req, by=clerk)
            approve(req, shenpi)
            start = now - datetime.timedelta(days=5)
            end = start + datetime.timedelta(days=2)
            AccessRequest.objects.filter(pk=req.pk).update(start_at=start, end_at=end)
            services.request_grants(req).update(valid_from=start, valid_until=end)
            made += 1

        text = "本人申请：数字查阅履历材料"
        if not exists(text):
            resume = list({m.category for m in _materials(a[10], "1")})
            req = create(
                text,
                by=v1,
                mode="digital",
                subjects=[{"archive": a[10], "scope_all": not resume, "categories": resume}],
            )
            services.access_request_submit(request=req, by=v1)
            made += 1

        text = "本人申请：现场查阅（查阅人非中共党员，规则不予通过）"
        if not exists(text):
            create(
                text,
                by=v3,
                viewers=[{"user": v3}, {"user": v1}],
                subjects=[{"archive": a[11], "scope_all": True}],
            )
            made += 1

    # The daily sweep: reminders and escalation for the overdue loan, expiry of the ended viewing.
    result = services.daily_sweep()
    return (
        f"查借阅演示数据：新增 {made} 件申请（共 {AccessRequest.objects.count()} 件），"
        f"逾期提醒 {result['due'] + result['again'] + result['escalated']} 条，期满 {result['expired']} 件"
    )
