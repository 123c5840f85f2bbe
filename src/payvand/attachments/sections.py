"""The case page's "Attachments" section."""

from payvand.attachments import selectors
from payvand.core.permissions import Perm, has_perm

SHOWN = 30


def section_context(request, case) -> dict:
    attachments = list(selectors.attachments_of(case)[:SHOWN])
    selectors.open_meta(request.user, case, attachments)
    return {
        "attachments": attachments,
        "can_edit": has_perm(request.user, Perm.CASE_EDIT, case.organisation),
    }
