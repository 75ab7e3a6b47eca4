from django.apps import AppConfig


def ensure_catalog(sender=None, using="default", **kwargs) -> None:
    """post_migrate: the ten categories and the material kinds exist (data migration 0002 loads them; a test
    flush of the tables removes them, so they come back here). Cheap when present: one count query each."""
    from archives.catalog import CATEGORIES, KINDS
    from archives.models import MaterialCategory, MaterialKind

    try:
        have = MaterialCategory.objects.using(using).count()
        kinds = MaterialKind.objects.using(using).count()
    except Exception:  # tables not created yet (partial migrate)
        return
    if have >= len(CATEGORIES) and kinds >= len(KINDS):
        return
    by_code = {}
    for order, (code, number, sub, name) in enumerate(CATEGORIES, start=1):
        parent = by_code.get(str(number)) if sub else None
        obj, _ = MaterialCategory.objects.using(using).update_or_create(
            code=code,
            defaults={
                "number": number,
                "sub_number": sub,
                "name": name,
                "parent": parent,
                "sort_order": order,
            },
        )
        by_code[code] = obj
    for order, (code, name, category) in enumerate(KINDS, start=1):
        MaterialKind.objects.using(using).get_or_create(
            code=code, defaults={"name": name, "category": by_code[category], "sort_order": order}
        )


class ArchivesConfig(AppConfig):
    name = "archives"
    verbose_name = "干部档案"

    def ready(self):
        from django.db.models.signals import post_migrate

        from archives import navigation

        post_migrate.connect(ensure_catalog, sender=self, dispatch_uid="archives.ensure_catalog")
        navigation.register()

        from archives import completeness_app

        completeness_app.ready(self)
