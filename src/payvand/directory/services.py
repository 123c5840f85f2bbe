"""Changing the directory. Each public function is one audited transaction.

``by=None`` is the server operator (the demo seed, ``payvand directory import``);
everyone else needs ``Perm.ORG_EDIT_PROFILE`` in the organisation concerned.
"""

import datetime as dt
from dataclasses import dataclass, field

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from payvand.accounts.models import User
from payvand.core.audit.services import audit_record
from payvand.core.errors import PermissionDenied
from payvand.core.permissions import Perm, has_perm
from payvand.directory.models import (
    Availability,
    Contact,
    Location,
    OpeningHours,
    OrganisationProfile,
    Service,
    ServiceAtLocation,
)
from payvand.orgs.models import Organisation

SERVICE_FIELDS = (
    "name",
    "description",
    "service_type",
    "eligibility",
    "languages",
    "areas",
    "availability",
    "availability_on",
    "accepts_referrals",
    "accepts_cross_border",
    "hours_note",
    "url",
    "email",
    "is_published",
)
LOCATION_FIELDS = ("name", "address", "city", "country", "subdivision", "latitude", "longitude")


@dataclass
class ContactData:
    department: str = ""
    phone: str = ""
    email: str = ""
    public_id: object = None  # kept by imports, so that a re-export gives the same ids


@dataclass
class ServiceData:
    """Everything about a service that its form (or an import) sets at once."""

    name: str
    service_type: str
    description: str = ""
    eligibility: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    availability: str = Availability.AVAILABLE
    availability_on: dt.date | None = None  # None: today, when the availability changes
    accepts_referrals: bool = True
    accepts_cross_border: bool = False
    hours_note: str = ""
    url: str = ""
    email: str = ""
    is_published: bool = True
    locations: list[Location] = field(default_factory=list)
    # weekday code → (opens, closes); days not given are closed
    hours: dict[str, tuple[dt.time, dt.time]] = field(default_factory=dict)
    contacts: list[ContactData] = field(default_factory=list)


def _require_editor(by: User | None, org: Organisation) -> None:
    if by is not None and not has_perm(by, Perm.ORG_EDIT_PROFILE, org):
        raise PermissionDenied(_("Only the organisation's admins can change its directory entry."))


def e164(number: str) -> str:
    """``+992 37 221-00-00`` → ``+992372210000``; anything unparseable is left to validation."""
    number = (number or "").strip()
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# --- profile ---------------------------------------------------------------------------


@transaction.atomic(durable=True)
def profile_update(*, org: Organisation, by: User | None, description: str) -> OrganisationProfile:
    return _profile_update(org=org, by=by, description=description)


def _profile_update(*, org, by, description) -> OrganisationProfile:
    _require_editor(by, org)
    profile, _created = OrganisationProfile.objects.get_or_create(organisation=org)
    description = description.strip()
    if profile.description != description:
        profile.description = description
        profile.full_clean()
        profile.save()
        audit_record(
            action="directory.profile_update",
            actor=by,
            organisation=org,
            object_type="orgs.organisation",
            object_id=str(org.public_id),
        )
    return profile


# --- locations -------------------------------------------------------------------------


@transaction.atomic(durable=True)
def location_create(*, org: Organisation, by: User | None, **fields) -> Location:
    return _location_create(org=org, by=by, **fields)


def _location_create(*, org, by, public_id=None, **fields) -> Location:
    _require_editor(by, org)
    _check_fields(fields, LOCATION_FIELDS)
    location = Location(organisation=org, **fields)
    if public_id:
        location.public_id = public_id
    location.full_clean()
    location.save()
    audit_record(action="directory.location_create", actor=by, organisation=org, obj=location)
    return location


@transaction.atomic(durable=True)
def location_update(*, location: Location, by: User | None, **fields) -> Location:
    _require_editor(by, location.organisation)
    _check_fields(fields, LOCATION_FIELDS)
    changed = [name for name, value in fields.items() if getattr(location, name) != value]
    if not changed:
        return location
    for name in changed:
        setattr(location, name, fields[name])
    location.full_clean()
    location.save()
    audit_record(
        action="directory.location_update",
        actor=by,
        organisation=location.organisation,
        obj=location,
        details={"fields": changed},
    )
    return location


