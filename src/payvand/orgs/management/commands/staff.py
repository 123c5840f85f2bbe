from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from payvand.accounts.models import User
from payvand.accounts.services import membership_grant
from payvand.core.errors import DomainError
from payvand.core.languages import LANGUAGE_CODES
from payvand.core.permissions import Role
from payvand.orgs.selectors import organisation_by_code


class Command(BaseCommand):
    help = "Staff: `grant` gives a person a role in an organisation (server operator)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        grant = sub.add_parser(
            "grant", help="Give a role; a new account gets an invitation (link printed too)."
        )
        grant.add_argument("--org", required=True, help="Organisation short code.")
        grant.add_argument("--email", required=True)
        grant.add_argument("--name", required=True, help="Full name.")
        grant.add_argument("--role", required=True, choices=Role.values)
        grant.add_argument("--language", default="en", choices=LANGUAGE_CODES)
        grant.add_argument(
            "--base-url",
            default=settings.PAYVAND_BASE_URL,
            help="Public address for the link (default PAYVAND_BASE_URL).",
        )

    def handle(self, *args, action, **options):
        org = organisation_by_code(options["org"])
        if org is None:
            raise CommandError(
                f"No organisation with code {options['org']} (see `payvand org list`)."
            )
        try:
            with transaction.atomic():
                membership = membership_grant(
                    org=org,
                    by=None,
                    email=options["email"],
                    full_name=options["name"],
                    role=options["role"],
                    language=options["language"],
                    base_url=options["base_url"],
                )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        user: User = membership.user
        self.stdout.write(
            f"{user.email} is now {membership.get_role_display()} in {org.full_code}."
        )
        if not user.has_usable_password():
            link = options["base_url"].rstrip("/") + reverse(
                "accounts:password_reset_confirm",
                kwargs={
                    "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                    "token": default_token_generator.make_token(user),
                },
            )
            self.stdout.write(f"Link to choose a password (valid three days): {link}")
