import base64
import secrets

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Key material: generate-secret (PAYVAND_SECRET_KEY), generate-master (PAYVAND_MASTER_KEY)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("generate-secret", help="Print a new random PAYVAND_SECRET_KEY.")
        sub.add_parser(
            "generate-master", help="Print a new random 256-bit PAYVAND_MASTER_KEY (base64)."
        )

    def handle(self, *args, action, **options):
        if action == "generate-secret":
            self.stdout.write(secrets.token_urlsafe(50))
        else:
            self.stdout.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
