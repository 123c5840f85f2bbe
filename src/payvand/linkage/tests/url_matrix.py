"""Contact requests: asked from a case (its supervisor, or the caseworker it is assigned
to), answered by a supervisor of the matched organisation."""

from payvand.core.permissions import Role
from payvand.testing.factories import case
from payvand.testing.matrix import OK_FOR

NOBODY = {role: 404 for role in Role.values}

ROWS = {
    "linkage:contact": ("POST", OK_FOR(Role.SUPERVISOR, ok=302), NOBODY),
    "linkage:requests": ("GET", OK_FOR(Role.SUPERVISOR), None),
    "linkage:answer": ("POST", OK_FOR(Role.SUPERVISOR, ok=302), NOBODY),
}


def url_kwargs(name, converters, org, target):
    if not name.startswith("linkage:") or name == "linkage:requests":
        return None
    worker = target.user
    c = case(org, owner=worker)
    if name == "linkage:contact":
        return {"case_id": c.public_id}
    from payvand.linkage.models import ContactRequest
    from payvand.testing.factories import OrganisationFactory
    from payvand.testing.factories import case as new_case

    asker = OrganisationFactory(country="AF", subdivision="AF-KAB")
    asking_case = new_case(asker)
    request = ContactRequest.objects.create(
        from_case=asking_case, from_org=asker, to_org=org, to_person=c.person,
        strength="strong", asked_by=asking_case.owner,
    )  # fmt: skip
    return {"public_id": request.public_id}
