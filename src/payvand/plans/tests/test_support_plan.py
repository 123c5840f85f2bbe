"""Support plan (HTCDS spl_): items, approval by a supervisor, and the states between."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from payvand.core.audit.models import AuditEvent
from payvand.core.errors import DomainError, IllegalTransition, PermissionDenied
from payvand.core.permissions import Role
from payvand.plans import services, workflow
from payvand.plans.models import SupportPlan, SupportPlanItem
from payvand.plans.tests.helpers import add_item, days, new_id, page_of, plan_in
from payvand.testing.factories import member

pytestmark = pytest.mark.django_db

OBJECTIVE = "Gulnora gets her passport back from the employer in Tula"


def _item_form(**overrides):
    return {
        "support_type": "Legal",
        "objectives": OBJECTIVE,
        "actions": "Lawyer writes to the consulate",
        "start_on": days(-10).isoformat(),
        "planned_end_on": days(20).isoformat(),
        "actual_end_on": "",
        "submission_id": new_id(),
    } | overrides


def _login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_caseworker_plans_supervisor_approves_through_the_pages(
    client, worker, supervisor, the_case
):
    _login(client, worker)
    add = reverse("plans:item_create", args=[the_case.public_id])
    assert client.get(add).status_code == 200
    assert client.post(add, _item_form()).status_code == 302
    assert (
        client.post(add, _item_form(support_type="Health", objectives="Check-up")).status_code
        == 302
    )
    plan = SupportPlan.objects.get(case=the_case)
    assert plan.status == "draft" and plan.items.count() == 2
    page = page_of(client, worker, the_case)
    assert OBJECTIVE in page and "Submit for approval" in page
    assert "Approve the plan" not in page, "a caseworker is not offered the approval"
    submit = reverse("plans:plan_submit", args=[the_case.public_id, plan.public_id])
    assert client.post(submit).status_code == 302
    plan.refresh_from_db()
    assert plan.status == "submitted"

    _login(client, supervisor)
    page = page_of(client, supervisor, the_case)
    assert "Approve the plan" in page and "Return for changes" in page
    approve = reverse("plans:plan_approve", args=[the_case.public_id, plan.public_id])
    response = client.post(approve, follow=True)
    assert "The plan is approved." in response.content.decode()
    plan.refresh_from_db()
    assert (plan.status, plan.decided_by) == ("approved", supervisor)
    actions = list(
        AuditEvent.objects.filter(action__startswith="support_plan.").values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "support_plan.start", "support_plan.item_add", "support_plan.item_add",
        "support_plan.submit", "support_plan.approve",
    ]  # fmt: skip


ALL_MOVES = [
    (state, action)
    for state in ("draft", "submitted", "approved", "returned")
    for action in ("submit", "approve", "return")
]


@pytest.mark.parametrize(("state", "action"), ALL_MOVES)
def test_every_move_follows_the_transition_table(worker, supervisor, the_case, state, action):
    plan = plan_in(state, the_case, worker, supervisor)
    who = worker if action == "submit" else supervisor
    legal = workflow.next_status(state, action)
    if legal:
        moved = services.support_plan_transition(
            plan=plan, action=action, by=who, reason="More detail on housing"
        )
        assert moved.status == legal
    else:
        with pytest.raises(IllegalTransition) as error:
            services.support_plan_transition(plan=plan, action=action, by=who, reason="r")
        assert str(error.value) == workflow.illegal_message(state, action)
        plan.refresh_from_db()
        assert plan.status == state


def test_the_table_allows_exactly_the_documented_moves():
    assert workflow.TRANSITIONS == {
        ("draft", "submit"): "submitted",
        ("returned", "submit"): "submitted",
        ("submitted", "approve"): "approved",
        ("submitted", "return"): "returned",
    }


def test_approving_a_draft_shows_a_clear_message_and_changes_nothing(
    client, worker, supervisor, the_case
):
    plan = plan_in("draft", the_case, worker, supervisor)
    _login(client, supervisor)
    url = reverse("plans:plan_approve", args=[the_case.public_id, plan.public_id])
    page = client.post(url, follow=True).content.decode()
    assert "This plan is still a draft: it must be submitted before it can be approved." in page
    plan.refresh_from_db()
    assert plan.status == "draft"


def test_approving_twice_says_it_is_already_approved(client, worker, supervisor, the_case):
    plan = plan_in("submitted", the_case, worker, supervisor)
    _login(client, supervisor)
    url = reverse("plans:plan_approve", args=[the_case.public_id, plan.public_id])
    client.post(url)
    page = client.post(url, follow=True).content.decode()
    assert "This plan is already approved." in page
    assert AuditEvent.objects.filter(action="support_plan.approve").count() == 1


def test_a_caseworker_cannot_approve_even_on_her_own_case(client, worker, supervisor, the_case):
    plan = plan_in("submitted", the_case, worker, supervisor)
    _login(client, worker)
    for name in ("plans:plan_approve", "plans:plan_return"):
        url = reverse(name, args=[the_case.public_id, plan.public_id])
        assert client.post(url, {"reason": "no"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.support_plan_transition(plan=plan, action="approve", by=worker)
    plan.refresh_from_db()
    assert plan.status == "submitted"


def test_a_supervisor_of_another_organisation_gets_404(
    client, other_org, worker, supervisor, the_case
):
    plan = plan_in("submitted", the_case, worker, supervisor)
    stranger = member(Role.SUPERVISOR, other_org)
    _login(client, stranger)
    approve = reverse("plans:plan_approve", args=[the_case.public_id, plan.public_id])
    assert client.post(approve).status_code == 404
    back = reverse("plans:plan_return", args=[the_case.public_id, plan.public_id])
    assert client.get(back).status_code == 404
    assert client.post(back, {"reason": "x"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.support_plan_transition(plan=plan, action="approve", by=stranger)
    plan.refresh_from_db()
    assert plan.status == "submitted"


def test_returning_needs_a_reason_which_the_caseworker_then_reads(
    client, worker, supervisor, the_case
):
    plan = plan_in("submitted", the_case, worker, supervisor)
    _login(client, supervisor)
    url = reverse("plans:plan_return", args=[the_case.public_id, plan.public_id])
    assert client.get(url).status_code == 200
    empty = client.post(url, {"reason": "  "})
    assert empty.status_code == 200 and "reason" in empty.context["form"].errors
    plan.refresh_from_db()
    assert plan.status == "submitted"
    assert client.post(url, {"reason": "Add the shelter in Khujand"}).status_code == 302
    plan.refresh_from_db()
    assert plan.status == "returned"
    page = page_of(client, worker, the_case)
    assert "Add the shelter in Khujand" in page
    assert b"Khujand" not in bytes(SupportPlan.objects.get(pk=plan.pk).decision)
    # A returned plan is editable again and goes back for approval.
    edit = reverse("plans:item_edit", args=[the_case.public_id, plan.items.get().public_id])
    assert client.get(edit).status_code == 200


def test_only_a_draft_or_returned_plan_can_be_changed(client, worker, supervisor, the_case):
    plan = plan_in("submitted", the_case, worker, supervisor)
    item = plan.items.get()
    item.plan.case = the_case
    with pytest.raises(DomainError):
        services.support_item_update(
            item=item, by=worker, support_type="Health", start_on=item.start_on,
            planned_end_on=item.planned_end_on, objectives="changed",
        )  # fmt: skip
    with pytest.raises(DomainError):
        services.support_item_delete(item=item, by=worker)
    with pytest.raises(DomainError):
        add_item(the_case, worker)
    _login(client, worker)
    edit = reverse("plans:item_edit", args=[the_case.public_id, item.public_id])
    page = client.get(edit, follow=True).content.decode()
    assert "This plan cannot be changed in its present state." in page
    add = client.post(reverse("plans:item_create", args=[the_case.public_id]), _item_form())
    assert add.status_code == 200
    assert "waiting for a supervisor" in add.content.decode()
    assert SupportPlanItem.objects.count() == 1


def test_items_are_changed_and_removed_while_the_plan_is_a_draft(client, worker, the_case):
    item = add_item(the_case, worker)
    _login(client, worker)
    edit = reverse("plans:item_edit", args=[the_case.public_id, item.public_id])
    form = client.get(edit).context["form"]
    assert form.initial["objectives"] == "Residence permit renewed"
    data = _item_form(objectives="Residence permit for two years")
    del data["submission_id"]
    assert client.post(edit, data).status_code == 302
    assert "Residence permit for two years" in page_of(client, worker, the_case)
    delete = reverse("plans:item_delete", args=[the_case.public_id, item.public_id])
    assert client.post(delete).status_code == 302
    assert not SupportPlanItem.objects.exists()
    assert AuditEvent.objects.filter(action="support_plan.item_delete").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"actual_end_on": days(-20)}, "actual_end_on"),  # before the start
        ({"actual_end_on": days(1)}, "actual_end_on"),  # in the future
        ({"planned_end_on": days(-11)}, "planned_end_on"),  # before the start
        ({"support_type": "Tourism"}, "support_type"),
        ({"objectives": "   "}, "objectives"),
        ({"objectives": "x" * 5001}, "objectives"),
        ({"start_on": None}, "start_on"),
    ],
)
def test_bad_item_input_names_the_field_and_saves_nothing(worker, the_case, overrides, field):
    values = {"start_on": days(-10), "planned_end_on": days(20)} | overrides
    with pytest.raises(ValidationError) as error:
        add_item(the_case, worker, **values)
    assert field in error.value.message_dict
    assert not SupportPlanItem.objects.exists()
    assert not SupportPlan.objects.exists(), "not even an empty plan is left behind"


def test_the_form_shows_a_date_error_on_its_field(client, worker, the_case):
    _login(client, worker)
    url = reverse("plans:item_create", args=[the_case.public_id])
    response = client.post(url, _item_form(actual_end_on=days(5).isoformat()))
    assert response.status_code == 200
    assert response.context["form"].errors["actual_end_on"] == [
        "The actual end cannot be in the future."
    ]
    bad = client.post(url, _item_form(start_on="2026-02-30"))
    assert "start_on" in bad.context["form"].errors


def test_the_same_item_form_sent_twice_adds_one_item(client, worker, the_case):
    _login(client, worker)
    url = reverse("plans:item_create", args=[the_case.public_id])
    data = _item_form()
    client.post(url, data)
    client.post(url, data)
    assert SupportPlanItem.objects.count() == 1


def test_an_empty_plan_cannot_be_submitted(worker, supervisor, the_case):
    item = add_item(the_case, worker)
    plan = item.plan
    plan.case = the_case
    services.support_item_delete(item=item, by=worker)
    with pytest.raises(DomainError):
        services.support_plan_transition(plan=plan, action="submit", by=worker)


def test_achievement_is_recorded_on_an_approved_plan(client, worker, supervisor, the_case):
    plan = plan_in("approved", the_case, worker, supervisor)
    item = plan.items.get()
    _login(client, worker)
    assert "Record as achieved" in page_of(client, worker, the_case)
    url = reverse("plans:item_complete", args=[the_case.public_id, item.public_id])
    assert client.post(url, {"actual_end_on": days(1).isoformat()}).status_code == 200
    assert client.post(url, {"actual_end_on": days(-1).isoformat()}).status_code == 302
    item.refresh_from_db()
    assert item.actual_end_on == days(-1) and item.status == "done"


def test_revising_an_approved_plan_starts_a_draft_and_keeps_the_approved_one(
    client, worker, supervisor, the_case
):
    approved = plan_in("approved", the_case, worker, supervisor)
    _login(client, worker)
    url = reverse("plans:plan_revise", args=[the_case.public_id, approved.public_id])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302, "a second click changes nothing"
    revision = SupportPlan.objects.get(case=the_case, version=2)
    assert revision.status == "draft" and revision.items.count() == 1
    approved.refresh_from_db()
    assert approved.status == "approved" and approved.items.count() == 1
    page = page_of(client, worker, the_case)
    assert "Approved version 1 holds until this one is approved." in page
    assert "Residence permit renewed" in page, "the copied item's text opens in its new row"


def test_objectives_actions_and_reasons_are_sealed(worker, supervisor, the_case):
    plan = plan_in("returned", the_case, worker, supervisor)
    add_item(the_case, worker, objectives=OBJECTIVE, actions="Call Rustam at the consulate")
    with connection.cursor() as cursor:
        cursor.execute("SELECT support_type, content FROM plans_supportplanitem")
        rows = cursor.fetchall()
        cursor.execute("SELECT status, decision FROM plans_supportplan")
        status, decision = cursor.fetchone()
    assert {r[0] for r in rows} == {"Legal"}
    dump = b"".join(bytes(r[1]) for r in rows) + bytes(decision)
    for secret in ("Gulnora", "Tula", "Rustam", "medical follow-up", "Residence"):
        assert secret.encode() not in dump
    assert status == plan.status == "returned"
