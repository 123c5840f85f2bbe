import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from payvand.core.progress import ProgressBar
from payvand.stats.ctdc import CtdcFileError
from payvand.stats.services import DatasetExists, ctdc_import

SHOWN_PROBLEMS = 200


class Command(BaseCommand):
    help = (
        "CTDC reference data: `import FILE [--name NAME] [--replace] [--skip-bad-rows]` "
        "(2017–2020 global or 2024/2025 synthetic format)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Import a CTDC CSV file as a reference dataset.")
        imp.add_argument("file")
        imp.add_argument("--name", help="The dataset's name (default: the file name).")
        imp.add_argument("--replace", action="store_true", help="Replace a dataset of that name.")
        imp.add_argument(
            "--skip-bad-rows",
            action="store_true",
            help="Import the readable rows even if some cannot be read (they are listed).",
        )

    def handle(self, *args, action, **options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        name = options["name"] or path.name
        try:
            report = ctdc_import(
                data=data,
                name=name,
                replace=options["replace"],
                skip_bad_rows=options["skip_bad_rows"],
                progress=ProgressBar(options.get("stderr") or sys.stderr, unit="rows"),
            )
        except (CtdcFileError, DatasetExists) as exc:
            raise CommandError(str(exc)) from None
        for problem in report.problems[:SHOWN_PROBLEMS]:
            self.stderr.write(str(problem))
        if len(report.problems) > SHOWN_PROBLEMS:
            self.stderr.write(f"… and {len(report.problems) - SHOWN_PROBLEMS} more.")
        rejected = len(report.rejected_lines)
        if rejected and not options["skip_bad_rows"]:
            raise CommandError(
                f"Nothing was imported: {rejected} of {report.rows} rows cannot be read "
                "(use --skip-bad-rows to import the others)."
            )
        self.stdout.write(
            f"Imported {report.imported} rows ({report.file_format}) as “{name}”"
            + (f"; {rejected} rows skipped." if rejected else ".")
        )
