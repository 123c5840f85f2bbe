"""Emergency shredding: only the organisation's own admins; everyone else gets a 404."""

from payvand.core.permissions import Role
from payvand.testing.matrix import OK_FOR

NOBODY = {role: 404 for role in Role.values}

ROWS = {
    "protection:panic": ("GET", OK_FOR(Role.ORG_ADMIN), NOBODY),
    # A drill asked by another admin: the caller (an admin) confirms it and is sent back.
    "protection:panic_confirm": ("POST", OK_FOR(Role.ORG_ADMIN, ok=302), NOBODY),
    "protection:panic_cancel": ("POST", OK_FOR(Role.ORG_ADMIN, ok=302), NOBODY),
}


def url_kwargs(name, converters, org, target):
    if not name.startswith("protection:"):
        return None
    if name == "protection:panic":
        return {"org_id": org.public_id}
    from payvand.protection.models import PanicRequest

    asked = PanicRequest.objects.create(organisation=org, drill=True, requested_by=target.user)
    return {"public_id": asked.public_id}
