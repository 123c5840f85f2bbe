"""The case page's "Known elsewhere?" section: other organisations that possibly know
this survivor (country and strength only) and the contact requests sent about her."""

from payvand.cases.sections import has_rows
from payvand.core.permissions import Perm, has_perm
from payvand.linkage import selectors
from payvand.linkage.models import LinkageParticipation
from payvand.linkage.services import participation

# What the case page asks once for every section (cases/sections.py).
ROWS = {
    "participation": lambda case: LinkageParticipation.objects.filter(
        organisation__cases=case, enabled=True
    ),
    "requests": selectors.contact_requests_of,
}


def section_context(request, case) -> dict:
    user = request.user
    if not has_perm(user, Perm.CASE_EDIT, case.organisation) or not has_rows(
        request, case, "linkage", "participation"
    ):
        return {"shown": False}
    part = participation(case.organisation)
    if part is None or not part.enabled:
        return {"shown": False}
    requests = has_rows(request, case, "linkage", "requests")
    return {
        "shown": True,
        "matches": selectors.matches_elsewhere(user, case),
        "requests": list(selectors.contact_requests_of(case)) if requests else [],
        "can_ask": has_perm(user, Perm.REFERRAL_SEND, case.organisation),
    }
