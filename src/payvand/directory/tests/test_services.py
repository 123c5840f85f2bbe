import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from payvand.core.audit.models import AuditEvent
from payvand.core.errors import PermissionDenied
from payvand.core.permissions import Role
from payvand.directory import services
from payvand.directory.models import Contact, OpeningHours, Service
from payvand.directory.tests.factories import location, service
from payvand.testing.factories import member

pytestmark = pytest.mark.django_db


def _data(**overrides) -> services.ServiceData:
    values = {"name": "Legal aid", "service_type": "legal_aid", "areas": ["TJ"]} | overrides
    return services.ServiceData(**values)


def test_an_org_admin_adds_a_service_and_the_audit_trail_says_so(org):
    admin = member(Role.ORG_ADMIN, org)
    created = services.service_create(
        org=org,
        by=admin,
        data=_data(
            languages=["tg"],
            contacts=[services.ContactData(department="Legal desk", phone="+992 37 221-00-11")],
            hours={"MO": (dt.time(9), dt.time(13))},
        ),
    )
    assert created.contacts.get().phone == "+992372210011", "stored in E.164"
    assert created.hours.get().weekday == "MO"
    event = AuditEvent.objects.filter(action="directory.service_create").get()
    assert event.object_id == str(created.public_id)
    assert event.organisation_id == org.public_id


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.SUPERVISOR, Role.ANALYST])
def test_only_org_admins_change_the_directory_entry(org, role):
    with pytest.raises(PermissionDenied):
        services.service_create(org=org, by=member(role, org), data=_data())
    assert not Service.objects.exists()


def test_the_admin_of_another_organisation_cannot_change_it(org, other_org):
    item = service(org)
    with pytest.raises(PermissionDenied):
        services.service_update(
            service=item, by=member(Role.ORG_ADMIN, other_org), data=_data(name="Taken over")
        )
    item.refresh_from_db()
    assert item.name == "Safe shelter for women"


def test_an_empty_name_is_refused(org):
    with pytest.raises(ValidationError) as exc:
        services.service_create(org=org, by=None, data=_data(name="  "))
    assert "name" in exc.value.message_dict


def test_a_bad_phone_number_is_refused_and_nothing_is_saved(org):
    with pytest.raises(ValidationError) as exc:
        services.service_create(
            org=org, by=None, data=_data(contacts=[services.ContactData(phone="12345")])
        )
    assert "contacts" in exc.value.message_dict
    assert not Service.objects.exists(), "all or nothing"


def test_a_contact_needs_a_phone_or_an_email(org):
    with pytest.raises(ValidationError):
        services.service_create(
            org=org, by=None, data=_data(contacts=[services.ContactData(department="Desk")])
        )


def test_a_province_of_another_country_is_refused_for_a_location(org):
    with pytest.raises(ValidationError) as exc:
        location(org, country="TJ", subdivision="AF-KAB")
    assert "not a province or region of the chosen country" in str(exc.value)


def test_unknown_area_and_language_codes_are_refused(org):
    with pytest.raises(ValidationError) as exc:
        services.service_create(org=org, by=None, data=_data(areas=["XX-99"], languages=["zz"]))
    assert set(exc.value.message_dict) == {"areas", "languages"}


def test_a_service_serves_at_least_one_area(org):
    with pytest.raises(ValidationError) as exc:
        services.service_create(org=org, by=None, data=_data(areas=[]))
    assert "areas" in exc.value.message_dict


def test_cross_border_referrals_need_referrals_at_all(org):
    with pytest.raises(ValidationError) as exc:
        services.service_create(
            org=org, by=None, data=_data(accepts_referrals=False, accepts_cross_border=True)
        )
    assert "accepts_cross_border" in exc.value.message_dict


def test_closing_before_opening_is_refused(org):
    with pytest.raises(ValidationError) as exc:
        services.service_create(
            org=org, by=None, data=_data(hours={"MO": (dt.time(17), dt.time(9))})
        )
    assert "hours" in exc.value.message_dict


def test_a_service_cannot_be_given_at_another_organisations_location(org, other_org):
    with pytest.raises(ValidationError) as exc:
        services.service_create(org=org, by=None, data=_data(locations=[location(other_org)]))
    assert "locations" in exc.value.message_dict


def test_updating_replaces_hours_and_contacts_and_records_what_changed(org):
    item = service(org)
    admin = member(Role.ORG_ADMIN, org)
    services.service_update(
        service=item,
        by=admin,
        data=_data(
            name=item.name,
            service_type=item.service_type,
            areas=item.areas,
            hours={"SA": (dt.time(10), dt.time(14))},
            contacts=[services.ContactData(email="desk@example.org")],
        ),
    )
    assert list(OpeningHours.objects.filter(service=item).values_list("weekday", flat=True)) == [
        "SA"
    ]
    assert list(Contact.objects.filter(service=item).values_list("email", flat=True)) == [
        "desk@example.org"
    ]
    event = AuditEvent.objects.filter(action="directory.service_update").get()
    assert {"hours", "contacts", "locations"} <= set(event.details["fields"])


def test_saving_without_changes_writes_no_audit_row(org):
    item = service(org, locations=[])
    data = services.ServiceData(
        **{name: getattr(item, name) for name in services.SERVICE_FIELDS},
        hours={row.weekday: (row.opens_at, row.closes_at) for row in item.hours.all()},
        contacts=[
            services.ContactData(c.department, c.phone, c.email) for c in item.contacts.all()
        ],
    )
    before = AuditEvent.objects.count()
    services.service_update(service=item, by=None, data=data)
    assert AuditEvent.objects.count() == before


def test_the_availability_switch_dates_the_change(org):
    item = service(org, availability="available", availability_on=dt.date(2026, 1, 1))
    services.service_set_availability(service=item, by=None, availability="full")
    item.refresh_from_db()
    assert (item.availability, item.availability_on) == ("full", timezone.localdate())


def test_a_changed_availability_in_the_form_is_dated_today(org):
    item = service(org, availability="available", availability_on=dt.date(2026, 1, 1))
    services.service_update(
        service=item,
        by=None,
        data=_data(name=item.name, service_type="shelter", areas=["TJ"], availability="limited"),
    )
    item.refresh_from_db()
    assert item.availability_on == timezone.localdate()
