"""Enqueue the completeness check of an archive after any transaction that changed what the check reads.

Materials (added, filed, changed, withdrawn), education records and their linked materials, promotions (CadrePost),
the cadre's political status or type, and excused years all change a report. The services that make those changes
belong to other modules; a signal here schedules at most one check per archive per transaction, run after commit
(`transaction.on_commit`): in a Celery worker when a broker is configured, in-process at once in eager mode.
A change to the rule set schedules one full sweep instead.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from archives.models import (
    Archive,
    Cadre,
    CadrePost,
    CompletenessExcusal,
    CompletenessReport,
    CompletenessRule,
    EducationRecord,
    Material,
)

log = logging.getLogger(__name__)
_ATTR = "_completeness_pending"
_paused = 0


class paused:
    """with paused(): changes made inside schedule nothing (loading the shipped rules after a flush)."""

    def __enter__(self):
        global _paused
        _paused += 1

    def __exit__(self, *exc):
        global _paused
        _paused -= 1


class _Pending:
    """Archive ids touched in the current transaction, flushed once after it commits."""

    def __init__(self, using: str | None):
        self.using = using
        self.archive_ids: set[int] = set()
        self.sweep = False

    def flush(self) -> None:
        conn = transaction.get_connection(self.using)
        if getattr(conn, _ATTR, None) is self:
            setattr(conn, _ATTR, None)
        enqueue(self.archive_ids, sweep=self.sweep)


def _registered(conn, pending: _Pending) -> bool:
    # A rollback drops the callbacks registered inside it: then a fresh _Pending is needed.
    return any(getattr(entry[1], "__self__", None) is pending for entry in getattr(conn, "run_on_commit", ()))


def _pending(using: str | None = None) -> _Pending | None:
    conn = transaction.get_connection(using)
    if not conn.in_atomic_block:
        return None
    pending = getattr(conn, _ATTR, None)
    if pending is None or not _registered(conn, pending):
        pending = _Pending(using)
        setattr(conn, _ATTR, pending)
        transaction.on_commit(pending.flush, using=using, robust=True)
    return pending


def schedule_check(*archive_ids: int | None, using: str | None = None) -> None:
    ids = {int(a) for a in archive_ids if a}
    if not ids or _paused:
        return
    pending = _pending(using)
    if pending is None:  # autocommit: the change is already committed
        enqueue(ids)
    else:
        pending.archive_ids.update(ids)


def schedule_sweep(using: str | None = None) -> None:
    if _paused:
        return
    pending = _pending(using)
    if pending is None:
        enqueue(set(), sweep=True)
    else:
        pending.sweep = True


MANY = 20  # more archives than this in one transaction: one set-based task instead of one task each


def enqueue(archive_ids: set[int], *, sweep: bool = False) -> None:
    from archives.tasks_completeness import check_completeness, check_completeness_many, sweep_completeness

    if archive_ids:
        CompletenessReport.objects.filter(archive_id__in=archive_ids).update(requested_at=timezone.now())
    try:
        if len(archive_ids) > MANY:
            check_completeness_many.delay(sorted(archive_ids))
        else:
            for archive_id in sorted(archive_ids):
                check_completeness.delay(archive_id)
    except Exception:  # a broker outage must not break the change that was already committed
        log.exception("could not enqueue the completeness check of archives %s", sorted(archive_ids)[:50])
    if sweep:
        try:
            sweep_completeness.apply_async(kwargs={"trigger": "rules"}, countdown=30)
        except Exception:
            log.exception("could not enqueue the completeness sweep")


def _archives_of_cadre(cadre_id) -> list[int]:
    if not cadre_id:
        return []
    return list(Archive.objects.filter(cadre_id=cadre_id).values_list("pk", flat=True))


def material_changed(sender, instance: Material, using=None, **kwargs):
    schedule_check(instance.archive_id, using=using)


def cadre_detail_changed(sender, instance, using=None, **kwargs):
    schedule_check(*_archives_of_cadre(instance.cadre_id), using=using)


def cadre_changed(sender, instance: Cadre, created=False, using=None, **kwargs):
    if not created:
        schedule_check(*_archives_of_cadre(instance.pk), using=using)


def archive_created(sender, instance: Archive, created=False, using=None, **kwargs):
    if created:
        schedule_check(instance.pk, using=using)


def education_materials_changed(sender, instance, action, reverse, model, pk_set, using=None, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:  # instance is an EducationRecord
        schedule_check(*_archives_of_cadre(instance.cadre_id), using=using)
    else:  # instance is a Material linked to education records
        schedule_check(instance.archive_id, using=using)


def excusal_changed(sender, instance: CompletenessExcusal, using=None, **kwargs):
    schedule_check(instance.archive_id, using=using)


def rules_changed(sender, using=None, action=None, **kwargs):
    if action is None or action.startswith("post_"):
        schedule_sweep(using=using)


def connect() -> None:
    uid = "archives.completeness."
    post_save.connect(material_changed, sender=Material, dispatch_uid=uid + "material_saved")
    post_delete.connect(material_changed, sender=Material, dispatch_uid=uid + "material_deleted")
    post_save.connect(cadre_detail_changed, sender=CadrePost, dispatch_uid=uid + "post_saved")
    post_delete.connect(cadre_detail_changed, sender=CadrePost, dispatch_uid=uid + "post_deleted")
    post_save.connect(cadre_detail_changed, sender=EducationRecord, dispatch_uid=uid + "edu_saved")
    post_delete.connect(cadre_detail_changed, sender=EducationRecord, dispatch_uid=uid + "edu_deleted")
    m2m_changed.connect(
        education_materials_changed, sender=EducationRecord.materials.through, dispatch_uid=uid + "edu_links"
    )
    post_save.connect(cadre_changed, sender=Cadre, dispatch_uid=uid + "cadre_saved")
    post_save.connect(archive_created, sender=Archive, dispatch_uid=uid + "archive_created")
    post_save.connect(excusal_changed, sender=CompletenessExcusal, dispatch_uid=uid + "excusal_saved")
    post_save.connect(rules_changed, sender=CompletenessRule, dispatch_uid=uid + "rule_saved")
    post_delete.connect(rules_changed, sender=CompletenessRule, dispatch_uid=uid + "rule_deleted")
    m2m_changed.connect(rules_changed, sender=CompletenessRule.kinds.through, dispatch_uid=uid + "rule_kinds")
