from django.core.management.base import BaseCommand

from payvand.referrals.notify import referrals_alert_overdue
from payvand.referrals.services import referrals_expire


class Command(BaseCommand):
    help = "Referrals: `expire` — expire unanswered referrals and alert on late ones (daily)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("expire", help="Expire overdue answers; alert supervisors of late work.")

    def handle(self, *args, action, **options):
        expired = referrals_expire()
        alerted = referrals_alert_overdue()
        self.stdout.write(f"{expired} referrals expired; {alerted} late referrals alerted.")
