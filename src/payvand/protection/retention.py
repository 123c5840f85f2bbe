"""Retention: a survivor's closed cases are anonymised N years after closure (the
organisation's policy), unless the organisation or one of her cases is on legal hold.

Anonymising is the per-survivor erasure of cases/erasure.py — every sealed blob of her
cases tombstoned, her blind-index tokens deleted, her files erased through the same
registries (sealed.COLUMNS, sealed.ERASERS) — run by the system instead of a supervisor,
so without the supervisor's permission check and typed confirmation. Only survivors
whose every case in the organisation is closed and past the limit qualify: a survivor
with an open case keeps everything. Each survivor is erased in her own transaction, so
an interrupted run keeps what it finished and the next run (daily) does the rest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from payvand.cases.erasure import person_erase_locked
from payvand.cases.models import Case, Person
from payvand.cases.vocab import CaseStatus, ErasureReason
from payvand.core.audit.services import audit_record
from payvand.orgs.models import Organisation
from payvand.protection.models import LegalHold, ProtectionPolicy

CLOSED = (CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED)
REASON = ErasureReason.RETENTION


@dataclass
class Anonymised:
    organisation: str
    person: str
    cases: list[str]
    closed_last: str


@dataclass
class RetentionReport:
    dry_run: bool
    anonymised: list[Anonymised] = field(default_factory=list)
    kept_on_hold: int = 0
    kept_open: int = 0
    organisations_on_hold: list[str] = field(default_factory=list)


def years_before(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def retention_policy_set(
    *,
    org: Organisation,
    years: int | None = ...,  # type: ignore[assignment]
    legal_hold: bool | None = None,
    reason: str | None = None,
    panic_delay_minutes: int | None = ...,  # type: ignore[assignment]
) -> ProtectionPolicy:
    """Change the organisation's policy (server operator); ``...`` leaves a field as it is."""
    with transaction.atomic():
        policy, _created = ProtectionPolicy.objects.select_for_update().get_or_create(
            organisation=org
        )
        changed = {}
        if years is not ...:
            policy.retention_years = years
            changed["retention_years"] = years
        if legal_hold is not None:
            policy.legal_hold = legal_hold
            policy.legal_hold_reason = (reason or "") if legal_hold else ""
            changed["legal_hold"] = legal_hold
        if panic_delay_minutes is not ...:
            policy.panic_delay_minutes = panic_delay_minutes
            changed["panic_delay_minutes"] = panic_delay_minutes
        policy.full_clean()
        policy.save()
        audit_record(
            action="protection.policy", actor=None, organisation=org, obj=org, details=changed
        )
    return policy


def legal_hold_place(*, case: Case, reason: str, by=None) -> LegalHold:
    with transaction.atomic():
        hold, created = LegalHold.objects.get_or_create(
            case=case, defaults={"reason": reason, "placed_by": by}
        )
        if created:
            audit_record(
                action="case.legal_hold", actor=by, organisation=case.organisation, obj=case
            )
    return hold


def legal_hold_release(*, case: Case, by=None) -> bool:
    with transaction.atomic():
        released, _ = LegalHold.objects.filter(case=case).delete()
        if released:
            audit_record(
                action="case.legal_hold_release",
                actor=by,
                organisation=case.organisation,
                obj=case,
            )
    return bool(released)


def retention_run(*, dry_run: bool = False, now: dt.datetime | None = None) -> RetentionReport:
    """Anonymise every survivor whose cases are all closed past her organisation's limit
    (or, with ``dry_run``, say who would be). Idempotent; audited either way."""
    now = now or timezone.now()
    report = RetentionReport(dry_run=dry_run)
    policies = ProtectionPolicy.objects.filter(retention_years__isnull=False).select_related(
        "organisation"
    )
    for policy in policies.order_by("organisation__code"):
        org = policy.organisation
        if policy.legal_hold:
            report.organisations_on_hold.append(org.full_code)
            continue
        cutoff = years_before(now, policy.retention_years)
        due = Case.objects.filter(
            organisation=org, status__in=CLOSED, closed_at__lte=cutoff, person__erased_at=None
        )
        persons = Person.objects.filter(
            Exists(due.filter(person=OuterRef("pk"))), erased_at=None
        ).order_by("pk")
        for person in persons:
            cases = list(Case.objects.filter(person=person).order_by("number"))
            if any(
                c.status not in CLOSED or c.closed_at is None or c.closed_at > cutoff for c in cases
            ):
                report.kept_open += 1
                continue
            if LegalHold.objects.filter(case__in=cases).exists():
                report.kept_on_hold += 1
                continue
            item = Anonymised(
                organisation=org.full_code,
                person=str(person.public_id),
                cases=[c.number for c in cases],
                closed_last=max(c.closed_at for c in cases).date().isoformat(),
            )
            if dry_run or _person_anonymise(person, years=policy.retention_years):
                report.anonymised.append(item)
    audit_record(
        action="retention.dry_run" if dry_run else "retention.run",
        actor=None,
        details={
            "anonymised": len(report.anonymised),
            "cases": sum(len(a.cases) for a in report.anonymised),
            "kept_on_hold": report.kept_on_hold,
            "kept_open": report.kept_open,
            "organisations_on_hold": report.organisations_on_hold,
        },
    )
    return report


@transaction.atomic(durable=True)
def _person_anonymise(person: Person, *, years: int) -> bool:
    """cases/erasure.py's person_erase, by the system: the same steps over the same
    registries. False when she was erased meanwhile (by hand, or another run)."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.erased_at is not None:
        return False
    cases = Case.objects.filter(person=person)
    if cases.filter(~Q(status__in=CLOSED)).exists():
        return False  # reopened meanwhile
    person_erase_locked(person, by=None, reason=REASON, details={"years": years})
    return True
