import pytest
from django.urls import reverse

from payvand.cases.workflow import case_transition
from payvand.core.permissions import Role
from payvand.testing.factories import case, member

pytestmark = pytest.mark.django_db


def test_supervisor_sees_what_waits_for_approval_and_follows_the_link(org, client):
    worker, supervisor = member(Role.CASEWORKER, org), member(Role.SUPERVISOR, org)
    waiting = case(org, owner=worker, given_name="Nadia")
    case(org, owner=worker)
    case_transition(case=waiting, by=worker, action="request_closure", reason="LostContact")
    client.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get("/")
    board = page.context["board"]
    assert (board.case_work.open_cases, board.case_work.closures_to_approve) == (2, 1)
    listed = client.get(reverse("cases:list"), {"waiting": "closure"})
    assert [c.number for c, _who in listed.context["rows"]] == [waiting.number]


def test_caseworker_counts_only_her_cases_and_no_approvals(org, client):
    worker = member(Role.CASEWORKER, org)
    case(org, owner=worker)
    case(org)  # a colleague's
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    work = client.get("/").context["board"].case_work
    assert work.open_cases == 1 and not work.can_approve


def test_dashboard_query_count_does_not_grow_with_cases(org, client, django_assert_max_num_queries):
    supervisor = member(Role.SUPERVISOR, org)
    for _ in range(15):
        case(org)
    client.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
    with django_assert_max_num_queries(20):
        assert client.get("/").status_code == 200
