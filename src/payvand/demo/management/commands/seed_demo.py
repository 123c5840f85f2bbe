from django.core.management.base import BaseCommand

from payvand.demo.region import DEMO_PASSWORD
from payvand.demo.seed import seed_demo


class Command(BaseCommand):
    help = "Create the demo region (organisations and one login per role and country); idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--cases",
            type=int,
            default=None,
            help="Survivor cases to generate (takes effect once case management is installed).",
        )
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the logins.")

    def handle(self, *args, cases=None, quiet_logins=False, **options):
        logins = seed_demo(progress=lambda msg: self.stdout.write(f"  + {msg}"))
        if cases:
            self.stderr.write(
                "Note: this version has no case management yet, so --cases creates nothing."
            )
        if not quiet_logins:
            print_logins(self.stdout, logins)


def print_logins(out, logins) -> None:
    from payvand.core.permissions import Role

    labels = dict(Role.choices)
    out.write("")
    out.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
    width = max(len(login.email) for login in logins)
    for login in logins:
        out.write(f"  {login.email.ljust(width)}  {labels[login.role]!s:<20} {login.org_code}")
    out.write("")
