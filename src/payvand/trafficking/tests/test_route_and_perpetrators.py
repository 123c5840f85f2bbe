"""Trafficking events (the route) and perpetrators: validated, sealed, audited, removable."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from payvand.core.audit.models import AuditEvent
from payvand.trafficking import selectors, services
from payvand.trafficking.models import Perpetrator, TraffickingEvent

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _event(c, by, **overrides):
    values = {"event_type": "Exploitation", "country": "RU"} | overrides
    return services.event_save(case=c, by=by, **values)


def test_caseworker_adds_the_route_and_the_page_shows_it_in_order(client, worker, the_case):
    client.force_login(worker, backend=BACKEND)
    url = reverse("trafficking:event_add", args=[the_case.public_id])
    page = client.get(url).content.decode()
    assert "<optgroup" in page and 'value="AF-HER"' in page
    for data in (
        {"event_type": "Exploitation", "country": "RU", "occurred_on": "2025-03-10",
         "date_precision": "month", "place": "Подмосковье, стройка"},
        {"event_type": "Recruitment", "country": "TJ", "province": "TJ-SU",
         "occurred_on": "2025-01-15", "date_precision": "day", "place": "Кишлак Ворух"},
        {"event_type": "Transit", "country": "KZ", "occurred_on": "2025-02-01",
         "date_precision": "year"},
    ):  # fmt: skip
        response = client.post(url, data | {"submission_id": ""})
        assert response.status_code == 302, response.content.decode()[:3000]
    events = list(selectors.events_of(the_case))
    assert [e.event_type for e in events] == ["Recruitment", "Transit", "Exploitation"]
    route = selectors.route_of(events)
    assert [stop.country for stop in route] == ["TJ", "KZ", "RU"]
    body = client.get(reverse("cases:detail", args=[the_case.public_id])).content.decode()
    assert "Кишлак Ворух" in body and "Sughd" in body
    assert "March 2025" in body, "a month shows as a month"
    with connection.cursor() as cursor:
        cursor.execute("SELECT details FROM trafficking_traffickingevent")
        blobs = [bytes(row[0]) for row in cursor.fetchall() if row[0] is not None]
        assert len(blobs) == 2 and all("Ворух".encode() not in blob for blob in blobs)


def test_an_approximate_date_shows_in_the_solar_hijri_calendar(client, worker, the_case):
    worker.calendar = "solar_hijri"
    worker.save()
    _event(the_case, worker, occurred_on=dt.date(2025, 3, 25), date_precision="month")
    client.force_login(worker, backend=BACKEND)
    body = client.get(reverse("cases:detail", args=[the_case.public_id])).content.decode()
    assert "Hamal 1404" in body and "25 Hamal" not in body


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"country": "TJ", "province": "AF-HER"}, "province"),
        ({"country": "XX"}, "country"),
        ({"country": ""}, "country"),
        ({"event_type": "Holiday"}, "event_type"),
        ({"occurred_on": timezone.localdate() + dt.timedelta(days=1), "date_precision": "day"},
         "occurred_on"),
        ({"occurred_on": dt.date(2025, 1, 1)}, "date_precision"),
        ({"date_precision": "year"}, "occurred_on"),
        ({"occurred_on": dt.date(2025, 5, 1), "date_precision": "day",
          "ended_on": dt.date(2025, 4, 1)}, "ended_on"),
        ({"place": "x" * 201}, "place"),
    ],
)  # fmt: skip
def test_a_wrong_event_gets_a_field_error_and_nothing_is_saved(worker, the_case, fields, field):
    with pytest.raises(ValidationError) as error:
        _event(the_case, worker, **fields)
    assert field in error.value.message_dict
    assert not TraffickingEvent.objects.exists()
    assert not AuditEvent.objects.filter(action="event.add").exists()


def test_the_same_event_form_submitted_twice_records_one_event(worker, the_case):
    import uuid

    once = uuid.uuid4()
    first = _event(the_case, worker, submission_id=once)
    second = _event(the_case, worker, submission_id=once)
    assert first.pk == second.pk
    assert TraffickingEvent.objects.count() == 1


def test_events_are_changed_and_removed_with_audit_rows(client, worker, the_case):
    event = _event(the_case, worker, place="Склад")
    client.force_login(worker, backend=BACKEND)
    edit = reverse("trafficking:event_edit", args=[the_case.public_id, event.public_id])
    assert "Склад" in client.get(edit).content.decode()
    response = client.post(edit, {"event_type": "Exploitation", "country": "TR", "place": "Склад"})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.country == "TR"
    remove = reverse("trafficking:event_remove", args=[the_case.public_id, event.public_id])
    assert client.post(remove).status_code == 302
    assert not TraffickingEvent.objects.exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"event.add", "event.change", "event.remove", "trafficking.read"} <= actions


def test_a_perpetrator_is_recorded_sealed_and_shown(client, worker, the_case):
    client.force_login(worker, backend=BACKEND)
    url = reverse("trafficking:perpetrator_add", args=[the_case.public_id])
    response = client.post(
        url,
        {
            "roles": ["RecruiterOrIntermediary", "Exploiter"],
            "relation": "Friend",
            "gender": "Masculine",
            "citizenship": "TJ",
            "name": "Бахтиёр «Бахо»",
            "details": "Brother of a neighbour",
            "submission_id": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    perpetrator = Perpetrator.objects.get()
    assert perpetrator.roles == ["Exploiter", "RecruiterOrIntermediary"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT details FROM trafficking_perpetrator")
        assert "Бахтиёр".encode() not in bytes(cursor.fetchone()[0])
    body = client.get(reverse("cases:detail", args=[the_case.public_id])).content.decode()
    assert "Бахтиёр «Бахо»" in body and "Recruiter or intermediary" in body
    add = AuditEvent.objects.get(action="perpetrator.add")
    assert "Бахтиёр" not in str(add.details)


def test_a_perpetrator_needs_a_role(worker, the_case):
    with pytest.raises(ValidationError) as error:
        services.perpetrator_save(
            case=the_case, by=worker, roles=[], relation="Other", gender="Masculine"
        )
    assert "roles" in error.value.message_dict
    assert not Perpetrator.objects.exists()


def test_script_in_free_text_renders_inert(client, worker, the_case):
    services.perpetrator_save(
        case=the_case,
        by=worker,
        roles=["Exploiter"],
        relation="Other",
        gender="Masculine",
        name="<script>alert(1)</script>",
    )
    _event(the_case, worker, place="<img src=x onerror=alert(1)>")
    client.force_login(worker, backend=BACKEND)
    body = client.get(reverse("cases:detail", args=[the_case.public_id])).content.decode()
    assert "<script>alert(1)" not in body and "<img src=x" not in body
    assert "&lt;script&gt;" in body
