import pytest
from django.core import mail
from django.urls import reverse

from payvand.accounts.models import Membership, User
from payvand.core.audit.models import AuditEvent
from payvand.core.permissions import Role
from payvand.orgs.models import Organisation
from payvand.testing.factories import member

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Tashkent Safe Migration Centre",
    "code": "tsm",
    "org_type": "NGO",
    "country": "UZ",
    "subdivision": "UZ-TK",
    "address": "Tashkent, Yunusobod",
    "phone": "+998 71 200 00 00",
    "email": "office@tsm.example",
    "website": "https://tsm.example",
    "languages": ["uz", "ru"],
    "admin_full_name": "Dilnoza Karimova",
    "admin_email": "dilnoza@tsm.example",
    "admin_language": "uz",
}


@pytest.fixture
def platform_client(client, org):
    client.force_login(
        member(Role.PLATFORM_ADMIN, org), backend="django.contrib.auth.backends.ModelBackend"
    )
    return client


def _counts():
    return (
        Organisation.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        AuditEvent.objects.count(),
    )


def test_platform_admin_creates_an_organisation_and_invites_its_admin(
    platform_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = platform_client.post(reverse("orgs:create"), VALID)
    assert response.status_code == 302
    org = Organisation.objects.get(code="TSM")
    assert (org.country, org.subdivision, org.languages) == ("UZ", "UZ-TK", ["uz", "ru"])
    assert org.phone == "+998 71 200 00 00"
    admin = Membership.objects.get(organisation=org, role=Role.ORG_ADMIN).user
    assert admin.email == "dilnoza@tsm.example" and admin.preferred_language == "uz"
    assert mail.outbox[0].to == ["dilnoza@tsm.example"]
    assert {"org.create", "staff.grant"} <= set(AuditEvent.objects.values_list("action", flat=True))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("country", "XX"),
        ("subdivision", "TJ-DU"),  # a Tajik province for an Uzbek organisation
        ("phone", "12345"),
        ("phone", "+99871"),
        ("code", "T"),
        ("code", "ТСМ"),  # Cyrillic letters
        ("email", "not-an-email"),
        ("website", "javascript:alert(1)"),
        ("languages", ["xx"]),
        ("name", ""),
        ("name", "x" * 10_000),
        ("org_type", "Mafia"),
        ("admin_email", ""),
    ],
)
def test_invalid_organisation_data_shows_the_field_error_and_saves_nothing(
    platform_client, field, value
):
    before = _counts()
    response = platform_client.post(reverse("orgs:create"), VALID | {field: value})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'id="id_{field}_error"' in response.content.decode()
    assert _counts() == before


def test_a_duplicate_code_is_refused(platform_client):
    platform_client.post(reverse("orgs:create"), VALID)
    before = _counts()
    response = platform_client.post(
        reverse("orgs:create"), VALID | {"name": "Other", "admin_email": "o@example.org"}
    )
    assert "code" in response.context["form"].errors
    assert _counts() == before


def test_an_invitation_that_fails_leaves_no_organisation_behind(org):
    """The organisation and its first admin are one transaction."""
    from django.core.exceptions import ValidationError

    from payvand.orgs.services import organisation_create_with_admin

    admin = member(Role.PLATFORM_ADMIN, org)
    before = _counts()
    with pytest.raises(ValidationError):
        organisation_create_with_admin(
            by=admin,
            code="NEW",
            name="New",
            org_type="NGO",
            country="PK",
            admin_email="not an address",
            admin_full_name="Someone",
        )
    assert _counts() == before


def test_org_admin_edits_the_profile_and_the_audit_names_the_fields(client, org):
    admin = member(Role.ORG_ADMIN, org)
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        reverse("orgs:edit", args=[org.public_id]),
        {"name": "New name", "org_type": "NGO", "country": "TJ", "subdivision": "TJ-SU",
         "languages": ["tg"], "code": "ZZZ"},
    )  # fmt: skip
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.subdivision, org.languages) == ("New name", "TJ-SU", ["tg"])
    assert org.code != "ZZZ", "the short code is fixed once case numbers use it"
    event = AuditEvent.objects.get(action="org.update")
    assert set(event.details["fields"]) == {"name", "subdivision", "languages"}


def test_subdivision_options_follow_the_country(client, org):
    client.force_login(
        member(Role.ORG_ADMIN, org), backend="django.contrib.auth.backends.ModelBackend"
    )
    html = client.get(reverse("orgs:subdivisions"), {"country": "AF"}).content.decode()
    assert 'value="AF-KAB"' in html and "TJ-DU" not in html
    assert client.get(reverse("orgs:subdivisions"), {"country": "<script>"}).content.decode() == (
        '<option value="">—</option>'
    )


def test_country_names_are_translated(client, org):
    client.force_login(
        member(Role.ORG_ADMIN, org), backend="django.contrib.auth.backends.ModelBackend"
    )
    client.post(reverse("language_switch"), {"language": "ru", "next": "/"})
    page = client.get(reverse("orgs:detail", args=[org.public_id])).content.decode()
    assert "Таджикистан" in page


def test_deactivating_an_organisation_is_audited_and_locks_its_staff_out(platform_client, org):
    other = Organisation.objects.create(code="OTH", name="Other", org_type="NGO", country="PK")
    worker = member(Role.CASEWORKER, other)
    response = platform_client.post(
        reverse("orgs:set_active", args=[other.public_id]), {"active": "0"}
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="org.deactivate").exists()
    assert worker.active_memberships() == []


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("۳۷ ۲۱۲ ۳۴۵۶", "+992 372 12 3456"),
        ("(37) 212-34-56", "+992 372 12 3456"),
        ("٣٧٢١٢٣٤٥٦", "+992 372 12 3456"),
        ("+992 37 212 3456", "+992 37 212 3456"),
    ],
)
def test_the_organisations_phone_is_typed_as_staff_write_it_and_kept_international(
    client, org, typed, kept
):
    client.force_login(
        member(Role.ORG_ADMIN, org), backend="django.contrib.auth.backends.ModelBackend"
    )
    response = client.post(
        reverse("orgs:edit", args=[org.public_id]),
        {"name": org.name, "org_type": "NGO", "country": "TJ", "languages": ["tg"], "phone": typed},
    )
    assert response.status_code == 302, response.context["form"].errors
    org.refresh_from_db()
    assert org.phone == kept
