# The completeness facts of filed materials read by index-only scans (archives/sweep.py, archives/completeness.py).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("archives", "0008_sweep_chunks"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="material",
            index=models.Index(
                condition=models.Q(("status", "filed")),
                fields=["kind", "archive", "formed_year", "formed_month", "formed_on", "id"],
                name="material_filed_facts_idx",
            ),
        ),
    ]
