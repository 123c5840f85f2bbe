"""Writes on referrals: create and send (consent gate), answer, work, complete, revoke,
messages, expiry. One transaction each, every move checked against workflow.ACTIONS,
one audit row each, notifications sent when the transaction commits."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from payvand.accounts.models import User
from payvand.cases.guards import clean_texts, require_case_perm
from payvand.cases.models import Case
from payvand.consent.models import Purpose
from payvand.consent.selectors import consent_allows
from payvand.core import countries
from payvand.core.audit.services import audit_record
from payvand.core.db import insert_once
from payvand.core.errors import IllegalTransition, PermissionDenied
from payvand.core.permissions import Perm, has_perm
from payvand.core.sealed import seal_into
from payvand.orgs.models import Organisation
from payvand.referrals import notify
from payvand.referrals.models import Message, Notification, Referral, Transition
from payvand.referrals.vocab import DeclineReason, Kind, RequestedService, Section, State
from payvand.referrals.workflow import ACTIONS, RECEIVER, SENDER, SYSTEM

MAX_TEXT = 3000
MAX_OVERRIDE_REASON = 500
DEFAULT_ANSWER_DAYS = 7


def missing_consent_message(case: Case, to_org: Organisation) -> str | None:
    """What consent is missing to share ``case`` with ``to_org``; None when it is there."""
    if consent_allows(case, Purpose.SHARING_ORG, organisation=to_org):
        return None
    return _(
        "No consent is recorded for sharing with %(org)s or with organisations in "
        "%(country)s. Record the survivor's consent on the case first."
    ) % {"org": to_org.name, "country": countries.country_name(to_org.country)}


@transaction.atomic(durable=True)
def referral_send(
    *,
    case: Case,
    by: User,
    to_org: Organisation,
    kind: str,
    services: list[str],
    sections: list[str],
    answer_due: dt.date | None = None,
    completion_due: dt.date | None = None,
    reason: str = "",
    travel: str = "",
    override_reason: str = "",
    submission_id: uuid.UUID | None = None,
) -> Referral:
    """Create a referral and send it at once. Needs the survivor's consent for sharing
    with ``to_org`` (or its country), or the override right and a written reason;
    medical information travels only with its own consent."""
    require_case_perm(by, case, Perm.REFERRAL_SEND)
    if submission_id is not None:
        existing = Referral.objects.filter(submission_id=submission_id).first()
        if existing is not None:
            if existing.case_id != case.pk:
                raise ValidationError(_("This form was already used for another case."))
            return existing
    today = timezone.localdate()
    errors: dict = {}
    texts = clean_texts(
        errors,
        limits={"reason": MAX_TEXT, "travel": MAX_TEXT},
        required=("reason",),
        reason=reason,
        travel=travel,
    )
    override_reason = (override_reason or "").strip()
    if to_org.pk == case.organisation_id:
        errors["to_org"] = _("Choose another organisation: this case is already yours.")
    elif not to_org.is_active:
        errors["to_org"] = _("This organisation is not active on the platform.")
    if kind not in Kind.values:
        errors["kind"] = _("Choose referral, transfer or return.")
    unknown = [s for s in services if s not in RequestedService.values]
    if not services or unknown:
        errors["services"] = _("Choose at least one service from the list.")
    if any(s not in Section.values for s in sections):
        errors["sections"] = _("Choose what travels from the list.")
    if answer_due is None:
        answer_due = today + dt.timedelta(days=DEFAULT_ANSWER_DAYS)
    if answer_due < today:
        errors["answer_due"] = _("The answer cannot be due in the past.")
    if completion_due is not None and completion_due < answer_due:
        errors["completion_due"] = _("Completion cannot be due before the answer.")
    if kind == Kind.RETURN and not texts["travel"]:
        errors["travel"] = _("Give the travel and arrival details of the return.")
    overriding = False
    if "to_org" not in errors:
        missing = missing_consent_message(case, to_org)
        if missing and not override_reason:
            errors["to_org"] = missing
        elif missing:
            if not has_perm(by, Perm.REFERRAL_OVERRIDE_CONSENT, case.organisation):
                errors["override_reason"] = _(
                    "Only a supervisor can send without the survivor's consent."
                )
            elif len(override_reason) > MAX_OVERRIDE_REASON:
                errors["override_reason"] = _("Write at most %(n)s characters.") % {
                    "n": MAX_OVERRIDE_REASON
                }
            overriding = True
        if Section.MEDICAL in sections and not consent_allows(case, Purpose.MEDICAL):
            errors["sections"] = _(
                "Medical information travels only with the survivor's consent for medical "
                "data. Record it, or leave medical information out."
            )
    if errors:
        raise ValidationError(errors)
    referral = Referral(
        case=case,
        kind=kind,
        from_org=case.organisation,
        to_org=to_org,
        services=sorted(set(services)),
        sections=sorted(set(sections)),
        consent_overridden=overriding,
        answer_due=answer_due,
        completion_due=completion_due,
        sent_by=by,
        submission_id=submission_id,
    )
    referral.full_clean(exclude=["case", "from_org", "to_org", "sent_by"])
    insert_once(referral)
    seal_into(case.organisation, referral, "content", texts)
    audit_record(
        action="referral.create",
        actor=by,
        organisation=case.organisation,
        obj=referral,
        details={
            "to": str(to_org.public_id),
            "kind": kind,
            "services": referral.services,
            "sections": referral.sections,
        },
    )
    _move(referral, "send", by, note=override_reason if overriding else "")
    if overriding:
        audit_record(
            action="referral.consent_override",
            actor=by,
            organisation=case.organisation,
            obj=referral,
            # The reason itself is sealed in the "send" step (shown on the referral): an
            # audit row can never be erased, so it names no circumstances of the survivor.
            details={"to": str(to_org.public_id), "reason_sealed_in": "send"},
        )
    return referral


def _side_of(referral: Referral, by: User | None, side: str) -> None:
    if side == SYSTEM:
        if by is not None:
            raise PermissionDenied(_("Only the platform does this."))
        return
    if side == SENDER:
        require_case_perm(by, referral.case, Perm.REFERRAL_SEND)
    elif not has_perm(by, Perm.REFERRAL_ANSWER, referral.to_org):
        raise PermissionDenied(_("Only the receiving organisation answers a referral."))


def _move(
    referral: Referral,
    action: str,
    by: User | None,
    *,
    reason: str = "",
    note: str = "",
    submission_id: uuid.UUID | None = None,
) -> Referral:
    """One transition, in the caller's transaction."""
    step = ACTIONS[action]
    if referral.state not in step.from_states:
        raise IllegalTransition(
            _("This referral's state is “%(state)s”: “%(action)s” is not possible now.")
            % {"state": referral.get_state_display(), "action": step.label}
        )
    old = referral.state
    now = timezone.now()
    referral.state = step.to_state
    if action == "send":
        referral.sent_at = now
    elif action in ("accept", "decline"):
        referral.answered_at = now
        if action == "accept":
            referral.received_by = by
    elif action in ("complete", "close", "revoke", "expire"):
        referral.closed_at = now
    referral.save()
    transition = Transition(
        referral=referral,
        action=action,
        from_state=old,
        to_state=step.to_state,
        reason=reason,
        by=by,
        submission_id=submission_id,
    )
    insert_once(transition)
    if note:
        seal_into(referral.from_org, transition, "note", note)
    audit_record(
        action=f"referral.{action}",
        actor=by,
        organisation=referral.to_org if step.side == RECEIVER else referral.from_org,
        obj=referral,
        details={"from": old, "to": step.to_state, "reason": reason},
    )
    if action == "accept" and referral.kind == Kind.TRANSFER:
        from payvand.cases.transfer import case_move

        case_move(case=referral.case, to_org=referral.to_org, owner=by, by=by)
    notify.after_transition(referral, action)
    return referral


