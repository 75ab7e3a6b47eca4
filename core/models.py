from django.db import models


class SystemSetting(models.Model):
    """A locality's value for one domain setting (docs/domain.md section 12); defaults live in settings."""

    key = models.CharField("参数", max_length=64, unique=True)
    value = models.JSONField("取值")
    note = models.CharField("说明", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "系统参数"
        verbose_name_plural = "系统参数"
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key} = {self.value}"
