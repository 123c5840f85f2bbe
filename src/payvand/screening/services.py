"""Writes of screening: each one transaction, permission first, audited."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from payvand.accounts.models import User
from payvand.cases.guards import require_case_perm
from payvand.cases.models import Case
from payvand.core import crypto
from payvand.core.audit.services import audit_record
from payvand.core.errors import DomainError, IllegalTransition, PermissionDenied
from payvand.core.permissions import Perm, has_perm
from payvand.core.sealed import context_for
from payvand.screening import catalogue, rules
from payvand.screening.models import CatalogueVersion, Indicator, Screening, ScreeningAnswer
from payvand.screening.vocab import (
    Answer,
    DecisionKind,
    DecisionMakingOrg,
    ExploitationList,
    ScreeningState,
    TraffickingStatus,
)
from payvand.trafficking.services import victim_status_from_screening

MAX_REASON = 4000
EARLIEST_SCREENING = dt.date(2000, 1, 1)

# The one transition table of a screening: (state, action) → new state.
TRANSITIONS = {(ScreeningState.PENDING, "decide"): ScreeningState.DECIDED}


class CatalogueChanged(DomainError):
    """The form was filled in against a catalogue version that is no longer current."""


def answer_field(code: str) -> str:
    """The form field (and error key) of one indicator's answer."""
    return f"answer_{code}"


# --- catalogue ---------------------------------------------------------------------------


@transaction.atomic(durable=True)
def catalogue_import(*, raw: bytes, by: User | None) -> tuple[CatalogueVersion, bool]:
    """A new current catalogue version from a catalogue file; earlier versions stay.

    ``by`` None is the operator (command line). Returns (version, created): the same
    file as the current version (a double submit) creates nothing.
    """
    if by is not None and not has_perm(by, Perm.PLATFORM_CATALOGUE_EDIT):
        raise PermissionDenied(_("You cannot change the indicator catalogue."))
    try:
        data = catalogue.parse(raw)
    except catalogue.CatalogueError as exc:
        raise ValidationError({"file": exc.messages}) from None
    versions = list(CatalogueVersion.objects.select_for_update().order_by("-number"))
    current = next((v for v in versions if v.is_current), None)
    if current is not None and current.sha256 == data.sha256:
        return current, False
    CatalogueVersion.objects.filter(is_current=True).update(is_current=False)
    version = CatalogueVersion(
        number=(versions[0].number + 1) if versions else 1,
        title=data.title,
        source_note=data.source,
        sha256=data.sha256,
        created_by=by,
        is_current=True,
    )
    version.full_clean()
    version.save()
    indicators = [
        Indicator(
            version=version,
            code=item.code,
            exploitation_list=item.list,
            dimension=item.dimension,
            strength=item.strength,
            label=item.label,
            needs_review=item.needs_review,
            order=item.order,
        )
        for item in data.indicators
    ]
    for indicator in indicators:
        indicator.full_clean(exclude=["version"])
    Indicator.objects.bulk_create(indicators)
    audit_record(
        action="screening.catalogue_import",
        actor=by,
        obj=version,
        object_id=str(version.number),
        details={
            "number": version.number,
            "indicators": len(indicators),
            "needs_review": sum(i.needs_review for i in indicators),
            "sha256": data.sha256,
            "previous": current.number if current else None,
        },
    )
    return version, True


# --- screenings ----------------------------------------------------------------------------


def _require_case_edit(case: Case, by: User) -> None:
    require_case_perm(by, case, message=_("You cannot record screenings for this case."))


