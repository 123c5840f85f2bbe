"""Reading plans. Every function takes a case obtained through `cases.selectors.case_get`,
so the caller's scope is already checked; sealed text is opened only for what a page
shows, and each page that shows some writes one audit row naming the objects it opened.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from payvand.accounts.models import User
from payvand.cases.models import Case
from payvand.cases.selectors import case_staff
from payvand.core import crypto
from payvand.core.audit.services import audit_record
from payvand.core.permissions import Perm, has_perm
from payvand.core.sealed import open_from
from payvand.plans import trends, workflow
from payvand.plans.models import (
    FollowUpVisit,
    ReintegrationPlan,
    RiskAssessment,
    SupportPlan,
    SupportPlanItem,
)
from payvand.plans.vocab import ItemStatus, PlanAction, PlanStatus

# How many past assessments the case page lists (the history page shows all).
RISK_HISTORY_ON_PAGE = 10


def sealed_open(case: Case, obj, column: str) -> dict | None:
    """The sealed JSON of ``obj.column``; {} when empty; None when the keys were destroyed."""
    try:
        return open_from(case.organisation, obj, column, empty={})
    except crypto.KeyDestroyed:
        return None


def _audit_read(user: User, case: Case, purpose: str, shown: dict[str, list[str]]) -> None:
    shown = {kind: ids for kind, ids in shown.items() if ids}
    if shown:
        audit_record(
            action="plans.read",
            actor=user,
            organisation=case.organisation,
            obj=case,
            details={"purpose": purpose, "shown": shown},
        )


# --- risk -----------------------------------------------------------------------------


@dataclass
class RiskView:
    latest: RiskAssessment | None = None
    text: dict | None = None  # the latest one's sealed text; None: erased
    history: list[RiskAssessment] = field(default_factory=list)  # newest first, codes only
    trend: trends.RiskTrend | None = None
    review_overdue: bool = False
    more: bool = False


def _risk_view(case: Case, today: dt.date) -> RiskView:
    rows = list(
        RiskAssessment.objects.filter(case=case)
        .select_related("assessed_by")
        .order_by("-assessed_on", "-created_at", "-id")
    )
    if not rows:
        return RiskView()
    latest = rows[0]
    return RiskView(
        latest=latest,
        text=sealed_open(case, latest, "content"),
        history=rows[:RISK_HISTORY_ON_PAGE],
        trend=trends.risk_trend([(r.assessed_on, r.overall_level) for r in reversed(rows)]),
        review_overdue=latest.review_on is not None and latest.review_on < today,
        more=len(rows) > RISK_HISTORY_ON_PAGE,
    )


def risk_history(user: User, case: Case) -> list[tuple[RiskAssessment, dict | None]]:
    """Every assessment of the case with its text, newest first (one audit row)."""
    rows = list(
        RiskAssessment.objects.filter(case=case)
        .select_related("assessed_by")
        .order_by("-assessed_on", "-created_at", "-id")
    )
    opened = [(row, sealed_open(case, row, "content")) for row in rows]
    _audit_read(user, case, "risk history", {"riskassessment": [str(r.public_id) for r in rows]})
    return opened


# --- support plan ---------------------------------------------------------------------


@dataclass
class ItemView:
    item: SupportPlanItem
    text: dict | None
    status: str


@dataclass
class SupportView:
    plan: SupportPlan | None = None
    items: list[ItemView] = field(default_factory=list)
    reason: str | None = None  # why it was returned
    in_force: SupportPlan | None = None  # an older approved version, while this one is not
    actions: list[str] = field(default_factory=list)  # moves this user may make now
    can_revise: bool = False
    counts: dict[str, int] = field(default_factory=dict)


def _support_view(user: User, case: Case, today: dt.date) -> SupportView:
    plans = list(
        SupportPlan.objects.filter(case=case)
        .select_related("submitted_by", "decided_by")
        .order_by("-version")
    )
    if not plans:
        return SupportView()
    plan = plans[0]
    items = list(SupportPlanItem.objects.filter(plan=plan).order_by("start_on", "id"))
    views = [ItemView(i, sealed_open(case, i, "content"), i.status_on(today)) for i in items]
    reason = None
    if plan.status == PlanStatus.RETURNED and plan.decision:
        opened = sealed_open(case, plan, "decision")
        reason = None if opened is None else opened.get("reason", "")
    org = case.organisation
    actions = [
        action
        for action in workflow.actions_from(plan.status)
        if has_perm(user, workflow.ACTION_PERMS[action], org)
    ]
    if PlanAction.SUBMIT in actions and not items:
        actions.remove(PlanAction.SUBMIT)
    counts = {status: 0 for status in ItemStatus.values}
    for view in views:
        counts[view.status] += 1
    return SupportView(
        plan=plan,
        items=views,
        reason=reason,
        in_force=next(
            (p for p in plans[1:] if p.status == PlanStatus.APPROVED),
            None,
        )
        if plan.status != PlanStatus.APPROVED
        else None,
        actions=actions,
        can_revise=plan.status == PlanStatus.APPROVED and has_perm(user, Perm.CASE_EDIT, org),
        counts=counts,
    )


def support_plan_get(case: Case, public_id) -> SupportPlan:
    plan = SupportPlan.objects.filter(case=case, public_id=public_id).first()
    if plan is None:
        raise Http404
    plan.case = case  # already loaded and scoped
    return plan


def support_item_get(case: Case, public_id) -> SupportPlanItem:
    item = (
        SupportPlanItem.objects.filter(plan__case=case, public_id=public_id)
        .select_related("plan")
        .first()
    )
    if item is None:
        raise Http404
    item.plan.case = case
    return item


def support_item_latest_version(item: SupportPlanItem) -> bool:
    """Whether the item belongs to the newest version of its case's plan."""
    return not SupportPlan.objects.filter(
        case_id=item.plan.case_id, version__gt=item.plan.version
    ).exists()


