"""The support plan's approval workflow: the one table of legal moves, and who may make them.

    draft ──submit──▶ submitted ──approve──▶ approved
      ▲                   │
      │                return (with a reason)
      │                   ▼
      └────────────── returned ──submit──▶ submitted

Only a draft or a returned plan can be changed (`models.EDITABLE_PLAN_STATES`). An
approved plan is changed by starting its next version (`services.support_plan_revise`).
`services.support_plan_transition` is the only function that moves a plan.
"""

from django.utils.translation import gettext as _

from payvand.core.permissions import Perm
from payvand.plans.vocab import PlanAction, PlanStatus

TRANSITIONS: dict[tuple[str, str], str] = {
    (PlanStatus.DRAFT, PlanAction.SUBMIT): PlanStatus.SUBMITTED,
    (PlanStatus.RETURNED, PlanAction.SUBMIT): PlanStatus.SUBMITTED,
    (PlanStatus.SUBMITTED, PlanAction.APPROVE): PlanStatus.APPROVED,
    (PlanStatus.SUBMITTED, PlanAction.RETURN): PlanStatus.RETURNED,
}

# The right each move needs in the case's organisation.
ACTION_PERMS: dict[str, Perm] = {
    PlanAction.SUBMIT: Perm.CASE_EDIT,
    PlanAction.APPROVE: Perm.CASE_APPROVE,
    PlanAction.RETURN: Perm.CASE_APPROVE,
}


def next_status(status: str, action: str) -> str | None:
    return TRANSITIONS.get((status, action))


def actions_from(status: str) -> list[str]:
    return [action for (state, action) in TRANSITIONS if state == status]


def illegal_message(status: str, action: str) -> str:
    """Why ``action`` cannot be done on a plan in ``status``, in words a person understands."""
    if status == PlanStatus.APPROVED:
        if action == PlanAction.APPROVE:
            return _("This plan is already approved.")
        return _("This plan is already approved. Start a revision to change it.")
    if status == PlanStatus.SUBMITTED and action == PlanAction.SUBMIT:
        return _("This plan is already waiting for a supervisor's approval.")
    if status == PlanStatus.DRAFT:
        if action == PlanAction.APPROVE:
            return _("This plan is still a draft: it must be submitted before it can be approved.")
        return _("This plan is still a draft: there is nothing to return yet.")
    if status == PlanStatus.RETURNED:
        if action == PlanAction.APPROVE:
            return _(
                "This plan was returned for changes: it must be submitted again before it "
                "can be approved."
            )
        return _("This plan was already returned for changes.")
    return _("This cannot be done to the plan in its present state.")
