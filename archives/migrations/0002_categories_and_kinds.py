from django.db import migrations

from archives.catalog import CATEGORIES, KINDS


def load(apps, schema_editor):
    Category = apps.get_model("archives", "MaterialCategory")
    Kind = apps.get_model("archives", "MaterialKind")
    by_code = {}
    for order, (code, number, sub, name) in enumerate(CATEGORIES, start=1):
        parent = by_code.get(str(number)) if sub else None
        obj, _ = Category.objects.update_or_create(
            code=code, defaults={"number": number, "sub_number": sub, "name": name, "parent": parent, "sort_order": order}
        )
        by_code[code] = obj
    for order, (code, name, category) in enumerate(KINDS, start=1):
        Kind.objects.update_or_create(code=code, defaults={"name": name, "category": by_code[category], "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("archives", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
