"""Referrals in the demo region: sent along the survivors' routes where their consent
allows it, through the referral services, and moved on to every state.

Cross-border returns follow the region's corridors (AF↔PK, TJ↔AF, UZ↔KZ, TM↔TR);
other referrals stay within what the consents cover.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from payvand.consent.models import Consent, Purpose
from payvand.referrals.services import (
    message_post,
    referral_send,
    referral_transition,
    referrals_expire,
)
from payvand.referrals.vocab import Kind, RequestedService, Section

if TYPE_CHECKING:
    from payvand.demo.journeys import Journey

SHARE_REFERRED = 0.5  # of the cases whose consent allows sharing with a partner
RETURN_CORRIDORS = {("PK", "AF"), ("AF", "PK"), ("TJ", "AF"), ("AF", "TJ"), ("KZ", "UZ"),
                    ("UZ", "KZ"), ("TR", "TM"), ("TM", "TR")}  # fmt: skip
# Where the referral ends up, and how often.
OUTCOMES = {
    "sent": 18, "accepted": 8, "declined": 8, "expired": 5, "in_progress": 20,
    "completed": 28, "closed": 6, "revoked": 7,
}  # fmt: skip
REASONS = [
    "Needs a safe place to stay and legal advice before her court date.",
    "Returning home next month: please plan reintegration support with her.",
    "Asks for help to trace her family.",
]
TRAVEL = [
    "Bus to the border crossing on the agreed date; your staff meet her on the other side.",
    "Flight with IOM escort; arrival at the airport in the morning.",
]
MESSAGES = [
    "We can meet her at the border crossing; please confirm the date.",
    "Our shelter has a place from Monday.",
]
SERVICES_OF = {
    Kind.RETURN: [RequestedService.RETURN_TRAVEL, RequestedService.PSYCHOSOCIAL,
                  RequestedService.LIVELIHOOD],
    Kind.REFERRAL: [RequestedService.SHELTER, RequestedService.LEGAL_AID,
                    RequestedService.MEDICAL, RequestedService.FAMILY_TRACING],
}  # fmt: skip


def _recipients(journey: Journey) -> list:
    """Partner organisations an active sharing consent of the case covers."""
    consents = Consent.objects.filter(
        case=journey.case,
        purpose__in=[Purpose.SHARING_ORG, Purpose.SHARING_COUNTRY],
        withdrawn_on__isnull=True,
    )
    named = {c.recipient_org_id for c in consents if c.recipient_org_id}
    countries = {c.recipient_country for c in consents if c.recipient_country}
    return [
        o
        for o in journey.ctx.partners
        if o.pk != journey.org.pk
        and o.code != "REG"
        and (o.pk in named or o.country in countries)
        and o.pk in journey.ctx.staff
    ]


def record_referral(journey: Journey) -> None:
    rng = random.Random(f"payvand-demo-referral:{journey.case.number}")
    recipients = _recipients(journey)
    if not recipients or rng.random() >= SHARE_REFERRED:
        return
    to_org = rng.choice(recipients)
    corridor = (journey.org.country, to_org.country) in RETURN_CORRIDORS
    kind = Kind.RETURN if corridor and rng.random() < 0.7 else Kind.REFERRAL
    outcome = rng.choices(list(OUTCOMES), weights=list(OUTCOMES.values()))[0]
    today = journey.today
    sections = [Section.IDENTITY, Section.RISK, Section.SUPPORT]
    if kind == Kind.RETURN:
        sections += [Section.CONTACTS, Section.REINTEGRATION]
    referral = referral_send(
        case=journey.case,
        by=journey.worker,
        to_org=to_org,
        kind=kind,
        services=rng.sample(SERVICES_OF[kind], 2),
        sections=sections,
        answer_due=today + dt.timedelta(days=rng.randint(3, 10)),
        completion_due=today + dt.timedelta(days=rng.randint(20, 60)),
        reason=rng.choice(REASONS),
        travel=rng.choice(TRAVEL) if kind == Kind.RETURN else "",
    )
    journey.count("referrals")
    journey.count(f"referrals {outcome}")
    receiver = journey.ctx.staff[to_org.pk].caseworker
    steps = {
        "sent": [],
        "accepted": [("accept", receiver, {})],
        "declined": [("decline", receiver, {"reason": "NoCapacity"})],
        "expired": None,
        "in_progress": [("accept", receiver, {}), ("start", receiver, {})],
        "completed": [("accept", receiver, {}), ("start", receiver, {}),
                      ("complete", receiver, {})],
        "closed": [("accept", receiver, {}),
                   ("close", receiver, {"note": "She moved on before the services began."})],
        "revoked": [("revoke", journey.worker, {"note": "She chose another organisation."})],
    }[outcome]  # fmt: skip
    if steps is None:
        referral.answer_due = today - dt.timedelta(days=1)
        referral.save(update_fields=["answer_due"])
        referrals_expire(today)
        return
    for action, by, extra in steps:
        referral = referral_transition(referral=referral, action=action, by=by, **extra)
        if action == "accept" and rng.random() < 0.6:
            message_post(referral=referral, by=by, text=rng.choice(MESSAGES))
