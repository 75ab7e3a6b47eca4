"""The default 100-point sheet for grading new cadre archives and its veto items (reviews/grading_catalog.py)."""

from django.db import migrations


def load(apps, schema_editor):
    from reviews.grading_catalog import load as load_sheet

    load_sheet(apps.get_model("reviews", "GradingItem"), apps.get_model("reviews", "GradingVetoItem"))


class Migration(migrations.Migration):
    dependencies = [("reviews", "0002_archive_grading")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
