"""Erasing one survivor's personal data on her request (or when it was recorded in
error), leaving the case skeleton: codes, dates and counts that name nobody.

Every sealed blob that belongs to her cases is replaced by a tombstone (no ciphertext
is left, so no key can ever open it again), her blind-index tokens are deleted, and her
attachments' files are deleted when the transaction commits. Pages then say "erased",
exactly as after an organisation's purge. Copies in backups made before the erasure
keep the old ciphertext until those backups expire: the README says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from payvand.accounts.models import User
from payvand.cases.guards import require_case_perm
from payvand.cases.models import Case, NameToken, Person
from payvand.cases.vocab import ErasureReason
from payvand.core import crypto, sealed
from payvand.core.audit.services import audit_record
from payvand.core.errors import IllegalTransition
from payvand.core.permissions import Perm


@dataclass(frozen=True)
class Erasure:
    cases: int
    blobs: int
    files: int


@transaction.atomic(durable=True)
def person_erase(*, case: Case, by: User, reason: str, confirm: str) -> Erasure:
    """Erase the personal data of ``case``'s survivor, in all her cases of this
    organisation. ``confirm`` must repeat the case number (no erasure by a slip)."""
    require_case_perm(by, case, Perm.CASE_APPROVE)
    errors = {}
    if reason not in ErasureReason.values:
        errors["reason"] = _("Choose why the data is erased.")
    if (confirm or "").strip().upper() != case.number.upper():
        errors["confirm"] = _("Type the case number %(number)s to confirm.") % {
            "number": case.number
        }
    if errors:
        raise ValidationError(errors)
    person = Person.objects.select_for_update().get(pk=case.person_id)
    if person.erased_at is not None:
        raise IllegalTransition(_("This survivor's personal data was already erased."))
    return person_erase_locked(person, by=by, reason=reason)


def person_erase_locked(
    person: Person, *, by: User | None, reason: str, details: dict | None = None
) -> Erasure:
    """The erasure itself, for a person the caller has locked and found not erased:
    the per-survivor request above and the retention rules (protection app) both run it.
    ``by`` None is the system; ``details`` are added to each case's audit row."""
    cases = Case.objects.filter(person=person)
    blobs = 0
    for column in sealed.COLUMNS:
        if column.model is Person:
            continue
        path = column.case_path
        if path is None:
            continue
        rows = column.model.objects.filter(**{f"{path}__in": cases}).exclude(
            **{f"{column.field}__isnull": True}
        )
        blobs += rows.update(**{column.field: crypto.TOMBSTONE})
    person.identity = crypto.TOMBSTONE
    person.erased_at = timezone.now()
    person.save(update_fields=["identity", "erased_at"])
    blobs += 1
    NameToken.objects.filter(person=person).delete()
    files = sum(erase(cases) for erase in sealed.ERASERS)
    numbers = list(cases.values_list("public_id", flat=True))
    for each in cases.select_related("organisation"):
        audit_record(
            action="person.erase",
            actor=by,
            organisation=each.organisation,
            obj=each,
            details={"reason": reason, "person": str(person.public_id), **(details or {})},
        )
    audit_record(
        action="person.erase_summary",
        actor=by,
        organisation=person.organisation,
        obj=person,
        details={"reason": reason, "cases": len(numbers), "blobs": blobs, "files": files},
    )
    return Erasure(cases=len(numbers), blobs=blobs, files=files)
