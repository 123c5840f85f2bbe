"""Who may open the plans' pages: supervisors of the case's organisation and the
caseworkers the case is assigned to (the matrix's case belongs to another caseworker)."""

import datetime as dt

from payvand.core.permissions import Role
from payvand.testing.factories import case, member
from payvand.testing.matrix import OK_FOR

GET_OK = OK_FOR(Role.SUPERVISOR)
POST_OK = OK_FOR(Role.SUPERVISOR, ok=302)
NOBODY = {role: 404 for role in Role.values}

ROWS = {
    "plans:risk_history": ("GET", GET_OK, NOBODY),
    "plans:risk_create": ("GET", GET_OK, NOBODY),
    "plans:item_create": ("GET", GET_OK, NOBODY),
    "plans:item_edit": ("GET", GET_OK, NOBODY),
    "plans:item_delete": ("POST", POST_OK, NOBODY),
    "plans:item_complete": ("GET", GET_OK, NOBODY),
    "plans:plan_submit": ("POST", POST_OK, NOBODY),
    "plans:plan_approve": ("POST", POST_OK, NOBODY),
    "plans:plan_return": ("GET", GET_OK, NOBODY),
    "plans:plan_revise": ("POST", POST_OK, NOBODY),
    "plans:reintegration_edit": ("GET", GET_OK, NOBODY),
    "plans:visit_create": ("GET", GET_OK, NOBODY),
    "plans:visit_detail": ("GET", GET_OK, NOBODY),
}

# The state the plan must be in for the supervisor's request to succeed.
_PLAN_STATE = {
    "plans:item_edit": "draft",
    "plans:item_delete": "draft",
    "plans:plan_submit": "draft",
    "plans:plan_approve": "submitted",
    "plans:plan_return": "submitted",
    "plans:item_complete": "approved",
    "plans:plan_revise": "approved",
}


def _item(org, c, worker, state):
    from payvand.plans import services

    today = dt.date.today()
    item = services.support_item_add(
        case=c, by=worker, support_type="Legal", start_on=today, planned_end_on=today,
        objectives="Residence permit",
    )  # fmt: skip
    plan = item.plan
    plan.case = c
    if state in ("submitted", "approved"):
        plan = services.support_plan_transition(plan=plan, action="submit", by=worker)
    if state == "approved":
        supervisor = member(Role.SUPERVISOR, org)
        plan = services.support_plan_transition(plan=plan, action="approve", by=supervisor)
    return item, plan


def url_kwargs(name, converters, org, target):
    if not name.startswith("plans:"):
        return None
    from payvand.plans import services

    worker = target.user
    c = case(org, owner=worker)
    kwargs = {"case_id": c.public_id}
    if name in _PLAN_STATE:
        item, plan = _item(org, c, worker, _PLAN_STATE[name])
        if "item_id" in converters:
            kwargs["item_id"] = item.public_id
        if "plan_id" in converters:
            kwargs["plan_id"] = plan.public_id
    if name in ("plans:visit_create", "plans:visit_detail"):
        plan = services.reintegration_plan_save(
            case=c, by=worker, start_on=dt.date(2026, 1, 1), goals="Work in Khujand"
        )
        if name == "plans:visit_detail":
            visit = services.followup_visit_add(
                plan=plan, by=worker, visited_on=dt.date(2026, 2, 1), visited_by=worker,
                mode="phone", economic=2, social=3, psychosocial=3, notes="Called",
            )  # fmt: skip
            kwargs["visit_id"] = visit.public_id
    return kwargs
