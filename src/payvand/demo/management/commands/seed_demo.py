import sys

from django.core.management.base import BaseCommand, CommandError

from payvand.core.progress import ProgressBar
from payvand.demo.region import DEMO_CASES, DEMO_PASSWORD
from payvand.demo.seed import seed_demo


class Command(BaseCommand):
    help = (
        "Create the demo region (organisations, one login per role and country, survivor "
        "cases with consents, screenings, plans and assistance); idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--cases",
            type=int,
            default=DEMO_CASES,
            help=f"How many survivor cases the region should hold (default {DEMO_CASES}).",
        )
        parser.add_argument(
            "--registrations-only",
            action="store_true",
            help=(
                "Register the new cases only, 500 to a transaction: no consents, screenings, "
                "plans, assistance (much faster for large numbers, e.g. --cases 100000)."
            ),
        )
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the logins.")

    def handle(self, *args, cases=None, quiet_logins=False, registrations_only=False, **options):
        if cases < 0:
            raise CommandError("--cases cannot be negative.")
        foreign = non_demo_organisations()
        if foreign:
            # The demo logins share a printed password and a printed second-factor key,
            # one of them a platform admin: never on a database that holds real work.
            raise CommandError(
                "This database holds organisations that are not part of the demo ("
                + ", ".join(foreign[:5])
                + "). seed-demo only seeds an empty database or a demo one."
            )
        try:
            logins = seed_demo(
                progress=lambda msg: self.stdout.write(f"  + {msg}"),
                cases=cases,
                journeys=not registrations_only,
                bar=ProgressBar(options.get("stderr") or sys.stderr, unit="cases", every=5000),
            )
        except KeyboardInterrupt:
            # Each batch is one transaction: the one under way was rolled back whole.
            raise CommandError(
                "Interrupted. The cases registered before are kept, never half a batch; "
                "run the same command again to top up."
            ) from None
        if not quiet_logins:
            print_logins(self.stdout, logins)


def non_demo_organisations() -> list[str]:
    from payvand.demo.region import ORGANISATIONS
    from payvand.orgs.models import Organisation

    demo_codes = {row[0] for row in ORGANISATIONS}
    return sorted(Organisation.objects.exclude(code__in=demo_codes).values_list("code", flat=True))


def print_logins(out, logins) -> None:
    from payvand.core.permissions import Role

    labels = dict(Role.choices)
    out.write("")
    out.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
    width = max(len(login.email) for login in logins)
    for login in logins:
        out.write(f"  {login.email.ljust(width)}  {labels[login.role]!s:<20} {login.org_code}")
    out.write("")
    out.write(f"Second factor for all: add the key {demo_key_base32()} to an authenticator app,")
    out.write("or run `.venv/bin/payvand demo-code` in another terminal for the current code.")
    out.write("")


def demo_key_base32() -> str:
    import base64

    from payvand.demo.region import DEMO_TOTP_KEY

    key = base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))
