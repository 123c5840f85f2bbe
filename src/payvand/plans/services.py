"""Writes on risk assessments, support plans and reintegration. One transaction each,
permission first, sealed text, validated before anything is saved, one audit row."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from payvand.accounts.models import User
from payvand.cases.guards import (
    already_submitted,
    clean_texts,
    full_clean_with,
    require_case_perm,
)
from payvand.cases.models import Case
from payvand.core import crypto
from payvand.core.audit.services import audit_record
from payvand.core.db import insert_once
from payvand.core.errors import DomainError, IllegalTransition, PermissionDenied
from payvand.core.permissions import Perm, has_perm
from payvand.core.sealed import context_for, seal_into
from payvand.orgs.models import Organisation
from payvand.plans import workflow
from payvand.plans.models import (
    FollowUpVisit,
    ReintegrationPlan,
    RiskAssessment,
    SupportPlan,
    SupportPlanItem,
    highest_level,
)
from payvand.plans.vocab import RISK_RANK, PlanAction, PlanStatus

# Long enough for a careful safety plan, short enough that nobody pastes a file.
MAX_TEXT = 5000


# --- risk assessment and safety plan ---------------------------------------------------


@transaction.atomic(durable=True)
def risk_assess(
    *,
    case: Case,
    by: User,
    assessed_on: dt.date | None,
    individual_level: str,
    household_level: str,
    community_level: str,
    overall_level: str | None = None,
    risk_to_life: bool = False,
    individual: str = "",
    household: str = "",
    community: str = "",
    safety_plan: str = "",
    review_on: dt.date | None = None,
    submission_id: uuid.UUID | None = None,
) -> RiskAssessment:
    """A new assessment (the earlier ones stay as history).

    Without ``overall_level`` the overall risk is the highest of the three levels; the
    assessor may rate it higher, never lower.
    """
    require_case_perm(by, case, Perm.CASE_EDIT)
    existing = already_submitted(RiskAssessment, case, submission_id)
    if existing is not None:
        return existing
    errors: dict = {}
    texts = clean_texts(
        errors,
        limits=MAX_TEXT,
        individual=individual,
        household=household,
        community=community,
        safety_plan=safety_plan,
    )
    components = [individual_level, household_level, community_level]
    assessment = RiskAssessment(
        case=case,
        assessed_on=assessed_on,
        individual_level=individual_level,
        household_level=household_level,
        community_level=community_level,
        overall_level=overall_level or highest_level([c for c in components if c in RISK_RANK]),
        risk_to_life=bool(risk_to_life),
        review_on=review_on,
        assessed_by=by,
        submission_id=submission_id,
    )
    full_clean_with(assessment, errors, exclude=["case", "assessed_by"])
    insert_once(assessment)
    seal_into(case.organisation, assessment, "content", texts)
    audit_record(
        action="risk.assess",
        actor=by,
        organisation=case.organisation,
        obj=assessment,
        details={
            "levels": components,
            "overall": assessment.overall_level,
            "risk_to_life": assessment.risk_to_life,
        },
    )
    return assessment


# --- support plan -----------------------------------------------------------------------


def _plan_for_changes(case: Case, by: User) -> SupportPlan:
    """The plan new items go into: the newest version when it may change, or a first draft."""
    plan = SupportPlan.objects.select_for_update().filter(case=case).order_by("-version").first()
    if plan is None:
        plan = SupportPlan(case=case, version=1, created_by=by)
        plan.full_clean(exclude=["case", "created_by"])
        try:
            with transaction.atomic():
                plan.save()
        except IntegrityError:
            # Someone else started it a moment ago: use theirs.
            plan = SupportPlan.objects.select_for_update().get(case=case, version=1)
        else:
            audit_record(
                action="support_plan.start",
                actor=by,
                organisation=case.organisation,
                obj=plan,
                details={"version": 1},
            )
    _check_editable(plan)
    return plan


def _check_editable(plan: SupportPlan) -> None:
    if plan.status == PlanStatus.SUBMITTED:
        raise DomainError(
            _("The plan is waiting for a supervisor's approval: it cannot be changed now.")
        )
    if plan.status == PlanStatus.APPROVED:
        raise DomainError(_("The plan is approved. Start a revision to change it."))


def _locked_plan(plan: SupportPlan) -> SupportPlan:
    locked = SupportPlan.objects.select_for_update().get(pk=plan.pk)
    locked.case = plan.case
    return locked


def _item_fields(errors: dict, *, objectives: str, actions: str) -> dict[str, str]:
    return clean_texts(
        errors,
        limits=MAX_TEXT,
        required=("objectives",),
        objectives=objectives,
        actions=actions,
    )


@transaction.atomic(durable=True)
def support_item_add(
    *,
    case: Case,
    by: User,
    support_type: str,
    start_on: dt.date | None,
    planned_end_on: dt.date | None,
    objectives: str,
    actions: str = "",
    actual_end_on: dt.date | None = None,
    submission_id: uuid.UUID | None = None,
) -> SupportPlanItem:
    """A new line in the case's support plan (a first draft plan is started if needed)."""
    require_case_perm(by, case, Perm.CASE_EDIT)
    if submission_id is not None:
        existing = SupportPlanItem.objects.filter(submission_id=submission_id).first()
        if existing is not None:
            if existing.plan.case_id != case.pk:
                raise ValidationError(_("This form was already used for another case."))
            return existing
    errors: dict = {}
    texts = _item_fields(errors, objectives=objectives, actions=actions)
    plan = _plan_for_changes(case, by)
    item = SupportPlanItem(
        plan=plan,
        support_type=support_type,
        start_on=start_on,
        planned_end_on=planned_end_on,
        actual_end_on=actual_end_on,
        created_by=by,
        submission_id=submission_id,
    )
    full_clean_with(item, errors, exclude=["plan", "created_by"])
    insert_once(item)
    seal_into(case.organisation, item, "content", texts)
    audit_record(
        action="support_plan.item_add",
        actor=by,
        organisation=case.organisation,
        obj=item,
        details={"plan": str(plan.public_id), "type": item.support_type},
    )
    return item


