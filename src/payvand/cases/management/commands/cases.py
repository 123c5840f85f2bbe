import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from payvand.accounts.models import User
from payvand.cases.importer import ImportFileError, import_cases
from payvand.core.calendars import Calendar
from payvand.core.progress import ProgressBar
from payvand.orgs.selectors import organisation_by_code


class Command(BaseCommand):
    help = "Cases: `import FILE --org CODE --owner EMAIL` (CSV or XLSX, all or nothing)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Import a caseload from a CSV or XLSX file.")
        imp.add_argument("file")
        imp.add_argument("--org", required=True, help="Organisation short code.")
        imp.add_argument(
            "--owner", required=True, help="E-mail of the caseworker responsible for the cases."
        )
        imp.add_argument(
            "--calendar",
            choices=[Calendar.GREGORIAN, Calendar.SOLAR_HIJRI],
            default=Calendar.GREGORIAN,
            help="Calendar of the dates in the file (default gregorian).",
        )

    def handle(self, *args, action, **options):
        org = organisation_by_code(options["org"])
        if org is None:
            raise CommandError(f"No organisation with code {options['org']}.")
        owner = User.objects.filter(email__iexact=options["owner"]).first()
        if owner is None:
            raise CommandError(f"No user with e-mail {options['owner']}.")
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        try:
            report = import_cases(
                org=org,
                owner=owner,
                by=None,
                name=path.name,
                data=data,
                calendar=options["calendar"],
                progress=ProgressBar(options.get("stderr") or sys.stderr, unit="rows"),
            )
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        if not report.ok:
            for error in report.errors[:200]:
                self.stderr.write(str(error))
            if len(report.errors) > 200:
                self.stderr.write(f"… and {len(report.errors) - 200} more.")
            raise CommandError(
                f"Nothing was imported: {len(report.errors)} problem(s) in {report.rows} row(s)."
            )
        self.stdout.write(f"Imported {report.imported} cases into {org.full_code}.")
