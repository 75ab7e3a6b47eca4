"""The append-only, tamper-evident audit log (architecture.md section 4).

Rows are only ever inserted. The ORM refuses update and delete here; on PostgreSQL a trigger refuses UPDATE and
DELETE on both tables (migration 0002). Tamper evidence: `AuditSeal` chains every event, in sealing order, with
SHA-256 (hash = H(previous hash + canonical event)). Sealing runs in a periodic task, so writing an event takes
no lock in the request path; `manage.py verify_audit_chain` names the first broken link.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    pass


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("审计日志只允许追加，不允许修改。")

    def delete(self):
        raise AppendOnlyError("审计日志只允许追加，不允许删除。")

    # bulk_update goes through update(); bulk_create is allowed (appending).


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("审计日志只允许追加，不允许修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("审计日志只允许追加，不允许删除。")


class Outcome(models.TextChoices):
    SUCCESS = "success", "成功"
    DENIED = "denied", "拒绝"
    FAILED = "failed", "失败"


class AuditEvent(AppendOnlyModel):
    created_at = models.DateTimeField("时间", default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # Copied in, so the row keeps its meaning after the user changes.
    actor_username = models.CharField("账号", max_length=150, blank=True)
    actor_name = models.CharField("姓名", max_length=50, blank=True)
    actor_unit_id = models.BigIntegerField("单位ID", null=True, blank=True)
    actor_unit_name = models.CharField("单位", max_length=100, blank=True)
    actor_roles = models.CharField("角色", max_length=100, blank=True)
    action = models.CharField("操作", max_length=64)
    outcome = models.CharField("结果", max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS)
    archive_id = models.BigIntegerField("档案ID", null=True, blank=True)
    archive_no = models.CharField("档号", max_length=40, blank=True)
    target_type = models.CharField("对象类型", max_length=64, blank=True)
    target_id = models.CharField("对象ID", max_length=64, blank=True)
    target_repr = models.CharField("对象", max_length=255, blank=True)
    ip = models.GenericIPAddressField("IP地址", null=True, blank=True)
    user_agent = models.CharField("客户端", max_length=300, blank=True)
    request_id = models.CharField("请求ID", max_length=64, blank=True)
    details = models.JSONField("详情", default=dict, blank=True)

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)
        permissions = [("export_auditevent", "导出审计日志")]
        indexes = [
            models.Index(fields=["created_at", "id"], name="audit_time_idx"),
            models.Index(fields=["actor", "created_at"], name="audit_actor_idx"),
            models.Index(fields=["action", "created_at"], name="audit_action_idx"),
            models.Index(fields=["archive_id", "created_at"], name="audit_archive_idx"),
            models.Index(fields=["actor_unit_id", "created_at"], name="audit_unit_idx"),
            # The auditor's other filters: by account or name (failed logins have no actor id), by address,
            # and the rare outcomes (denied, failed) without walking every successful event.
            models.Index(fields=["actor_username", "created_at"], name="audit_username_idx"),
            models.Index(fields=["actor_name", "created_at"], name="audit_name_idx"),
            models.Index(fields=["ip", "created_at"], name="audit_ip_idx"),
            models.Index(fields=["actor_roles", "created_at"], name="audit_roles_idx"),
            models.Index(
                fields=["created_at", "id"],
                name="audit_not_success_idx",
                condition=~models.Q(outcome="success"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_name or self.actor_username} {self.action}"


class AuditSeal(AppendOnlyModel):
    """One link of the hash chain: the event it seals and the running hash."""

    seq = models.BigAutoField(primary_key=True)
    # A plain integer, not a foreign key: a deleted event must leave its seal behind as evidence.
    event_id = models.BigIntegerField("事件ID", unique=True)
    prev_hash = models.CharField("前一哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64)
    sealed_at = models.DateTimeField("封存时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "审计封存链"
        verbose_name_plural = "审计封存链"
        ordering = ["seq"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.seq} event {self.event_id}"
