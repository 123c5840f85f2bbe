"""Writes on the assistance log, notes and tasks: one transaction each, sealed and audited.

Audit rows carry codes and public ids only, never an outcome, a note or a title.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from payvand.accounts.models import User
from payvand.assistance import selectors
from payvand.assistance.models import (
    AssistanceEntry,
    AssistanceType,
    CaseNote,
    Currency,
    Task,
    TaskState,
)
from payvand.cases.guards import require_case_perm
from payvand.cases.models import Case
from payvand.core.audit.services import audit_record
from payvand.core.db import insert_once
from payvand.core.errors import IllegalTransition, PermissionDenied
from payvand.core.sealed import seal_into
from payvand.orgs.models import Organisation

MAX_OUTCOME_LENGTH = 5000
MAX_NOTE_LENGTH = 10_000
MAX_TITLE_LENGTH = 300
MAX_DURATION_MINUTES = 30 * 24 * 60
MAX_AMOUNT = Decimal("999999999999.99")
# Catches a Solar Hijri year typed into a Gregorian field (1405 → year 1405).
EARLIEST_DATE = dt.date(2000, 1, 1)
NOTE_CORRECTION_WINDOW = dt.timedelta(hours=24)

# Which task states may follow which: the one place this rule lives.
TASK_TRANSITIONS: dict[str, frozenset[str]] = {
    TaskState.OPEN: frozenset({TaskState.DONE}),
    TaskState.DONE: frozenset({TaskState.OPEN}),
}


def _require_case_edit(case: Case, by: User) -> None:
    """Recording on a case: the right in its organisation, and the case within reach."""
    require_case_perm(by, case, message=_("You cannot record anything on this case."))


def _check_date(errors: dict, field: str, value: dt.date | None, today: dt.date) -> None:
    if value is None:
        errors[field] = _("Enter the date.")
    elif value > today:
        errors[field] = _("The date cannot be in the future.")
    elif value < EARLIEST_DATE:
        errors[field] = _("Enter a date after %(date)s.") % {"date": EARLIEST_DATE.isoformat()}


# --- assistance log ---------------------------------------------------------------------


@transaction.atomic(durable=True)
def entry_record(
    *,
    case: Case,
    by: User,
    assistance_type: str,
    delivered_on: dt.date | None,
    provider: Organisation | None = None,
    staff: User | None = None,
    duration_minutes: int | None = None,
    amount: Decimal | None = None,
    currency: str = "",
    outcome: str = "",
    submission_id: uuid.UUID | None = None,
) -> AssistanceEntry:
    """Log one service delivered. Provider defaults to the case's organisation, staff to ``by``.

    A second call with the same ``submission_id`` returns the first entry (double click).
    """
    _require_case_edit(case, by)
    return _entry_insert(
        case=case, by=by, assistance_type=assistance_type, delivered_on=delivered_on,
        provider=provider or case.organisation, staff=staff or by, staff_org=case.organisation,
        duration_minutes=duration_minutes, amount=amount, currency=currency, outcome=outcome,
        submission_id=submission_id,
    )  # fmt: skip


def entry_record_by_provider(
    *,
    case: Case,
    by: User,
    provider: Organisation,
    assistance_type: str,
    delivered_on: dt.date | None,
    duration_minutes: int | None = None,
    amount: Decimal | None = None,
    currency: str = "",
    outcome: str = "",
    submission_id: uuid.UUID | None = None,
) -> AssistanceEntry:
    """Log a service that another organisation delivered on a referral it accepted.

    The caller (the referrals app) has checked that ``by`` answers that referral for
    ``provider``; ``by`` is the staff member, and must work in ``provider``.
    """
    if not selectors.is_staff_of(by, provider):
        raise PermissionDenied(_("You cannot record anything on this case."))
    return _entry_insert(
        case=case, by=by, assistance_type=assistance_type, delivered_on=delivered_on,
        provider=provider, staff=by, staff_org=provider, duration_minutes=duration_minutes,
        amount=amount,
        currency=currency, outcome=outcome, submission_id=submission_id,
    )  # fmt: skip


def _entry_insert(
    *,
    case: Case,
    by: User,
    assistance_type: str,
    delivered_on: dt.date | None,
    provider: Organisation,
    staff: User,
    staff_org: Organisation,
    duration_minutes: int | None,
    amount: Decimal | None,
    currency: str,
    outcome: str,
    submission_id: uuid.UUID | None,
) -> AssistanceEntry:
    if submission_id is not None:
        existing = AssistanceEntry.objects.filter(case=case, submission_id=submission_id).first()
        if existing is not None:
            return existing
    outcome = (outcome or "").strip()
    currency = currency or ""
    errors: dict[str, str] = {}
    if assistance_type not in AssistanceType.values:
        errors["assistance_type"] = _("Unknown assistance type %(code)s.") % {
            "code": assistance_type
        }
    _check_date(errors, "delivered_on", delivered_on, timezone.localdate())
    if not provider.is_active:
        errors["provider"] = _("Choose an active organisation on the platform.")
    if not selectors.is_staff_of(staff, staff_org):
        errors["staff"] = _("The staff member must work in the case's organisation.")
    if duration_minutes is not None and not 1 <= duration_minutes <= MAX_DURATION_MINUTES:
        errors["duration_minutes"] = _("Enter a duration between 1 and %(n)s minutes.") % {
            "n": MAX_DURATION_MINUTES
        }
    if currency and currency not in Currency.values:
        errors["currency"] = _("Unknown currency code %(code)s.") % {"code": currency}
    elif amount is not None and not currency:
        errors["currency"] = _("Choose the currency of the amount.")
    if amount is None and currency:
        errors["amount"] = _("Enter the amount, or leave the currency empty.")
    elif amount is not None and amount <= 0:
        errors["amount"] = _("Enter an amount greater than zero.")
    elif amount is not None and amount > MAX_AMOUNT:
        errors["amount"] = _("Enter an amount of at most %(n)s.") % {"n": MAX_AMOUNT}
    elif amount is not None and amount != amount.quantize(Decimal("0.01")):
        errors["amount"] = _("Enter the amount with at most two decimals.")
    if len(outcome) > MAX_OUTCOME_LENGTH:
        errors["outcome"] = _("Write at most %(n)s characters.") % {"n": MAX_OUTCOME_LENGTH}
    if errors:
        raise ValidationError(errors)
    entry = AssistanceEntry(
        case=case,
        assistance_type=assistance_type,
        delivered_on=delivered_on,
        provider=provider,
        staff=staff,
        duration_minutes=duration_minutes,
        amount=amount,
        currency=currency,
        recorded_by=by,
        submission_id=submission_id,
    )
    entry.full_clean()
    insert_once(entry)
    seal_into(case.organisation, entry, "outcome", outcome)
    audit_record(
        action="assistance.record",
        actor=by,
        organisation=case.organisation,
        obj=entry,
        details={
            "type": assistance_type,
            "provider": str(provider.public_id),
            "staff": str(staff.public_id),
        },
    )
    return entry


# --- notes ------------------------------------------------------------------------------


def _clean_note(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the note.")})
    if len(text) > MAX_NOTE_LENGTH:
        raise ValidationError(
            {"text": _("Write at most %(n)s characters.") % {"n": MAX_NOTE_LENGTH}}
        )
    return text


@transaction.atomic(durable=True)
def note_add(
    *, case: Case, by: User, text: str, submission_id: uuid.UUID | None = None
) -> CaseNote:
    _require_case_edit(case, by)
    if submission_id is not None:
        existing = CaseNote.objects.filter(case=case, submission_id=submission_id).first()
        if existing is not None:
            return existing
    return note_record(case=case, by=by, text=text, submission_id=submission_id)


def note_record(
    *, case: Case, by: User, text: str, submission_id: uuid.UUID | None = None
) -> CaseNote:
    """A note, sealed and audited, inside the caller's transaction (another service that
    writes down why it did something on the case: the note can be erased with the case,
    where an audit row cannot). The caller has checked ``by``'s right to do so."""
    text = _clean_note(text)
    note = CaseNote(case=case, author=by, submission_id=submission_id)
    note.full_clean()
    insert_once(note)
    seal_into(case.organisation, note, "text", text)
    audit_record(action="note.add", actor=by, organisation=case.organisation, obj=note)
    return note