@transaction.atomic(durable=True)
def support_item_update(
    *,
    item: SupportPlanItem,
    by: User,
    support_type: str,
    start_on: dt.date | None,
    planned_end_on: dt.date | None,
    objectives: str,
    actions: str = "",
    actual_end_on: dt.date | None = None,
) -> SupportPlanItem:
    """Change a line of a draft or returned plan."""
    case = item.plan.case
    require_case_perm(by, case, Perm.CASE_EDIT)
    plan = _locked_plan(item.plan)
    _check_editable(plan)
    errors: dict = {}
    texts = _item_fields(errors, objectives=objectives, actions=actions)
    item.plan = plan
    item.support_type = support_type
    item.start_on = start_on
    item.planned_end_on = planned_end_on
    item.actual_end_on = actual_end_on
    full_clean_with(item, errors, exclude=["plan", "created_by"])
    item.save()
    seal_into(case.organisation, item, "content", texts)
    audit_record(
        action="support_plan.item_edit",
        actor=by,
        organisation=case.organisation,
        obj=item,
        details={"plan": str(plan.public_id), "type": item.support_type},
    )
    return item


@transaction.atomic(durable=True)
def support_item_delete(*, item: SupportPlanItem, by: User) -> None:
    case = item.plan.case
    require_case_perm(by, case, Perm.CASE_EDIT)
    plan = _locked_plan(item.plan)
    _check_editable(plan)
    audit_record(
        action="support_plan.item_delete",
        actor=by,
        organisation=case.organisation,
        obj=item,
        details={"plan": str(plan.public_id), "type": item.support_type},
    )
    item.delete()


@transaction.atomic(durable=True)
def support_item_complete(
    *, item: SupportPlanItem, by: User, actual_end_on: dt.date | None
) -> SupportPlanItem:
    """Record when a line of the plan was achieved: progress, allowed on an approved plan.

    Not while the plan waits for approval (the supervisor decides on what was submitted),
    and only on the newest version (earlier ones are history).
    """
    case = item.plan.case
    require_case_perm(by, case, Perm.CASE_EDIT)
    plan = _locked_plan(item.plan)
    if plan.status == PlanStatus.SUBMITTED:
        raise DomainError(
            _("The plan is waiting for a supervisor's approval: it cannot be changed now.")
        )
    if SupportPlan.objects.filter(case=case, version__gt=plan.version).exists():
        raise DomainError(_("This is an earlier version of the plan: record it on the newest."))
    if actual_end_on is None:
        raise ValidationError({"actual_end_on": _("Enter the date it was achieved.")})
    item.plan = plan
    item.actual_end_on = actual_end_on
    full_clean_with(item, {}, exclude=["plan", "created_by"])
    item.save(update_fields=["actual_end_on", "updated_at"])
    audit_record(
        action="support_plan.item_complete",
        actor=by,
        organisation=case.organisation,
        obj=item,
        details={"plan": str(plan.public_id), "actual_end_on": actual_end_on.isoformat()},
    )
    return item


