from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0003_forget_facts_without_survivors"),
        ("linkage", "0003_survivor_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="casefact",
            name="survivor",
            field=models.BigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="casefact",
            name="consented",
            field=models.BooleanField(default=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="casefact",
            name="consented_rank",
            field=models.PositiveIntegerField(default=1),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="casefact",
            name="org_consented_rank",
            field=models.PositiveIntegerField(default=1),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="casefact",
            index=models.Index(fields=["survivor"], name="casefact_survivor"),
        ),
    ]
