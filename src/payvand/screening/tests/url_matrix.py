from payvand.core.permissions import Role
from payvand.testing.factories import case
from payvand.testing.matrix import OK_FOR

NOBODY = {r: 404 for r in Role.values}
# The case belongs to another caseworker: a caseworker who is not assigned gets 404,
# the organisation's supervisor may read and screen it.
SUPERVISOR_ONLY = ("GET", OK_FOR(Role.SUPERVISOR), NOBODY)

ROWS = {
    "screening:history": SUPERVISOR_ONLY,
    "screening:new": SUPERVISOR_ONLY,
    "screening:detail": SUPERVISOR_ONLY,
    # An empty POST: the supervisor gets the page back with the form's errors (200).
    "screening:decide": ("POST", OK_FOR(Role.SUPERVISOR), NOBODY),
    # Platform catalogue pages: no organisation in the URL.
    "screening:catalogue": ("GET", OK_FOR(Role.PLATFORM_ADMIN), None),
    "screening:catalogue_version": ("GET", OK_FOR(Role.PLATFORM_ADMIN), None),
    "screening:catalogue_export": ("GET", OK_FOR(Role.PLATFORM_ADMIN), None),
}


def url_kwargs(name, converters, org, target):
    if not name.startswith("screening:"):
        return None
    from payvand.screening.tests.helpers import catalogue_v1, record

    version = catalogue_v1()
    if "number" in converters:
        return {"number": version.number}
    if "case_id" not in converters:
        return None
    c = case(org, owner=target.user)
    kwargs = {"case_id": c.public_id}
    if "screening_id" in converters:
        kwargs["screening_id"] = record(c, target.user).public_id
    return kwargs
