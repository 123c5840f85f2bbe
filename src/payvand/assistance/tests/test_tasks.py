import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from payvand.assistance import services
from payvand.assistance.models import Task, TaskState
from payvand.assistance.selectors import open_sealed
from payvand.assistance.tests.conftest import forms_of, overdue_task
from payvand.core import crypto
from payvand.core.audit.models import AuditEvent
from payvand.core.errors import IllegalTransition, PermissionDenied
from payvand.core.permissions import Role
from payvand.testing.factories import case, member

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
TODAY = timezone.localdate


def _add_url(c):
    return reverse("assistance:task_add", args=[c.public_id])


def _task_form(client, c):
    page = client.get(reverse("cases:detail", args=[c.public_id])).content.decode()
    return forms_of(page)[_add_url(c)]


def test_a_task_added_on_the_case_page_is_sealed_and_counted(client, org, worker, the_case):
    client.force_login(worker, backend=BACKEND)
    data = _task_form(client, the_case)
    assert data["assignee"] == str(worker.public_id)
    due = (TODAY() + dt.timedelta(days=3)).isoformat()
    response = client.post(
        _add_url(the_case),
        data | {"title": "Ask Dilnoza's school for the certificate", "due_on": due},
    )
    assert response.status_code == 302 and response["Location"].endswith("#tasks")
    task = Task.objects.get()
    assert (task.assignee, task.created_by, task.due_on.isoformat()) == (worker, worker, due)
    assert task.state == TaskState.OPEN
    page = client.get(reverse("cases:detail", args=[the_case.public_id])).content.decode()
    assert "Ask Dilnoza&#x27;s school for the certificate" in page
    assert "1 open task" in page
    with connection.cursor() as cursor:
        for table in ("assistance_task", "audit_auditevent"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608  (fixed table names)
            rows = cursor.fetchall()
            dump = repr(rows) + "".join(
                bytes(v).decode("latin-1")
                for row in rows
                for v in row
                if isinstance(v, bytes | memoryview)
            )
            assert "Dilnoza" not in dump and "certificate" not in dump, table


def test_the_same_task_sent_twice_is_added_once(client, worker, the_case):
    client.force_login(worker, backend=BACKEND)
    data = _task_form(client, the_case) | {"title": "Visit", "due_on": TODAY().isoformat()}
    assert client.post(_add_url(the_case), data).status_code == 302
    assert client.post(_add_url(the_case), data).status_code == 302
    assert Task.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"due_on": "2020-01-01"}, "due_on", "The due date cannot be in the past."),
        ({"due_on": ""}, "due_on", "This field is required."),
        ({"title": ""}, "title", "This field is required."),
        ({"title": "x" * 301}, "title", "at most 300 characters"),
    ],
)
def test_bad_task_input_is_a_field_error(client, worker, the_case, changes, field, message):
    client.force_login(worker, backend=BACKEND)
    data = _task_form(client, the_case) | {"title": "Visit", "due_on": TODAY().isoformat()}
    response = client.post(_add_url(the_case), data | changes)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert Task.objects.count() == 0


def test_the_assignee_must_be_able_to_open_the_case(
    client, org, other_org, worker, supervisor, the_case
):
    unassigned = member(Role.CASEWORKER, org)
    admin = member(Role.ORG_ADMIN, org)
    stranger = member(Role.SUPERVISOR, other_org)
    client.force_login(worker, backend=BACKEND)
    options = _task_form(client, the_case)
    assert options["assignee"] == str(worker.public_id)
    for user in (unassigned, admin, stranger):
        with pytest.raises(ValidationError) as error:
            services.task_add(case=the_case, by=worker, title="T", due_on=TODAY(), assignee=user)
        assert "assignee" in error.value.message_dict
        data = _task_form(client, the_case) | {"title": "T", "due_on": TODAY().isoformat()}
        response = client.post(_add_url(the_case), data | {"assignee": str(user.public_id)})
        assert "assignee" in response.context["form"].errors
    task = services.task_add(
        case=the_case, by=worker, title="T", due_on=TODAY(), assignee=supervisor
    )
    assert task.assignee == supervisor
    the_case.assigned.add(unassigned)
    assert services.task_add(
        case=the_case, by=worker, title="T2", due_on=TODAY(), assignee=unassigned
    )


