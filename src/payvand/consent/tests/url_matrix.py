import datetime as dt

from payvand.core.permissions import Role
from payvand.testing.factories import case
from payvand.testing.matrix import OK_FOR

# The case belongs to another caseworker of the organisation: a caseworker who is not
# assigned to it gets 404, like everyone outside the organisation.
ROWS = {
    "consent:record": ("GET", OK_FOR(Role.SUPERVISOR), {r: 404 for r in Role.values}),
    # The matrix posts an empty form: the supervisor gets the form back with its
    # errors (200); a valid one redirects to the case (tests/test_consent.py).
    "consent:withdraw": ("POST", OK_FOR(Role.SUPERVISOR), {r: 404 for r in Role.values}),
}


def url_kwargs(name, converters, org, target):
    if name not in ROWS:
        return None
    from payvand.consent.services import consent_record

    c = case(org, owner=target.user)
    if name == "consent:record":
        return {"case_id": c.public_id}
    consent = consent_record(
        case=c,
        by=target.user,
        purpose="statistics",
        given_on=dt.date(2026, 11, 2),
        recorded_how="written_signed",
    )
    return {"case_id": c.public_id, "consent_id": consent.public_id}