@transaction.atomic(durable=True)
def support_plan_transition(
    *, plan: SupportPlan, action: str, by: User, reason: str = ""
) -> SupportPlan:
    """The one way a plan changes state; checks `workflow.TRANSITIONS`.

    Raises PermissionDenied without the right for ``action``, IllegalTransition when the
    plan's state does not allow it, ValidationError for a missing return reason.
    """
    case = plan.case
    if action not in PlanAction.values:
        raise IllegalTransition(_("Unknown action on a plan."))
    if not has_perm(by, workflow.ACTION_PERMS[action], case.organisation):
        if action == PlanAction.SUBMIT:
            raise PermissionDenied(_("You cannot change plans in this organisation."))
        raise PermissionDenied(_("Only a supervisor of the organisation can decide on plans."))
    require_case_perm(by, case, workflow.ACTION_PERMS[action])
    plan = _locked_plan(plan)
    before = plan.status
    after = workflow.next_status(before, action)
    if after is None:
        raise IllegalTransition(workflow.illegal_message(before, action))
    items = plan.items.count()
    if action == PlanAction.SUBMIT and items == 0:
        raise DomainError(_("Add at least one item before submitting the plan."))
    texts: dict[str, str] = {}
    if action == PlanAction.RETURN:
        errors: dict = {}
        texts = clean_texts(errors, limits=MAX_TEXT, required=("reason",), reason=reason)
        if errors:
            raise ValidationError(errors)
    now = timezone.now()
    if action == PlanAction.SUBMIT:
        plan.submitted_by, plan.submitted_at = by, now
    else:
        plan.decided_by, plan.decided_at = by, now
    if action == PlanAction.APPROVE:
        plan.decision = None  # a reason for an earlier return no longer applies
    plan.status = after
    plan.full_clean(exclude=["case", "created_by", "submitted_by", "decided_by"])
    plan.save()
    if action == PlanAction.RETURN:
        seal_into(case.organisation, plan, "decision", texts)
    details = {"from": before, "to": after, "version": plan.version, "items": items}
    if action == PlanAction.APPROVE and plan.submitted_by_id == by.pk:
        # Allowed (a small office may have one supervisor), but visible in the trail.
        details["own_submission"] = True
    audit_record(
        action=f"support_plan.{action}", actor=by, organisation=case.organisation, obj=plan,
        details=details,
    )  # fmt: skip
    return plan


@transaction.atomic(durable=True)
def support_plan_revise(*, plan: SupportPlan, by: User) -> SupportPlan:
    """Start the next version of an approved plan as a draft, with a copy of its items.

    The approved version stays in force until the revision is approved. A second click
    returns the revision the first one started.
    """
    case = plan.case
    require_case_perm(by, case, Perm.CASE_EDIT)
    plan = _locked_plan(plan)
    newest = SupportPlan.objects.filter(case=case).aggregate(v=Max("version"))["v"]
    if newest > plan.version:
        later = SupportPlan.objects.get(case=case, version=newest)
        if later.editable:
            return later  # the revision already started (a second click)
        raise IllegalTransition(_("A newer version of this plan already exists."))
    if plan.status != PlanStatus.APPROVED:
        raise IllegalTransition(_("Only an approved plan is revised; this one can be edited."))
    revision = SupportPlan(case=case, version=plan.version + 1, created_by=by)
    revision.full_clean(exclude=["case", "created_by"])
    insert_once(revision)
    for old in plan.items.order_by("start_on", "id"):
        text = {}
        if old.content:
            text = crypto.unseal_json(
                case.organisation, old.content, context=context_for(old, "content")
            )
        copy = SupportPlanItem(
            plan=revision,
            support_type=old.support_type,
            start_on=old.start_on,
            planned_end_on=old.planned_end_on,
            actual_end_on=old.actual_end_on,
            created_by=by,
        )
        copy.save()
        seal_into(case.organisation, copy, "content", text)
    audit_record(
        action="support_plan.revise",
        actor=by,
        organisation=case.organisation,
        obj=revision,
        details={"from_version": plan.version, "version": revision.version},
    )
    return revision


# --- reintegration ------------------------------------------------------------------------