@transaction.atomic(durable=True)
def referral_transition(
    *,
    referral: Referral,
    action: str,
    by: User | None,
    reason: str = "",
    note: str = "",
    submission_id: uuid.UUID | None = None,
) -> Referral:
    """Move ``referral`` by ``action`` (workflow.ACTIONS). The same ``submission_id``
    twice (a double click) moves it once; any move not in the table is refused."""
    if action not in ACTIONS or action == "send":
        raise IllegalTransition(_("Unknown action."))
    step = ACTIONS[action]
    locked = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case__organisation", "from_org", "to_org")
        .get(pk=referral.pk)
    )
    if (
        submission_id is not None
        and locked.transitions.filter(submission_id=submission_id).exists()
    ):
        return locked
    _side_of(locked, by, step.side)
    errors: dict = {}
    note = clean_texts(errors, limits=MAX_TEXT, note=note)["note"]
    if step.needs_reason and reason not in DeclineReason.values:
        errors["reason"] = _("Choose why.")
    if step.needs_note and not note:
        errors["note"] = _("Write why, for the other organisation.")
    if errors:
        raise ValidationError(errors)
    return _move(locked, action, by, reason=reason, note=note, submission_id=submission_id)


@transaction.atomic(durable=True)
def message_post(
    *, referral: Referral, by: User, text: str, submission_id: uuid.UUID | None = None
) -> Message:
    """A message in the referral's thread, from either side (sealed with the sender's key)."""
    if has_perm(by, Perm.REFERRAL_ANSWER, referral.to_org):
        side_org = referral.to_org
    else:
        require_case_perm(by, referral.case, Perm.REFERRAL_SEND)
        side_org = referral.from_org
    if submission_id is not None:
        existing = Message.objects.filter(submission_id=submission_id).first()
        if existing is not None:
            return existing
    errors: dict = {}
    text = clean_texts(errors, limits=MAX_TEXT, required=("text",), text=text)["text"]
    if errors:
        raise ValidationError(errors)
    message = Message(referral=referral, by=by, from_org=side_org, submission_id=submission_id)
    insert_once(message)
    seal_into(referral.from_org, message, "text", text)
    audit_record(
        action="referral.message",
        actor=by,
        organisation=side_org,
        obj=referral,
        details={"message": str(message.public_id)},
    )
    notify.after_message(referral, message)
    return message


