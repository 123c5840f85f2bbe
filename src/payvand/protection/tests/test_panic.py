"""Emergency shredding: asked by one admin, confirmed by another (or by time); a drill
destroys and locks nothing; the real thing leaves every name of the organisation
unreadable and every other organisation as it was."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from payvand.accounts.models import Membership
from payvand.cases.models import Person
from payvand.core import crypto
from payvand.core.audit.models import AuditEvent
from payvand.core.audit.verify import audit_chain_verify
from payvand.core.errors import DomainError, PermissionDenied
from payvand.core.models import OrgKey
from payvand.core.permissions import Role
from payvand.orgs.models import Organisation
from payvand.protection.models import PanicState
from payvand.protection.panic import panic_confirm, panic_request, panic_run_due
from payvand.protection.retention import retention_policy_set
from payvand.testing.factories import case, member

pytestmark = pytest.mark.django_db


def _names_readable(org) -> list[bool]:
    result = []
    for person in Person.objects.filter(organisation=org):
        try:
            crypto.unseal_json(
                org, person.identity, context=f"cases.person:{person.public_id}:identity"
            )
            result.append(True)
        except crypto.KeyDestroyed:
            result.append(False)
    return result


@pytest.fixture
def two_admins(org):
    return member(Role.ORG_ADMIN, org), member(Role.ORG_ADMIN, org)


def _signed_in(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client.session.session_key


def test_the_admin_who_asked_cannot_confirm_alone(org, two_admins):
    first, _second = two_admins
    case(org)
    asked = panic_request(org=org, by=first, drill=False, confirm=org.code)
    with pytest.raises(PermissionDenied):
        panic_confirm(request=asked, by=first)
    caseworker = member(Role.CASEWORKER, org)
    with pytest.raises(PermissionDenied):
        panic_confirm(request=asked, by=caseworker)
    assert OrgKey.objects.filter(organisation=org, destroyed_at=None).exists()


def test_asking_needs_the_short_code_and_an_admin(org, two_admins):
    with pytest.raises(DomainError):
        panic_request(org=org, by=two_admins[0], drill=False, confirm="WRONG")
    with pytest.raises(PermissionDenied):
        panic_request(org=org, by=member(Role.SUPERVISOR, org), drill=False, confirm=org.code)


def test_a_drill_reports_and_leaves_everything_intact(org, two_admins, client):
    first, second = two_admins
    c = case(org)
    session = _signed_in(client, c.owner)
    asked = panic_request(org=org, by=first, drill=True, confirm=org.code.lower())
    done = panic_confirm(request=asked, by=second)
    assert done.state == PanicState.DONE
    assert done.report["keys"] == 1 and done.report["memberships"] == 3
    assert done.report["sealed_records"] >= 1 and done.report["sessions"] == 1
    assert _names_readable(org) == [True]
    assert Organisation.objects.get(pk=org.pk).is_active
    assert Membership.objects.filter(organisation=org, is_active=False).count() == 0
    assert Session.objects.filter(session_key=session).exists()
    assert AuditEvent.objects.filter(action="panic.drill").exists()


def test_a_real_panic_shreds_locks_and_spares_other_organisations(
    org, other_org, two_admins, client
):
    first, second = two_admins
    mine, theirs = case(org), case(other_org)
    session = _signed_in(client, mine.owner)
    asked = panic_request(org=org, by=first, drill=False, confirm=org.code)
    panic_confirm(request=asked, by=second)
    assert _names_readable(org) == [False]
    assert _names_readable(other_org) == [True]
    assert not Organisation.objects.get(pk=org.pk).is_active
    assert not Membership.objects.filter(organisation=org, is_active=True).exists()
    assert Membership.objects.filter(organisation=other_org, is_active=True).exists()
    assert not Session.objects.filter(session_key=session).exists()
    assert {"panic.request", "panic.confirm", "org.purge", "panic.done"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )
    assert audit_chain_verify().ok
    assert theirs.person.identity  # untouched


def test_without_a_second_admin_the_delay_runs_it(org):
    only = member(Role.ORG_ADMIN, org)
    retention_policy_set(org=org, panic_delay_minutes=30)
    case(org)
    asked = panic_request(org=org, by=only, drill=False, confirm=org.code)
    assert panic_run_due() == [], "not yet"
    asked.runs_at = timezone.now() - dt.timedelta(seconds=1)
    asked.save(update_fields=["runs_at"])
    assert [r.state for r in panic_run_due()] == [PanicState.DONE]
    assert _names_readable(org) == [False]
    assert panic_run_due() == [], "done once"


def test_the_pages_take_an_admin_through_a_drill(org, two_admins, client):
    first, second = two_admins
    case(org)
    client.force_login(first, backend="django.contrib.auth.backends.ModelBackend")
    page = reverse("protection:panic", kwargs={"org_id": org.public_id})
    response = client.post(page, {"drill": "on", "confirm": "nope"})
    assert response.status_code == 200 and org.code in response.content.decode()
    response = client.post(page, {"drill": "on", "confirm": org.code}, follow=True)
    assert "Another admin of the organisation must confirm it." in response.content.decode()
    client.force_login(second, backend="django.contrib.auth.backends.ModelBackend")
    pending = response.context["pending"]
    confirm = reverse("protection:panic_confirm", kwargs={"public_id": pending.public_id})
    response = client.post(confirm, follow=True)
    assert "The drill is done" in response.content.decode()
    assert _names_readable(org) == [True] and Organisation.objects.get(pk=org.pk).is_active


def test_panic_command_drill_and_status(org, capsys):
    case(org)
    call_command("panic", "drill", "--org", org.code)
    out = capsys.readouterr().out
    assert "Drill" in out and "1 key(s)" in out
    call_command("panic", "status")
    assert org.full_code in capsys.readouterr().out
    assert _names_readable(org) == [True]
