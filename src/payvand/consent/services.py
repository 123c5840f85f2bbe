"""Writes on consent: recording and withdrawing, each one transaction with its audit row.

Withdrawal takes effect at once: `selectors.consent_allows` reads the database on
every call, so the next referral or statistics run after `consent_withdraw` commits
no longer sees the consent.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from payvand.accounts.models import User
from payvand.cases.guards import require_case_perm
from payvand.cases.models import Case
from payvand.consent.models import TRANSITIONS, Consent, ConsentStatus, GivenBy
from payvand.core import crypto
from payvand.core.audit.services import audit_record
from payvand.core.calendars import effective_calendar, format_date
from payvand.core.errors import DomainError, IllegalTransition
from payvand.core.sealed import context_for
from payvand.orgs.models import Organisation

MAX_NAME_LENGTH = 200
MAX_RELATION_LENGTH = 100
MAX_TEXT_LENGTH = 2000


def _check_may_edit(case: Case, by: User) -> None:
    """CASE_EDIT in the case's organisation, and the case within the caller's scope."""
    require_case_perm(by, case, message=_("You cannot record consent on this case."))


# Called with the case when one of its consents is recorded or withdrawn, in the same
# transaction: capabilities that depend on consent (duplicate detection) register here.
CONSENT_CHANGED: list = []


def _changed(case: Case) -> None:
    for hook in CONSENT_CHANGED:
        hook(case)


def _audit_details(consent: Consent) -> dict:
    details = {"purpose": consent.purpose}
    if consent.recipient_org is not None:
        details["recipient_org"] = str(consent.recipient_org.public_id)
    if consent.recipient_country:
        details["recipient_country"] = consent.recipient_country
    return details


def _active_same(
    case: Case, purpose: str, recipient_org: Organisation | None, recipient_country: str
) -> Consent | None:
    return Consent.objects.filter(
        case=case,
        purpose=purpose,
        recipient_org=recipient_org,
        recipient_country=recipient_country,
        withdrawn_on__isnull=True,
    ).first()


def _seal(consent: Consent, field: str, data) -> bytes:
    try:
        return crypto.seal_json(
            consent.case.organisation, data, context=context_for(consent, field)
        )
    except crypto.KeyDestroyed:
        raise DomainError(
            _(
                "Your organisation's keys were destroyed: no personal detail can be recorded "
                "any more. Leave the text fields empty."
            )
        ) from None


@transaction.atomic(durable=True)
def consent_record(
    *,
    case: Case,
    by: User,
    purpose: str,
    given_on: dt.date | None,
    recorded_how: str,
    given_by: str = GivenBy.SELF,
    guardian_name: str = "",
    guardian_relation: str = "",
    recipient_org: Organisation | None = None,
    recipient_country: str = "",
    note: str = "",
) -> Consent:
    """Record that the survivor (or a guardian) consented to ``purpose``.

    The same active consent recorded twice (same case, purpose and recipient) is
    returned as it is: a second click does not make a second record.
    """
    _check_may_edit(case, by)
    recipient_country = (recipient_country or "").strip().upper()
    guardian_name, guardian_relation = guardian_name.strip(), guardian_relation.strip()
    note = note.strip()
    existing = _active_same(case, purpose, recipient_org, recipient_country)
    if existing is not None:
        return existing

    errors: dict[str, list[str]] = {}

    def error(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if given_by == GivenBy.GUARDIAN:
        if not guardian_name:
            error("guardian_name", _("Enter the name of the parent or guardian."))
        if not guardian_relation:
            error("guardian_relation", _("Enter how the guardian is related to her or him."))
    elif guardian_name or guardian_relation:
        field = "guardian_name" if guardian_name else "guardian_relation"
        error(field, _("Leave the guardian's details empty when she or he consented in person."))
    if len(guardian_name) > MAX_NAME_LENGTH:
        error("guardian_name", _("Names are at most %(n)s characters.") % {"n": MAX_NAME_LENGTH})
    if len(guardian_relation) > MAX_RELATION_LENGTH:
        error(
            "guardian_relation",
            _("Write the relation in at most %(n)s characters.") % {"n": MAX_RELATION_LENGTH},
        )
    if len(note) > MAX_TEXT_LENGTH:
        error("note", _("Write at most %(n)s characters.") % {"n": MAX_TEXT_LENGTH})
    if given_on is None:
        error("given_on", _("Enter the date consent was given."))

    consent = Consent(
        case=case,
        purpose=purpose,
        recipient_org=recipient_org,
        recipient_country=recipient_country,
        given_by=given_by,
        given_on=given_on,
        recorded_how=recorded_how,
        recorded_by=by,
    )
    try:
        consent.full_clean(exclude=["given_on"] if given_on is None else None)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                error(field, message)
    if recipient_org is not None and not recipient_org.is_active:
        error("recipient_org", _("This organisation no longer works on Payvand: choose another."))
    if errors:
        raise ValidationError(errors)

    # The blobs are bound to the row's public id, which exists from construction on.
    if given_by == GivenBy.GUARDIAN:
        consent.guardian = _seal(
            consent, "guardian", {"name": guardian_name, "relation": guardian_relation}
        )
    if note:
        consent.note = _seal(consent, "note", note)
    try:
        with transaction.atomic():
            consent.save(force_insert=True)
    except IntegrityError:
        # The same consent raced in from a second tab: the first one stands.
        existing = _active_same(case, purpose, recipient_org, recipient_country)
        if existing is None:
            raise
        return existing
    audit_record(
        action="consent.record",
        actor=by,
        organisation=case.organisation,
        obj=consent,
        details=_audit_details(consent),
    )
    _changed(consent.case)
    return consent


def _check_transition(consent: Consent, to: str, by: User) -> None:
    """The one place that says which consent changes are allowed."""
    if to in TRANSITIONS[consent.status]:
        return
    if consent.status == ConsentStatus.WITHDRAWN:
        language = translation.get_language() or "en"
        calendar = effective_calendar(getattr(by, "calendar", "auto"), language)
        raise IllegalTransition(
            _("This consent was already withdrawn on %(date)s.")
            % {"date": format_date(consent.withdrawn_on, calendar, language)}
        )
    raise IllegalTransition(_("This change of consent is not possible."))


@transaction.atomic(durable=True)
def consent_withdraw(
    *, consent: Consent, by: User, withdrawn_on: dt.date | None, reason: str = ""
) -> Consent:
    """Withdraw a consent from ``withdrawn_on`` on; it stops counting at once."""
    _check_may_edit(consent.case, by)
    # Locked, so that two people withdrawing at once cannot both succeed.
    locked = (
        Consent.objects.select_for_update(of=("self",))
        .select_related("case__organisation", "recipient_org")
        .get(pk=consent.pk)
    )
    _check_transition(locked, ConsentStatus.WITHDRAWN, by)
    reason = reason.strip()
    errors: dict[str, list[str]] = {}
    if withdrawn_on is None:
        errors["withdrawn_on"] = [_("Enter the date consent was withdrawn.")]
    if len(reason) > MAX_TEXT_LENGTH:
        errors["reason"] = [_("Write at most %(n)s characters.") % {"n": MAX_TEXT_LENGTH}]
    if errors:
        raise ValidationError(errors)
    locked.withdrawn_on = withdrawn_on
    locked.withdrawn_by = by
    locked.full_clean()
    if reason:
        locked.withdrawal_reason = _seal(locked, "withdrawal_reason", reason)
    locked.save(update_fields=["withdrawn_on", "withdrawn_by", "withdrawal_reason"])
    audit_record(
        action="consent.withdraw",
        actor=by,
        organisation=locked.case.organisation,
        obj=locked,
        details=_audit_details(locked),
    )
    consent.withdrawn_on, consent.withdrawn_by = locked.withdrawn_on, by
    consent.withdrawal_reason = locked.withdrawal_reason
    _changed(locked.case)
    return locked
