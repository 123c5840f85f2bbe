"""Helpers shared by the plans tests."""

import datetime as dt
import uuid

from django.urls import reverse
from django.utils import timezone

from payvand.plans import services


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def page_of(client, user, c) -> str:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("cases:detail", args=[c.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def add_item(c, by, **overrides):
    values = {
        "support_type": "Legal",
        "start_on": days(-30),
        "planned_end_on": days(30),
        "objectives": "Residence permit renewed",
        "actions": "Lawyer files the application",
    } | overrides
    return services.support_item_add(case=c, by=by, **values)


def plan_in(state: str, c, worker, supervisor):
    """A support plan of ``c`` with one item, moved to ``state``."""
    plan = add_item(c, worker).plan
    plan.case = c
    steps = {
        "draft": [],
        "submitted": [("submit", worker)],
        "approved": [("submit", worker), ("approve", supervisor)],
        "returned": [("submit", worker), ("return", supervisor)],
    }[state]
    for action, who in steps:
        plan = services.support_plan_transition(
            plan=plan, action=action, by=who, reason="Add the medical follow-up"
        )
    plan.case = c
    return plan


def new_id() -> str:
    return str(uuid.uuid4())
