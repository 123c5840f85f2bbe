"""Reintegration plan and follow-up visits with IOM's three sustainability dimensions."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from payvand.core.audit.models import AuditEvent
from payvand.core.keys import org_keys_destroy, org_keys_rotate
from payvand.core.permissions import Role
from payvand.plans import selectors, services
from payvand.plans.models import FollowUpVisit, ReintegrationPlan
from payvand.plans.tests.helpers import add_item, days, new_id, page_of, plan_in
from payvand.testing.factories import case, member

pytestmark = pytest.mark.django_db

GOALS = "Sewing workshop in Kulob with her sister; school for both children"
HOSTILE = '<script>alert("x")</script>"><svg onload=alert(1)>'


def _login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")


def _plan(c, by, start=None):
    return services.reintegration_plan_save(case=c, by=by, start_on=start or days(-90), goals=GOALS)


def _visit(plan, by, **overrides):
    values = {
        "visited_on": days(-5), "visited_by": by, "mode": "home_visit",
        "economic": 3, "social": 3, "psychosocial": 3, "notes": "",
    } | overrides  # fmt: skip
    return services.followup_visit_add(plan=plan, by=by, **values)


def _visit_form(user, **overrides):
    return {
        "visited_on": days(-3).isoformat(), "visited_by": str(user.public_id),
        "mode": "home_visit", "economic": "2", "social": "3", "psychosocial": "2",
        "notes": "Works two days a week", "submission_id": new_id(),
    } | overrides  # fmt: skip


def test_plan_and_two_visits_through_the_pages_show_scores_and_trend(client, worker, the_case):
    _login(client, worker)
    edit = reverse("plans:reintegration_edit", args=[the_case.public_id])
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"start_on": days(-60).isoformat(), "goals": GOALS})
    assert response.status_code == 302
    new = reverse("plans:visit_create", args=[the_case.public_id])
    form_page = client.get(new).content.decode()
    assert "No income or means of living" in form_page, "each score shows its anchor text"
    assert (
        client.post(new, _visit_form(worker, visited_on=days(-30).isoformat())).status_code == 302
    )
    second = _visit_form(
        worker, economic="3", social="4", psychosocial="3", notes="Hired at the workshop"
    )
    assert client.post(new, second).status_code == 302
    assert FollowUpVisit.objects.count() == 2
    page = page_of(client, worker, the_case)
    assert GOALS in page
    assert "Sustainability now: 3.3 out of 5" in page
    assert "improving since the visit before" in page
    assert "Hired at the workshop" in page, "the latest visit's notes"
    assert "Works two days a week" not in page, "older notes stay closed on the case page"
    assert re.search(r"<td>2\.3</td>|<strong>2\.3</strong>", page)
    assert 'role="img"' in page and '<title id="reintegration-spark-title">' in page
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"reintegration.plan_create", "reintegration.visit_add"} <= actions


def test_the_sparkline_holds_numbers_only_whatever_was_typed(client, worker, the_case):
    plan = _plan(the_case, worker)
    _visit(plan, worker, visited_on=days(-20), notes=HOSTILE, economic=1)
    _visit(plan, worker, visited_on=days(-10), notes=HOSTILE, economic=5)
    page = page_of(client, worker, the_case)
    svgs = re.findall(r"<svg class=\"sparkline\".*?</svg>", page, flags=re.S)
    assert svgs
    for svg in svgs:
        assert "script" not in svg and "onload" not in svg and "alert" not in svg
        without_title = re.sub(r"<title[^>]*>.*?</title>", "", svg)
        assert not re.search(r">[^<]+<", without_title), "no text nodes besides the title"
    assert "<script>alert" not in page, "the notes themselves are escaped on the page"


def test_a_visit_is_refused_with_a_clear_field_error(org, other_org, worker, the_case):
    plan = _plan(the_case, worker, start=days(-30))
    stranger = member(Role.CASEWORKER, other_org)
    admin = member(Role.ORG_ADMIN, org)
    cases = [
        ({"economic": 0}, "economic"),
        ({"social": 6}, "social"),
        ({"psychosocial": None}, "psychosocial"),
        ({"visited_on": days(1)}, "visited_on"),
        ({"visited_on": days(-31)}, "visited_on"),
        ({"mode": "telepathy"}, "mode"),
        ({"visited_by": stranger}, "visited_by"),
        ({"visited_by": admin}, "visited_by"),
        ({"visited_by": None}, "visited_by"),
        ({"notes": "n" * 5001}, "notes"),
    ]
    for overrides, field in cases:
        with pytest.raises(ValidationError) as error:
            _visit(plan, worker, **overrides)
        assert field in error.value.message_dict, overrides
    assert not FollowUpVisit.objects.exists()


def test_the_visit_form_shows_errors_on_the_fields(client, worker, the_case):
    _plan(the_case, worker)
    _login(client, worker)
    url = reverse("plans:visit_create", args=[the_case.public_id])
    response = client.post(url, _visit_form(worker, economic="9", visited_on="tomorrow"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"economic", "visited_on"}
    assert not FollowUpVisit.objects.exists()


def test_visits_need_a_plan_first(client, worker, the_case):
    _login(client, worker)
    response = client.get(reverse("plans:visit_create", args=[the_case.public_id]))
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:reintegration_edit", args=[the_case.public_id])


def test_the_plan_start_cannot_move_after_a_visit(worker, the_case):
    plan = _plan(the_case, worker, start=days(-60))
    _visit(plan, worker, visited_on=days(-50))
    with pytest.raises(ValidationError) as error:
        services.reintegration_plan_save(
            case=the_case, by=worker, start_on=days(-40), goals="New goals"
        )
    assert "start_on" in error.value.message_dict
    saved = services.reintegration_plan_save(
        case=the_case, by=worker, start_on=days(-55), goals="New goals"
    )
    assert saved.pk == plan.pk and ReintegrationPlan.objects.count() == 1


def test_the_same_visit_form_sent_twice_records_one_visit(client, worker, the_case):
    _plan(the_case, worker)
    _login(client, worker)
    url = reverse("plans:visit_create", args=[the_case.public_id])
    data = _visit_form(worker)
    client.post(url, data)
    client.post(url, data)
    assert FollowUpVisit.objects.count() == 1


def test_visit_page_shows_the_anchor_of_each_score_and_is_audited(client, worker, the_case):
    plan = _plan(the_case, worker)
    visit = _visit(plan, worker, economic=4, notes="Opened a bank account")
    _login(client, worker)
    url = reverse("plans:visit_detail", args=[the_case.public_id, visit.public_id])
    page = client.get(url).content.decode()
    assert "Opened a bank account" in page
    assert "Stable income from work or a business" in page
    read = AuditEvent.objects.filter(action="plans.read").latest("seq")
    assert read.details["shown"] == {"followupvisit": [str(visit.public_id)]}


def test_goals_and_notes_are_sealed(worker, the_case):
    plan = _plan(the_case, worker)
    _visit(plan, worker, notes="Her uncle Rustam came looking for her")
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM plans_reintegrationplan")
        goals = bytes(cursor.fetchone()[0])
        cursor.execute("SELECT economic, social, psychosocial, content FROM plans_followupvisit")
        *scores, notes = cursor.fetchone()
    assert b"Kulob" not in goals and b"Rustam" not in bytes(notes)
    assert scores == [3, 3, 3]


def test_other_organisation_and_unassigned_caseworker_get_404(
    client, org, other_org, worker, the_case
):
    plan = _plan(the_case, worker)
    visit = _visit(plan, worker)
    for user in (member(Role.CASEWORKER, org), member(Role.SUPERVISOR, other_org)):
        _login(client, user)
        for url in (
            reverse("plans:reintegration_edit", args=[the_case.public_id]),
            reverse("plans:visit_create", args=[the_case.public_id]),
            reverse("plans:visit_detail", args=[the_case.public_id, visit.public_id]),
        ):
            assert client.get(url).status_code == 404
    # A visit of one case is not reachable through another case's address.
    other_case = case(org, owner=worker)
    _login(client, worker)
    url = reverse("plans:visit_detail", args=[other_case.public_id, visit.public_id])
    assert client.get(url).status_code == 404


def test_key_rotation_keeps_every_plan_text_readable(org, worker, supervisor, the_case):
    services.risk_assess(
        case=the_case, by=worker, assessed_on=days(-1), individual_level="low",
        household_level="low", community_level="low", safety_plan="Keep the phone charged",
    )  # fmt: skip
    plan_in("returned", the_case, worker, supervisor)
    visit = _visit(_plan(the_case, worker), worker, notes="All well")
    assert org_keys_rotate(org=org) >= 5
    page = selectors.plans_page(worker, the_case)
    assert page.risk.text["safety_plan"] == "Keep the phone charged"
    assert page.support.reason == "Add the medical follow-up"
    assert page.support.items[0].text["objectives"] == "Residence permit renewed"
    assert page.reintegration.goals == GOALS
    visit = selectors.visit_get(the_case, visit.public_id)
    assert selectors.visit_notes(worker, visit) == "All well"


def test_after_crypto_shredding_the_page_says_erased_and_keeps_the_codes(
    client, org, worker, the_case
):
    services.risk_assess(
        case=the_case, by=worker, assessed_on=days(-1), individual_level="high",
        household_level="low", community_level="low", safety_plan="Secret plan",
    )  # fmt: skip
    add_item(the_case, worker)
    _visit(_plan(the_case, worker), worker, economic=2)
    org_keys_destroy(org=org)
    page = page_of(client, worker, the_case)
    assert "Secret plan" not in page and GOALS not in page
    assert "erased" in page and "High" in page


def _page_queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_case_page_makes_a_bounded_number_of_queries(
    client, worker, the_case, django_assert_max_num_queries
):
    def add_rows(n, start):
        for i in range(start, start + n):
            services.risk_assess(
                case=the_case, by=worker, assessed_on=days(-80 + i), individual_level="medium",
                household_level="low", community_level="low", safety_plan=f"Plan {i}",
            )  # fmt: skip
            add_item(the_case, worker, objectives=f"Objective {i}")
            _visit(plan, worker, visited_on=days(-80 + i), economic=1 + i % 5, notes=f"N{i}")

    plan = _plan(the_case, worker)
    add_rows(1, 0)
    _login(client, worker)
    url = reverse("cases:detail", args=[the_case.public_id])
    client.get(url)
    few = _page_queries(client, url)
    add_rows(20, 1)
    many = _page_queries(client, url)
    assert many == few, "no query per assessment, item or visit"
    # This app's own share of the page: its reads and its one audit row.
    with django_assert_max_num_queries(12):
        page = selectors.plans_page(worker, the_case)
    assert len(page.support.items) == 21 and len(page.reintegration.visits) == 21


def test_a_dari_user_types_the_visit_date_in_the_solar_hijri_calendar(client, worker, the_case):
    import datetime as dt

    services.reintegration_plan_save(
        case=the_case, by=worker, start_on=dt.date(2026, 1, 1), goals=GOALS
    )
    worker.preferred_language, worker.calendar = "fa-af", "solar_hijri"
    worker.save()
    _login(client, worker)
    url = reverse("plans:visit_create", args=[the_case.public_id])
    response = client.post(url, _visit_form(worker, visited_on="۱۴۰۵-۰۹-۰۱"))
    assert response.status_code == 302
    assert FollowUpVisit.objects.get().visited_on == dt.date(2026, 11, 22)


def test_the_sections_come_in_the_order_of_the_journey(client, worker, the_case):
    page = page_of(client, worker, the_case)
    body = page[page.index("<main") :]
    positions = [body.index(f'id="plans-{key}-h"') for key in ("risk", "support", "reintegration")]
    assert positions == sorted(positions)
