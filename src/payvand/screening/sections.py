"""The "Screening" section of the case page: the latest screening and its decision."""

from payvand.cases.sections import CaseSection, has_rows
from payvand.core.permissions import Perm, has_perm
from payvand.screening import selectors
from payvand.screening.models import Screening


def section_context(request, case) -> dict:
    if has_rows(request, case, "screening", "screenings"):
        latest, count = selectors.screening_latest(case)
    else:
        latest, count = None, 0
    return {
        "latest": latest,
        "count": count,
        "can_edit": has_perm(request.user, Perm.CASE_EDIT, case.organisation),
    }


SECTION = CaseSection(
    key="screening",
    template="screening/section.html",
    order=20,
    context=section_context,
    rows={"screenings": lambda case: Screening.objects.filter(case=case)},
)
