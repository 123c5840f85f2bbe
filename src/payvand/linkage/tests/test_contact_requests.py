"""From "possibly known elsewhere" to a referral: the case page says it without naming
anyone, a contact request reaches the other organisation's supervisor, and only her
acceptance tells each organisation who the other is."""

import pytest
from django.urls import reverse

from payvand.core.audit.models import AuditEvent
from payvand.core.permissions import Role
from payvand.linkage.models import ContactRequest
from payvand.linkage.tests.test_product import AFGHAN, TAJIK, region  # noqa: F401
from payvand.testing.factories import case, member

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"


def test_the_afghan_caseworker_asks_and_the_tajik_supervisor_accepts(client, region):  # noqa: F811
    tj, af, _uz = region
    tajik_case = case(tj, owner=member(Role.CASEWORKER, tj), **TAJIK)
    afghan_worker = member(Role.CASEWORKER, af)
    afghan_case = case(af, owner=afghan_worker, **AFGHAN)
    client.force_login(afghan_worker, backend=BACKEND)
    page = client.get(reverse("cases:detail", args=[afghan_case.public_id])).content.decode()
    assert "Possibly known to 1 organisation in Tajikistan" in page
    assert "strong match" in page
    assert tj.name not in page and "Зарина" not in page and tajik_case.number not in page
    response = client.post(
        reverse("linkage:contact", args=[afghan_case.public_id]),
        {"country": "TJ", "strength": "strong"},
    )
    assert response.status_code == 302
    request = ContactRequest.objects.get()
    assert (request.to_org, request.to_person) == (tj, tajik_case.person)

    supervisor = member(Role.SUPERVISOR, tj)
    client.force_login(supervisor, backend=BACKEND)
    listing = client.get(reverse("linkage:requests")).content.decode()
    assert "An organisation in Afghanistan asks" in listing and af.name not in listing
    assert tajik_case.number in listing, "their own record, which they may see"
    client.post(reverse("linkage:answer", args=[request.public_id]), {"answer": "accept"})
    request.refresh_from_db()
    assert request.state == "accepted"

    client.force_login(afghan_worker, backend=BACKEND)
    page = client.get(reverse("cases:detail", args=[afghan_case.public_id])).content.decode()
    assert tj.name in page and reverse("referrals:new", args=[afghan_case.public_id]) in page
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"linkage.query", "linkage.contact_request", "linkage.contact_accepted"} <= actions


def test_asking_twice_asks_once_and_a_vanished_match_is_refused(client, region):  # noqa: F811
    tj, af, _uz = region
    case(tj, owner=member(Role.CASEWORKER, tj), **TAJIK)
    worker = member(Role.CASEWORKER, af)
    afghan_case = case(af, owner=worker, **AFGHAN)
    client.force_login(worker, backend=BACKEND)
    url = reverse("linkage:contact", args=[afghan_case.public_id])
    for _ in range(2):
        client.post(url, {"country": "TJ", "strength": "strong"})
    assert ContactRequest.objects.count() == 1
    other = case(af, owner=worker, given_name="Nobody", family_name="Elsewhere")
    response = client.post(
        reverse("linkage:contact", args=[other.public_id]),
        {"country": "TJ", "strength": "strong"},
        follow=True,
    )
    assert "no longer there" in response.content.decode()


def test_a_request_lapses_when_her_record_moves_to_another_organisation(client, region):  # noqa: F811
    from django.db import transaction

    from payvand.cases.transfer import case_move
    from payvand.core.errors import IllegalTransition
    from payvand.linkage.services import contact_request_answer

    tj, af, uz = region
    tajik_case = case(tj, owner=member(Role.CASEWORKER, tj), **TAJIK)
    worker = member(Role.CASEWORKER, af)
    afghan_case = case(af, owner=worker, **AFGHAN)
    client.force_login(worker, backend=BACKEND)
    client.post(
        reverse("linkage:contact", args=[afghan_case.public_id]),
        {"country": "TJ", "strength": "strong"},
    )
    request = ContactRequest.objects.get()
    with transaction.atomic():
        case_move(case=tajik_case, to_org=uz, owner=member(Role.CASEWORKER, uz), by=None)
    request.refresh_from_db()
    assert request.state == "lapsed"
    assert AuditEvent.objects.filter(action="linkage.contact_lapsed").count() == 1

    supervisor = member(Role.SUPERVISOR, tj)
    client.force_login(supervisor, backend=BACKEND)
    assert tajik_case.number not in client.get(reverse("linkage:requests")).content.decode()
    answer = client.post(reverse("linkage:answer", args=[request.public_id]), {"answer": "accept"})
    assert answer.status_code == 404
    with pytest.raises(IllegalTransition):
        contact_request_answer(request=request, by=supervisor, accept=True)
    request.refresh_from_db()
    assert request.state == "lapsed" and request.answered_by is None

    client.force_login(worker, backend=BACKEND)
    page = client.get(reverse("cases:detail", args=[afghan_case.public_id])).content.decode()
    assert "No longer applies" in page and tj.name not in page and uz.name not in page
