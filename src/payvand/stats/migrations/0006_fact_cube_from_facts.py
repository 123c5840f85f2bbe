"""Fill the new cube from the facts already materialised, so that the pages need not
wait for the next `payvand stats refresh` (which rewrites it anyway). Data only."""

from django.db import migrations

# The cube's dimensions when it was made (stats.models.CUBE_DIMENSIONS), frozen here.
DIMENSIONS = (
    "country", "year", "gender", "age_band", "citizenship", "country_of_exploitation",
    "datasource", "forced_labour", "sexual_exploit", "other_exploit",
)  # fmt: skip


def cube_from_facts(apps, schema_editor):
    connection = schema_editor.connection
    q = connection.ops.quote_name
    facts = q(apps.get_model("stats", "CaseFact")._meta.db_table)
    cube = q(apps.get_model("stats", "FactCube")._meta.db_table)
    dims = ", ".join(q(d) for d in DIMENSIONS)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {cube}")  # noqa: S608
        for scope, rank in (
            ("NULL", "consented_rank"),
            (q("organisation_id"), "org_consented_rank"),
        ):
            group = dims if scope == "NULL" else f"{scope}, {dims}"
            cursor.execute(
                f"INSERT INTO {cube} ({q('organisation_id')}, {dims}, {q('n')}) "  # noqa: S608
                f"SELECT {scope}, {dims}, COUNT(*) FROM {facts} "
                f"WHERE {q('consented')} = %s AND {q(rank)} = 1 GROUP BY {group}",
                [True],
            )


def cube_emptied(apps, schema_editor):
    apps.get_model("stats", "FactCube").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("stats", "0005_fact_cube")]

    operations = [migrations.RunPython(cube_from_facts, cube_emptied)]
