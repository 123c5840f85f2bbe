from django.core.management.base import BaseCommand, CommandError

from payvand.core.audit.verify import audit_chain_verify


class Command(BaseCommand):
    help = "Audit trail: `payvand audit verify` walks the hash chain."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="Check every row's hash and link; exit 1 at the first break.")

    def handle(self, *args, action, **options):
        report = audit_chain_verify()
        if report.ok:
            self.stdout.write(f"OK {report.rows} rows")
            return
        raise CommandError(
            f"BROKEN at row {report.broken_seq}: {report.reason} "
            f"({report.rows} rows before it verified)"
        )
