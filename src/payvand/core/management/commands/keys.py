import base64
import secrets
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from payvand.core import crypto
from payvand.core.keys import master_key_rotate, org_keys_rotate
from payvand.orgs.selectors import organisation_by_code


class Command(BaseCommand):
    help = (
        "Key material: generate-secret, generate-master, rotate-master --new-key-file F, "
        "rotate-org CODE."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("generate-secret", help="Print a new random PAYVAND_SECRET_KEY.")
        sub.add_parser(
            "generate-master", help="Print a new random 256-bit PAYVAND_MASTER_KEY (base64)."
        )
        rotate_master = sub.add_parser(
            "rotate-master",
            help="Re-wrap every organisation's data key under a new master key.",
        )
        rotate_master.add_argument(
            "--new-key-file",
            required=True,
            help="File holding the new master key (from `payvand keys generate-master`).",
        )
        rotate_org = sub.add_parser(
            "rotate-org", help="Re-seal all of an organisation's personal data under a new key."
        )
        rotate_org.add_argument("org", help="Organisation short code (see `payvand org list`).")

    def handle(self, *args, action, **options):
        if action == "generate-secret":
            self.stdout.write(secrets.token_urlsafe(50))
        elif action == "generate-master":
            self.stdout.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
        elif action == "rotate-master":
            path = Path(options["new_key_file"])
            try:
                new = crypto._decode_key(path.read_text())
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot use {path} as a master key: {exc}") from exc
            count = master_key_rotate(new_master=new)
            self.stdout.write(
                f"Re-wrapped {count} data keys. Now set PAYVAND_MASTER_KEY (or "
                f"PAYVAND_MASTER_KEY_FILE) to the new key and restart; keep the old key "
                f"until backups made before today have expired."
            )
        else:
            org = organisation_by_code(options["org"])
            if org is None:
                raise CommandError(f"No organisation with code {options['org']}.")
            count = org_keys_rotate(org=org)
            self.stdout.write(f"Re-sealed {count} records of {org.full_code} under a new key.")
