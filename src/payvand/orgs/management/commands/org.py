from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q

from payvand.core.keys import org_keys_destroy
from payvand.orgs.models import Organisation, OrgType
from payvand.orgs.selectors import organisation_by_code
from payvand.orgs.services import organisation_create


class Command(BaseCommand):
    help = "Organisations: `list` shows them with their short codes; `create` adds one."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="Organisations with their short codes (for --org CODE).")
        create = sub.add_parser("create", help="Create an organisation (server operator).")
        create.add_argument("--code", required=True, help="Short code, e.g. DYU.")
        create.add_argument("--name", required=True)
        create.add_argument("--country", required=True, help="ISO 3166-1 alpha-2, e.g. TJ.")
        create.add_argument("--subdivision", default="", help="ISO 3166-2, e.g. TJ-DU.")
        create.add_argument("--type", default=OrgType.NGO, choices=OrgType.values)
        purge = sub.add_parser(
            "purge",
            help="Crypto-shred: destroy the organisation's keys; its personal data becomes "
            "unreadable everywhere, at once and for good.",
        )
        purge.add_argument("code", help="Organisation short code.")
        purge.add_argument(
            "--confirm", action="store_true", help="Required: this cannot be undone."
        )

    def handle(self, *args, action, **options):
        if action == "list":
            return self._list()
        if action == "purge":
            return self._purge(options["code"], options["confirm"])
        try:
            org = organisation_create(
                by=None,
                code=options["code"],
                name=options["name"],
                country=options["country"].upper(),
                subdivision=options["subdivision"].upper(),
                org_type=options["type"],
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
            ) from exc
        self.stdout.write(f"Created {org.full_code} {org.name}")

    def _purge(self, code: str, confirmed: bool):
        org = organisation_by_code(code)
        if org is None:
            raise CommandError(f"No organisation with code {code}.")
        if not confirmed:
            raise CommandError(
                f"This destroys every name, contact and note of {org.full_code} {org.name} "
                f"for good. Run again with --confirm to do it."
            )
        keys = org_keys_destroy(org=org)
        self.stdout.write(
            f"Destroyed {keys} key(s) of {org.full_code}: its personal data is now unreadable. "
            f"Case skeletons and statistics remain."
        )

    def _list(self):
        orgs = Organisation.objects.annotate(
            staff=Count("memberships", filter=Q(memberships__is_active=True))
        ).order_by("country", "code")
        rows = [("CODE", "COUNTRY", "TYPE", "STAFF", "ACTIVE", "NAME")]
        rows += [
            (o.code, o.country, o.org_type, str(o.staff), "yes" if o.is_active else "no", o.name)
            for o in orgs
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        for row in rows:
            self.stdout.write(
                "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:5])) + "  " + row[5]
            )
        if len(rows) == 1:
            self.stdout.write("(no organisations yet: `payvand org create` or `payvand seed-demo`)")
