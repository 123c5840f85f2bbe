"""Reading consent. The rule other capabilities enforce lives here.

Public API for the referrals and statistics issues:

- ``consent_allows(case, purpose, *, organisation=None, country=None, on=None) -> bool``
  True when an active (not withdrawn) consent of ``case`` covers ``purpose``:
  * ``Purpose.SHARING_ORG`` needs ``organisation``: a consent naming that organisation,
    or a consent for sharing with the organisations of its country, covers it;
  * ``Purpose.SHARING_COUNTRY`` needs ``country`` (ISO alpha-2);
  * every other purpose takes neither.
  Medical data is a purpose of its own: a referral that carries it must check both
  the sharing consent and ``Purpose.MEDICAL``.
  ``on`` asks about a past day ("was it allowed on 2026-11-02?"); without it the
  answer is about now.
- ``cases_allowing(cases, purpose, *, organisation=None, country=None, on=None)``
  the same rule on a queryset of cases, in one query (for statistics over many).
- ``consents_for(user, case)`` the consents of a case, scoped to the caller.

**Withdrawal takes effect at once.** Nothing is cached: every call reads the database,
so once ``consent_withdraw`` has committed, every later call of ``consent_allows`` or
``cases_allowing`` answers False for what that consent covered. Callers must ask at the
moment they share or count, never keep an earlier answer.

``consent_allows`` and ``cases_allowing`` are rule checks, not scoped reads: the
caller has already reached the case through its own scoped selector.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from payvand.accounts.models import User
from payvand.cases.models import Case
from payvand.cases.selectors import cases_visible_to
from payvand.consent.models import SHARING_PURPOSES, Consent, GivenBy, Purpose
from payvand.core import countries, crypto
from payvand.core.audit.services import audit_record
from payvand.core.sealed import open_from
from payvand.orgs.models import Organisation


def _covering(purpose: str, organisation: Organisation | None, country: str | None) -> Q:
    """Which consents cover the question; a question asked wrongly is a programming error."""
    if purpose not in Purpose.values:
        raise ValueError(f"Unknown consent purpose {purpose!r}.")
    if purpose == Purpose.SHARING_ORG:
        if organisation is None or country is not None:
            raise ValueError("Sharing with an organisation needs organisation=… (and no country).")
        return Q(purpose=Purpose.SHARING_ORG, recipient_org=organisation) | Q(
            purpose=Purpose.SHARING_COUNTRY, recipient_country=organisation.country
        )
    if purpose == Purpose.SHARING_COUNTRY:
        if not country or organisation is not None:
            raise ValueError("Sharing with a country needs country=… (and no organisation).")
        return Q(purpose=Purpose.SHARING_COUNTRY, recipient_country=country.strip().upper())
    if organisation is not None or country is not None:
        raise ValueError(f"Consent for {purpose} names no organisation or country.")
    return Q(purpose=purpose)


def _in_force(on: dt.date | None) -> Q:
    if on is None:
        # Now: whatever is not withdrawn. Dates are not compared, so a withdrawal counts
        # the moment it is committed, whatever the time zone of the caller.
        return Q(withdrawn_on__isnull=True)
    return Q(given_on__lte=on) & (Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on))


def cases_allowing(
    cases: QuerySet[Case],
    purpose: str,
    *,
    organisation: Organisation | None = None,
    country: str | None = None,
    on: dt.date | None = None,
) -> QuerySet[Case]:
    """The cases of ``cases`` whose consent covers ``purpose`` (see the module docstring)."""
    covering = Consent.objects.filter(case=OuterRef("pk")).filter(
        _covering(purpose, organisation, country), _in_force(on)
    )
    return cases.filter(Exists(covering))


def consent_allows(
    case: Case,
    purpose: str,
    *,
    organisation: Organisation | None = None,
    country: str | None = None,
    on: dt.date | None = None,
) -> bool:
    """Whether an active consent of ``case`` covers ``purpose`` (see the module docstring)."""
    return cases_allowing(
        Case.objects.filter(pk=case.pk), purpose, organisation=organisation, country=country, on=on
    ).exists()


def consents_for(user: User, case: Case) -> QuerySet[Consent]:
    """The consents of ``case``; none at all when the case is outside the caller's scope."""
    return (
        Consent.objects.filter(case__in=cases_visible_to(user).filter(pk=case.pk))
        .select_related("case__organisation", "recipient_org", "recorded_by", "withdrawn_by")
        .order_by("-given_on", "-id")
    )


