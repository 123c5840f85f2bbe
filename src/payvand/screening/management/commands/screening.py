"""`payvand screening catalogue import FILE | list | labels`."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from payvand.screening import catalogue
from payvand.screening.selectors import catalogue_versions_for_operator
from payvand.screening.services import catalogue_import


class Command(BaseCommand):
    help = "Screening indicator catalogues: `catalogue import FILE`, `catalogue list`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="topic", required=True)
        catalogue_parser = sub.add_parser("catalogue", help="Indicator catalogue versions.")
        actions = catalogue_parser.add_subparsers(dest="action", required=True)
        importing = actions.add_parser(
            "import",
            help="Validate a catalogue JSON file and make it the new current version "
            "(earlier versions stay; nothing is created when the file has a problem).",
        )
        importing.add_argument("file", help="Catalogue JSON file (see `catalogue export` format).")
        actions.add_parser("list", help="Every version, the current one marked with *.")
        labels = actions.add_parser(
            "labels",
            help="Print the labels module (gettext_noop msgids) for the shipped files.",
        )
        labels.add_argument("files", nargs="*", help="Catalogue files (default: the shipped ones).")

    def handle(self, *args, topic, action, **options):
        if action == "import":
            self._import(Path(options["file"]))
        elif action == "list":
            self._list()
        else:
            paths = [Path(p) for p in options["files"]] or None
            try:
                self.stdout.write(catalogue.labels_module(paths), ending="")
            except catalogue.CatalogueError as exc:
                raise CommandError("\n".join(exc.messages)) from exc

    def _import(self, path: Path) -> None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        try:
            version, created = catalogue_import(raw=raw, by=None)
        except ValidationError as exc:
            problems = [m for messages in exc.message_dict.values() for m in messages]
            for problem in problems:
                self.stderr.write(f"{path}: {problem}")
            raise CommandError(
                f"{path} was not imported ({len(problems)} problem(s)); nothing was changed."
            ) from exc
        if not created:
            self.stdout.write(f"{path} is already the current version {version.number}.")
            return
        count = version.indicators.count()
        review = version.indicators.filter(needs_review=True).count()
        self.stdout.write(
            f"Imported {path} as version {version.number} (now current): "
            f"{count} indicators, {review} marked needs review."
        )

    def _list(self) -> None:
        versions = list(catalogue_versions_for_operator().order_by("number"))
        if not versions:
            self.stdout.write("No catalogue version.")
            return
        for v in versions:
            count, review, used = v.indicator_count, v.review_count, v.screening_count
            by = v.created_by.email if v.created_by else "operator"
            mark = "*" if v.is_current else " "
            self.stdout.write(
                f"{mark} v{v.number}  {v.created_at:%Y-%m-%d}  {by}  {count} indicators "
                f"({review} need review), {used} screenings  {v.title}"
            )
