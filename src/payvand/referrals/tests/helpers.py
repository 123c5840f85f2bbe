"""Helpers of the referral tests (also used by the URL matrix)."""

import datetime as dt

from django.utils import timezone

from payvand.consent.services import consent_record
from payvand.referrals import services


def consent_to(c, by, org=None, *, purpose="sharing_org", country=""):
    return consent_record(
        case=c,
        by=by,
        purpose=purpose,
        given_on=timezone.localdate() - dt.timedelta(days=1),
        recorded_how="written_signed",
        recipient_org=org if purpose == "sharing_org" else None,
        recipient_country=country,
    )


def send(c, by, to_org, **overrides):
    values = {
        "kind": "referral",
        "services": ["shelter", "legal_aid"],
        "sections": ["identity", "risk"],
        "reason": "Needs a safe shelter near her family in Herat",
    } | overrides
    return services.referral_send(case=c, by=by, to_org=to_org, **values)
