import csv

from django.core.management.base import BaseCommand, CommandError

from payvand.stats.models import ReferenceDataset
from payvand.stats.tables import FIELDS, SOURCES, UnknownField, count_table, table_rows

MIN_K = 5


class Command(BaseCommand):
    help = (
        "Regional statistics: `table --source cases|ctdc --by FIELD[,FIELD…] [--k K] "
        "[--year-from Y --year-to Y] [--format csv|table]`, small cells suppressed."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        table = sub.add_parser("table", help="Survivors counted by the fields given.")
        table.add_argument("--source", choices=SOURCES, required=True)
        table.add_argument("--by", required=True, help=f"Comma-separated: {', '.join(FIELDS)}.")
        table.add_argument("--k", type=int, default=11, help="Smallest count shown (≥ 5).")
        table.add_argument("--year-from", type=int)
        table.add_argument("--year-to", type=int)
        table.add_argument("--dataset", help="CTDC dataset name (default: the latest import).")
        table.add_argument("--format", choices=["csv", "table"], default="table")

    def handle(self, *args, action, **options):
        if options["k"] < MIN_K:
            raise CommandError(f"--k must be at least {MIN_K}.")
        dataset = None
        if options["dataset"]:
            dataset = ReferenceDataset.objects.filter(name=options["dataset"]).first()
            if dataset is None:
                raise CommandError(f"No reference dataset named {options['dataset']}.")
        by = [f.strip() for f in options["by"].split(",") if f.strip()]
        try:
            table = count_table(
                source=options["source"],
                by=by,
                k=options["k"],
                year_from=options["year_from"],
                year_to=options["year_to"],
                dataset=dataset,
            )
        except UnknownField as exc:
            raise CommandError(str(exc)) from None
        rows = table_rows(table)
        if options["format"] == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow([*by, "count"])
            for cell, count in rows:
                writer.writerow([*cell, "" if count is None else count])
            return
        widths = [max([len(f), *(len(c[i] or "-") for c, _n in rows)]) for i, f in enumerate(by)]
        self.stdout.write(
            "  ".join(f.ljust(w) for f, w in zip(by, widths, strict=True)) + "  count"
        )
        for cell, count in rows:
            shown = f"<{table.k}" if count is None else str(count)
            line = "  ".join((v or "-").ljust(w) for v, w in zip(cell, widths, strict=True))
            self.stdout.write(f"{line}  {shown}")
        if table.with_totals:
            total = table.released_total(tuple("*" for _ in by))
            self.stdout.write(f"total  {'<' + str(table.k) if total is None else total}")
        self.stdout.write(
            f"Cells under {table.k}, and cells that would give them away, are withheld."
        )
