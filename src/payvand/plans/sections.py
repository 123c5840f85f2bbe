"""The three parts of the case page this app contributes (registered in apps.py).

The sections share one read: the first one the page renders loads all three (and writes
the one audit row for what they show), the others take their part from the request.
"""

from payvand.cases.sections import has_rows
from payvand.plans import selectors
from payvand.plans.models import ReintegrationPlan, RiskAssessment, SupportPlan

# What the case page asks once for every section (cases/sections.py), by section.
RISK_ROWS = {"assessments": lambda case: RiskAssessment.objects.filter(case=case)}
SUPPORT_ROWS = {"plans": lambda case: SupportPlan.objects.filter(case=case)}
REINTEGRATION_ROWS = {"plans": lambda case: ReintegrationPlan.objects.filter(case=case)}


def _page(request, case) -> selectors.PlansPage:
    pages = getattr(request, "_payvand_plans_pages", None)
    if pages is None:
        pages = request._payvand_plans_pages = {}
    if case.pk not in pages:
        pages[case.pk] = selectors.plans_page(
            request.user,
            case,
            with_risk=has_rows(request, case, "risk", "assessments"),
            with_support=has_rows(request, case, "support_plan", "plans"),
            with_reintegration=has_rows(request, case, "reintegration", "plans"),
        )
    return pages[case.pk]


def risk_context(request, case) -> dict:
    page = _page(request, case)
    return {"risk": page.risk, "can_edit": page.can_edit}


def support_context(request, case) -> dict:
    page = _page(request, case)
    return {"support": page.support, "can_edit": page.can_edit, "can_approve": page.can_approve}


def reintegration_context(request, case) -> dict:
    page = _page(request, case)
    return {"reintegration": page.reintegration, "can_edit": page.can_edit}
