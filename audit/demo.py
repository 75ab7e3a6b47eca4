"""Demo data of issue 4 for `manage.py seed_demo`: standing and time-boxed grants made by the security admin,
two weeks of everyday audit history for the auditor's page, and a sealed hash chain.

Runs last among the seeders (core/management/commands/seed_demo.py), so the chain seals their events too.
Idempotent: grants are keyed by their reason, the history by its request ids ("demo-..."); a second run adds
nothing and seals nothing new.

The history is demo data and says so: every row carries details {"demo": true}, shown as 演示数据 on the page.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from accounts.roles import roles_of
from archives import grants
from archives.models import Archive, ArchiveUserObjectPermission, Material, MaterialCategory, MaterialStatus
from audit import chain
from audit.models import AuditEvent
from core.errors import DomainError

DAYS = 14
UA = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
    "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0",
]


def _grants(ctx: dict) -> int:
    users = ctx["users"]
    baomi = users["baomi"]
    archive = {
        a.archive_no: a
        for a in Archive.objects.filter(archive_no__in=["QS00020", "QS00021", "QS00022", "DH00003"])
    }
    now = timezone.now()
    day = datetime.timedelta(days=1)
    wanted = [
        # (user, archive, permission, from, until, categories, reason)
        (
            "chayue1",
            "QS00021",
            "view_archive_content",
            now - 2 * day,
            now + 8 * day,
            ["1", "2", "3"],
            "【演示】纪检审查调查需要，限查阅履历、自传和考核材料（青纪函〔2026〕15号）",
        ),
        (
            "chayue2",
            "QS00020",
            "view_archive_directory",
            None,
            None,
            [],
            "【演示】派驻纪检监察组日常监督，常设查看目录（青组档批〔2026〕3号）",
        ),
        (
            "chayue2",
            "QS00022",
            "view_archive_content",
            now + 2 * day,
            now + 5 * day,
            [],
            "【演示】巡察工作需要，下周现场查阅（青组档批〔2026〕9号）",
        ),
        (
            "nl_guandang",
            "DH00003",
            "manage_archive",
            now - day,
            now + 30 * day,
            [],
            "【演示】东湖县档案室人员休假，南岭县管档员临时代管（县委组织部通知）",
        ),
    ]
    made = 0
    for username, number, permission, start, until, codes, reason in wanted:
        if number not in archive or username not in users:
            continue
        if ArchiveUserObjectPermission.objects.filter(reason=reason[:200]).exists():
            continue
        try:
            grants.grant_create(
                user=users[username],
                archive=archive[number],
                permission=permission,
                valid_from=start,
                valid_until=until,
                scope_all=not codes,
                categories=list(MaterialCategory.objects.filter(code__in=codes)),
                materials=[],
                reason=reason,
                by=baomi,
            )
            made += 1
        except DomainError:
            continue
    return made


def _history(ctx: dict) -> int:
    """About two weeks of ordinary working days, written as the read paths and logins would have."""
    users = ctx["users"]
    rng = random.Random(20261123)
    now = timezone.localtime()
    ips = {name: f"10.12.{1 + i // 200}.{11 + i % 200}" for i, name in enumerate(sorted(users))}
    held = {
        prefix: list(
            Archive.objects.filter(archive_no__startswith=prefix)
            .exclude(archive_no="QS09001")
            .order_by("archive_no")
            .values_list("pk", "archive_no")[:40]
        )
        for prefix in ("QS", "DH", "NL", "XX")
    }
    materials = {}
    for archive_id, title, pk in Material.objects.filter(status=MaterialStatus.FILED).values_list(
        "archive_id", "title", "pk"
    )[:4000]:
        materials.setdefault(archive_id, []).append((pk, title))
    clerks = {
        "guandang": "QS",
        "guandang2": "QS",
        "dh_guandang": "DH",
        "nl_guandang": "NL",
        "xx_guandang": "XX",
    }
    reviewers = {"shenpi": "QS", "shenpi2": "QS", "dh_shenpi": "DH"}
    rows: list[AuditEvent] = []
    seq = 0

    def add(
        when, action, username=None, *, outcome="success", archive=None, target=None, details=None, typed=""
    ):
        nonlocal seq
        seq += 1
        user = users.get(username) if username else None
        fields = {
            "created_at": when,
            "action": action,
            "outcome": outcome,
            "ip": ips.get(username or "", "10.12.8.66"),
            "user_agent": UA[seq % len(UA)] if username else UA[2],
            "request_id": f"demo-{seq:06d}",
            "details": {**(details or {}), "demo": True},
            "actor_username": typed,
        }
        if user is not None:
            fields.update(
                actor=user,
                actor_username=user.get_username(),
                actor_name=user.get_full_name(),
                actor_unit_id=user.unit_id,
                actor_unit_name=user.unit.name if user.unit_id else "",
                actor_roles=",".join(sorted(roles_of(user))),
            )
        if archive is not None:
            fields.update(archive_id=archive[0], archive_no=archive[1])
        if target is not None:
            fields.update(target_type=target[0], target_id=str(target[1]), target_repr=target[2][:255])
        rows.append(AuditEvent(**fields))

    def at(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
        return timezone.make_aware(
            datetime.datetime.combine(day, datetime.time(hour, minute, rng.randint(0, 59)))
        )

    for back in range(DAYS, 0, -1):
        day = (now - datetime.timedelta(days=back)).date()
        if day.weekday() >= 5:
            continue
        for username, prefix in {**clerks, **reviewers}.items():
            if username not in users or rng.random() < 0.15:
                continue
            start = at(day, 8, rng.randint(20, 59))
            add(start, "auth.login", username)
            minute = 0
            for _ in range(rng.randint(2, 6)):
                minute += rng.randint(3, 25)
                moment = start + datetime.timedelta(minutes=minute)
                archive = rng.choice(held[prefix]) if held[prefix] else None
                if archive is None:
                    continue
                add(
                    moment,
                    "archive.search",
                    username,
                    details={"q": archive[1][:4], "results": rng.randint(3, 40)},
                )
                add(
                    moment + datetime.timedelta(seconds=40),
                    "archive.directory_view",
                    username,
                    archive=archive,
                    target=("archives.archive", archive[0], archive[1]),
                )
                if username in clerks and materials.get(archive[0]):
                    material = rng.choice(materials[archive[0]])
                    add(
                        moment + datetime.timedelta(minutes=1),
                        "material.view",
                        username,
                        archive=archive,
                        target=("archives.material", material[0], material[1]),
                    )
                    for page in range(1, rng.randint(2, 4)):
                        add(
                            moment + datetime.timedelta(minutes=1, seconds=20 * page),
                            "page.view",
                            username,
                            archive=archive,
                            target=("archives.material", material[0], f"{material[1]} 第{page}页"),
                            details={"material_id": material[0], "page": page},
                        )
            add(at(day, 17, rng.randint(30, 59)), "auth.logout", username)
        # A mistyped password now and then.
        for _ in range(rng.randint(0, 2)):
            typed = rng.choice(["guandnag", "shenpi", "chayue1", "guandang2"])
            add(
                at(day, rng.randint(8, 16), rng.randint(0, 59)),
                "auth.login_failed",
                typed=typed,
                outcome="failed",
                details={"locked": False},
            )

    # Notable moments the auditor's panels should show.
    day = (now - datetime.timedelta(days=3)).date()
    for n in range(5):
        add(
            at(day, 22, 10 + n),
            "auth.login_failed",
            typed="admin",
            outcome="failed",
            details={"locked": n == 4},
        )
    add(at(day, 22, 15), "auth.login_locked", typed="admin", outcome="denied")
    own = Archive.objects.filter(archive_no="QS09001").values_list("pk", "archive_no").first()
    if own and "guandang" in users:
        add(
            at((now - datetime.timedelta(days=2)).date(), 10, 12),
            "access.denied",
            "guandang",
            outcome="denied",
            archive=own,
            details={"action": "view_directory", "reason": "archive not visible"},
        )
    if held["QS"] and "dh_guandang" in users:
        add(
            at((now - datetime.timedelta(days=1)).date(), 15, 40),
            "access.denied",
            "dh_guandang",
            outcome="denied",
            archive=held["QS"][5],
            details={"action": "view_directory", "reason": "archive not visible"},
        )
    if "shenji" in users:
        add(
            at((now - datetime.timedelta(days=1)).date(), 16, 5),
            "audit.export",
            "shenji",
            details={"format": "xlsx", "filter": {"action": "access.denied"}},
        )
    rows.sort(key=lambda e: e.created_at)
    AuditEvent.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def seed(ctx: dict) -> str:
    with transaction.atomic():
        made_grants = _grants(ctx)
        made_events = 0
        if not AuditEvent.objects.filter(request_id__startswith="demo-").exists():
            made_events = _history(ctx)
    sealed = chain.seal(full=True)
    return f"授权与审计演示数据：新增 {made_grants} 项授权、{made_events} 条两周审计记录；审计链新封存 {sealed} 条"
