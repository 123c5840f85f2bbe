import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from payvand.protection.archive import BackupError
from payvand.protection.backup import backup_inspect, backup_verify, backup_write
from payvand.protection.management.commands._passphrase import passphrase_from


class Command(BaseCommand):
    help = (
        "Write the whole database and the sealed attachments into one encrypted file "
        "(a consistent snapshot); `--check FILE` opens and verifies a backup instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", help="The backup file to write (replaced if it exists).")
        parser.add_argument(
            "--passphrase-file",
            help="Encrypt with the passphrase in this file instead of the master key.",
        )
        parser.add_argument(
            "--check", metavar="FILE", help="Verify FILE (every part, and its checksum)."
        )

    def handle(self, *args, out=None, passphrase_file=None, check=None, **options):
        passphrase = passphrase_from(passphrase_file)
        try:
            if check:
                backup_verify(Path(check), passphrase=passphrase)
                header = backup_inspect(Path(check), passphrase=passphrase)
                s = header.summary
                self.stdout.write(
                    f"OK {check}: made {header.public['created_at']} on "
                    f"{header.public['vendor']}, {s['rows']} rows in {s['tables']} tables, "
                    f"{s['files']} files, sha256 {s['content_sha256']}"
                )
                return
            if not out:
                raise CommandError("Give --out FILE (or --check FILE).")
            verbose = options["verbosity"] > 1
            summary = backup_write(
                Path(out),
                passphrase=passphrase,
                progress=(lambda msg: sys.stderr.write(msg + "\n")) if verbose else lambda _m: None,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Wrote {summary.path} ({summary.bytes:,} bytes): {summary.rows:,} rows in "
            f"{summary.tables} tables, {summary.files} files ({summary.file_bytes:,} bytes) "
            f"in {summary.seconds:.1f} s."
        )
        for missing in summary.files_missing:
            self.stderr.write(f"warning: {missing} is referenced but was not on disk")
        if passphrase is None:
            self.stdout.write(
                "Encrypted with a key derived from the master key: keep the master key "
                "(elsewhere) to restore it."
            )
