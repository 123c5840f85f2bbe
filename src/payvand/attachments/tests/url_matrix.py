"""Who may attach, download and remove files: supervisors of the case's organisation and
the caseworkers the case is assigned to (the matrix's case belongs to another caseworker)."""

from payvand.core.permissions import Role
from payvand.testing.factories import case
from payvand.testing.matrix import OK_FOR

NOBODY = {role: 404 for role in Role.values}

ROWS = {
    "attachments:add": ("GET", OK_FOR(Role.SUPERVISOR), NOBODY),
    "attachments:download": ("GET", OK_FOR(Role.SUPERVISOR), NOBODY),
    "attachments:remove": ("POST", OK_FOR(Role.SUPERVISOR, ok=302), NOBODY),
}


def url_kwargs(name, converters, org, target):
    if not name.startswith("attachments:"):
        return None
    from payvand.attachments import services

    worker = target.user
    c = case(org, owner=worker)
    kwargs = {"case_id": c.public_id}
    if "attachment_id" in converters:
        kwargs["attachment_id"] = services.attachment_add(
            case=c, by=worker, category="Other", filename="note.txt", data=b"plain note"
        ).public_id
    return kwargs
