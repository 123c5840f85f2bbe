import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from payvand.protection.archive import BackupError
from payvand.protection.backup import backup_restore
from payvand.protection.management.commands._passphrase import passphrase_from


class Command(BaseCommand):
    help = (
        "Restore a `payvand backup` file into an empty database and an empty attachments "
        "folder; the whole file is checked before anything is written, all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup file.")
        parser.add_argument(
            "--passphrase-file", help="The passphrase the backup was encrypted with."
        )

    def handle(self, *args, file, passphrase_file=None, **options):
        passphrase = passphrase_from(passphrase_file)
        try:
            summary = backup_restore(
                Path(file),
                passphrase=passphrase,
                progress=lambda msg: (
                    sys.stderr.write(msg + "\n") if options["verbosity"] > 0 else None
                ),
            )
        except (BackupError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored {summary.rows:,} rows in {summary.tables} tables and {summary.files} "
            f"files in {summary.seconds:.1f} s."
        )
        if summary.migrated_after:
            self.stdout.write(
                f"Then applied {len(summary.migrated_after)} newer migration(s) of this version."
            )
        from payvand.core.keys import master_key_mismatch

        mismatch = master_key_mismatch()
        if mismatch:
            self.stderr.write(f"Warning: {mismatch}")
        self.stdout.write("Now run `payvand audit verify`: it must say OK.")
