from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from payvand.directory.hsds import PackageError, export_package, import_package


class Command(BaseCommand):
    help = (
        "The service directory as an Open Referral HSDS 3.0 JSON data package: "
        "`export --out DIR|FILE.json`, `import DIR|FILE`."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser(
            "export",
            help="Write every active organisation's directory data: a folder "
            "(datapackage.json and one file per HSDS table) or one .json file.",
        )
        export.add_argument("--out", required=True, help="A folder, or a file ending in .json.")
        load = sub.add_parser(
            "import",
            help="Replace the directory of every organisation in the package (all or nothing); "
            "organisations not on the platform yet are created.",
        )
        load.add_argument("file", help="datapackage.json, its folder, or a one-file package.")

    def handle(self, *args, action, **options):
        if action == "export":
            out = Path(options["out"])
            if out.exists() and not out.is_dir() and out.suffix.lower() != ".json":
                raise CommandError(f"{out} exists and is not a folder or a .json file.")
            counts = export_package(out)
            self.stdout.write(
                f"Wrote {out}: {counts['organization']} organisations, "
                f"{counts['service']} services, {counts['location']} locations (HSDS 3.0)."
            )
            return
        try:
            counts = import_package(Path(options["file"]))
        except PackageError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Imported {counts['organisations']} organisations ({counts['created']} new), "
            f"{counts['services']} services, {counts['locations']} locations."
        )
