import datetime as dt
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from payvand.assistance import services
from payvand.assistance.models import AssistanceEntry
from payvand.assistance.tests.conftest import forms_of, links_of, overdue_task
from payvand.core import crypto
from payvand.core.audit.models import AuditEvent
from payvand.core.errors import PermissionDenied
from payvand.core.keys import org_keys_destroy, org_keys_rotate
from payvand.core.permissions import Role
from payvand.testing.factories import OrganisationFactory, member

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _add_url(c, kind=""):
    url = reverse("assistance:entry_add", args=[c.public_id])
    return f"{url}?type={kind}" if kind else url


def _record(c, by, **overrides):
    values = {
        "assistance_type": "Legal",
        "delivered_on": timezone.localdate(),
        "outcome": "Lawyer explained the residence permit",
    } | overrides
    return services.entry_record(case=c, by=by, **values)


def _form_data(client, c, kind="Legal"):
    """The quick-add form as the browser got it: pre-filled, with its one-time id."""
    page = client.get(_add_url(c, kind)).content.decode()
    return forms_of(page)[reverse("assistance:entry_add", args=[c.public_id])]


def test_quick_add_records_an_entry_in_two_clicks_without_javascript(client, org, worker, the_case):
    client.force_login(worker, backend=BACKEND)
    case_page = client.get(reverse("cases:detail", args=[the_case.public_id])).content.decode()
    buttons = [a for a in links_of(case_page) if "type=" in a.get("href", "")]
    assert {urlsplit(a["href"]).query for a in buttons} >= {
        "type=Legal", "type=Medical", "type=FamilyTracing", "type=ReturnSupport"
    }  # fmt: skip
    legal = next(a for a in buttons if a["href"].endswith("type=Legal"))

    # Click 1: the button opens the small form, already filled in.
    form_page = client.get(legal["href"])
    assert form_page.status_code == 200
    data = forms_of(form_page.content.decode())[
        reverse("assistance:entry_add", args=[the_case.public_id])
    ]
    assert data["assistance_type"] == "Legal"
    assert data["delivered_on"] == timezone.localdate().isoformat()
    assert data["provider"] == str(org.public_id)
    assert data["staff"] == str(worker.public_id)
    assert data["submission_id"]

    # Click 2: save, exactly as the browser sends it.
    saved = client.post(legal["href"].split("?")[0], data)
    assert saved.status_code == 302
    assert saved["Location"].endswith(
        reverse("cases:detail", args=[the_case.public_id]) + "#assistance"
    )
    entry = AssistanceEntry.objects.get()
    assert (entry.assistance_type, entry.delivered_on) == ("Legal", timezone.localdate())
    assert (entry.provider, entry.staff, entry.recorded_by) == (org, worker, worker)
    assert entry.duration_minutes is None and entry.amount is None and entry.currency == ""
    after = client.get(saved["Location"]).content.decode()
    assert "Legal assistance was recorded." in after


