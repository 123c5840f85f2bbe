"""Writes on the victim context, perpetrators and trafficking events.

One transaction each: permission first, every field validated before anything is
saved, free text sealed with the organisation's key, one audit row naming what changed
(codes only: never the sealed text).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
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
from payvand.core import countries
from payvand.core.audit.services import audit_record
from payvand.core.db import insert_once
from payvand.core.errors import DomainError
from payvand.core.sealed import seal_into
from payvand.screening.models import Screening
from payvand.trafficking.models import Perpetrator, TraffickingEvent, VictimContext
from payvand.trafficking.vocab import (
    LABOUR_EXPLOITATION,
    EventType,
    ExploitationType,
)

MAX_ACCOUNT = 10_000
MAX_DETAILS = 5000
MAX_NAME = 200
MAX_PLACE = 200

CODE_FIELDS = (
    "recruiter_relations",
    "recruitment_methods",
    "recruitment_platforms",
    "exploitation_platforms",
    "control_methods",
    "exploitation_types",
    "industries",
    "sex_exploitation_types",
    "migration_statuses",
)
CHOICE_FIELDS = ("trafficking_status", "status_decided_by", "relationship_to_trafficker")


class StaleForm(DomainError):
    """Someone saved the record after this form was opened (another tab, a colleague)."""


def _context_for_update(case: Case) -> VictimContext:
    context, _created = VictimContext.objects.select_for_update().get_or_create(case=case)
    return context


VICTIM_FIELDS = (*CODE_FIELDS, *CHOICE_FIELDS, "age_when_trafficked")


def _victim_rules(context: VictimContext, birth_year: int | None, errors: dict) -> None:
    """The rules that tie the fields together, each naming the field to correct."""
    if context.trafficking_status and not context.status_decided_by:
        errors["status_decided_by"] = _("Say who decided this status.")
    if context.status_decided_by and not context.trafficking_status:
        errors["trafficking_status"] = _("Choose the status that was decided, or neither.")
    types = set(context.exploitation_types)
    if context.sex_exploitation_types and ExploitationType.SEXUAL not in types:
        errors["sex_exploitation_types"] = _(
            "Types of sexual exploitation need “Sexual exploitation” among the types of "
            "exploitation."
        )
    if context.industries and not types & LABOUR_EXPLOITATION:
        errors["industries"] = _(
            "An industry describes exploitation in work: choose forced labour, child labour, "
            "servitude, forced begging or forced criminality among the types first."
        )
    age = context.age_when_trafficked
    if age is not None and not 0 <= age <= 120:
        errors["age_when_trafficked"] = _("Give an age between 0 and 120.")
    elif age is not None and birth_year and age > timezone.localdate().year - birth_year + 1:
        errors["age_when_trafficked"] = _(
            "This is older than she or he is now (born in %(year)s)."
        ) % {"year": birth_year}


def _apply_fields(context: VictimContext, fields: dict) -> None:
    unknown = set(fields) - set(VICTIM_FIELDS)
    if unknown:
        raise TypeError(f"unknown victim context fields: {sorted(unknown)}")
    for name, value in fields.items():
        if name in CODE_FIELDS:
            value = sorted(set(value or ()))
        elif name in CHOICE_FIELDS:
            value = value or ""
        setattr(context, name, value)


def _check_victim(context: VictimContext, birth_year: int | None, errors: dict) -> None:
    _victim_rules(context, birth_year, errors)
    full_clean_with(context, errors, exclude=["case", "updated_by", "status_screening", "account"])


def victim_fields_check(fields: dict, *, birth_year: int | None) -> None:
    """Raise the ValidationError these fields would get, saving nothing (an import's
    first pass checks every row before it writes any)."""
    context = VictimContext()
    _apply_fields(context, fields)
    _check_victim(context, birth_year, {})


def _victim_save(
    *, case: Case, by: User | None, version: int | None, account: str | None, fields: dict
) -> VictimContext:
    context = _context_for_update(case)
    if version is not None and version != context.version:
        raise StaleForm(
            _(
                "Someone saved this record after you opened the form. Nothing was saved: "
                "open it again to see their changes, then make yours."
            )
        )
    errors: dict = {}
    account_text = None
    if account is not None:
        account_text = clean_texts(errors, limits=MAX_ACCOUNT, account=account)["account"]
    before = {name: getattr(context, name) for name in VICTIM_FIELDS}
    _apply_fields(context, fields)
    _check_victim(context, case.person.birth_year, errors)
    changed = sorted(name for name, old in before.items() if getattr(context, name) != old)
    if "trafficking_status" in changed or "status_decided_by" in changed:
        context.status_screening = None  # decided by hand now, not by a screening
    account_changed = False
    if account_text is not None:
        from payvand.trafficking.selectors import victim_account

        account_changed = account_text != (victim_account(context) or "")
    if not changed and not account_changed:
        return context
    context.version += 1
    context.updated_by = by
    context.save()
    if account_changed and account_text:
        seal_into(case.organisation, context, "account", account_text)
    elif account_changed:
        context.account = None
        context.save(update_fields=["account"])
    audit_record(
        action="victim.update",
        actor=by,
        organisation=case.organisation,
        obj=context,
        details={
            "changed": changed,
            "account_changed": account_changed,
            **{name: getattr(context, name) for name in changed},
        },
    )
    return context


@transaction.atomic(durable=True)
def victim_context_update(
    *,
    case: Case,
    by: User,
    version: int,
    account: str | None = None,
    **fields,
) -> VictimContext:
    """Save the whole victim context as the form shows it.

    ``version`` is the one the form was opened with: if the record changed since (a
    second tab, a colleague), nothing is saved and StaleForm says so. ``account`` None
    leaves the sealed account as it is. Submitting the same values again changes
    nothing and writes no audit row (a double click).
    """
    require_case_perm(by, case)
    return _victim_save(case=case, by=by, version=version, account=account, fields=fields)


def victim_context_import(*, case: Case, by: User | None, fields: dict) -> VictimContext:
    """The victim context of a case being imported, inside the import's transaction
    (the importer checked the rights and every row first)."""
    return _victim_save(case=case, by=by, version=None, account=None, fields=fields)


def victim_status_from_screening(*, screening: Screening, by: User) -> VictimContext:
    """Copy a screening's decision into the victim context (inside the decision's
    transaction): the latest decision is the case's trafficking status."""
    case = screening.case
    context = _context_for_update(case)
    context.trafficking_status = screening.status
    context.status_decided_by = screening.decision_org_type
    context.status_screening = screening
    context.version += 1
    context.updated_by = by
    context.save()
    audit_record(
        action="victim.status_from_screening",
        actor=by,
        organisation=case.organisation,
        obj=context,
        details={
            "screening": str(screening.public_id),
            "trafficking_status": screening.status,
            "status_decided_by": screening.decision_org_type,
        },
    )
    return context


