from django.core.management import call_command
from django.core.management.base import BaseCommand

from payvand.demo.management.commands.seed_demo import print_logins
from payvand.demo.region import DEMO_CASES
from payvand.demo.seed import seed_demo


class Command(BaseCommand):
    help = (
        "Migrate the SQLite database under ./var/, seed the demo region if empty, print the "
        "demo logins and serve on http://127.0.0.1:8000."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument(
            "--no-serve", action="store_true", help="Prepare and print the logins, then stop."
        )

    def handle(self, *args, addrport, no_serve, **options):
        call_command("migrate", interactive=False, verbosity=0)
        logins = seed_demo(progress=lambda msg: self.stdout.write(f"  + {msg}"), cases=DEMO_CASES)
        print_logins(self.stdout, logins)
        if no_serve:
            return
        self.stdout.write(f"Open http://{addrport}/ and sign in with one of the logins above.")
        call_command("runserver", addrport, use_reloader=False, use_threading=True)
