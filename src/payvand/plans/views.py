"""Pages for risk and safety, the support plan and reintegration of one case.

Every view first reaches the case through `case_get` (404 outside the caller's scope),
then checks the right it needs in the case's organisation (404 without it).
"""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from payvand.cases.selectors import case_get
from payvand.core.calendars import effective_calendar
from payvand.core.errors import DomainError
from payvand.core.forms import add_errors, call_service
from payvand.core.permissions import Perm, has_perm
from payvand.plans import selectors, services
from payvand.plans.forms import (
    FollowUpVisitForm,
    ItemCompleteForm,
    PlanReturnForm,
    ReintegrationPlanForm,
    RiskAssessmentForm,
    SupportItemForm,
)
from payvand.plans.vocab import ANCHORS, Dimension, PlanAction, PlanStatus


def _case(request, case_id, perm: Perm | None = Perm.CASE_EDIT):
    case = case_get(request.user, case_id)
    if perm is not None and not has_perm(request.user, perm, case.organisation):
        raise Http404
    return case


def _calendar(request) -> str:
    return effective_calendar(request.user.calendar, translation.get_language())


def _back(case, anchor: str):
    return redirect(reverse("cases:detail", args=[case.public_id]) + f"#{anchor}")


def _act(request, service, *, success: str, **kwargs) -> None:
    """Run a button's service; a refusal becomes a message, never a 500."""
    try:
        service(**kwargs)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)


def _form_page(request, case, form, *, title: str, intro: str = "", anchor: str, **extra):
    return render(
        request,
        "case_form.html",
        {
            "case": case,
            "form": form,
            "title": title,
            "intro": intro,
            "anchor": anchor,
            "form_class": "plans-form",
        }
        | extra,
    )


# --- risk -------------------------------------------------------------------------------


