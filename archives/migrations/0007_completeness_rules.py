"""Seed the completeness rule set from docs/domain.md 1.3 (archives/completeness_catalog.py)."""

from django.db import migrations


def seed_rules(apps, schema_editor):
    from archives.completeness_catalog import load

    load(apps)


def unseed_rules(apps, schema_editor):
    from archives.completeness_catalog import RULES

    CompletenessRule = apps.get_model("archives", "CompletenessRule")
    CompletenessRule.objects.filter(code__in=[r[0] for r in RULES], excusals__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("archives", "0006_completeness")]

    operations = [migrations.RunPython(seed_rules, unseed_rules)]
