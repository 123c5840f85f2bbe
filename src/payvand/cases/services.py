"""Writes on cases: each is one transaction that seals identities and writes its audit row."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from payvand.accounts.models import User
from payvand.cases import name_index
from payvand.cases.models import Case, CaseSequence, Person
from payvand.cases.selectors import case_staff
from payvand.cases.vocab import BirthPrecision, Gender, IdentificationSource
from payvand.core import countries, crypto
from payvand.core.audit.services import AuditEntry, audit_record, audit_record_many
from payvand.core.errors import PermissionDenied
from payvand.core.permissions import Perm, has_perm
from payvand.core.sealed import context_for
from payvand.core.text import invisible_character
from payvand.orgs.models import Organisation

MAX_NAME_LENGTH = 200
MAX_AGE = 120
# No case of trafficking managed here was identified before this (the Palermo Protocol is
# of 2000; the region's first shelters opened in the 1990s): an earlier date is a typo.
EARLIEST_IDENTIFICATION = dt.date(1980, 1, 1)


@dataclass
class Identity:
    """What identifies a person: sealed as a whole, never stored in clear."""

    given_name: str = ""
    family_name: str = ""
    father_name: str = ""
    other_names: str = ""
    birth_date: dt.date | None = None
    phone: str = ""
    email: str = ""
    address: str = ""
    id_number: str = ""
    external_id: str = ""
    place_of_origin: str = ""

    def to_json(self) -> dict:
        data = asdict(self)
        data["birth_date"] = self.birth_date.isoformat() if self.birth_date else None
        return data

    @classmethod
    def from_json(cls, data: dict) -> Identity:
        data = dict(data)
        if data.get("birth_date"):
            data["birth_date"] = dt.date.fromisoformat(data["birth_date"])
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


# Called with (organisation, persons, identities) once new persons are sealed and indexed,
# in the registration's transaction: duplicate detection encodes them here.
AFTER_REGISTRATION: list = []


@dataclass
class Registration:
    identity: Identity
    gender: str
    birth_precision: str
    birth_year: int | None = None
    estimated_age: int | None = None
    citizenship: list[str] = field(default_factory=list)
    identification_source: str = IdentificationSource.OUTREACH
    identified_on: dt.date | None = None
    province: str = ""


# Identity fields that may hold several lines; no other may hold a control character
# (core/text.py).
MULTILINE_IDENTITY_FIELDS = {"address", "place_of_origin"}


def phone_normalised(text: str, country: str) -> str:
    """``text`` as an international number (E.164: +992931234567), read as a number of
    ``country`` when it has no country code; "" when it cannot be a phone number. Any
    script's digits, spaces, dashes and brackets are accepted."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text.strip(), country or None)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_example(country: str) -> str:
    import phonenumbers

    number = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    if number is None:
        return "+992 93 123 4567"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def registration_validate(org: Organisation, reg: Registration, today: dt.date) -> int | None:
    """Field errors for everything a form or an import can get wrong; the birth year."""
    errors: dict[str, str] = {}
    ident = reg.identity
    if not (ident.given_name.strip() or ident.family_name.strip()):
        errors["given_name"] = _("Enter at least a given name or a family name.")
    for name in ("given_name", "family_name", "father_name", "other_names"):
        if len(getattr(ident, name)) > MAX_NAME_LENGTH:
            errors[name] = _("Names are at most %(n)s characters.") % {"n": MAX_NAME_LENGTH}
    for name in Identity.__dataclass_fields__:
        value = getattr(ident, name)
        allowed = "\n\r\t" if name in MULTILINE_IDENTITY_FIELDS else ""
        bad = isinstance(value, str) and invisible_character(value, allowed)
        if bad and name not in errors:
            errors[name] = _(
                "Remove the invisible control character %(code)s (pasted from another program?)."
            ) % {"code": f"U+{ord(bad):04X}"}
    if ident.phone.strip() and "phone" not in errors:
        phone = phone_normalised(ident.phone, org.country)
        if phone:
            ident.phone = phone
        else:
            errors["phone"] = _(
                "This is not a phone number. Write it with its country code, e.g. %(example)s."
            ) % {"example": phone_example(org.country)}
    if reg.gender not in Gender.values:
        errors["gender"] = _("Unknown gender code %(code)s.") % {"code": reg.gender}
    if reg.identification_source not in IdentificationSource.values:
        errors["identification_source"] = _("Unknown source code %(code)s.") % {
            "code": reg.identification_source
        }
    for code in reg.citizenship:
        if not countries.is_country(code):
            errors["citizenship"] = _("Unknown country code %(code)s.") % {"code": code}
    if reg.province and not countries.is_subdivision_of(reg.province, org.country):
        errors["province"] = _("%(code)s is not a province of your organisation's country.") % {
            "code": reg.province
        }
    if reg.identified_on is None:
        errors["identified_on"] = _("Enter the date of identification.")
    elif reg.identified_on > today:
        errors["identified_on"] = _("The date of identification cannot be in the future.")
    elif reg.identified_on < EARLIEST_IDENTIFICATION:
        errors["identified_on"] = _(
            "The date of identification cannot be before %(year)s: check the year."
        ) % {"year": EARLIEST_IDENTIFICATION.year}
    birth_year = None
    precision = reg.birth_precision
    if precision == BirthPrecision.EXACT:
        if ident.birth_date is None:
            errors["birth_date"] = _("Enter the birth date, or choose another precision.")
        elif ident.birth_date > today:
            errors["birth_date"] = _("The birth date cannot be in the future.")
        elif today.year - ident.birth_date.year > MAX_AGE:
            errors["birth_date"] = _("That would make her or him older than %(n)s.") % {
                "n": MAX_AGE
            }
        else:
            birth_year = ident.birth_date.year
    elif precision == BirthPrecision.YEAR:
        if ident.birth_date is not None:
            errors["birth_date"] = _("With “year only”, leave the exact date empty.")
        if reg.birth_year is None:
            errors["birth_year"] = _("Enter the birth year.")
        elif not today.year - MAX_AGE <= reg.birth_year <= today.year:
            errors["birth_year"] = _("Enter a year between %(a)s and %(b)s.") % {
                "a": today.year - MAX_AGE,
                "b": today.year,
            }
        else:
            birth_year = reg.birth_year
    elif precision == BirthPrecision.ESTIMATED:
        if ident.birth_date is not None:
            errors["birth_date"] = _("An estimated age cannot come with an exact birth date.")
        if reg.estimated_age is None:
            errors["estimated_age"] = _("Enter the estimated age in years.")
        elif not 0 <= reg.estimated_age <= MAX_AGE:
            errors["estimated_age"] = _("Enter an age between 0 and %(n)s.") % {"n": MAX_AGE}
        else:
            birth_year = today.year - reg.estimated_age
    elif precision == BirthPrecision.UNKNOWN:
        if ident.birth_date is not None:
            errors["birth_date"] = _("Choose “exact date” to record a birth date.")
    else:
        errors["birth_precision"] = _("Unknown precision code %(code)s.") % {"code": precision}
    identified = reg.identified_on
    if identified and "identified_on" not in errors and birth_year is not None:
        born = ident.birth_date if precision == BirthPrecision.EXACT else None
        if (born and identified < born) or identified.year < birth_year:
            errors["identified_on"] = _("The date of identification is before the birth.")
    if errors:
        raise ValidationError(errors)
    return birth_year