# --- perpetrators -------------------------------------------------------------------------


def _check_country(errors: dict, field: str, code: str) -> None:
    if code and not countries.is_country(code):
        errors[field] = _("Choose a country from the list.")


@transaction.atomic(durable=True)
def perpetrator_save(
    *,
    case: Case,
    by: User,
    perpetrator: Perpetrator | None = None,
    roles: list[str],
    relation: str,
    gender: str,
    citizenship: str = "",
    name: str = "",
    details: str = "",
    submission_id: uuid.UUID | None = None,
) -> Perpetrator:
    """Add a perpetrator (``perpetrator`` None) or change one."""
    require_case_perm(by, case)
    if perpetrator is None:
        existing = already_submitted(Perpetrator, case, submission_id)
        if existing is not None:
            return existing
        perpetrator = Perpetrator(case=case, created_by=by, submission_id=submission_id)
    elif perpetrator.case_id != case.pk:
        raise ValidationError(_("This perpetrator belongs to another case."))
    errors: dict = {}
    texts = clean_texts(
        errors, limits={"name": MAX_NAME, "details": MAX_DETAILS}, name=name, details=details
    )
    if not roles:
        errors["roles"] = _("Choose at least one role (or “Other”).")
    _check_country(errors, "citizenship", citizenship)
    perpetrator.roles = sorted(set(roles or ()))
    perpetrator.relation = relation
    perpetrator.gender = gender
    perpetrator.citizenship = citizenship or ""
    full_clean_with(
        perpetrator, errors, exclude=["case", "created_by", "submission_id"], db_checks=False
    )
    adding = perpetrator.pk is None
    if adding:
        insert_once(perpetrator)
    else:
        perpetrator.save()
    seal_into(case.organisation, perpetrator, "details", texts)
    audit_record(
        action="perpetrator.add" if adding else "perpetrator.change",
        actor=by,
        organisation=case.organisation,
        obj=perpetrator,
        details={
            "roles": perpetrator.roles,
            "relation": relation,
            "gender": gender,
            "citizenship": perpetrator.citizenship,
        },
    )
    return perpetrator


