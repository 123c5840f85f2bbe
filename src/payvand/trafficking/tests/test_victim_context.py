"""Victim context: recorded on one page, rules between fields, sealed account, audited,
safe against a second tab, and set by a decided screening."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from payvand.core import crypto
from payvand.core.audit.models import AuditEvent
from payvand.core.keys import org_keys_destroy, org_keys_rotate
from payvand.core.permissions import Role
from payvand.screening import services as screening_services
from payvand.screening.tests.helpers import record
from payvand.testing.factories import case, member
from payvand.trafficking import services
from payvand.trafficking.models import VictimContext
from payvand.trafficking.selectors import victim_account

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
ACCOUNT = "Вербовщик обещал работу на стройке в Москве; паспорт забрали в первый день"


def _form(**overrides):
    return {
        "trafficking_status": "",
        "status_decided_by": "",
        "exploitation_types": ["ForcedLabour"],
        "industries": ["F_Construction"],
        "control_methods": ["WithholdsDocuments", "DebtBondage", "RestrictsMovement"],
        "recruitment_methods": ["ThroughFriendsOrSocialEvents"],
        "recruitment_platforms": ["Telegram"],
        "recruiter_relations": ["Friend"],
        "age_when_trafficked": "24",
        "migration_statuses": ["LabourMigrant", "IrregularMigrant"],
        "account": ACCOUNT,
        "version": "0",
    } | overrides


def _update(c, by, version=0, **fields):
    return services.victim_context_update(case=c, by=by, version=version, **fields)


def _page(client, user, c) -> str:
    client.force_login(user, backend=BACKEND)
    response = client.get(reverse("cases:detail", args=[c.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_caseworker_records_what_happened_and_the_case_page_shows_it(client, worker, the_case):
    client.force_login(worker, backend=BACKEND)
    url = reverse("trafficking:victim_edit", args=[the_case.public_id])
    assert client.get(url).status_code == 200
    response = client.post(url, _form())
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"].endswith("#trafficking")
    context = VictimContext.objects.get(case=the_case)
    assert context.exploitation_types == ["ForcedLabour"]
    assert context.control_methods == ["DebtBondage", "RestrictsMovement", "WithholdsDocuments"]
    assert context.version == 1
    page = _page(client, worker, the_case)
    for shown in ("Forced labour", "F · Construction", "Debt bondage", "Telegram", ACCOUNT):
        assert shown in page


def test_the_account_is_sealed_and_the_audit_row_names_only_codes(worker, the_case):
    _update(the_case, worker, account=ACCOUNT, exploitation_types=["ForcedLabour"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT account FROM trafficking_victimcontext")
        (blob,) = cursor.fetchone()
    assert "паспорт".encode() not in bytes(blob)
    event = AuditEvent.objects.filter(action="victim.update").get()
    assert event.details["changed"] == ["exploitation_types"]
    assert event.details["account_changed"] is True
    assert "паспорт" not in str(event.details)
    assert event.case_id == the_case.public_id


def test_saving_the_same_values_twice_records_nothing_more(worker, the_case):
    """A double click: the second submission carries the same version and values."""
    _update(the_case, worker, account=ACCOUNT, exploitation_types=["ForcedLabour"])
    with pytest.raises(services.StaleForm):
        _update(the_case, worker, account=ACCOUNT, exploitation_types=["ForcedLabour"])
    same = _update(
        the_case, worker, version=1, account=ACCOUNT, exploitation_types=["ForcedLabour"]
    )
    assert same.version == 1
    assert AuditEvent.objects.filter(action="victim.update").count() == 1


def test_a_form_opened_in_another_tab_cannot_overwrite_newer_data(client, worker, the_case):
    client.force_login(worker, backend=BACKEND)
    url = reverse("trafficking:victim_edit", args=[the_case.public_id])
    client.post(url, _form(exploitation_types=["SexualExploitation"], industries=[]))
    response = client.post(url, _form(exploitation_types=["ForcedBegging"], industries=[]))
    assert response.status_code == 200
    assert "Someone saved this record after you opened the form" in response.content.decode()
    assert VictimContext.objects.get().exploitation_types == ["SexualExploitation"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"sex_exploitation_types": ["Prostitution"], "exploitation_types": ["ForcedLabour"]},
         "sex_exploitation_types", "Sexual exploitation"),
        ({"industries": ["A_AgricultureForestryAndFishing"], "exploitation_types": []},
         "industries", "An industry describes exploitation in work"),
        ({"trafficking_status": "ActualVictimOfTrafficking"}, "status_decided_by", "who decided"),
        ({"status_decided_by": "Police"}, "trafficking_status", "Choose the status"),
        ({"control_methods": ["Beating"]}, "control_methods", "Unknown code: Beating"),
        ({"age_when_trafficked": 121}, "age_when_trafficked", "between 0 and 120"),
    ],
)  # fmt: skip
def test_inconsistent_answers_get_a_field_error_and_nothing_is_saved(
    worker, the_case, fields, field, message
):
    with pytest.raises(ValidationError) as error:
        _update(the_case, worker, **fields)
    assert message in " ".join(error.value.message_dict[field])
    assert not VictimContext.objects.filter(version__gt=0).exists()
    assert not AuditEvent.objects.filter(action="victim.update").exists()


def test_age_when_trafficked_cannot_exceed_her_age_now(org, worker):
    c = case(org, owner=worker, birth_precision="year", birth_year=2010, estimated_age=None)
    with pytest.raises(ValidationError) as error:
        _update(c, worker, age_when_trafficked=40)
    assert "older than she or he is now" in str(error.value)
    assert _update(c, worker, age_when_trafficked=14).age_when_trafficked == 14


def test_the_form_shows_field_errors_in_the_page(client, worker, the_case):
    client.force_login(worker, backend=BACKEND)
    url = reverse("trafficking:victim_edit", args=[the_case.public_id])
    response = client.post(
        url, _form(exploitation_types=["ForcedMarriage"], sex_exploitation_types=["Pornography"])
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-field="sex_exploitation_types"' in body and "has-error" in body
    assert "Ghost" not in body
    response = client.post(url, _form(account="x" * (services.MAX_ACCOUNT + 1)))
    assert response.status_code == 200
    assert not VictimContext.objects.filter(version__gt=0).exists()


def test_a_decided_screening_sets_the_trafficking_status(worker, the_case):
    screening = record(the_case, worker)
    screening_services.screening_decide(
        screening=screening,
        by=worker,
        status="PossibleVictimOfTrafficking",
        decision_org_type="NGO",
    )
    context = VictimContext.objects.get(case=the_case)
    assert context.trafficking_status == "PossibleVictimOfTrafficking"
    assert context.status_decided_by == "NGO"
    assert context.status_screening_id == screening.pk
    assert AuditEvent.objects.filter(action="victim.status_from_screening").count() == 1
    # The police decide later: set by hand, no longer tied to the screening.
    changed = _update(
        the_case,
        worker,
        version=context.version,
        trafficking_status="ActualVictimOfTrafficking",
        status_decided_by="Police",
    )
    assert changed.status_screening is None


def test_another_organisations_caseworker_cannot_write(org, the_case):
    from payvand.core.errors import PermissionDenied
    from payvand.testing.factories import OrganisationFactory

    outsider = member(Role.SUPERVISOR, OrganisationFactory())
    with pytest.raises(PermissionDenied):
        _update(the_case, outsider, exploitation_types=["ForcedLabour"])


def test_key_rotation_keeps_the_account_and_purge_erases_it(client, org, worker, the_case):
    context = _update(the_case, worker, account=ACCOUNT)
    old = bytes(context.account)
    org_keys_rotate(org=org)
    context.refresh_from_db()
    assert bytes(context.account) != old and crypto.blob_version(context.account) == 2
    assert victim_account(context) == ACCOUNT
    org_keys_destroy(org=org)
    assert victim_account(context) is None
    supervisor = member(Role.SUPERVISOR, org)
    page = _page(client, supervisor, the_case)
    assert "Some of this text was erased" in page
