"""The case page's "Attachments" section."""

from payvand.attachments import selectors
from payvand.cases.sections import has_rows
from payvand.core.permissions import Perm, has_perm

SHOWN = 30
# What the case page asks once for every section (cases/sections.py).
ROWS = {"attachments": selectors.attachments_of}


def section_context(request, case) -> dict:
    attachments = []
    if has_rows(request, case, "attachments", "attachments"):
        attachments = list(selectors.attachments_of(case)[:SHOWN])
    selectors.open_meta(request.user, case, attachments)
    return {
        "attachments": attachments,
        "can_edit": has_perm(request.user, Perm.CASE_EDIT, case.organisation),
    }
