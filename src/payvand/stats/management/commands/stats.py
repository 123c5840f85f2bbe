import csv
import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from payvand.stats.models import ReferenceDataset
from payvand.stats.tables import FIELDS, SOURCES, UnknownField, count_table, table_rows

MIN_K = 5


class Command(BaseCommand):
    help = (
        "Regional statistics: `table` (small cells suppressed), `release` (differentially "
        "private or exact, registered), `ledger` (privacy budget per year), `refresh` "
        "(rebuild the materialised facts), `export-ctdc`, `export-htcds`."
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
        release = sub.add_parser(
            "release", help="Publish a table of one year's survivors, with noise (DP) or exact."
        )
        release.add_argument("--by", required=True, help="Comma-separated, one to three fields.")
        release.add_argument("--year", type=int, required=True)
        release.add_argument("--epsilon", type=float, help="ε to spend (noisy releases).")
        release.add_argument(
            "--exact", action="store_true", help="Release exact counts, small cells withheld."
        )
        release.add_argument("--k", type=int, default=11, help="Smallest count shown (--exact).")
        release.add_argument(
            "--dry-run", action="store_true", help="Show the cost and precision; release nothing."
        )
        sub.add_parser("ledger", help="The privacy budget of each year: ε spent and left.")
        sub.add_parser("refresh", help="Rebuild the materialised facts the dashboard reads.")
        ctdc = sub.add_parser(
            "export-ctdc", help="CTDC 2024-format CSV of the survivors, k-anonymous (k = 11)."
        )
        ctdc.add_argument("--out", required=True, help="The CSV file to write.")
        htcds = sub.add_parser("export-htcds", help="One organisation's cases as HTCDS JSON.")
        htcds.add_argument("--org", required=True, help="The organisation's code.")
        htcds.add_argument("--out", required=True, help="The JSON file to write.")
        htcds.add_argument(
            "--with-identities",
            action="store_true",
            help="Include names, birth dates and contacts (every person read is audited).",
        )

    def handle(self, *args, action, **options):
        handler = {
            "table": self.table,
            "release": self.release,
            "ledger": self.ledger,
            "refresh": self.refresh,
            "export-ctdc": self.export_ctdc,
            "export-htcds": self.export_htcds,
        }[action]
        return handler(options)

    def _write(self, path: str, text: str) -> None:
        target = Path(path)
        if not target.parent.is_dir():
            raise CommandError(f"Cannot write {target}: the folder {target.parent} does not exist.")
        try:
            # Only the server's user may read an export: it is about survivors.
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise CommandError(f"Cannot write {target}: {exc.strerror}") from None

    def export_ctdc(self, options):
        from payvand.stats.exports import export_ctdc

        text, report = export_ctdc()
        self._write(options["out"], text)
        emptied = ", ".join(f"{c} {n}" for c, n in sorted(report["emptied"].items())) or "none"
        self.stdout.write(
            f"{report['rows']} survivors written to {options['out']} (k = 11); values "
            f"emptied: {emptied}; rows left out: {report['left_out']}."
        )

    def export_htcds(self, options):
        from payvand.orgs.models import Organisation
        from payvand.stats.exports import export_htcds

        org = Organisation.objects.filter(code=options["org"].strip().upper()).first()
        if org is None:
            raise CommandError(
                f"No organisation with the code {options['org']} (payvand org list)."
            )
        with_identities = options["with_identities"]
        if with_identities:
            self.stderr.write(
                f"This export holds the names, birth dates and contacts of {org.code}'s "
                "survivors; every person read is recorded in the audit trail. Keep the file "
                "encrypted and delete it when done."
            )
        data = export_htcds(org=org, with_identities=with_identities)
        self._write(options["out"], json.dumps(data, ensure_ascii=False, indent=1))
        self.stdout.write(
            f"{len(data['cases'])} cases of {org.code} written to {options['out']}"
            + (" with identities." if with_identities else " (codes only, no identities).")
        )

    def refresh(self, options):
        from payvand.stats.facts import facts_refresh

        done = facts_refresh()
        self.stdout.write(f"{done.rows} cases in the facts, refreshed in {done.seconds:.1f} s.")

    def ledger(self, options):
        from payvand.stats import privacy

        rows = privacy.ledgers()
        self.stdout.write(f"Budget per year: ε {privacy.epsilon_per_year():g}")
        if not rows:
            self.stdout.write("No noisy release yet.")
        for row in rows:
            self.stdout.write(
                f"{row['year']}  spent {row['spent']:g}  left {row['remaining']:g}  "
                f"releases {row['releases']}"
            )

    def release(self, options):
        from payvand.stats import privacy

        fields = [f.strip() for f in options["by"].split(",") if f.strip()]
        year = options["year"]
        try:
            if options["exact"]:
                if options["epsilon"] is not None:
                    raise CommandError("--exact releases spend no ε: leave out --epsilon.")
                if options["k"] < MIN_K:
                    raise CommandError(f"--k must be at least {MIN_K}.")
                if options["dry_run"]:
                    self.stdout.write(
                        f"Would release {', '.join(fields)} for {year}, k = {options['k']}."
                    )
                    return
                done = privacy.release_exact(fields=fields, year=year, k=options["k"])
                self._write_release(done)
                return
            if options["epsilon"] is None:
                raise CommandError("Give --epsilon (or --exact for an exact release).")
            plan = privacy.plan_noisy(fields, year, options["epsilon"])
            book = privacy.ledger(year)
            if options["dry_run"]:
                self.stdout.write(
                    f"Would spend ε {plan.epsilon:g} of {year}'s {book['remaining']:g} left; "
                    f"{privacy.MECHANISM}, sensitivity {plan.sensitivity}, scale "
                    f"{plan.scale:g}; 95 % error ±{plan.cell_error:g} per cell. Nothing released."
                )
                return
            done = privacy.release_noisy(fields=fields, year=year, epsilon=options["epsilon"])
        except privacy.ReleaseRefused as exc:
            raise CommandError(str(exc)) from None
        self._write_release(done)
        book = privacy.ledger(year)
        self.stdout.write(
            f"ε {done.epsilon:g} spent; {year}: {book['spent']:g} of {book['budget']:g} used, "
            f"{book['remaining']:g} left."
        )

    def _write_release(self, release):
        writer = csv.writer(self.stdout, lineterminator="\n")
        noisy = release.mode == "noisy"
        writer.writerow([*release.fields, "count", *(["error95"] if noisy else [])])
        for row in [*release.figures["cells"], *release.figures["totals"]]:
            value = "" if row["value"] is None else row["value"]
            writer.writerow([*row["key"], value, *([row["error95"]] if noisy else [])])
        self.stderr.write(f"Release {release.public_id} ({release.mode}, {release.year}).")

    def table(self, options):
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
