"""Who may open the "what happened" pages: supervisors of the case's organisation and the
caseworkers the case is assigned to (the matrix's case belongs to another caseworker)."""

from payvand.core.permissions import Role
from payvand.testing.factories import case
from payvand.testing.matrix import OK_FOR

GET_OK = OK_FOR(Role.SUPERVISOR)
POST_OK = OK_FOR(Role.SUPERVISOR, ok=302)
NOBODY = {role: 404 for role in Role.values}

ROWS = {
    "trafficking:victim_edit": ("GET", GET_OK, NOBODY),
    "trafficking:perpetrator_add": ("GET", GET_OK, NOBODY),
    "trafficking:perpetrator_edit": ("GET", GET_OK, NOBODY),
    "trafficking:perpetrator_remove": ("POST", POST_OK, NOBODY),
    "trafficking:event_add": ("GET", GET_OK, NOBODY),
    "trafficking:event_edit": ("GET", GET_OK, NOBODY),
    "trafficking:event_remove": ("POST", POST_OK, NOBODY),
}


def url_kwargs(name, converters, org, target):
    if not name.startswith("trafficking:"):
        return None
    from payvand.trafficking import services

    worker = target.user
    c = case(org, owner=worker)
    kwargs = {"case_id": c.public_id}
    if "perpetrator_id" in converters:
        kwargs["perpetrator_id"] = services.perpetrator_save(
            case=c, by=worker, roles=["Exploiter"], relation="Other", gender="Masculine"
        ).public_id
    if "event_id" in converters:
        kwargs["event_id"] = services.event_save(
            case=c, by=worker, event_type="Exploitation", country="RU"
        ).public_id
    return kwargs
