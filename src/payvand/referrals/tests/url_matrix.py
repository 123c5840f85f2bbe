"""Who may open the referral pages. The matrix's referral goes from the caller's (or
another) organisation to a third one; its case belongs to another caseworker."""

import datetime as dt

from payvand.core.permissions import Role
from payvand.testing.factories import OrganisationFactory, case
from payvand.testing.matrix import OK_FOR

NOBODY = {role: 404 for role in Role.values}

ROWS = {
    "referrals:list": ("GET", OK_FOR(Role.CASEWORKER, Role.SUPERVISOR), None),
    "referrals:new": ("GET", OK_FOR(Role.SUPERVISOR), NOBODY),
    "referrals:package": ("GET", OK_FOR(Role.SUPERVISOR), NOBODY),
    "referrals:detail": ("GET", OK_FOR(Role.SUPERVISOR), NOBODY),
    "referrals:act": ("POST", OK_FOR(Role.SUPERVISOR, ok=302), NOBODY),
    "referrals:message": ("POST", OK_FOR(Role.SUPERVISOR, ok=302), NOBODY),
    "referrals:service": ("POST", NOBODY, NOBODY),
    "referrals:followup": ("POST", NOBODY, NOBODY),
}


def url_kwargs(name, converters, org, target):
    if not name.startswith("referrals:") or name == "referrals:list":
        return None
    from payvand.referrals.tests.helpers import consent_to, send

    worker = target.user
    c = case(org, owner=worker)
    if name in ("referrals:new", "referrals:package"):
        return {"case_id": c.public_id}
    receiver = OrganisationFactory(country="AF", subdivision="AF-KAB")
    consent_to(c, worker, receiver)
    referral = send(c, worker, receiver, answer_due=dt.date.today() + dt.timedelta(days=3))
    return {"public_id": referral.public_id}
