"""The case workflow: one table of what may happen to a case, checked in one place.

Closing needs four eyes: a caseworker asks, a supervisor (someone else) approves or
returns the request. A closed case can be reopened with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from payvand.accounts.models import User
from payvand.cases.models import Case, StatusChange
from payvand.cases.vocab import CaseStatus, ClosureReason
from payvand.core import crypto
from payvand.core.audit.services import audit_record
from payvand.core.errors import IllegalTransition, PermissionDenied
from payvand.core.permissions import Perm, has_perm
from payvand.core.sealed import context_for

OPEN = frozenset({CaseStatus.ACTIVE, CaseStatus.FOLLOW_UP})
CLOSED = frozenset({CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED})


@dataclass(frozen=True)
class Action:
    label: object
    perm: Perm
    from_statuses: frozenset
    pending: bool | None  # the closure request must be pending (True), not (False), either (None)
    needs_reason: bool = False
    needs_note: bool = False


ACTIONS: dict[str, Action] = {
    "follow_up": Action(
        gettext_lazy("Move to follow-up"), Perm.CASE_EDIT, frozenset({CaseStatus.ACTIVE}), False
    ),
    "resume": Action(
        gettext_lazy("Make active again"), Perm.CASE_EDIT, frozenset({CaseStatus.FOLLOW_UP}), False
    ),
    "request_closure": Action(
        gettext_lazy("Ask to close the case"), Perm.CASE_EDIT, OPEN, False, needs_reason=True
    ),
    "approve_closure": Action(gettext_lazy("Approve the closure"), Perm.CASE_APPROVE, OPEN, True),
    "return_closure": Action(
        gettext_lazy("Return the closure request"), Perm.CASE_APPROVE, OPEN, True, needs_note=True
    ),
    "reopen": Action(
        gettext_lazy("Reopen the case"), Perm.CASE_EDIT, CLOSED, None, needs_note=True
    ),
}


def _last_request(case: Case) -> StatusChange | None:
    return case.status_changes.filter(action="request_closure").order_by("-at", "-id").first()


def allowed_actions(user: User, case: Case) -> list[str]:
    """What ``user`` may do to ``case`` now (the buttons on the case page)."""
    names = []
    for name, action in ACTIONS.items():
        if case.status not in action.from_statuses:
            continue
        if action.pending is not None and case.closure_pending != action.pending:
            continue
        if has_perm(user, action.perm, case.organisation):
            names.append(name)
    return names


@transaction.atomic(durable=True)
def case_transition(*, case: Case, by: User, action: str, reason: str = "", note: str = "") -> Case:
    case = Case.objects.select_for_update().select_related("organisation").get(pk=case.pk)
    step = ACTIONS.get(action)
    if step is None:
        raise IllegalTransition(_("Unknown action."))
    if not has_perm(by, step.perm, case.organisation):
        raise PermissionDenied(_("You cannot do this on this case."))
    if case.status not in step.from_statuses or (
        step.pending is not None and case.closure_pending != step.pending
    ):
        raise IllegalTransition(
            _("“%(action)s” is not possible: the case is %(status)s%(pending)s.")
            % {
                "action": step.label,
                "status": case.get_status_display().lower(),
                "pending": _(", waiting for closure approval") if case.closure_pending else "",
            }
        )
    if step.needs_reason and reason not in ClosureReason.values:
        raise IllegalTransition(_("Choose the reason for closing."))
    if step.needs_note and not note.strip():
        raise IllegalTransition(_("Write the reason."))
    before = case.status
    request = _last_request(case) if action == "approve_closure" else None
    if action == "approve_closure" and request is not None and request.by_id == by.pk:
        raise IllegalTransition(_("Someone other than the person who asked must approve."))
    if action == "follow_up":
        case.status = CaseStatus.FOLLOW_UP
    elif action == "resume":
        case.status = CaseStatus.ACTIVE
    elif action == "request_closure":
        case.closure_pending = True
    elif action == "approve_closure":
        referred = request is not None and request.reason == ClosureReason.REFERRED_ON
        case.status = CaseStatus.CLOSED_REFERRED if referred else CaseStatus.CLOSED
        case.closure_pending, case.closed_at = False, timezone.now()
    elif action == "return_closure":
        case.closure_pending = False
    elif action == "reopen":
        case.status, case.closed_at = CaseStatus.ACTIVE, None
    case.save(update_fields=["status", "closure_pending", "closed_at", "updated_at"])
    change = StatusChange.objects.create(
        case=case,
        action=action,
        from_status=before,
        to_status=case.status,
        reason=reason if step.needs_reason else "",
        by=by,
    )
    if note.strip():
        change.note = crypto.seal_json(
            case.organisation, {"note": note.strip()}, context=context_for(change, "note")
        )
        change.save(update_fields=["note"])
    audit_record(
        action=f"case.{action}",
        actor=by,
        organisation=case.organisation,
        obj=case,
        details={"from": before, "to": case.status, "reason": change.reason},
    )
    return case
