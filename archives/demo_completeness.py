"""Demo data of the completeness feature (`seed_demo`, after archives.demo_materials): excused probation years
for a few archives, one full sweep so the clerk's home and the dashboard show real results, and a first fixity
pass over the demo scans. Idempotent: a second run adds nothing (no new excusal, no new sweep run when the reports
are already current, fixity findings deduplicated)."""

from __future__ import annotations

from django.db.models import Max, Min

from accounts.roles import CLERK
from archives.completeness import expected_years, gather, load_rules
from archives.models import (
    Archive,
    CompletenessExcusal,
    CompletenessReport,
    CompletenessRule,
    ExcuseReason,
    FixityState,
    Material,
    RuleCountMode,
)

EXCUSED_ARCHIVES = 6


def _reports_current(version: str) -> bool:
    archives = Archive.objects.count()
    reports = CompletenessReport.objects.filter(rules_version=version)
    if reports.count() < archives:
        return False
    oldest = reports.aggregate(t=Min("computed_at"))["t"]
    newest_material = Material.objects.aggregate(t=Max("updated_at"))["t"]
    return oldest is not None and (newest_material is None or newest_material <= oldest)


def _clerk_for(archive: Archive, users: dict):
    for user in users.values():
        if CLERK in user.roles and archive.holding_unit_id in set(
            user.served_units.values_list("pk", flat=True)
        ):
            return user
    return next((u for u in users.values() if CLERK in u.roles), None)


def _excuse_probation_years(users: dict) -> int:
    """Where the first full year of service lacks its appraisal form, record it as the probation year (试用期)."""
    rule = CompletenessRule.objects.filter(code="annual_appraisal", is_active=True).first()
    if rule is None or CompletenessExcusal.objects.filter(rule=rule, reason=ExcuseReason.PROBATION).exists():
        return 0
    ruleset = load_rules()
    spec = next((r for r in ruleset.rules if r.id == rule.pk), None)
    if spec is None or spec.count_mode != RuleCountMode.PER_YEAR:
        return 0
    created = 0
    candidates = (
        CompletenessReport.objects.filter(is_complete=False)
        .select_related("archive")
        .order_by("archive__archive_no")
    )
    for report in candidates:
        item = next((i for i in report.items if i["rule"] == rule.code), None)
        if not item:
            continue
        facts = gather(report.archive_id, ruleset)
        years = expected_years(spec, facts, ruleset)
        if not len(years) or years[0] not in item["years"] or years[0] < 1998:
            continue
        clerk = _clerk_for(report.archive, users)
        if clerk is None:
            break
        CompletenessExcusal.objects.get_or_create(
            archive=report.archive,
            rule=rule,
            year=years[0],
            revoked_at=None,
            defaults={
                "reason": ExcuseReason.PROBATION,
                "note": "新录用人员试用期，不确定等次",
                "recorded_by": clerk,
            },
        )
        created += 1
        if created >= EXCUSED_ARCHIVES:
            break
    return created


def seed(ctx: dict) -> str:
    from archives import fixity
    from archives.signals_completeness import paused
    from archives.sweep import check_many, run_sweep

    ruleset = load_rules()
    swept = 0
    if not _reports_current(ruleset.version):
        swept = run_sweep(trigger="demo").archives_checked
    with paused():  # checked together below
        excused = _excuse_probation_years(ctx.get("users", {}))
    if excused:
        check_many(
            CompletenessExcusal.objects.filter(revoked_at__isnull=True).values_list("archive_id", flat=True)
        )
    fixity_note = ""
    if not FixityState.objects.exists():
        stats = fixity.verify_next_batch(batch_size=100_000)
        structure = fixity.check_structure()
        fixity_note = (
            f"，文件完整性核对 {stats['checked']} 页"
            f"（页数不符 {structure['page_counts']['mismatched']} 件，孤立文件 {structure['orphans']['orphans']} 个）"
        )
    reports = CompletenessReport.objects
    return (
        f"档案完整性：{'已检查 ' + str(swept) + ' 份' if swept else '检查结果已是最新'}，"
        f"不齐全 {reports.filter(is_complete=False).count()} 份（缺单项否决材料 {reports.filter(has_veto=True).count()} 份），"
        f"新登记免查年度 {excused} 个{fixity_note}"
    )
