from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from payvand.cases.models import Case
from payvand.core import crypto
from payvand.protection.subject_export import subject_export


class Command(BaseCommand):
    help = (
        "Subject access: the survivor's own data (identity, consents, assistance, plans, "
        "notes, what happened, attachments) as JSON and her files, in one ZIP; audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("--case", required=True, help="Case number.")
        parser.add_argument("--out", required=True, help="The ZIP file to write.")

    def handle(self, *args, case, out, **options):
        found = Case.objects.select_related("organisation").filter(number=case).first()
        if found is None:
            raise CommandError(f"No case {case}.")
        try:
            counts = subject_export(case=found, out=Path(out))
        except crypto.KeyDestroyed as exc:
            raise CommandError(
                "This survivor's data is gone (erased, or the organisation's keys were "
                "destroyed): there is nothing to export."
            ) from exc
        self.stdout.write(
            f"Wrote {out}: {counts['cases']} case(s), {counts['records']} record(s), "
            f"{counts['files']} file(s). It is not encrypted: hand it to her, then delete it."
        )