@transaction.atomic(durable=True)
def screening_record(
    *,
    case: Case,
    by: User,
    version: CatalogueVersion,
    exploitation_list: str,
    screened_on: dt.date | None,
    answers: dict[str, str],
    submission_id: uuid.UUID | None = None,
) -> Screening:
    """Record the answers to one list of indicators and the decision rule's result.

    ``answers`` maps every indicator code of the list to observed / not_observed /
    unknown. A second call with the same ``submission_id`` returns the first screening.
    """
    _require_case_edit(case, by)
    if submission_id is not None:
        existing = Screening.objects.filter(case=case, submission_id=submission_id).first()
        if existing is not None:
            return existing
    # Locked, so that an import cannot make it old between this check and the save.
    version = CatalogueVersion.objects.select_for_update().get(pk=version.pk)
    if not version.is_current:
        raise CatalogueChanged(
            _(
                "The indicator catalogue was updated while you were answering; "
                "check the answers against the current version and save again."
            )
        )
    errors: dict[str, list[str]] = {}
    if exploitation_list not in ExploitationList.values:
        raise ValidationError(
            {"exploitation_list": _("Unknown list %(code)s.") % {"code": exploitation_list}}
        )
    indicators = list(
        Indicator.objects.filter(version=version, exploitation_list=exploitation_list).order_by(
            "order"
        )
    )
    if not indicators:
        raise ValidationError(
            {
                "exploitation_list": _("Catalogue version %(n)s has no indicators for this list.")
                % {"n": version.number}
            }
        )
    today = timezone.localdate()
    if screened_on is None:
        errors["screened_on"] = [_("Enter the date of the screening.")]
    elif screened_on > today:
        errors["screened_on"] = [_("The date of the screening cannot be in the future.")]
    elif screened_on < EARLIEST_SCREENING:
        errors["screened_on"] = [_("The date of the screening must be in 2000 or later.")]
    codes = {i.code for i in indicators}
    for code in sorted(set(answers) - codes):
        errors.setdefault("__all__", []).append(
            _("Indicator %(code)s is not on this list.") % {"code": code}
        )
    for indicator in indicators:
        value = answers.get(indicator.code)
        if value not in Answer.values:
            errors[answer_field(indicator.code)] = [
                _("Choose observed, not observed or unknown for “%(label)s” (%(code)s).")
                % {"label": indicator.label_display, "code": indicator.code}
            ]
    if errors:
        raise ValidationError(errors)
    evaluation = rules.evaluate(
        exploitation_list,
        [
            rules.AnsweredIndicator(
                i.dimension, i.strength, answers[i.code], needs_review=i.needs_review
            )
            for i in indicators
        ],
    )
    screening = Screening(
        case=case,
        catalogue_version=version,
        exploitation_list=exploitation_list,
        screened_on=screened_on,
        screened_by=by,
        dimension_results=evaluation.dimensions_json(),
        rule_result=evaluation.result,
        suggested_status=evaluation.suggested_status,
        relies_on_unverified=evaluation.relies_on_unverified,
        submission_id=submission_id,
    )
    screening.full_clean()
    try:
        with transaction.atomic():
            screening.save()
    except IntegrityError:
        # The same form raced in from a second tab: the first one won.
        raise ValidationError(_("This form was already submitted.")) from None
    ScreeningAnswer.objects.bulk_create(
        [
            ScreeningAnswer(screening=screening, indicator=i, answer=answers[i.code])
            for i in indicators
        ]
    )
    audit_record(
        action="screening.record",
        actor=by,
        organisation=case.organisation,
        obj=screening,
        details={
            "case": str(case.public_id),
            "list": exploitation_list,
            "catalogue_version": version.number,
            "rule_result": evaluation.result,
            "dimensions_met": [
                d for d, r in evaluation.dimensions.items() if r.result == rules.MET
            ],
            "relies_on_unverified": evaluation.relies_on_unverified,
        },
    )
    return screening


def _transition(screening: Screening, action: str) -> str:
    new_state = TRANSITIONS.get((screening.state, action))
    if new_state is None:
        raise IllegalTransition(
            _(
                "This screening was already decided. To record another decision, "
                "screen again: every screening keeps its own decision."
            )
        )
    return new_state


@transaction.atomic(durable=True)
def screening_decide(
    *,
    screening: Screening,
    by: User,
    status: str,
    decision_org_type: str,
    reason: str = "",
    submission_id: uuid.UUID | None = None,
) -> Screening:
    """The caseworker's decision: confirm what the indicators say, or override it with a
    reason (sealed). The same ``submission_id`` again changes nothing (double click)."""
    screening = (
        Screening.objects.select_for_update()
        .select_related("case__organisation")
        .get(pk=screening.pk)
    )
    case = screening.case
    _require_case_edit(case, by)
    if submission_id is not None and screening.decision_submission_id == submission_id:
        return screening
    new_state = _transition(screening, "decide")
    errors: dict[str, str] = {}
    if status not in TraffickingStatus.values:
        errors["status"] = _("Choose one of the statuses.")
    if decision_org_type not in DecisionMakingOrg.values:
        errors["decision_org_type"] = _("Choose who decided.")
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        errors["reason"] = _("The reason is at most %(n)s characters.") % {"n": MAX_REASON}
    overridden = status in TraffickingStatus.values and rules.is_override(
        screening.rule_result, status
    )
    if overridden and not reason:
        errors["reason"] = _(
            "You decide differently from the indicators: explain why, for whoever reads "
            "this case after you."
        )
    if errors:
        raise ValidationError(errors)
    screening.state = new_state
    screening.status = status
    screening.decision_org_type = decision_org_type
    screening.decision = DecisionKind.OVERRIDDEN if overridden else DecisionKind.CONFIRMED
    screening.decision_reason = (
        crypto.seal_json(
            case.organisation, reason, context=context_for(screening, "decision_reason")
        )
        if reason
        else None
    )
    screening.decided_by = by
    screening.decided_at = timezone.now()
    screening.decision_submission_id = submission_id
    screening.full_clean()
    screening.save()
    audit_record(
        action="screening.decide",
        actor=by,
        organisation=case.organisation,
        obj=screening,
        details={
            "case": str(case.public_id),
            "status": status,
            "decision_org_type": decision_org_type,
            "decision": screening.decision,
            "rule_result": screening.rule_result,
            "reason_given": bool(reason),
        },
    )
    victim_status_from_screening(screening=screening, by=by)
    return screening