def consent_get(user: User, case: Case, public_id) -> Consent:
    consent = consents_for(user, case).filter(public_id=public_id).first()
    if consent is None:
        raise Http404
    return consent


def recipient_organisations(case: Case) -> QuerySet[Organisation]:
    """Organisations a survivor may consent to share with: active ones other than the case's."""
    return (
        Organisation.objects.filter(is_active=True)
        .exclude(pk=case.organisation_id)
        .order_by("country", "name")
    )


def recipient_label(consent: Consent) -> str:
    if consent.recipient_org is not None:
        org = consent.recipient_org
        return f"{org.name} ({countries.country_name(org.country)})"
    if consent.recipient_country:
        return countries.country_name(consent.recipient_country)
    return ""


def consent_label(consent: Consent) -> str:
    """What a consent allows, in a few words: "Statistics", "Sharing with Tajikistan"."""
    if consent.purpose in SHARING_PURPOSES:
        return _("Sharing with %(recipient)s") % {"recipient": recipient_label(consent)}
    return str(Purpose(consent.purpose).label)


@dataclass
class ShownConsent:
    consent: Consent
    recipient: str = ""
    guardian_name: str = ""
    guardian_relation: str = ""
    note: str = ""
    reason: str = ""
    erased: bool = False


@dataclass
class SummaryLine:
    """One line of the at-a-glance summary: "Statistics: yes"."""

    purpose: str
    label: str
    active: bool = False
    withdrawn_on: dt.date | None = None


@dataclass
class CaseConsents:
    shown: list[ShownConsent] = field(default_factory=list)
    summary: list[SummaryLine] = field(default_factory=list)


_PURPOSE_ORDER = {code: i for i, code in enumerate(Purpose.values)}


def _summary(shown: list[ShownConsent]) -> list[SummaryLine]:
    """Per purpose and recipient, the state now; purposes never recorded read "no"."""
    lines: dict[tuple, SummaryLine] = {}
    for purpose in Purpose.values:
        if purpose not in SHARING_PURPOSES:
            lines[(purpose, None, "")] = SummaryLine(purpose, str(Purpose(purpose).label))
    for item in shown:
        c = item.consent
        key = (c.purpose, c.recipient_org_id, c.recipient_country)
        if key not in lines:
            lines[key] = SummaryLine(c.purpose, consent_label(c))
        line = lines[key]
        if c.is_active:
            line.active, line.withdrawn_on = True, None
        elif not line.active and (line.withdrawn_on is None or c.withdrawn_on > line.withdrawn_on):
            line.withdrawn_on = c.withdrawn_on
    return sorted(lines.values(), key=lambda line: (_PURPOSE_ORDER[line.purpose], line.label))


def _open(consent: Consent, field_name: str):
    return open_from(consent.case.organisation, consent, field_name)


def consents_none() -> CaseConsents:
    """What `consents_shown` gives for a case with no consent recorded, without asking."""
    return CaseConsents(shown=[], summary=_summary([]))


def consents_shown(user: User, case: Case) -> CaseConsents:
    """The case's consents with their sealed details opened, for the case page.

    One audit row per call names every consent shown (guardian names, notes and
    reasons are personal data).
    """
    consents = list(consents_for(user, case))
    consents.sort(
        key=lambda c: (not c.is_active, _PURPOSE_ORDER[c.purpose], -c.given_on.toordinal())
    )
    shown = []
    for consent in consents:
        item = ShownConsent(consent=consent, recipient=recipient_label(consent))
        try:
            guardian = _open(consent, "guardian") or {}
            item.guardian_name = guardian.get("name", "")
            item.guardian_relation = guardian.get("relation", "")
            item.note = _open(consent, "note") or ""
            item.reason = _open(consent, "withdrawal_reason") or ""
        except crypto.KeyDestroyed:
            item.erased = consent.given_by == GivenBy.GUARDIAN or bool(
                consent.note or consent.withdrawal_reason
            )
        shown.append(item)
    if consents:
        audit_record(
            action="consent.read",
            actor=user,
            organisation=case.organisation,
            obj=case,
            details={"consents": [str(c.public_id) for c in consents]},
        )
    return CaseConsents(shown=shown, summary=_summary(shown))
