import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from payvand.assistance import services
from payvand.assistance.models import CaseNote
from payvand.assistance.selectors import open_sealed
from payvand.assistance.tests.conftest import forms_of
from payvand.core.audit.models import AuditEvent
from payvand.core.errors import PermissionDenied
from payvand.core.permissions import Role
from payvand.testing.factories import member

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _text(note):
    open_sealed(None, [note], page="test", case=note.case)
    return note.shown_text


def _age(note, hours):
    CaseNote.objects.filter(pk=note.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=hours)
    )
    note.refresh_from_db()


def test_a_note_written_on_the_case_page_is_listed_newest_first(client, worker, the_case):
    client.force_login(worker, backend=BACKEND)
    case_url = reverse("cases:detail", args=[the_case.public_id])
    add_url = reverse("assistance:note_add", args=[the_case.public_id])
    for text in ("First visit: she is safe", "Second visit: wants to call her mother"):
        data = forms_of(client.get(case_url).content.decode())[add_url]
        response = client.post(add_url, data | {"text": text})
        assert response.status_code == 302 and response["Location"].endswith("#notes")
    page = client.get(case_url).content.decode()
    assert page.index("Second visit") < page.index("First visit")
    assert [n.author for n in CaseNote.objects.all()] == [worker, worker]


def test_the_same_note_sent_twice_is_saved_once(client, worker, the_case):
    client.force_login(worker, backend=BACKEND)
    url = reverse("assistance:note_add", args=[the_case.public_id])
    data = {
        "text": "Met her at the shelter",
        "submission_id": "1b6f1d9e-8a8f-4f0e-9d55-3b8f6f1f0a31",
    }
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert CaseNote.objects.count() == 1


def test_an_empty_note_is_a_field_error(client, worker, the_case):
    client.force_login(worker, backend=BACKEND)
    url = reverse("assistance:note_add", args=[the_case.public_id])
    response = client.post(
        url, {"text": "   ", "submission_id": "1b6f1d9e-8a8f-4f0e-9d55-3b8f6f1f0a32"}
    )
    assert response.status_code == 200
    assert "text" in response.context["form"].errors
    assert CaseNote.objects.count() == 0


