from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from payvand.cases.models import Case
from payvand.orgs.models import Organisation
from payvand.orgs.selectors import organisation_by_code
from payvand.protection.models import LegalHold, ProtectionPolicy
from payvand.protection.retention import (
    legal_hold_place,
    legal_hold_release,
    retention_policy_set,
    retention_run,
)


class Command(BaseCommand):
    help = (
        "Retention: `run [--dry-run]` anonymises survivors whose cases are all closed past "
        "their organisation's limit (daily; idempotent); `policy`, `hold`, `release`, `show`."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Anonymise what is due (daily).")
        run.add_argument("--dry-run", action="store_true", help="Only report what is due.")
        policy = sub.add_parser("policy", help="Set an organisation's retention and hold.")
        policy.add_argument("--org", required=True, help="Organisation short code.")
        years = policy.add_mutually_exclusive_group()
        years.add_argument("--years", type=int, help="Anonymise N years after closure.")
        years.add_argument("--keep", action="store_true", help="Keep closed cases (no limit).")
        hold = policy.add_mutually_exclusive_group()
        hold.add_argument("--hold", metavar="REASON", help="Legal hold on the organisation.")
        hold.add_argument("--release", action="store_true", help="Lift the organisation's hold.")
        delay = policy.add_mutually_exclusive_group()
        delay.add_argument(
            "--panic-delay",
            type=int,
            metavar="MINUTES",
            help="Emergency shredding runs this long after it is asked, without a second admin.",
        )
        delay.add_argument(
            "--no-panic-delay", action="store_true", help="Only a second admin can confirm it."
        )
        place = sub.add_parser("hold", help="Put one case on legal hold.")
        place.add_argument("--case", required=True, help="Case number.")
        place.add_argument("--reason", required=True)
        lift = sub.add_parser("release", help="Lift one case's legal hold.")
        lift.add_argument("--case", required=True, help="Case number.")
        sub.add_parser("show", help="Each organisation's policy and holds.")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _run(self, dry_run, **_options):
        report = retention_run(dry_run=dry_run)
        verb = "Would anonymise" if dry_run else "Anonymised"
        for item in report.anonymised:
            self.stdout.write(
                f"{verb} {item.organisation} person {item.person}: cases "
                f"{', '.join(item.cases)} (last closed {item.closed_last})"
            )
        self.stdout.write(
            f"{verb} {len(report.anonymised)} survivor(s), "
            f"{sum(len(a.cases) for a in report.anonymised)} case(s); kept "
            f"{report.kept_open} with a case still open or recent, {report.kept_on_hold} on "
            f"legal hold; organisations on hold: {', '.join(report.organisations_on_hold) or '-'}."
        )

    def _org(self, code) -> Organisation:
        org = organisation_by_code(code)
        if org is None:
            raise CommandError(f"No organisation with code {code}.")
        return org

    def _case(self, number) -> Case:
        case = Case.objects.select_related("organisation").filter(number=number).first()
        if case is None:
            raise CommandError(f"No case {number}.")
        return case

    def _policy(self, org, years, keep, hold, release, panic_delay, no_panic_delay, **_options):
        org = self._org(org)
        changes = {}
        if years is not None:
            if years < 1:
                raise CommandError("--years must be 1 or more.")
            changes["years"] = years
        elif keep:
            changes["years"] = None
        if hold is not None:
            changes |= {"legal_hold": True, "reason": hold}
        elif release:
            changes["legal_hold"] = False
        if panic_delay is not None:
            if panic_delay < 0:
                raise CommandError("--panic-delay must be 0 or more minutes.")
            changes["panic_delay_minutes"] = panic_delay
        elif no_panic_delay:
            changes["panic_delay_minutes"] = None
        try:
            policy = retention_policy_set(org=org, **changes)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self._describe(org, policy))

    def _hold(self, case, reason, **_options):
        legal_hold_place(case=self._case(case), reason=reason)
        self.stdout.write(f"Case {case} is on legal hold: it will not be anonymised.")

    def _release(self, case, **_options):
        if legal_hold_release(case=self._case(case)):
            self.stdout.write(f"Case {case} is no longer on legal hold.")
        else:
            self.stdout.write(f"Case {case} was not on legal hold.")

    def _show(self, **_options):
        policies = {p.organisation_id: p for p in ProtectionPolicy.objects.all()}
        for org in Organisation.objects.order_by("country", "code"):
            self.stdout.write(self._describe(org, policies.get(org.pk)))
        holds = LegalHold.objects.select_related("case").order_by("case__number")
        for hold in holds:
            self.stdout.write(f"  hold on case {hold.case.number}: {hold.reason}")

    @staticmethod
    def _describe(org, policy) -> str:
        years = policy.retention_years if policy else None
        kept = f"anonymised {years} years after closure" if years else "kept (no limit)"
        hold = f"; LEGAL HOLD ({policy.legal_hold_reason})" if policy and policy.legal_hold else ""
        delay = (
            f"; emergency shredding runs {policy.panic_delay_minutes} min after it is asked"
            if policy and policy.panic_delay_minutes is not None
            else ""
        )
        return f"{org.full_code}: closed cases {kept}{hold}{delay}"
