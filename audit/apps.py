from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "审计日志"

    def ready(self):
        from audit import navigation, signals  # noqa: F401  (signals: login, failed login, logout)

        navigation.register()