def referrals_expire(today: dt.date | None = None) -> int:
    """Expire the referrals sent whose answer is overdue (a scheduled command)."""
    today = today or timezone.localdate()
    count = 0
    for referral in Referral.objects.filter(state=State.SENT, answer_due__lt=today):
        referral_transition(referral=referral, action="expire", by=None)
        count += 1
    return count


def _locked_for_receiver(
    referral: Referral, by: User, *, states: tuple, not_receiver: str, too_early: str
) -> Referral:
    """The referral, locked, once ``by`` is known to answer it and it is in ``states``."""
    locked = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case__organisation", "from_org", "to_org")
        .get(pk=referral.pk)
    )
    if not has_perm(by, Perm.REFERRAL_ANSWER, locked.to_org):
        raise PermissionDenied(not_receiver)
    if locked.state not in states:
        raise IllegalTransition(too_early)
    return locked


@transaction.atomic(durable=True)
def referral_assistance_record(
    *,
    referral: Referral,
    by: User,
    assistance_type: str,
    delivered_on: dt.date | None,
    outcome: str = "",
    submission_id: uuid.UUID | None = None,
):
    """The receiver logs a service it delivered; it goes into the sender's assistance
    log (provider: the receiving organisation), which is how the sender sees the outcome.
    The first entry on an accepted referral starts the work."""
    from payvand.assistance.services import entry_record_by_provider

    locked = _locked_for_receiver(
        referral,
        by,
        states=(State.ACCEPTED, State.IN_PROGRESS),
        not_receiver=_("Only the receiving organisation records its services here."),
        too_early=_("Record services once the referral is accepted."),
    )
    entry = entry_record_by_provider(
        case=locked.case,
        by=by,
        provider=locked.to_org,
        assistance_type=assistance_type,
        delivered_on=delivered_on,
        outcome=outcome,
        submission_id=submission_id,
    )
    if locked.state == State.ACCEPTED:
        _move(locked, "start", by)
    return entry


def notifications_read(*, user: User, referral: Referral) -> int:
    """The caller has opened the referral: its notices to her or him are read."""
    return Notification.objects.filter(user=user, referral=referral, read_at=None).update(
        read_at=timezone.now()
    )


def notifications_shown(*, user: User, notices: list[Notification]) -> int:
    """Notices of referrals the caller can no longer open have been shown to her or him:
    they are read (opening the referral, which marks the others, is a 404 for these)."""
    return Notification.objects.filter(
        user=user, pk__in=[n.pk for n in notices], read_at=None
    ).update(read_at=timezone.now())