def test_marking_done_and_open_again_is_audited(client, worker, supervisor, the_case):
    task = services.task_add(case=the_case, by=worker, title="Call", due_on=TODAY())
    client.force_login(supervisor, backend=BACKEND)
    done = client.post(reverse("assistance:task_done", args=[the_case.public_id, task.public_id]))
    assert done.status_code == 302 and done["Location"].endswith("#tasks")
    task.refresh_from_db()
    assert task.state == TaskState.DONE and task.done_by == supervisor and task.done_at
    reopen = reverse("assistance:task_reopen", args=[the_case.public_id, task.public_id])
    assert client.post(reopen).status_code == 302
    task.refresh_from_db()
    assert task.state == TaskState.OPEN and task.done_by is None and task.done_at is None
    events = AuditEvent.objects.filter(object_id=str(task.public_id)).order_by("seq")
    assert [e.action for e in events] == ["task.add", "task.done", "task.reopen"]
    assert all(e.case_id == the_case.public_id for e in events)
    assert events[1].actor_id == supervisor.public_id


def test_marking_a_done_task_done_again_is_refused_with_a_message(client, worker, the_case):
    task = services.task_add(case=the_case, by=worker, title="Call", due_on=TODAY())
    services.task_transition(task=task, to=TaskState.DONE, by=worker)
    with pytest.raises(IllegalTransition):
        services.task_transition(task=task, to=TaskState.DONE, by=worker)
    client.force_login(worker, backend=BACKEND)
    url = reverse("assistance:task_done", args=[the_case.public_id, task.public_id])
    response = client.post(url, follow=True)
    assert "This task is already done." in response.content.decode()
    assert AuditEvent.objects.filter(action="task.done").count() == 1
    reopen = reverse("assistance:task_reopen", args=[the_case.public_id, task.public_id])
    client.post(reopen)
    assert "This task is already open." in client.post(reopen, follow=True).content.decode()


def test_marking_done_is_a_post_and_needs_the_case_in_reach(
    client, org, other_org, worker, the_case
):
    task = services.task_add(case=the_case, by=worker, title="Call", due_on=TODAY())
    url = reverse("assistance:task_done", args=[the_case.public_id, task.public_id])
    client.force_login(worker, backend=BACKEND)
    assert client.get(url).status_code == 405
    for user in (member(Role.CASEWORKER, org), member(Role.SUPERVISOR, other_org)):
        client.force_login(user, backend=BACKEND)
        assert client.post(url).status_code == 404
        with pytest.raises(PermissionDenied):
            services.task_transition(task=task, to=TaskState.DONE, by=user)
    task.refresh_from_db()
    assert task.state == TaskState.OPEN


def test_the_case_page_counts_open_and_overdue_tasks(client, worker, the_case):
    overdue_task(the_case, worker, days=3)
    overdue_task(the_case, worker, days=1)
    services.task_add(
        case=the_case, by=worker, title="Later", due_on=TODAY() + dt.timedelta(days=5)
    )
    done = overdue_task(the_case, worker, days=9)
    services.task_transition(task=done, to=TaskState.DONE, by=worker)
    client.force_login(worker, backend=BACKEND)
    page = client.get(reverse("cases:detail", args=[the_case.public_id])).content.decode()
    assert "3 open tasks" in page and "2 overdue" in page