def test_notes_are_never_stored_in_clear(worker, the_case):
    secret = "Назира боится дяди, который её продал"
    services.note_add(case=the_case, by=worker, text=secret)
    with connection.cursor() as cursor:
        for table in ("assistance_casenote", "audit_auditevent"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608  (fixed table names)
            rows = cursor.fetchall()
            dump = repr(rows) + "".join(
                bytes(v).decode("latin-1")
                for row in rows
                for v in row
                if isinstance(v, bytes | memoryview)
            )
            for text in (secret, "Назира", "дяди"):
                assert text not in dump, (table, text)


def test_the_author_corrects_her_note_within_a_day_and_the_audit_says_only_that(
    client, worker, the_case
):
    note = services.note_add(case=the_case, by=worker, text="She is 16")
    _age(note, hours=23)
    client.force_login(worker, backend=BACKEND)
    url = reverse("assistance:note_correct", args=[the_case.public_id, note.public_id])
    case_page = client.get(reverse("cases:detail", args=[the_case.public_id])).content.decode()
    assert url in case_page  # the "Correct" link
    form = client.get(url)
    assert "She is 16" in form.content.decode()
    response = client.post(url, {"text": "She is 17"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert _text(note) == "She is 17" and note.corrected_at is not None
    event = AuditEvent.objects.get(action="note.correct")
    assert event.object_id == str(note.public_id) and event.actor_id == worker.public_id
    assert event.details == {}
    for event in AuditEvent.objects.all():
        assert "She is" not in repr(event.details)
    assert CaseNote.objects.count() == 1


def test_nobody_corrects_someone_elses_note(client, org, worker, supervisor, the_case):
    note = services.note_add(case=the_case, by=worker, text="Original words")
    url = reverse("assistance:note_correct", args=[the_case.public_id, note.public_id])
    client.force_login(supervisor, backend=BACKEND)
    case_page = client.get(reverse("cases:detail", args=[the_case.public_id])).content.decode()
    assert url not in case_page
    for send in (lambda: client.get(url), lambda: client.post(url, {"text": "Rewritten"})):
        response = send()
        assert response.status_code == 302
        followed = client.get(response["Location"]).content.decode()
        assert "Only the author of a note can correct it." in followed
    with pytest.raises(PermissionDenied):
        services.note_correct(note=note, by=supervisor, text="Rewritten")
    note.refresh_from_db()
    assert _text(note) == "Original words" and note.corrected_at is None
    assert not AuditEvent.objects.filter(action="note.correct").exists()


def test_after_24_hours_a_note_cannot_be_corrected_even_by_its_author(client, worker, the_case):
    note = services.note_add(case=the_case, by=worker, text="Written yesterday")
    _age(note, hours=25)
    url = reverse("assistance:note_correct", args=[the_case.public_id, note.public_id])
    client.force_login(worker, backend=BACKEND)
    assert (
        url not in client.get(reverse("cases:detail", args=[the_case.public_id])).content.decode()
    )
    for send in (lambda: client.get(url), lambda: client.post(url, {"text": "Changed"})):
        response = send()
        assert response.status_code == 302
        followed = client.get(response["Location"]).content.decode()
        assert "A note can be corrected only within 24 hours of writing it" in followed
    with pytest.raises(PermissionDenied, match="within 24 hours"):
        services.note_correct(note=note, by=worker, text="Changed")
    assert _text(note) == "Written yesterday"


def test_a_note_of_another_case_is_not_found(client, org, worker, the_case):
    from payvand.testing.factories import case

    other = case(org, owner=worker)
    note = services.note_add(case=other, by=worker, text="Elsewhere")
    client.force_login(worker, backend=BACKEND)
    url = reverse("assistance:note_correct", args=[the_case.public_id, note.public_id])
    assert client.get(url).status_code == 404


def test_outside_the_callers_scope_notes_do_not_exist(client, org, other_org, worker, the_case):
    services.note_add(case=the_case, by=worker, text="Private")
    for user in (member(Role.CASEWORKER, org), member(Role.SUPERVISOR, other_org)):
        client.force_login(user, backend=BACKEND)
        assert (
            client.get(reverse("assistance:note_list", args=[the_case.public_id])).status_code
            == 404
        )
        url = reverse("assistance:note_add", args=[the_case.public_id])
        data = {"text": "Intrusion", "submission_id": "1b6f1d9e-8a8f-4f0e-9d55-3b8f6f1f0a33"}
        assert client.post(url, data).status_code == 404
    assert CaseNote.objects.count() == 1


def test_the_notes_page_shows_every_note_with_one_audit_row(client, worker, the_case):
    notes = [services.note_add(case=the_case, by=worker, text=f"Note {i}") for i in range(13)]
    client.force_login(worker, backend=BACKEND)
    case_page = client.get(reverse("cases:detail", args=[the_case.public_id])).content.decode()
    assert "All notes (13)" in case_page and "Note 2<" not in case_page
    before = AuditEvent.objects.count()
    html = client.get(reverse("assistance:note_list", args=[the_case.public_id])).content.decode()
    assert html.index("Note 12<") < html.index("Note 0<")
    new = AuditEvent.objects.filter(seq__gt=before)
    assert [e.action for e in new] == ["assistance.read"]
    assert new.get().details["notes"] == [str(n.public_id) for n in reversed(notes)]


def test_there_is_no_way_to_delete_a_note():
    from payvand.assistance import urls

    names = [p.name for p in urls.urlpatterns]
    assert not [n for n in names if "delete" in n or "remove" in n]
    assert not [n for n in dir(services) if n.startswith("note_") and "delete" in n]