def package_check(
    *,
    case: Case,
    by: User,
    recipient: str,
    country: str,
    sections: list[str],
    services: list[str],
    reason: str,
    override_reason: str = "",
) -> dict:
    """Validate a package for an organisation not on the platform (the consent gate:
    sharing with organisations of ``country``); the cleaned values."""
    require_case_perm(by, case, Perm.REFERRAL_SEND)
    errors: dict = {}
    texts = clean_texts(
        errors,
        limits={"reason": MAX_TEXT, "recipient": 200},
        required=("reason", "recipient"),
        reason=reason,
        recipient=recipient,
    )
    country = (country or "").upper()
    override_reason = (override_reason or "").strip()
    if not countries.is_country(country):
        errors["country"] = _("Choose the country of the organisation.")
    elif not consent_allows(case, Purpose.SHARING_COUNTRY, country=country):
        if not override_reason:
            errors["country"] = _(
                "No consent is recorded for sharing with organisations in %(country)s. "
                "Record the survivor's consent on the case first."
            ) % {"country": countries.country_name(country)}
        elif not has_perm(by, Perm.REFERRAL_OVERRIDE_CONSENT, case.organisation):
            errors["override_reason"] = _(
                "Only a supervisor can send without the survivor's consent."
            )
    if not services or any(s not in RequestedService.values for s in services):
        errors["services"] = _("Choose at least one service from the list.")
    if any(s not in Section.values for s in sections):
        errors["sections"] = _("Choose what travels from the list.")
    elif Section.MEDICAL in sections and not consent_allows(case, Purpose.MEDICAL):
        errors["sections"] = _(
            "Medical information travels only with the survivor's consent for medical "
            "data. Record it, or leave medical information out."
        )
    if errors:
        raise ValidationError(errors)
    return {
        "recipient": texts["recipient"],
        "country": country,
        "sections": sorted(set(sections)),
        "services": sorted(set(services)),
        "reason": texts["reason"],
        "override_reason": override_reason,
    }


@transaction.atomic(durable=True)
def package_make(*, case: Case, by: User, password: str, **values) -> bytes:
    """The encrypted package, checked again; the password is the one shown to ``by``."""
    from payvand.referrals import package
    from payvand.referrals.selectors import shared_data

    clean = package_check(case=case, by=by, **values)
    if len(password or "") < 20:
        raise ValidationError(_("The package password is missing: start again."))
    view = shared_data(case, set(clean["sections"]))
    data = package.build(
        case=case,
        view=view,
        recipient=clean["recipient"],
        country=clean["country"],
        services=clean["services"],
        reason=clean["reason"],
        password=password,
    )
    if clean["override_reason"]:
        # The reason may name her or what happened: it is sealed in a case note (erased
        # with the case), and the undeletable audit row says only that there was one.
        from payvand.assistance.services import note_record

        note_record(
            case=case,
            by=by,
            text=_(
                "Package for an organisation in %(country)s made without the survivor's "
                "consent. Reason: %(reason)s"
            )
            % {
                "country": countries.country_name(clean["country"]),
                "reason": clean["override_reason"],
            },
        )
    audit_record(
        action="referral.package",
        actor=by,
        organisation=case.organisation,
        obj=case,
        details={
            "country": clean["country"],
            "sections": view.sections,
            "consent_override": bool(clean["override_reason"]),
            "bytes": len(data),
        },
    )
    return data


@transaction.atomic(durable=True)
def referral_followup_record(
    *,
    referral: Referral,
    by: User,
    visited_on: dt.date | None,
    mode: str,
    economic: int | None,
    social: int | None,
    psychosocial: int | None,
    notes: str = "",
    submission_id: uuid.UUID | None = None,
):
    """The organisation that took a return hand-over records a follow-up visit; it goes
    into the sending organisation's reintegration plan, as feedback (TRM stage 4)."""
    from payvand.plans.models import ReintegrationPlan
    from payvand.plans.services import followup_visit_add_by_receiver

    if referral.kind != Kind.RETURN:
        raise IllegalTransition(_("Follow-up visits are recorded on a return hand-over."))
    referral = _locked_for_receiver(
        referral,
        by,
        states=(State.ACCEPTED, State.IN_PROGRESS, State.COMPLETED),
        not_receiver=_("Only the receiving organisation records its visits here."),
        too_early=_("Record visits once the hand-over is accepted."),
    )
    plan = ReintegrationPlan.objects.filter(case=referral.case).first()
    if plan is None:
        raise ValidationError(
            _(
                "The sending organisation has no reintegration plan for her or him yet: "
                "ask them in the messages to write one."
            )
        )
    plan.case = referral.case
    return followup_visit_add_by_receiver(
        plan=plan, by=by, receiver=referral.to_org, visited_on=visited_on, mode=mode,
        economic=economic, social=social, psychosocial=psychosocial, notes=notes,
        submission_id=submission_id,
    )  # fmt: skip