def _reserve_case_numbers(org: Organisation, years: list[int]) -> list[str]:
    """The next case numbers of ``org``, one per year given, in order: no gap, no repeat.

    Each year's sequence row is locked (SELECT … FOR UPDATE) and moved on once for
    all of its numbers, so a batch pays one round trip per year, not per case.
    """
    next_of: dict[int, int] = {}
    for year in sorted(set(years)):
        seq, _created = CaseSequence.objects.select_for_update().get_or_create(
            organisation=org, year=year
        )
        next_of[year] = seq.last + 1
        seq.last += years.count(year)
        seq.save(update_fields=["last"])
    numbers = []
    for year in years:
        numbers.append(f"{org.country}-{org.code}-{year}-{next_of[year]:05d}")
        next_of[year] += 1
    return numbers


@transaction.atomic(durable=True)
def case_register(
    *,
    org: Organisation,
    by: User | None,
    registration: Registration,
    owner: User | None = None,
    submission_id: uuid.UUID | None = None,
) -> Case:
    """A new survivor and her or his case. ``by`` None is the operator (imports, seeding).

    A second call with the same ``submission_id`` returns the first case (double click).
    """
    return register_in_transaction(
        org=org, by=by, registration=registration, owner=owner, submission_id=submission_id
    )


def register_in_transaction(
    *,
    org: Organisation,
    by: User | None,
    registration: Registration,
    owner: User | None = None,
    submission_id: uuid.UUID | None = None,
    status: str = "",
    check_perm: bool = True,
) -> Case:
    """`case_register` inside the caller's transaction (an import registers all or nothing).

    ``check_perm`` False: the caller (an import) already checked its own, wider right.
    """
    if check_perm and by is not None and not has_perm(by, Perm.CASE_EDIT, org):
        raise PermissionDenied(_("You cannot register cases in this organisation."))
    if submission_id is not None:
        existing = Case.objects.filter(organisation=org, submission_id=submission_id).first()
        if existing is not None:
            return existing
    return register_many_in_transaction(
        org=org,
        by=by,
        registrations=[registration],
        owner=owner,
        status=status,
        check_perm=False,
        submission_id=submission_id,
    )[0]