def _check_fields(fields: dict, allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")


# --- services --------------------------------------------------------------------------


@transaction.atomic(durable=True)
def service_create(*, org: Organisation, by: User | None, data: ServiceData) -> Service:
    return _service_create(org=org, by=by, data=data)


def _service_create(*, org, by, data: ServiceData, public_id=None) -> Service:
    _require_editor(by, org)
    service = Service(organisation=org)
    if public_id:
        service.public_id = public_id
    _service_write(service, data, creating=True)
    audit_record(action="directory.service_create", actor=by, organisation=org, obj=service)
    return service


@transaction.atomic(durable=True)
def service_update(*, service: Service, by: User | None, data: ServiceData) -> Service:
    _require_editor(by, service.organisation)
    changed = _service_write(service, data, creating=False)
    if changed:
        audit_record(
            action="directory.service_update",
            actor=by,
            organisation=service.organisation,
            obj=service,
            details={"fields": changed},
        )
    return service


def _service_write(service: Service, data: ServiceData, *, creating: bool) -> list[str]:
    """Set the service and its locations, hours and contacts; the names of what changed."""
    values = {name: getattr(data, name) for name in SERVICE_FIELDS}
    values["name"] = values["name"].strip()
    if values["availability_on"] is None:
        same = not creating and service.availability == data.availability
        values["availability_on"] = service.availability_on if same else timezone.localdate()
    changed = [n for n in SERVICE_FIELDS if creating or getattr(service, n) != values[n]]
    for name in changed:
        setattr(service, name, values[name])
    service.full_clean()
    if changed:
        service.save()

    org_id = service.organisation_id
    foreign = [loc for loc in data.locations if loc.organisation_id != org_id]
    if foreign:
        raise ValidationError({"locations": _("Choose locations of this organisation.")})
    wanted = {loc.pk for loc in data.locations}
    current = set() if creating else {sal.location_id for sal in service.at_locations.all()}
    if wanted != current:
        ServiceAtLocation.objects.filter(service=service).exclude(location_id__in=wanted).delete()
        ServiceAtLocation.objects.bulk_create(
            ServiceAtLocation(service=service, location_id=pk) for pk in sorted(wanted - current)
        )
        changed.append("locations")

    hours = [
        OpeningHours(service=service, weekday=day, opens_at=opens, closes_at=closes)
        for day, (opens, closes) in sorted(data.hours.items())
    ]
    for row in hours:
        try:
            row.full_clean(exclude=["service"])
        except ValidationError as exc:
            raise ValidationError({"hours": exc.messages}) from exc
    old_hours = set()
    if not creating:
        old_hours = {
            (h.weekday, h.opens_at, h.closes_at)
            for h in OpeningHours.objects.filter(service=service)
        }
    if old_hours != {(h.weekday, h.opens_at, h.closes_at) for h in hours}:
        OpeningHours.objects.filter(service=service).delete()
        OpeningHours.objects.bulk_create(hours)
        changed.append("hours")

    contacts = []
    for item in data.contacts:
        contact = Contact(
            service=service,
            department=item.department.strip(),
            phone=e164(item.phone),
            email=item.email.strip(),
        )
        if item.public_id:
            contact.public_id = item.public_id
        try:
            contact.full_clean(exclude=["service", "public_id"])
        except ValidationError as exc:
            raise ValidationError({"contacts": exc.messages}) from exc
        contacts.append(contact)
    old_contacts = (
        []
        if creating
        else [(c.department, c.phone, c.email) for c in Contact.objects.filter(service=service)]
    )
    if old_contacts != [(c.department, c.phone, c.email) for c in contacts]:
        Contact.objects.filter(service=service).delete()
        Contact.objects.bulk_create(contacts)
        changed.append("contacts")
    return changed


def _location_links_keep_ids(service: Service, ids: dict[int, str]) -> None:
    """An import keeps the package's service_at_location ids (location pk → id)."""
    for location_pk, public_id in ids.items():
        ServiceAtLocation.objects.filter(service=service, location_id=location_pk).update(
            public_id=public_id
        )


@transaction.atomic(durable=True)
def service_set_availability(
    *, service: Service, by: User | None, availability: str, on: dt.date | None = None
) -> Service:
    """The quick "we are full / open again" switch on the organisation's directory page."""
    _require_editor(by, service.organisation)
    if availability not in Availability.values:
        raise ValidationError({"availability": _("Choose an availability from the list.")})
    on = on or timezone.localdate()
    if (service.availability, service.availability_on) != (availability, on):
        service.availability, service.availability_on = availability, on
        service.save(update_fields=["availability", "availability_on", "updated_at"])
        audit_record(
            action="directory.service_availability",
            actor=by,
            organisation=service.organisation,
            obj=service,
            details={"availability": availability},
        )
    return service
