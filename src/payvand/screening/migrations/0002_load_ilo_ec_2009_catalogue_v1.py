"""Load catalogue version 1 (ILO/EC 2009) from catalogue/ilo-ec-2009-v1.json.

Self-contained on purpose (historical models, no app code): the file is frozen once
shipped — corrections are new files imported as new versions — so this migration
loads the same rows forever. The test suite checks the file with the real validator.
Reversing removes version 1 unless a screening uses it (then it refuses: PROTECT).
"""

import hashlib
import json
from pathlib import Path

from django.db import migrations

FILE = Path(__file__).resolve().parents[1] / "catalogue" / "ilo-ec-2009-v1.json"


def load(apps, schema_editor):
    CatalogueVersion = apps.get_model("screening", "CatalogueVersion")
    Indicator = apps.get_model("screening", "Indicator")
    if CatalogueVersion.objects.filter(number=1).exists():
        return
    raw = FILE.read_bytes()
    doc = json.loads(raw)
    version = CatalogueVersion.objects.create(
        number=1,
        title=doc["title"],
        source_note=doc.get("source", ""),
        sha256=hashlib.sha256(raw).hexdigest(),
        created_by=None,
        is_current=not CatalogueVersion.objects.filter(is_current=True).exists(),
    )
    Indicator.objects.bulk_create(
        Indicator(
            version=version,
            code=item["code"],
            exploitation_list=item["list"],
            dimension=item["dimension"],
            strength=item["strength"],
            label=item["label"],
            needs_review=item["needs_review"],
            order=order,
        )
        for order, item in enumerate(doc["indicators"], start=1)
    )


def unload(apps, schema_editor):
    CatalogueVersion = apps.get_model("screening", "CatalogueVersion")
    Indicator = apps.get_model("screening", "Indicator")
    Indicator.objects.filter(version__number=1).delete()
    CatalogueVersion.objects.filter(number=1).delete()


class Migration(migrations.Migration):
    dependencies = [("screening", "0001_screening_catalogue_and_screenings")]

    operations = [migrations.RunPython(load, unload)]
