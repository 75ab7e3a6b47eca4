from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "用户与单位"

    def ready(self):
        from django.db.models.signals import post_migrate

        from accounts import signals  # noqa: F401  (role-separation guard on User.groups)
        from accounts.roles import ensure_role_permissions

        post_migrate.connect(ensure_role_permissions, dispatch_uid="accounts.ensure_role_permissions")

        from accounts import navigation

        navigation.register()
