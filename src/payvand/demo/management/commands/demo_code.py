from django.core.management.base import BaseCommand

from payvand.demo.region import DEMO_TOTP_KEY


class Command(BaseCommand):
    help = (
        "Print the current two-factor code of the demo logins (they share one authenticator "
        "key, printed by `payvand demo`). A code works once per login, for about 30 seconds."
    )

    def handle(self, *args, **options):
        import time

        from django_otp.oath import TOTP

        totp = TOTP(bytes.fromhex(DEMO_TOTP_KEY))
        totp.time = time.time()
        left = 30 - int(totp.time) % 30
        self.stdout.write(f"{totp.token():06d}  (valid for {left} more seconds)")