def test_the_overdue_list_shows_open_overdue_tasks_of_visible_cases_only_by_due_date(
    client, org, other_org, worker, supervisor, the_case
):
    colleague = member(Role.CASEWORKER, org)
    colleagues_case = case(org, owner=colleague)
    foreign_worker = member(Role.CASEWORKER, other_org)
    foreign_case = case(other_org, owner=foreign_worker)

    overdue_task(the_case, worker, days=2, title="Mine, two days late")
    overdue_task(the_case, worker, days=10, title="Mine, ten days late")
    overdue_task(colleagues_case, colleague, days=5, title="Colleague's, five days late")
    overdue_task(foreign_case, foreign_worker, days=7, title="Foreign, seven days late")
    services.task_add(case=the_case, by=worker, title="Mine, due today", due_on=TODAY())
    done = overdue_task(the_case, worker, days=4, title="Mine, done")
    services.task_transition(task=done, to=TaskState.DONE, by=worker)

    client.force_login(worker, backend=BACKEND)
    html = client.get(reverse("assistance:tasks_overdue")).content.decode()
    assert "Mine, ten days late" in html and "Mine, two days late" in html
    assert html.index("Mine, ten days late") < html.index("Mine, two days late")
    for absent in ("Colleague", "Foreign", "due today", "Mine, done"):
        assert absent not in html, absent
    assert "2 overdue tasks" in html

    client.force_login(supervisor, backend=BACKEND)
    html = client.get(reverse("assistance:tasks_overdue")).content.decode()
    order = ["Mine, ten days late", "Colleague&#x27;s, five days late", "Mine, two days late"]
    assert [html.index(t) for t in order] == sorted(html.index(t) for t in order)
    assert "Foreign" not in html

    for nobody in (member(Role.ORG_ADMIN, org), member(Role.ANALYST, org)):
        client.force_login(nobody, backend=BACKEND)
        assert client.get(reverse("assistance:tasks_overdue")).status_code == 404


def test_the_overdue_list_writes_one_audit_row_and_marks_done_from_there(client, worker, the_case):
    tasks = [overdue_task(the_case, worker, days=d, title=f"Late {d}") for d in (1, 2, 3)]
    client.force_login(worker, backend=BACKEND)
    before = AuditEvent.objects.count()
    html = client.get(reverse("assistance:tasks_overdue")).content.decode()
    new = AuditEvent.objects.filter(seq__gt=before)
    assert [e.action for e in new] == ["assistance.read"]
    assert new.get().details == {
        "page": "overdue tasks",
        "tasks": [str(t.public_id) for t in reversed(tasks)],
        "cases": [str(the_case.public_id)],
    }
    done_url = reverse("assistance:task_done", args=[the_case.public_id, tasks[0].public_id])
    form = forms_of(html)[done_url]
    assert form["back"] == "overdue"
    response = client.post(done_url, form)
    assert response["Location"] == reverse("assistance:tasks_overdue")
    assert "Late 1" not in client.get(response["Location"]).content.decode()


def test_the_overdue_list_makes_a_bounded_number_of_queries(
    client, org, supervisor, django_assert_max_num_queries
):
    def fill(n):
        for i in range(n):
            owner = member(Role.CASEWORKER, org)
            c = case(org, owner=owner)
            overdue_task(c, owner, days=i + 1, title=f"Task {i}")

    fill(3)
    client.force_login(supervisor, backend=BACKEND)
    url = reverse("assistance:tasks_overdue")
    crypto.cache.forget()  # both measures fetch the key: its cache lasts seconds
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    fill(30)
    crypto.cache.forget()
    with CaptureQueriesContext(connection) as many, django_assert_max_num_queries(15):
        html = client.get(url).content.decode()
    assert "33 overdue tasks" in html
    assert len(many) == len(few), "the overdue list must not grow with the number of tasks"


def test_the_task_list_shows_done_tasks_too(client, worker, the_case):
    open_one = services.task_add(case=the_case, by=worker, title="Still to do", due_on=TODAY())
    done = services.task_add(case=the_case, by=worker, title="Already done", due_on=TODAY())
    services.task_transition(task=done, to=TaskState.DONE, by=worker)
    client.force_login(worker, backend=BACKEND)
    case_page = client.get(reverse("cases:detail", args=[the_case.public_id])).content.decode()
    assert "Still to do" in case_page and "Already done" not in case_page
    html = client.get(reverse("assistance:task_list", args=[the_case.public_id])).content.decode()
    assert html.index("Still to do") < html.index("Already done")
    open_sealed(worker, [open_one], page="test", case=the_case)
    assert open_one.shown_text == "Still to do"
