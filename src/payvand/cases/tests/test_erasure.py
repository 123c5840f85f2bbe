"""Erasing one survivor's personal data on request: every sealed blob of her cases is
gone, her tokens and files too; the skeleton, other survivors and the audit chain stay."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from payvand.assistance.services import note_add
from payvand.attachments import services as attachment_services
from payvand.attachments.models import Attachment
from payvand.cases import selectors
from payvand.cases.erasure import person_erase
from payvand.cases.models import Case, NameToken, Person
from payvand.core import crypto, sealed
from payvand.core.audit.models import AuditEvent
from payvand.core.audit.verify import audit_chain_verify
from payvand.core.errors import IllegalTransition, PermissionDenied
from payvand.core.keys import org_keys_rotate
from payvand.core.permissions import Role
from payvand.testing.factories import case, member
from payvand.trafficking import services as trafficking_services
from payvand.trafficking.models import VictimContext

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\nscan of a passport\n%%EOF"


@pytest.fixture
def worker(org):
    return member(Role.CASEWORKER, org)


@pytest.fixture
def supervisor(org):
    return member(Role.SUPERVISOR, org)


def _full_case(org, worker):
    c = case(org, owner=worker, given_name="Гулнора", family_name="Назарова")
    note_add(case=c, by=worker, text="She fears the uncle")
    trafficking_services.victim_context_update(
        case=c, by=worker, version=0, account="Taken to Moscow", exploitation_types=["ForcedLabour"]
    )
    attachment_services.attachment_add(
        case=c, by=worker, category="IdentityDocument", filename="passport.pdf", data=PDF
    )
    return c


def _blobs_of(c) -> list[bytes]:
    found = []
    for column in sealed.COLUMNS:
        path = column.case_path
        if path is None:
            continue
        rows = column.model.objects.filter(**{path: c}).exclude(**{f"{column.field}__isnull": True})
        found += [bytes(v) for v in rows.values_list(column.field, flat=True)]
    return found


def test_erasure_tombstones_every_blob_and_removes_tokens_and_files(
    org, worker, supervisor, django_capture_on_commit_callbacks
):
    erased = _full_case(org, worker)
    kept = _full_case(org, worker)
    stored = Attachment.objects.get(case=erased).stored_name
    with django_capture_on_commit_callbacks(execute=True):
        result = person_erase(
            case=erased, by=supervisor, reason="SurvivorRequest", confirm=erased.number.lower()
        )
    assert result.cases == 1 and result.files == 1 and result.blobs >= 4
    blobs = _blobs_of(erased)
    assert blobs and all(b == crypto.TOMBSTONE for b in blobs)
    person = Person.objects.get(pk=erased.person_id)
    assert bytes(person.identity) == crypto.TOMBSTONE and person.erased_at is not None
    assert not NameToken.objects.filter(person=person).exists()
    from payvand.attachments import storage

    assert not storage.path_of(org, stored).exists()
    # The skeleton stays for statistics; the other survivor is untouched.
    assert Case.objects.filter(pk=erased.pk).exists()
    assert VictimContext.objects.get(case=erased).exploitation_types == ["ForcedLabour"]
    assert all(b != crypto.TOMBSTONE for b in _blobs_of(kept))
    found = selectors.case_search(supervisor, selectors.CaseQuery(name="Gulnora Nazarova"))
    assert [c.pk for c in found] == [kept.pk]
    # Nothing of her is left in clear or sealed; the audit trail says who erased, and why.
    with connection.cursor() as cursor:
        cursor.execute("SELECT identity FROM cases_person WHERE id = %s", [person.pk])
        assert bytes(cursor.fetchone()[0]) == crypto.TOMBSTONE
    event = AuditEvent.objects.get(action="person.erase")
    assert event.details["reason"] == "SurvivorRequest"
    assert audit_chain_verify().ok


def test_an_erased_case_opens_as_erased_and_takes_no_new_personal_data(org, worker, supervisor):
    c = _full_case(org, worker)
    person_erase(case=c, by=supervisor, reason="SurvivorRequest", confirm=c.number)
    c.refresh_from_db()
    shown = selectors.identities_shown(supervisor, [c], purpose="test")
    assert shown[c.pk].erased
    with pytest.raises(PermissionDenied, match="erased on request"):
        note_add(case=c, by=worker, text="more")
    with pytest.raises(IllegalTransition):
        person_erase(case=c, by=supervisor, reason="SurvivorRequest", confirm=c.number)


def test_key_rotation_after_an_erasure_loses_nothing_else(org, worker, supervisor):
    erased, kept = _full_case(org, worker), _full_case(org, worker)
    person_erase(case=erased, by=supervisor, reason="RecordedInError", confirm=erased.number)
    org_keys_rotate(org=org)
    assert all(b == crypto.TOMBSTONE for b in _blobs_of(erased))
    found = selectors.case_search(supervisor, selectors.CaseQuery(name="Гулнора"))
    assert [c.pk for c in found] == [kept.pk]


def test_only_a_supervisor_erases_and_only_with_the_case_number(org, worker, supervisor):
    c = case(org, owner=worker)
    with pytest.raises(PermissionDenied):
        person_erase(case=c, by=worker, reason="SurvivorRequest", confirm=c.number)
    with pytest.raises(ValidationError) as error:
        person_erase(case=c, by=supervisor, reason="Whim", confirm="TJ-WRONG")
    assert set(error.value.message_dict) == {"reason", "confirm"}
    assert Person.objects.get(pk=c.person_id).erased_at is None


def test_a_supervisor_erases_from_the_case_page(client, org, worker, supervisor):
    from django.urls import reverse

    c = _full_case(org, worker)
    client.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("cases:detail", args=[c.public_id])).content.decode()
    url = reverse("cases:erase", args=[c.public_id])
    assert url in page
    wrong = client.post(url, {"reason": "SurvivorRequest", "confirm": "nope"})
    assert wrong.status_code == 200 and "Type the case number" in wrong.content.decode()
    assert Person.objects.get(pk=c.person_id).erased_at is None
    done = client.post(url, {"reason": "SurvivorRequest", "confirm": c.number})
    assert done.status_code == 302
    page = client.get(reverse("cases:detail", args=[c.public_id])).content.decode()
    assert "personal data was erased on" in page
    assert "Гулнора" not in page and "She fears the uncle" not in page
    assert url not in page
    listing = client.get(reverse("cases:list")).content.decode()
    assert "Гулнора" not in listing