def test_with_htmx_the_button_swaps_in_just_the_form(client, worker, the_case):
    client.force_login(worker, backend=BACKEND)
    case_page = client.get(reverse("cases:detail", args=[the_case.public_id])).content.decode()
    medical = next(a for a in links_of(case_page) if a.get("href", "").endswith("type=Medical"))
    assert medical["hx-get"] == medical["href"]
    assert medical["hx-target"] == "#assistance-quick"
    assert 'id="assistance-quick"' in case_page

    fragment = client.get(medical["hx-get"], headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert fragment.status_code == 200
    assert "<html" not in html and "<form" in html
    assert "Record assistance: Medical" in html
    assert "HX-Request" in fragment["Vary"]
    data = forms_of(html)[reverse("assistance:entry_add", args=[the_case.public_id])]
    assert client.post(_add_url(the_case), data).status_code == 302
    assert AssistanceEntry.objects.get().assistance_type == "Medical"


def test_the_same_form_sent_twice_records_one_entry(client, worker, the_case):
    client.force_login(worker, backend=BACKEND)
    data = _form_data(client, the_case, "Shelter")
    assert client.post(_add_url(the_case), data).status_code == 302
    assert client.post(_add_url(the_case), data).status_code == 302
    assert AssistanceEntry.objects.count() == 1
    assert AuditEvent.objects.filter(action="assistance.record").count() == 1


def test_the_form_works_without_a_type_from_a_button(client, worker, the_case):
    client.force_login(worker, backend=BACKEND)
    data = _form_data(client, the_case, kind="Nonsense")
    assert data["assistance_type"] == "Legal"  # a visible choice, first option
    data |= {"assistance_type": "FamilyTracing", "duration_minutes": "90"}
    assert client.post(_add_url(the_case), data).status_code == 302
    entry = AssistanceEntry.objects.get()
    assert (entry.assistance_type, entry.duration_minutes) == ("FamilyTracing", 90)


def test_an_amount_with_its_currency_is_kept_as_a_decimal(client, worker, the_case):
    client.force_login(worker, backend=BACKEND)
    data = _form_data(client, the_case, "Financial") | {"amount": "1500000.50", "currency": "UZS"}
    assert client.post(_add_url(the_case), data).status_code == 302
    entry = AssistanceEntry.objects.get()
    assert (entry.amount, entry.currency) == (Decimal("1500000.50"), "UZS")
    page = client.get(reverse("assistance:entry_list", args=[the_case.public_id]))
    assert "1,500,000.50 UZS" in page.content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": "250"}, "currency", "Choose the currency of the amount."),
        ({"currency": "TJS"}, "amount", "Enter the amount, or leave the currency empty."),
        ({"delivered_on": "2099-01-01"}, "delivered_on", "The date cannot be in the future."),
        ({"delivered_on": "1405-09-08"}, "delivered_on", "Enter a date after 2000-01-01."),
        ({"delivered_on": "29/11/2026"}, "delivered_on", "Enter the date as year-month-day"),
        ({"amount": "-5", "currency": "USD"}, "amount", "Enter an amount greater than zero."),
        ({"amount": "ten", "currency": "USD"}, "amount", "Enter a number."),
        ({"amount": "1.005", "currency": "USD"}, "amount", "2 decimal places"),
        ({"currency": "EUR", "amount": "5"}, "currency", "Select a valid choice."),
        ({"duration_minutes": "0"}, "duration_minutes", "greater than or equal to 1"),
        ({"assistance_type": "Magic"}, "assistance_type", "Select a valid choice."),
        ({"outcome": "x" * 5001}, "outcome", "at most 5000 characters"),
    ],
)  # fmt: skip
def test_bad_input_gets_a_field_error_and_saves_nothing(
    client, worker, the_case, changes, field, message
):
    client.force_login(worker, backend=BACKEND)
    data = _form_data(client, the_case) | changes
    response = client.post(_add_url(the_case), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {field}, errors
    assert message in " ".join(errors[field])
    assert f'class="field has-error" data-field="{field}"' in response.content.decode()
    assert AssistanceEntry.objects.count() == 0


def test_the_service_refuses_what_a_form_cannot_catch(org, other_org, worker, the_case):
    outsider = member(Role.CASEWORKER, other_org)
    closed = OrganisationFactory(is_active=False)
    with pytest.raises(ValidationError) as error:
        _record(the_case, worker, staff=outsider, provider=closed, amount=Decimal(5))
    assert set(error.value.message_dict) == {"staff", "provider", "currency"}
    with pytest.raises(ValidationError) as error:
        _record(the_case, worker, delivered_on=timezone.localdate() + dt.timedelta(days=1))
    assert "delivered_on" in error.value.message_dict
    assert AssistanceEntry.objects.count() == 0


def test_the_provider_may_be_another_organisation_on_the_platform(
    client, org, other_org, worker, the_case
):
    client.force_login(worker, backend=BACKEND)
    data = _form_data(client, the_case, "Medical") | {"provider": str(other_org.public_id)}
    assert client.post(_add_url(the_case), data).status_code == 302
    assert AssistanceEntry.objects.get().provider == other_org


def test_staff_may_be_a_colleague_but_not_someone_of_another_organisation(
    client, org, other_org, worker, the_case
):
    colleague = member(Role.CASEWORKER, org)
    outsider = member(Role.CASEWORKER, other_org)
    client.force_login(worker, backend=BACKEND)
    refused = client.post(
        _add_url(the_case), _form_data(client, the_case) | {"staff": str(outsider.public_id)}
    )
    assert "staff" in refused.context["form"].errors
    data = _form_data(client, the_case) | {"staff": str(colleague.public_id)}
    assert client.post(_add_url(the_case), data).status_code == 302
    assert AssistanceEntry.objects.get().staff == colleague


def test_outside_the_callers_scope_the_case_does_not_exist(client, org, other_org, the_case):
    colleague = member(Role.CASEWORKER, org)  # not assigned to the case
    stranger = member(Role.SUPERVISOR, other_org)
    admin = member(Role.ORG_ADMIN, org)
    data = {"assistance_type": "Legal", "delivered_on": timezone.localdate().isoformat(),
            "provider": str(org.public_id), "staff": str(colleague.public_id),
            "submission_id": "5b6f1d9e-8a8f-4f0e-9d55-3b8f6f1f0a21"}  # fmt: skip
    for user in (colleague, stranger, admin):
        client.force_login(user, backend=BACKEND)
        assert client.get(_add_url(the_case, "Legal")).status_code == 404
        assert client.post(_add_url(the_case), data).status_code == 404
        url = reverse("assistance:entry_list", args=[the_case.public_id])
        assert client.get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        _record(the_case, colleague)
    assert AssistanceEntry.objects.count() == 0


def test_a_supervisor_records_on_any_case_of_her_organisation(org, supervisor, the_case):
    entry = _record(the_case, supervisor)
    assert entry.staff == supervisor


def test_recording_is_audited_with_codes_only(org, worker, the_case):
    entry = _record(the_case, worker, outcome="Zarina got her passport back")
    event = AuditEvent.objects.get(action="assistance.record")
    assert event.object_id == str(entry.public_id)
    assert event.case_id == the_case.public_id
    assert event.actor_id == worker.public_id and event.organisation_id == org.public_id
    assert event.details == {
        "type": "Legal", "provider": str(org.public_id), "staff": str(worker.public_id)
    }  # fmt: skip


def test_outcomes_are_never_stored_in_clear(org, worker, the_case):
    secret = "Гулнора вернула паспорт у вербовщика"
    _record(the_case, worker, outcome=secret)
    with connection.cursor() as cursor:
        for table in ("assistance_assistanceentry", "audit_auditevent"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608  (fixed table names)
            rows = cursor.fetchall()
            dump = repr(rows) + "".join(
                bytes(v).decode("latin-1")
                for row in rows
                for v in row
                if isinstance(v, bytes | memoryview)
            )
            for text in (secret, "Гулнора", "паспорт", secret.encode().hex()):
                assert text not in dump, (table, text)


def test_case_page_writes_one_audit_row_naming_every_sealed_text_shown(client, worker, the_case):
    entries = [_record(the_case, worker, outcome=f"Outcome {i}") for i in range(12)]
    note = services.note_add(case=the_case, by=worker, text="She wants to go home")
    task = services.task_add(
        case=the_case, by=worker, title="Book the bus", due_on=timezone.localdate()
    )
    client.force_login(worker, backend=BACKEND)
    before = AuditEvent.objects.filter(action="assistance.read").count()
    page = client.get(reverse("cases:detail", args=[the_case.public_id])).content.decode()
    reads = AuditEvent.objects.filter(action="assistance.read")
    assert reads.count() == before + 1
    event = reads.latest("seq")
    latest_ten = [str(e.public_id) for e in reversed(entries)][:10]
    assert event.details == {
        "page": "case",
        "entries": latest_ten,
        "notes": [str(note.public_id)],
        "tasks": [str(task.public_id)],
    }
    assert event.case_id == the_case.public_id and event.actor_id == worker.public_id
    assert "Outcome 11" in page and "Outcome 1<" not in page  # the 11th newest is not shown
    assert "All entries (12)" in page
    assert "She wants to go home" in page and "Book the bus" in page


def test_case_page_sections_make_a_bounded_number_of_queries(
    client, org, worker, the_case, django_assert_max_num_queries
):
    client.force_login(worker, backend=BACKEND)
    url = reverse("cases:detail", args=[the_case.public_id])

    def fill(n):
        for i in range(n):
            _record(the_case, worker, outcome=f"o{i}", staff=member(Role.CASEWORKER, org))
            services.note_add(case=the_case, by=worker, text=f"n{i}")
            overdue_task(the_case, worker, days=i + 1, title=f"t{i}")

    fill(2)
    crypto.cache.forget()  # both measures fetch the key: its cache lasts seconds
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    fill(20)
    crypto.cache.forget()
    with CaptureQueriesContext(connection) as many, django_assert_max_num_queries(30):
        assert client.get(url).status_code == 200
    ours = [q for q in many.captured_queries if "assistance_" in q["sql"]]
    assert len(ours) <= 6, [q["sql"][:120] for q in ours]
    assert len(many) == len(few), "the case page must not grow with the number of entries"


def test_all_entries_page_lists_every_entry_with_one_audit_row(client, worker, the_case):
    entries = [_record(the_case, worker, outcome=f"Outcome {i}") for i in range(12)]
    client.force_login(worker, backend=BACKEND)
    before = AuditEvent.objects.count()
    page = client.get(reverse("assistance:entry_list", args=[the_case.public_id]))
    html = page.content.decode()
    assert all(f"Outcome {i}<" in html for i in range(12))
    new = AuditEvent.objects.filter(seq__gt=before)
    assert [e.action for e in new] == ["assistance.read"]
    assert set(new.get().details["entries"]) == {str(e.public_id) for e in entries}


def test_a_purged_organisation_shows_erased_outcomes_and_nothing_breaks(
    client, org, supervisor, the_case, worker
):
    _record(the_case, worker, outcome="Secret outcome")
    services.note_add(case=the_case, by=worker, text="Secret note")
    overdue_task(the_case, worker, days=2, title="Secret task")
    org_keys_destroy(org=org)
    client.force_login(supervisor, backend=BACKEND)
    for url in (
        reverse("cases:detail", args=[the_case.public_id]),
        reverse("assistance:entry_list", args=[the_case.public_id]),
        reverse("assistance:note_list", args=[the_case.public_id]),
        reverse("assistance:task_list", args=[the_case.public_id]),
        reverse("assistance:tasks_overdue"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "erased" in html and "Secret" not in html, url


def test_key_rotation_keeps_every_outcome_note_and_task_title(org, worker, the_case):
    entry = _record(the_case, worker, outcome="Оказана помощь юриста")
    note = services.note_add(case=the_case, by=worker, text="یادداشت")
    task = services.task_add(
        case=the_case, by=worker, title="Позвонить", due_on=timezone.localdate()
    )
    old = bytes(AssistanceEntry.objects.get().outcome)
    assert org_keys_rotate(org=org) >= 3
    entry.refresh_from_db()
    note.refresh_from_db()
    task.refresh_from_db()
    assert bytes(entry.outcome) != old and crypto.blob_version(entry.outcome) == 2
    from payvand.assistance.selectors import open_sealed

    open_sealed(worker, [entry, note, task], page="test", case=the_case)
    assert (entry.shown_text, note.shown_text, task.shown_text) == (
        "Оказана помощь юриста", "یادداشت", "Позвонить"
    )  # fmt: skip


def test_an_outcome_cannot_be_moved_to_another_entry(org, worker, the_case):
    """The blob is bound to its row: copied elsewhere, it does not open."""
    first = _record(the_case, worker, outcome="First")
    second = _record(the_case, worker, outcome="Second")
    AssistanceEntry.objects.filter(pk=second.pk).update(outcome=first.outcome)
    second.refresh_from_db()
    from cryptography.exceptions import InvalidTag

    from payvand.assistance.selectors import open_sealed

    with pytest.raises(InvalidTag):
        open_sealed(worker, [second], page="test", case=the_case)