@transaction.atomic(durable=True)
def case_register_many(
    *,
    org: Organisation,
    by: User | None,
    registrations: Sequence[Registration],
    owner: User | None = None,
    status: str = "",
) -> list[Case]:
    """Many new survivors and their cases of one organisation, all or none (one transaction).

    The same guarantees as `case_register` — validated like the form, identities sealed,
    names indexed, consecutive case numbers, one audit row per case on the chain — for a
    fraction of the cost per case: rows are inserted in bulk and each lock taken once.
    Keep a batch to a few hundred registrations (seeding uses 500).
    """
    return register_many_in_transaction(
        org=org, by=by, registrations=registrations, owner=owner, status=status
    )


def register_many_in_transaction(
    *,
    org: Organisation,
    by: User | None,
    registrations: Sequence[Registration],
    owner: User | None = None,
    status: str = "",
    check_perm: bool = True,
    submission_id: uuid.UUID | None = None,
) -> list[Case]:
    """`case_register_many` inside the caller's transaction; what `case_register` runs too.

    Every registration is validated before anything is written. An invalid one raises
    ValidationError whose fields are prefixed by its position (``"3.birth_year"``) when
    there is more than one registration, unprefixed (as the form's) when there is one.
    ``submission_id`` is for a single registration (the form's double-submit guard).
    """
    if check_perm and by is not None and not has_perm(by, Perm.CASE_EDIT, org):
        raise PermissionDenied(_("You cannot register cases in this organisation."))
    if not registrations:
        return []
    today = timezone.localdate()
    birth_years = _validate_all(org, registrations, today)
    owner = owner or by
    if owner is None:
        raise ValidationError({"owner": _("A case needs a caseworker responsible.")})
    if not has_perm(owner, Perm.CASE_EDIT, org):
        raise ValidationError(
            {"owner": _("The caseworker responsible must work in this organisation.")}
        )
    persons = [
        Person(
            organisation=org,
            gender=reg.gender,
            birth_year=birth_year,
            birth_precision=reg.birth_precision,
            citizenship=Person.citizenship_value(reg.citizenship),
        )
        for reg, birth_year in zip(registrations, birth_years, strict=True)
    ]
    identities = [reg.identity.to_json() for reg in registrations]
    for person, identity in zip(persons, identities, strict=True):
        # The public id exists before the insert, so the blob is bound to its row at once.
        person.identity = crypto.seal_json(org, identity, context=context_for(person, "identity"))
    Person.objects.bulk_create(persons)
    name_index.index_new_persons(org, list(zip(persons, identities, strict=True)))
    for hook in AFTER_REGISTRATION:
        hook(org, persons, identities)
    numbers = _reserve_case_numbers(org, [reg.identified_on.year for reg in registrations])
    cases = [
        Case(
            organisation=org,
            person=person,
            owner=owner,
            number=number,
            identification_source=reg.identification_source,
            identified_on=reg.identified_on,
            province=reg.province,
            submission_id=submission_id,
            **({"status": status} if status else {}),
        )
        for reg, person, number in zip(registrations, persons, numbers, strict=True)
    ]
    try:
        with transaction.atomic():
            Case.objects.bulk_create(cases)
    except IntegrityError:
        # The same submission raced in from a second tab: the first one won.
        raise ValidationError(_("This form was already submitted.")) from None
    Case.assigned.through.objects.bulk_create(
        Case.assigned.through(case_id=case.pk, user_id=owner.pk) for case in cases
    )
    audit_record_many(
        [
            AuditEntry(
                action="case.register",
                actor=by,
                organisation=org,
                obj=case,
                details={"person": str(case.person.public_id), "number": case.number},
            )
            for case in cases
        ]
    )
    return cases


