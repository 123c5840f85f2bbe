"""The case page's "Known elsewhere?" section: other organisations that possibly know
this survivor (country and strength only) and the contact requests sent about her."""

from payvand.core.permissions import Perm, has_perm
from payvand.linkage import selectors
from payvand.linkage.services import participation


def section_context(request, case) -> dict:
    user = request.user
    part = participation(case.organisation)
    if part is None or not part.enabled or not has_perm(user, Perm.CASE_EDIT, case.organisation):
        return {"shown": False}
    return {
        "shown": True,
        "matches": selectors.matches_elsewhere(user, case),
        "requests": list(selectors.contact_requests_of(case)),
        "can_ask": has_perm(user, Perm.REFERRAL_SEND, case.organisation),
    }
