import pytest
from django.urls import reverse

from payvand.cases.models import Case, StatusChange
from payvand.cases.vocab import CaseStatus
from payvand.cases.workflow import allowed_actions, case_transition
from payvand.core.audit.models import AuditEvent
from payvand.core.errors import IllegalTransition, PermissionDenied
from payvand.core.permissions import Role
from payvand.testing.factories import case, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org):
    return member(Role.CASEWORKER, org), member(Role.SUPERVISOR, org)


def test_closure_needs_a_request_and_a_supervisors_approval(org, people):
    worker, supervisor = people
    c = case(org, owner=worker)
    assert "approve_closure" not in allowed_actions(supervisor, c)
    c = case_transition(case=c, by=worker, action="request_closure", reason="ServicesCompleted")
    assert c.closure_pending and c.status == CaseStatus.ACTIVE
    assert "approve_closure" not in allowed_actions(worker, c), "a caseworker cannot approve"
    with pytest.raises(PermissionDenied):
        case_transition(case=c, by=worker, action="approve_closure")
    c = case_transition(case=c, by=supervisor, action="approve_closure")
    assert c.status == CaseStatus.CLOSED and c.closed_at and not c.closure_pending
    actions = list(AuditEvent.objects.filter(case_id=c.public_id).values_list("action", flat=True))
    assert {"case.register", "case.request_closure", "case.approve_closure"} <= set(actions)


def test_referred_on_closes_as_closed_referred(org, people):
    worker, supervisor = people
    c = case(org, owner=worker)
    case_transition(case=c, by=worker, action="request_closure", reason="ReferredOn")
    c = case_transition(case=c, by=supervisor, action="approve_closure")
    assert c.status == CaseStatus.CLOSED_REFERRED


def test_the_requester_cannot_approve_their_own_closure(org, people):
    _worker, supervisor = people
    c = case(org, owner=supervisor)
    case_transition(case=c, by=supervisor, action="request_closure", reason="LostContact")
    with pytest.raises(IllegalTransition, match="Someone other"):
        case_transition(case=c, by=supervisor, action="approve_closure")


def test_illegal_transitions_are_refused_with_a_clear_message(org, people):
    worker, supervisor = people
    c = case(org, owner=worker)
    with pytest.raises(IllegalTransition, match="not possible"):
        case_transition(case=c, by=supervisor, action="approve_closure")
    with pytest.raises(IllegalTransition, match="not possible"):
        case_transition(case=c, by=worker, action="reopen", note="x")
    with pytest.raises(IllegalTransition, match="reason"):
        case_transition(case=c, by=worker, action="request_closure", reason="Bored")
    with pytest.raises(IllegalTransition):
        case_transition(case=c, by=worker, action="explode")
    assert not StatusChange.objects.exists()


def test_return_and_reopen_need_a_written_reason_which_is_sealed(org, people):
    worker, supervisor = people
    c = case(org, owner=worker)
    case_transition(case=c, by=worker, action="request_closure", reason="Other")
    with pytest.raises(IllegalTransition):
        case_transition(case=c, by=supervisor, action="return_closure", note="  ")
    case_transition(case=c, by=supervisor, action="return_closure", note="Shelter plan first")
    change = StatusChange.objects.get(action="return_closure")
    assert b"Shelter" not in bytes(change.note)


def test_double_click_on_approve_approves_once(org, people, client):
    worker, supervisor = people
    c = case(org, owner=worker)
    case_transition(case=c, by=worker, action="request_closure", reason="ServicesCompleted")
    client.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("cases:status", args=[c.public_id])
    client.post(url, {"action": "approve_closure"})
    second = client.post(url, {"action": "approve_closure"}, follow=True)
    assert "not possible" in second.content.decode()
    assert StatusChange.objects.filter(action="approve_closure").count() == 1
    assert Case.objects.get(pk=c.pk).status == CaseStatus.CLOSED


def test_supervisor_reassigns_and_the_new_caseworker_sees_the_case(org, people, client):
    worker, supervisor = people
    other_worker = member(Role.CASEWORKER, org)
    c = case(org, owner=worker)
    client.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        reverse("cases:assign", args=[c.public_id]),
        {"owner": str(other_worker.public_id), "assigned": [str(worker.public_id)]},
    )
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.owner == other_worker
    assert set(c.assigned.all()) == {worker, other_worker}
    assert AuditEvent.objects.filter(action="case.assign", case_id=c.public_id).exists()


def test_assignment_to_someone_outside_the_organisation_is_refused(org, other_org, people, client):
    _worker, supervisor = people
    outsider = member(Role.CASEWORKER, other_org)
    c = case(org)
    client.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        reverse("cases:assign", args=[c.public_id]), {"owner": str(outsider.public_id)}
    )
    assert response.status_code == 200 and "owner" in response.context["form"].errors


def test_timeline_lists_what_happened_without_personal_data(org, people, client):
    worker, supervisor = people
    c = case(org, owner=worker, given_name="Malalai")
    case_transition(case=c, by=worker, action="follow_up")
    client.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
    client.get(reverse("cases:detail", args=[c.public_id]))
    page = client.get(reverse("cases:timeline", args=[c.public_id])).content.decode()
    assert "Case registered" in page and "Moved to follow-up" in page
    assert "Identity viewed" not in page, "changes only, unless asked"
    with_views = client.get(reverse("cases:timeline", args=[c.public_id]), {"views": "1"})
    assert "Identity viewed" in with_views.content.decode()
    assert "Malalai" not in page + with_views.content.decode()


def test_the_caseworker_reads_why_her_closure_was_returned_until_she_asks_again(
    org, people, client
):
    worker, supervisor = people
    c = case(org, owner=worker)
    case_transition(case=c, by=worker, action="request_closure", reason="Other")
    case_transition(case=c, by=supervisor, action="return_closure", note="Shelter plan <first>")
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("cases:detail", args=[c.public_id])
    page = client.get(url).content.decode()
    assert "The closure request was returned" in page
    assert "Shelter plan &lt;first&gt;" in page and supervisor.full_name in page
    read = AuditEvent.objects.filter(action="case.status_note.read", case_id=c.public_id)
    assert read.count() == 1 and read.get().actor_id == worker.public_id
    case_transition(case=c, by=worker, action="request_closure", reason="Other")
    assert "Shelter plan" not in client.get(url).content.decode()


def test_a_case_without_a_returned_or_reopened_step_asks_nothing_about_its_steps(
    org, people, client
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    worker, _supervisor = people
    c = case(org, owner=worker)
    case_transition(case=c, by=worker, action="follow_up")  # a step without a note shown
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("cases:detail", args=[c.public_id])
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    steps = [
        q for q in captured.captured_queries if q["sql"].startswith('SELECT "cases_statuschange')
    ]
    assert steps == [], "the page's probe already said there is no note to show"
