"""The "Screening" section of the case page: the latest screening and its decision."""

from payvand.cases.sections import CaseSection
from payvand.core.permissions import Perm, has_perm
from payvand.screening import selectors


def section_context(request, case) -> dict:
    latest, count = selectors.screening_latest(case)
    return {
        "latest": latest,
        "count": count,
        "can_edit": has_perm(request.user, Perm.CASE_EDIT, case.organisation),
    }


SECTION = CaseSection(
    key="screening", template="screening/section.html", order=20, context=section_context
)