@transaction.atomic(durable=True)
def perpetrator_remove(*, perpetrator: Perpetrator, by: User) -> None:
    """Remove a perpetrator written down by mistake (the audit trail keeps the fact)."""
    case = perpetrator.case
    require_case_perm(by, case)
    audit_record(
        action="perpetrator.remove",
        actor=by,
        organisation=case.organisation,
        obj=perpetrator,
        details={"roles": perpetrator.roles},
    )
    perpetrator.delete()


# --- trafficking events ---------------------------------------------------------------------


def _check_event_dates(
    errors: dict,
    occurred_on: dt.date | None,
    precision: str,
    ended_on: dt.date | None,
    today: dt.date,
) -> None:
    if occurred_on and occurred_on > today:
        errors["occurred_on"] = _("The date cannot be in the future.")
    elif occurred_on and occurred_on.year < 1950:
        errors["occurred_on"] = _("Check the year: %(year)s is too long ago.") % {
            "year": occurred_on.year
        }
    if occurred_on and not precision:
        errors["date_precision"] = _("Say how exact the date is.")
    if precision and not occurred_on:
        errors["occurred_on"] = _("Give the date, or leave “how exact” empty.")
    if ended_on:
        if not occurred_on:
            errors["ended_on"] = _("An end needs a start: give the date first.")
        elif ended_on < occurred_on:
            errors["ended_on"] = _("The end cannot be before the start.")
        elif ended_on > today:
            errors["ended_on"] = _("The end cannot be in the future.")


@transaction.atomic(durable=True)
def event_save(
    *,
    case: Case,
    by: User,
    event: TraffickingEvent | None = None,
    submission_id: uuid.UUID | None = None,
    **fields,
) -> TraffickingEvent:
    """Add a step of the route (``event`` None) or change one. ``fields``: event_type,
    country, province, occurred_on, date_precision, ended_on, place, description."""
    require_case_perm(by, case)
    if event is None:
        existing = already_submitted(TraffickingEvent, case, submission_id)
        if existing is not None:
            return existing
        event = TraffickingEvent(case=case, created_by=by, submission_id=submission_id)
    elif event.case_id != case.pk:
        raise ValidationError(_("This event belongs to another case."))
    return _event_store(case, by, event, **fields)


def event_import(*, case: Case, by: User, event_type: str, country: str) -> TraffickingEvent:
    """A step of the route from an imported row, inside the import's transaction."""
    event = TraffickingEvent(case=case, created_by=by)
    return _event_store(case, by, event, event_type=event_type, country=country)


def _event_store(
    case: Case,
    by: User,
    event: TraffickingEvent,
    *,
    event_type: str,
    country: str,
    province: str = "",
    occurred_on: dt.date | None = None,
    date_precision: str = "",
    ended_on: dt.date | None = None,
    place: str = "",
    description: str = "",
) -> TraffickingEvent:
    errors: dict = {}
    texts = clean_texts(
        errors,
        limits={"place": MAX_PLACE, "description": MAX_DETAILS},
        place=place,
        description=description,
    )
    if not country:
        errors["country"] = _("Choose the country.")
    else:
        _check_country(errors, "country", country)
    if province and country and not countries.is_subdivision_of(province, country):
        errors["province"] = _("This province is not in the country chosen.")
    if event_type not in EventType.values:
        errors["event_type"] = _("Choose recruitment, transit or exploitation.")
    _check_event_dates(errors, occurred_on, date_precision or "", ended_on, timezone.localdate())
    event.event_type = event_type
    event.country = country
    event.province = province or ""
    event.date_precision = date_precision or ""
    event.occurred_on = occurred_on
    event.ended_on = ended_on
    # _check_event_dates says what the two check constraints enforce.
    full_clean_with(event, errors, exclude=["case", "created_by", "submission_id"], db_checks=False)
    adding = event.pk is None
    if adding:
        insert_once(event)
    else:
        event.save()
    if any(texts.values()) or not adding:
        seal_into(case.organisation, event, "details", texts)
    audit_record(
        action="event.add" if adding else "event.change",
        actor=by,
        organisation=case.organisation,
        obj=event,
        details={
            "event_type": event_type,
            "country": country,
            "province": event.province,
            "occurred_on": event.occurred_on.isoformat() if event.occurred_on else None,
            "date_precision": event.date_precision,
        },
    )
    return event


@transaction.atomic(durable=True)
def event_remove(*, event: TraffickingEvent, by: User) -> None:
    case = event.case
    require_case_perm(by, case)
    audit_record(
        action="event.remove",
        actor=by,
        organisation=case.organisation,
        obj=event,
        details={"event_type": event.event_type, "country": event.country},
    )
    event.delete()
