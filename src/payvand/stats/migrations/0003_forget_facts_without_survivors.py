"""The facts kept before survivors were counted once lack the survivor: forget them, and
the refresh that made them, so the pages count live until `payvand stats refresh` runs
again (0004 adds the columns). Nothing is lost: the facts are rebuilt from the cases."""

from django.db import migrations


def forget_facts(apps, schema_editor):
    apps.get_model("stats", "CaseFact").objects.all().delete()
    apps.get_model("stats", "FactsRefresh").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("stats", "0002_facts_and_releases")]

    operations = [migrations.RunPython(forget_facts, migrations.RunPython.noop)]