def risk_create(request, case_id):
    case = _case(request, case_id)
    form = RiskAssessmentForm(
        request.POST or None,
        calendar=_calendar(request),
        initial={"submission_id": uuid.uuid4(), "assessed_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        assessment = call_service(
            form, services.risk_assess, case=case, by=request.user, **form.service_kwargs()
        )
        if assessment:
            messages.success(request, _("The risk assessment was recorded."))
            return _back(case, "plans-risk")
    return _form_page(
        request,
        case,
        form,
        title=_("New risk assessment"),
        intro=_(
            "Assess the risk at three levels. Earlier assessments are kept: this one becomes "
            "the current one."
        ),
        anchor="plans-risk",
    )


def risk_history(request, case_id):
    case = _case(request, case_id, perm=None)
    rows = selectors.risk_history(request.user, case)
    return render(request, "plans/risk_history.html", {"case": case, "rows": rows})


# --- support plan -------------------------------------------------------------------------


def item_create(request, case_id):
    case = _case(request, case_id)
    form = SupportItemForm(
        request.POST or None,
        calendar=_calendar(request),
        initial={"submission_id": uuid.uuid4(), "start_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        item = call_service(
            form, services.support_item_add, case=case, by=request.user, **form.service_kwargs()
        )
        if item:
            messages.success(request, _("The item was added to the support plan."))
            return _back(case, "plans-support")
    return _form_page(
        request, case, form, title=_("Add to the support plan"), anchor="plans-support"
    )


def item_edit(request, case_id, item_id):
    case = _case(request, case_id)
    item = selectors.support_item_get(case, item_id)
    if not item.plan.editable:
        messages.error(request, _("This plan cannot be changed in its present state."))
        return _back(case, "plans-support")
    if request.method == "POST":
        form = SupportItemForm(request.POST, calendar=_calendar(request))
    else:
        text = selectors.support_item_text(request.user, item, purpose="edit support plan item")
        if text is None:
            messages.error(request, _("This item's text was erased with the organisation's keys."))
            return _back(case, "plans-support")
        form = SupportItemForm(
            calendar=_calendar(request),
            initial={
                "support_type": item.support_type,
                "objectives": text.get("objectives", ""),
                "actions": text.get("actions", ""),
                "start_on": item.start_on,
                "planned_end_on": item.planned_end_on,
                "actual_end_on": item.actual_end_on,
            },
        )
    if request.method == "POST" and form.is_valid():
        kwargs = form.service_kwargs()
        kwargs.pop("submission_id", None)
        if call_service(form, services.support_item_update, item=item, by=request.user, **kwargs):
            messages.success(request, _("The item was saved."))
            return _back(case, "plans-support")
    return _form_page(
        request, case, form, title=_("Change a support plan item"), anchor="plans-support"
    )


@require_POST
def item_delete(request, case_id, item_id):
    case = _case(request, case_id)
    item = selectors.support_item_get(case, item_id)
    _act(
        request,
        services.support_item_delete,
        item=item,
        by=request.user,
        success=_("The item was removed from the plan."),
    )
    return _back(case, "plans-support")


def item_complete(request, case_id, item_id):
    case = _case(request, case_id)
    item = selectors.support_item_get(case, item_id)
    form = ItemCompleteForm(
        request.POST or None,
        calendar=_calendar(request),
        initial={"actual_end_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            services.support_item_complete,
            item=item,
            by=request.user,
            actual_end_on=form.cleaned_data["actual_end_on"],
        )
        if done:
            messages.success(request, _("The item is recorded as achieved."))
            return _back(case, "plans-support")
    return _form_page(
        request,
        case,
        form,
        title=_("Record that an item was achieved"),
        intro=item.get_support_type_display(),
        anchor="plans-support",
    )


def _done_message(action: str) -> str:
    if action == PlanAction.SUBMIT:
        return _("The plan was submitted for a supervisor's approval.")
    return _("The plan is approved.")


@require_POST
def plan_transition(request, case_id, plan_id, action):
    """Submit or approve; returning needs a reason and has its own page."""
    perm = Perm.CASE_EDIT if action == PlanAction.SUBMIT else Perm.CASE_APPROVE
    case = _case(request, case_id, perm=perm)
    plan = selectors.support_plan_get(case, plan_id)
    _act(
        request,
        services.support_plan_transition,
        plan=plan,
        action=action,
        by=request.user,
        success=_done_message(action),
    )
    return _back(case, "plans-support")


def plan_return(request, case_id, plan_id):
    case = _case(request, case_id, perm=Perm.CASE_APPROVE)
    plan = selectors.support_plan_get(case, plan_id)
    if plan.status != PlanStatus.SUBMITTED and request.method == "GET":
        messages.error(request, _("Only a plan waiting for approval can be returned."))
        return _back(case, "plans-support")
    form = PlanReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.support_plan_transition(
                plan=plan,
                action=PlanAction.RETURN,
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except DomainError as exc:
            messages.error(request, str(exc))
            return _back(case, "plans-support")
        else:
            messages.success(request, _("The plan was returned to the caseworker."))
            return _back(case, "plans-support")
    return _form_page(
        request,
        case,
        form,
        title=_("Return the plan for changes"),
        intro=_("The caseworker will see your reason on the case page."),
        anchor="plans-support",
    )


@require_POST
def plan_revise(request, case_id, plan_id):
    case = _case(request, case_id)
    plan = selectors.support_plan_get(case, plan_id)
    _act(
        request,
        services.support_plan_revise,
        plan=plan,
        by=request.user,
        success=_(
            "A revision of the plan was started. The approved plan holds until it is approved."
        ),
    )
    return _back(case, "plans-support")


# --- reintegration -------------------------------------------------------------------------


def reintegration_edit(request, case_id):
    case = _case(request, case_id)
    plan = selectors.reintegration_plan_of(case)
    initial = {"start_on": timezone.localdate()}
    if plan is not None and request.method == "GET":
        goals = selectors.reintegration_goals(request.user, plan)
        initial = {"start_on": plan.start_on, "goals": goals or ""}
    form = ReintegrationPlanForm(request.POST or None, calendar=_calendar(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            services.reintegration_plan_save,
            case=case,
            by=request.user,
            **form.service_kwargs(),
        )
        if saved:
            messages.success(request, _("The reintegration plan was saved."))
            return _back(case, "plans-reintegration")
    title = _("Reintegration plan") if plan else _("Write the reintegration plan")
    return _form_page(request, case, form, title=title, anchor="plans-reintegration")


def visit_create(request, case_id):
    case = _case(request, case_id)
    plan = selectors.reintegration_plan_of(case)
    if plan is None:
        messages.error(request, _("Write the reintegration plan before recording visits."))
        return redirect("plans:reintegration_edit", case_id=case.public_id)
    form = FollowUpVisitForm(
        request.POST or None,
        calendar=_calendar(request),
        staff=selectors.visit_staff(case),
        initial={"submission_id": uuid.uuid4(), "visited_by": str(request.user.public_id)},
    )
    if request.method == "POST" and form.is_valid():
        visit = call_service(
            form, services.followup_visit_add, plan=plan, by=request.user, **form.service_kwargs()
        )
        if visit:
            messages.success(request, _("The follow-up visit was recorded."))
            return _back(case, "plans-reintegration")
    return _form_page(
        request,
        case,
        form,
        title=_("Record a follow-up visit"),
        intro=_(
            "Score each dimension from 1 to 5: choose the description closest to what you found."
        ),
        anchor="plans-reintegration",
    )


def visit_detail(request, case_id, visit_id):
    case = _case(request, case_id, perm=None)
    visit = selectors.visit_get(case, visit_id)
    notes = selectors.visit_notes(request.user, visit)
    scores = [
        (dimension.label, getattr(visit, dimension), ANCHORS[dimension][getattr(visit, dimension)])
        for dimension in Dimension
    ]
    return render(
        request,
        "plans/visit_detail.html",
        {"case": case, "visit": visit, "notes": notes, "scores": scores},
    )
