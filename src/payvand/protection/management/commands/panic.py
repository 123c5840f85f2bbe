from django.core.management.base import BaseCommand, CommandError

from payvand.accounts.models import User
from payvand.core.errors import DomainError
from payvand.orgs.models import Organisation
from payvand.orgs.selectors import organisation_by_code
from payvand.protection.models import PanicRequest
from payvand.protection.panic import (
    panic_confirm,
    panic_drill_now,
    panic_pending,
    panic_run_due,
)


def _report(request: PanicRequest) -> str:
    r = request.report
    if not r:
        return ""
    verb = "would destroy" if request.drill else "destroyed"
    return (
        f"{verb} {r['keys']} key(s) ({r['sealed_records']} sealed record(s), {r['files']} "
        f"file(s)), {'would suspend' if request.drill else 'suspended'} {r['memberships']} "
        f"membership(s) and {'would end' if request.drill else 'ended'} {r['sessions']} "
        f"session(s)"
    )


class Command(BaseCommand):
    help = (
        "Emergency shredding of an organisation: `status`, `confirm --org CODE --by EMAIL` "
        "(the second admin), `drill --org CODE` (reports, changes nothing), `run-due` "
        "(runs requests whose delay ran out; schedule it every minute)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        status = sub.add_parser("status", help="Waiting and past requests.")
        status.add_argument("--org", help="Organisation short code.")
        confirm = sub.add_parser("confirm", help="Confirm the waiting request as an admin.")
        confirm.add_argument("--org", required=True)
        confirm.add_argument("--by", required=True, help="E-mail of the confirming admin.")
        drill = sub.add_parser("drill", help="Report what shredding would do; change nothing.")
        drill.add_argument("--org", required=True)
        sub.add_parser("run-due", help="Run requests whose delay ran out (idempotent).")

    def _org(self, code) -> Organisation:
        org = organisation_by_code(code)
        if org is None:
            raise CommandError(f"No organisation with code {code}.")
        return org

    def handle(self, *args, action, **options):
        try:
            if action == "status":
                self._status(options.get("org"))
            elif action == "confirm":
                org = self._org(options["org"])
                asked = panic_pending(org)
                if asked is None:
                    raise CommandError(f"Nothing is waiting for confirmation in {org.full_code}.")
                by = User.objects.filter(email__iexact=options["by"]).first()
                if by is None:
                    raise CommandError(f"No user {options['by']}.")
                done = panic_confirm(request=asked, by=by)
                self.stdout.write(
                    f"{org.full_code}: {'drill' if done.drill else 'DONE'}: {_report(done)}."
                )
            elif action == "drill":
                org = self._org(options["org"])
                done = panic_drill_now(org=org)
                self.stdout.write(f"Drill of {org.full_code}: it {_report(done)}. Nothing changed.")
            else:
                for done in panic_run_due():
                    self.stdout.write(
                        f"{done.organisation.full_code}: {'drill' if done.drill else 'DONE'}: "
                        f"{_report(done)}."
                    )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc

    def _status(self, code):
        requests = PanicRequest.objects.select_related("organisation", "requested_by")
        if code:
            requests = requests.filter(organisation=self._org(code))
        if not requests.exists():
            self.stdout.write("No emergency shredding was ever asked for.")
        for r in requests[:50]:
            who = r.requested_by.email if r.requested_by else "server operator"
            line = (
                f"{r.organisation.full_code} {'drill' if r.drill else 'REAL'} {r.state} "
                f"asked {r.requested_at:%Y-%m-%d %H:%M} UTC by {who}"
            )
            if r.runs_at and r.state == "pending":
                line += f", runs by itself at {r.runs_at:%Y-%m-%d %H:%M} UTC"
            if r.report:
                line += f"; {_report(r)}"
            self.stdout.write(line)