def support_item_text(user: User, item: SupportPlanItem, purpose: str) -> dict | None:
    """An item's objectives and actions, for a form that shows them (audited)."""
    case = item.plan.case
    text = sealed_open(case, item, "content")
    _audit_read(user, case, purpose, {"supportplanitem": [str(item.public_id)]})
    return text


# --- reintegration --------------------------------------------------------------------


@dataclass
class VisitRow:
    visit: FollowUpVisit
    overall: object  # Decimal, one decimal


@dataclass
class ReintegrationView:
    plan: ReintegrationPlan | None = None
    goals: str | None = None  # None: erased
    visits: list[VisitRow] = field(default_factory=list)  # oldest first
    latest: FollowUpVisit | None = None
    latest_notes: str | None = None
    trend: str | None = None
    dimension_trends: dict[str, str | None] = field(default_factory=dict)
    sparkline: str = ""


def _reintegration_view(case: Case) -> ReintegrationView:
    plan = ReintegrationPlan.objects.filter(case=case).first()
    if plan is None:
        return ReintegrationView()
    opened = sealed_open(case, plan, "content")
    visits = list(
        FollowUpVisit.objects.filter(plan=plan)
        .select_related("visited_by")
        .order_by("visited_on", "created_at", "id")
    )
    rows = [VisitRow(v, v.overall) for v in visits]
    view = ReintegrationView(
        plan=plan, goals=None if opened is None else opened.get("goals", ""), visits=rows
    )
    if visits:
        latest = visits[-1]
        notes = sealed_open(case, latest, "content")
        view.latest = latest
        view.latest_notes = None if notes is None else notes.get("notes", "")
        view.trend = trends.score_trend([r.overall for r in rows])
        view.dimension_trends = {
            dim: trends.score_trend([getattr(v, dim) for v in visits])
            for dim in ("economic", "social", "psychosocial")
        }
        first, last = rows[0].overall, rows[-1].overall
        view.sparkline = trends.sparkline_svg(
            [r.overall for r in rows],
            title=_(
                "Overall sustainability score, %(count)s visits: from %(first)s to %(last)s "
                "out of 5."
            )
            % {
                "count": len(rows),
                "first": number_format(first, 1),
                "last": number_format(last, 1),
            },
            element_id="reintegration-spark",
        )
    return view


def visit_get(case: Case, public_id) -> FollowUpVisit:
    visit = (
        FollowUpVisit.objects.filter(plan__case=case, public_id=public_id)
        .select_related("plan", "visited_by", "recorded_by")
        .first()
    )
    if visit is None:
        raise Http404
    visit.plan.case = case
    return visit


def visit_notes(user: User, visit: FollowUpVisit) -> str | None:
    case = visit.plan.case
    opened = sealed_open(case, visit, "content")
    _audit_read(user, case, "follow-up visit", {"followupvisit": [str(visit.public_id)]})
    return None if opened is None else opened.get("notes", "")


def reintegration_plan_of(case: Case) -> ReintegrationPlan | None:
    plan = ReintegrationPlan.objects.filter(case=case).first()
    if plan is not None:
        plan.case = case
    return plan


def reintegration_goals(user: User, plan: ReintegrationPlan) -> str | None:
    case = plan.case
    opened = sealed_open(case, plan, "content")
    _audit_read(user, case, "reintegration plan", {"reintegrationplan": [str(plan.public_id)]})
    return None if opened is None else opened.get("goals", "")


def visit_staff(case: Case) -> QuerySet[User]:
    """Who may be named as having made a visit: the case's staff (cases.selectors)."""
    return case_staff(case)


# --- the case page --------------------------------------------------------------------


@dataclass
class PlansPage:
    risk: RiskView
    support: SupportView
    reintegration: ReintegrationView
    can_edit: bool
    can_approve: bool


def plans_page(
    user: User,
    case: Case,
    *,
    with_risk: bool = True,
    with_support: bool = True,
    with_reintegration: bool = True,
) -> PlansPage:
    """Everything the three case-page sections show; one audit row names what was opened.

    ``with_…=False``: the case is known to have none of it (the case page asked), so it
    is shown empty without a query.
    """
    today = timezone.localdate()
    risk = _risk_view(case, today) if with_risk else RiskView()
    support = _support_view(user, case, today) if with_support else SupportView()
    reintegration = _reintegration_view(case) if with_reintegration else ReintegrationView()
    shown = {
        "riskassessment": [str(risk.latest.public_id)] if risk.latest else [],
        "supportplan": [str(support.plan.public_id)] if support.reason is not None else [],
        "supportplanitem": [str(v.item.public_id) for v in support.items],
        "reintegrationplan": [str(reintegration.plan.public_id)] if reintegration.plan else [],
        "followupvisit": [str(reintegration.latest.public_id)] if reintegration.latest else [],
    }
    _audit_read(user, case, "case page", shown)
    org = case.organisation
    return PlansPage(
        risk=risk,
        support=support,
        reintegration=reintegration,
        can_edit=has_perm(user, Perm.CASE_EDIT, org),
        can_approve=has_perm(user, Perm.CASE_APPROVE, org),
    )