@transaction.atomic(durable=True)
def reintegration_plan_save(
    *, case: Case, by: User, start_on: dt.date | None, goals: str
) -> ReintegrationPlan:
    """Write the case's reintegration plan, or change it (its visits stay)."""
    require_case_perm(by, case, Perm.CASE_EDIT)
    errors: dict = {}
    texts = clean_texts(errors, limits=MAX_TEXT, required=("goals",), goals=goals)
    plan = ReintegrationPlan.objects.select_for_update().filter(case=case).first()
    creating = plan is None
    if creating:
        plan = ReintegrationPlan(case=case, created_by=by)
    plan.start_on = start_on
    if not creating and start_on is not None:
        first = plan.visits.order_by("visited_on").values_list("visited_on", flat=True).first()
        if first is not None and start_on > first:
            errors["start_on"] = _(
                "A follow-up visit was made before this date: the start cannot be later."
            )
    full_clean_with(plan, errors, exclude=["case", "created_by"])
    if creating:
        insert_once(plan)
    else:
        plan.save()
    seal_into(case.organisation, plan, "content", texts)
    audit_record(
        action="reintegration.plan_create" if creating else "reintegration.plan_update",
        actor=by,
        organisation=case.organisation,
        obj=plan,
        details={"start_on": plan.start_on.isoformat()},
    )
    return plan


@transaction.atomic(durable=True)
def followup_visit_add(
    *,
    plan: ReintegrationPlan,
    by: User,
    visited_on: dt.date | None,
    visited_by: User | None,
    mode: str,
    economic: int | None,
    social: int | None,
    psychosocial: int | None,
    notes: str = "",
    submission_id: uuid.UUID | None = None,
) -> FollowUpVisit:
    """A follow-up visit with its three sustainability scores (1–5)."""
    require_case_perm(by, plan.case, Perm.CASE_EDIT)
    return _visit_insert(
        plan=plan, by=by, visited_on=visited_on, visited_by=visited_by,
        staff_org=plan.case.organisation, mode=mode, economic=economic, social=social,
        psychosocial=psychosocial, notes=notes, submission_id=submission_id,
    )  # fmt: skip


def followup_visit_add_by_receiver(
    *,
    plan: ReintegrationPlan,
    by: User,
    receiver: Organisation,
    visited_on: dt.date | None,
    mode: str,
    economic: int | None,
    social: int | None,
    psychosocial: int | None,
    notes: str = "",
    submission_id: uuid.UUID | None = None,
) -> FollowUpVisit:
    """A visit made by the organisation that took a survivor's return hand-over: it goes
    into the sending organisation's reintegration plan (their feedback). The caller (the
    referrals app) has checked that ``by`` answers that hand-over for ``receiver``."""
    return _visit_insert(
        plan=plan, by=by, visited_on=visited_on, visited_by=by, staff_org=receiver,
        mode=mode, economic=economic, social=social, psychosocial=psychosocial,
        notes=notes, submission_id=submission_id,
    )  # fmt: skip


def _visit_insert(
    *,
    plan: ReintegrationPlan,
    by: User,
    visited_on: dt.date | None,
    visited_by: User | None,
    staff_org: Organisation,
    mode: str,
    economic: int | None,
    social: int | None,
    psychosocial: int | None,
    notes: str,
    submission_id: uuid.UUID | None,
) -> FollowUpVisit:
    case = plan.case
    if submission_id is not None:
        existing = FollowUpVisit.objects.filter(submission_id=submission_id).first()
        if existing is not None:
            if existing.plan_id != plan.pk:
                raise ValidationError(_("This form was already used for another case."))
            return existing
    errors: dict = {}
    texts = clean_texts(errors, limits=MAX_TEXT, notes=notes)
    if visited_by is None:
        errors["visited_by"] = _("Choose who made the visit.")
    elif not has_perm(visited_by, Perm.CASE_EDIT, staff_org) and not has_perm(
        visited_by, Perm.REFERRAL_ANSWER, staff_org
    ):
        errors["visited_by"] = _("Choose a caseworker or supervisor of this organisation.")
    visit = FollowUpVisit(
        plan=plan,
        visited_on=visited_on,
        visited_by=visited_by,
        mode=mode,
        economic=economic,
        social=social,
        psychosocial=psychosocial,
        recorded_by=by,
        submission_id=submission_id,
    )
    full_clean_with(visit, errors, exclude=["plan", "visited_by", "recorded_by"])
    insert_once(visit)
    seal_into(case.organisation, visit, "content", texts)
    audit_record(
        action="reintegration.visit_add",
        actor=by,
        organisation=case.organisation,
        obj=visit,
        details={
            "mode": visit.mode,
            "scores": [visit.economic, visit.social, visit.psychosocial],
            "by_organisation": str(staff_org.public_id),
        },
    )
    return visit