def note_correction_refusal(note: CaseNote, by: User, now: dt.datetime | None = None) -> str:
    """Why ``by`` may not correct ``note`` (a message to show), or "" when she may."""
    if note.author_id != by.pk:
        return _("Only the author of a note can correct it. Add a new note instead.")
    if (now or timezone.now()) - note.created_at > NOTE_CORRECTION_WINDOW:
        return _(
            "A note can be corrected only within 24 hours of writing it; this one is older. "
            "Add a new note instead."
        )
    return ""


@transaction.atomic(durable=True)
def note_correct(*, note: CaseNote, by: User, text: str) -> CaseNote:
    """The author rewrites her own note within a day; the audit says it changed, not how."""
    case = note.case
    _require_case_edit(case, by)
    refusal = note_correction_refusal(note, by)
    if refusal:
        raise PermissionDenied(refusal)
    text = _clean_note(text)
    note.corrected_at = timezone.now()
    note.full_clean()
    note.save(update_fields=["corrected_at"])
    seal_into(case.organisation, note, "text", text)
    audit_record(action="note.correct", actor=by, organisation=case.organisation, obj=note)
    return note


# --- tasks ------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def task_add(
    *,
    case: Case,
    by: User,
    title: str,
    due_on: dt.date | None,
    assignee: User | None = None,
    submission_id: uuid.UUID | None = None,
) -> Task:
    """A task on the case; the assignee defaults to ``by`` and must be able to open the case."""
    _require_case_edit(case, by)
    if submission_id is not None:
        existing = Task.objects.filter(case=case, submission_id=submission_id).first()
        if existing is not None:
            return existing
    assignee = assignee or by
    title = (title or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Say what is to be done.")
    elif len(title) > MAX_TITLE_LENGTH:
        errors["title"] = _("Write at most %(n)s characters.") % {"n": MAX_TITLE_LENGTH}
    if due_on is None:
        errors["due_on"] = _("Enter the due date.")
    elif due_on < timezone.localdate():
        errors["due_on"] = _("The due date cannot be in the past.")
    if not selectors.task_assignees(case).filter(pk=assignee.pk).exists():
        errors["assignee"] = _(
            "Assign the task to a caseworker or supervisor who can open this case."
        )
    if errors:
        raise ValidationError(errors)
    task = Task(
        case=case, due_on=due_on, assignee=assignee, created_by=by, submission_id=submission_id
    )
    task.full_clean()
    insert_once(task)
    seal_into(case.organisation, task, "title", title)
    audit_record(
        action="task.add",
        actor=by,
        organisation=case.organisation,
        obj=task,
        details={"assignee": str(assignee.public_id), "due_on": due_on.isoformat()},
    )
    return task


@transaction.atomic(durable=True)
def task_transition(*, task: Task, to: str, by: User) -> Task:
    """Mark a task done, or open again; anything else is an illegal transition."""
    case = task.case
    _require_case_edit(case, by)
    task = Task.objects.select_for_update().get(pk=task.pk)
    task.case = case
    if to not in TASK_TRANSITIONS.get(task.state, frozenset()):
        message = (
            _("This task is already done.")
            if to == TaskState.DONE
            else _("This task is already open.")
        )
        raise IllegalTransition(message)
    if to == TaskState.DONE:
        task.done_at, task.done_by = timezone.now(), by
        action = "task.done"
    else:
        task.done_at, task.done_by = None, None
        action = "task.reopen"
    task.full_clean()
    task.save(update_fields=["done_at", "done_by"])
    audit_record(action=action, actor=by, organisation=case.organisation, obj=task)
    return task
