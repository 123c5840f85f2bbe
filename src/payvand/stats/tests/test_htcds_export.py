"""An organisation downloads its own cases as HTCDS JSON from the statistics page: its
supervisors get the codes, its admins may add identities; nobody else gets anything."""

import json

import pytest
from django.urls import reverse

from payvand.core.audit.models import AuditEvent
from payvand.core.permissions import Role
from payvand.testing.factories import case, member

pytestmark = pytest.mark.django_db
URL = reverse("stats:htcds_export")


@pytest.fixture
def cases(org, other_org):
    worker = member(Role.CASEWORKER, org)
    mine = case(org, owner=worker, given_name="Гулнора", family_name="Назарова")
    theirs = case(other_org, owner=member(Role.CASEWORKER, other_org), given_name="Farida")
    return mine, theirs


def _download(client, org, **extra):
    return client.post(URL, {"org": str(org.public_id), **extra})


def test_an_org_admin_downloads_her_organisations_cases_with_identities(client, org, cases):
    mine, theirs = cases
    admin = member(Role.ORG_ADMIN, org)
    client.force_login(admin)
    response = _download(client, org, with_identities="1")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="payvand-htcds-')
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert [c["x_CaseNumber"] for c in data["cases"]] == [mine.number]
    assert data["cases"][0]["prs_FirstName"] == "Гулнора"
    assert theirs.number not in response.content.decode()
    event = AuditEvent.objects.get(action="stats.export_htcds")
    assert event.actor_id == admin.public_id and event.details["with_identities"] is True
    reads = AuditEvent.objects.filter(action="person.identity_read", actor_id=admin.public_id)
    assert reads.count() == 1


def test_a_supervisor_gets_codes_and_cannot_ask_for_identities(client, org, cases):
    supervisor = member(Role.SUPERVISOR, org)
    client.force_login(supervisor)
    page = client.get(URL).content.decode()
    assert "with_identities" not in page
    refused = _download(client, org, with_identities="1")
    assert refused.status_code == 400
    assert "Only an organisation admin" in refused.content.decode()
    assert not AuditEvent.objects.filter(action="stats.export_htcds").exists()
    codes = json.loads(_download(client, org).content)
    assert codes["with_identities"] is False and "prs_FirstName" not in codes["cases"][0]


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.ANALYST, Role.PLATFORM_ADMIN])
def test_no_one_else_exports(client, org, cases, role):
    client.force_login(member(role, org))
    assert client.get(URL).status_code == 404
    assert _download(client, org).status_code == 404


def test_another_organisations_admin_cannot_choose_this_one(client, org, other_org, cases):
    client.force_login(member(Role.ORG_ADMIN, other_org))
    response = _download(client, org)
    assert response.status_code == 400 and "Choose one of your organisations" in (
        response.content.decode()
    )
    assert not AuditEvent.objects.filter(action="stats.export_htcds").exists()


def test_the_export_itself_refuses_who_may_not_have_it(org, other_org, cases):
    from payvand.core.errors import PermissionDenied
    from payvand.stats.exports import export_htcds

    with pytest.raises(PermissionDenied):
        export_htcds(org=org, with_identities=True, by=member(Role.SUPERVISOR, org))
    with pytest.raises(PermissionDenied):
        export_htcds(org=org, by=member(Role.ORG_ADMIN, other_org))
    assert not AuditEvent.objects.filter(action="stats.export_htcds").exists()


def test_the_page_in_dari_is_right_to_left_and_translated(client, org, cases):
    admin = member(Role.ORG_ADMIN, org)
    admin.preferred_language = "fa-af"
    admin.save()
    client.force_login(admin)
    page = client.get(URL).content.decode()
    assert 'dir="rtl"' in page and "صدور قضایای سازمان شما (HTCDS)" in page