def _validate_all(
    org: Organisation, registrations: Sequence[Registration], today: dt.date
) -> list[int | None]:
    """Birth years of all registrations, or every field error of all of them at once."""
    birth_years: list[int | None] = []
    errors: dict[str, list] = {}
    for position, reg in enumerate(registrations, start=1):
        try:
            birth_years.append(registration_validate(org, reg, today))
        except ValidationError as exc:
            if len(registrations) == 1:
                raise
            for name, messages in exc.message_dict.items():
                errors[f"{position}.{name}"] = messages
    if errors:
        raise ValidationError(errors)
    return birth_years


def person_identity(*, person: Person, by: User | None, purpose: str = "view") -> Identity:
    """Open a person's identity; every read is audited (in the caller's transaction)."""
    org = person.organisation
    data = crypto.unseal_json(org, person.identity, context=context_for(person, "identity"))
    audit_record(
        action="person.identity_read",
        actor=by,
        organisation=org,
        obj=person,
        details={"purpose": purpose},
    )
    return Identity.from_json(data)


@transaction.atomic(durable=True)
def case_assign(*, case: Case, by: User, owner: User, assigned: list[User]) -> Case:
    """Set the caseworker responsible and the others working on the case (supervisors)."""
    if not has_perm(by, Perm.CASE_ASSIGN, case.organisation):
        raise PermissionDenied(_("Only a supervisor can assign cases."))
    allowed = {u.pk for u in case_staff(case)}
    if owner.pk not in allowed or any(u.pk not in allowed for u in assigned):
        raise ValidationError(_("Choose people who work on cases in this organisation."))
    before = (case.owner_id, sorted(case.assigned.values_list("pk", flat=True)))
    case.owner = owner
    case.save(update_fields=["owner", "updated_at"])
    case.assigned.set({owner, *assigned})
    after = (owner.pk, sorted(u.pk for u in {owner, *assigned}))
    if before != after:
        audit_record(
            action="case.assign",
            actor=by,
            organisation=case.organisation,
            obj=case,
            details={
                "owner": str(owner.public_id),
                "assigned": sorted(str(u.public_id) for u in {owner, *assigned}),
            },
        )
    return case
