import pytest
from django.core.management import call_command
from django.urls import reverse

from payvand.accounts.models import Membership, User
from payvand.core.audit.models import AuditEvent
from payvand.core.audit.verify import audit_chain_verify
from payvand.core.permissions import Role
from payvand.demo.region import DEMO_PASSWORD, ORGANISATIONS
from payvand.demo.seed import seed_demo
from payvand.orgs.models import Organisation
from payvand.testing.twofactor import code_for

pytestmark = pytest.mark.django_db


def test_seeding_twice_changes_nothing():
    first = seed_demo()
    counts = (Organisation.objects.count(), User.objects.count(), AuditEvent.objects.count())
    second = seed_demo()
    assert first == second
    assert (
        Organisation.objects.count(),
        User.objects.count(),
        AuditEvent.objects.count(),
    ) == counts


def test_demo_has_every_programme_country_and_every_role():
    logins = seed_demo()
    assert {o[3] for o in ORGANISATIONS} >= {"AF", "PK", "TJ", "TM", "UZ"}
    for country in ("AF", "PK", "TJ", "TM", "UZ"):
        roles = {login.role for login in logins if login.country == country}
        assert {Role.CASEWORKER, Role.SUPERVISOR, Role.ORG_ADMIN} <= roles, country
    assert {login.role for login in logins} == set(Role.values)
    assert audit_chain_verify().ok


def test_every_printed_demo_login_reaches_its_dashboard(client):
    for login in seed_demo():
        response = client.post(
            reverse("accounts:login"), {"username": login.email, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, login.email
        user = User.objects.get(email=login.email)
        if response["Location"].startswith(reverse("accounts:two_factor")):
            # The printed demo key's code, as `payvand demo-code` shows it.
            response = client.post(response["Location"], {"code": code_for(user)})
            assert response.status_code == 302, login.email
        page = client.get(response["Location"])
        name = user.full_name
        assert page.status_code == 200, login.email
        assert f"<bdi>{name}</bdi>" in page.content.decode(), login.email
        client.post(reverse("accounts:logout"))


def test_seed_demo_command_prints_the_logins(capsys):
    call_command("seed_demo", cases=0)
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out and "tj-dyu-caseworker@demo.example" in out
    assert Membership.objects.filter(role=Role.PLATFORM_ADMIN).count() == 1


def test_org_list_command_shows_short_codes(capsys):
    seed_demo()
    call_command("org", "list")
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:2] == ["CODE", "COUNTRY"]
    assert any(line.startswith("DYU") and " TJ " in line for line in out.splitlines())


def test_seeded_survivor_names_are_nowhere_in_a_database_dump():
    """Every name the demo generator can produce is absent from the database in clear."""
    from django.db import connection

    from payvand.demo.people import NAMES, _feminine
    from payvand.demo.seed import seed_cases

    seed_demo()
    assert seed_cases(60) == 60
    if connection.vendor == "sqlite":
        dump = "\n".join(connection.connection.iterdump())
    else:
        with connection.cursor() as cursor:
            dump = ""
            for table in ("cases_person", "cases_case", "cases_nametoken", "audit_auditevent"):
                cursor.execute(f"SELECT * FROM {table}")  # noqa: S608  (fixed table names)
                dump += repr(cursor.fetchall())
    for script, (female, male, families) in NAMES.items():
        words = female + male + families + [_feminine(f, script) for f in families]
        for word in words:
            assert word not in dump, word


def test_seed_demo_refuses_a_database_that_holds_real_organisations(db):
    import pytest
    from django.core.management.base import CommandError

    from payvand.orgs.models import Organisation
    from payvand.testing.factories import OrganisationFactory

    OrganisationFactory(code="HOPE")
    with pytest.raises(CommandError, match=r"not part of the demo \(HOPE\)"):
        call_command("seed_demo", cases=0, quiet_logins=True)
    assert list(Organisation.objects.values_list("code", flat=True)) == ["HOPE"]
