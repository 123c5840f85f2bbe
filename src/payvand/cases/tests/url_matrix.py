from payvand.core.permissions import Role
from payvand.testing.factories import case
from payvand.testing.matrix import OK_FOR

ROWS = {
    "cases:list": ("GET", OK_FOR(Role.CASEWORKER, Role.SUPERVISOR), None),
    "cases:register": ("GET", OK_FOR(Role.CASEWORKER, Role.SUPERVISOR), None),
    "cases:import": ("GET", OK_FOR(Role.SUPERVISOR, Role.ORG_ADMIN), None),
    # The case belongs to another caseworker: a caseworker sees only cases assigned to them.
    "cases:detail": ("GET", OK_FOR(Role.SUPERVISOR), {r: 404 for r in Role.values}),
    "cases:status": ("POST", OK_FOR(Role.SUPERVISOR, ok=302), {r: 404 for r in Role.values}),
    "cases:assign": ("GET", OK_FOR(Role.SUPERVISOR), {r: 404 for r in Role.values}),
    "cases:timeline": ("GET", OK_FOR(Role.SUPERVISOR), {r: 404 for r in Role.values}),
    "cases:erase": ("GET", OK_FOR(Role.SUPERVISOR), {r: 404 for r in Role.values}),
}


def url_kwargs(name, converters, org, target):
    if name in ("cases:detail", "cases:status", "cases:assign", "cases:timeline", "cases:erase"):
        return {"public_id": case(org, owner=target.user).public_id}
    return None
