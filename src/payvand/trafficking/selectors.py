"""Reads of the victim context, perpetrators and events of a case the caller can see.

The case comes from `cases.selectors.case_get` (already scoped). Opening sealed text
for a person to read writes ONE audit row naming what was opened.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from payvand.accounts.models import User
from payvand.cases.models import Case
from payvand.core import crypto
from payvand.core.audit.services import audit_record
from payvand.core.sealed import open_from
from payvand.trafficking.models import Perpetrator, TraffickingEvent, VictimContext
from payvand.trafficking.vocab import EventType


def victim_context_of(case: Case) -> VictimContext:
    """The case's victim context; an unsaved empty one when nothing is recorded yet."""
    try:
        return VictimContext.objects.select_related("status_screening").get(case=case)
    except VictimContext.DoesNotExist:
        return VictimContext(case=case)


def victim_account(context: VictimContext) -> str | None:
    """The account in clear, for a service comparing it (no audit: nobody reads it).

    None when the organisation's keys were destroyed.
    """
    try:
        return open_from(context.case.organisation, context, "account", empty="")
    except crypto.KeyDestroyed:
        return None


def perpetrators_of(case: Case) -> QuerySet[Perpetrator]:
    return Perpetrator.objects.filter(case=case)


def events_of(case: Case) -> QuerySet[TraffickingEvent]:
    return TraffickingEvent.objects.filter(case=case)


def perpetrator_get(case: Case, public_id) -> Perpetrator:
    try:
        return Perpetrator.objects.select_related("case__organisation").get(
            case=case, public_id=public_id
        )
    except Perpetrator.DoesNotExist:
        raise Http404 from None


def event_get(case: Case, public_id) -> TraffickingEvent:
    try:
        return TraffickingEvent.objects.select_related("case__organisation").get(
            case=case, public_id=public_id
        )
    except TraffickingEvent.DoesNotExist:
        raise Http404 from None


def open_for_reading(
    user: User,
    case: Case,
    *,
    page: str,
    context: VictimContext | None = None,
    perpetrators: list[Perpetrator] = (),
    events: list[TraffickingEvent] = (),
) -> bool:
    """Unseal what the page shows: ``context.shown_account`` and each item's
    ``shown`` dict (None when the keys were destroyed). One audit row names them all.
    Returns False when anything could not be opened (keys destroyed)."""
    org = case.organisation
    opened: dict[str, list[str]] = {}
    complete = True
    if context is not None and context.pk is not None:
        try:
            context.shown_account = open_from(org, context, "account", empty="")
            if context.shown_account:
                opened["victim_context"] = [str(context.public_id)]
        except crypto.KeyDestroyed:
            context.shown_account = None
            complete = False
    for key, items in (("perpetrators", perpetrators), ("events", events)):
        for item in items:
            item.case = case
            try:
                item.shown = open_from(org, item, "details", empty={})
            except crypto.KeyDestroyed:
                item.shown = None
                complete = False
                continue
            if any(item.shown.values()):
                opened.setdefault(key, []).append(str(item.public_id))
    if opened:
        audit_record(
            action="trafficking.read",
            actor=user,
            organisation=org,
            obj=case,
            details={"page": page, **opened},
        )
    return complete


@dataclass(frozen=True)
class RouteStop:
    country: str
    event_types: tuple[str, ...]


def route_of(events: list[TraffickingEvent]) -> list[RouteStop]:
    """Countries in the order the events happened, neighbours merged:
    AF (recruitment) → IR (transit) → TR (transit, exploitation)."""
    stops: list[list] = []
    for event in events:
        if stops and stops[-1][0] == event.country:
            if event.event_type not in stops[-1][1]:
                stops[-1][1].append(event.event_type)
        else:
            stops.append([event.country, [event.event_type]])
    return [RouteStop(country, tuple(types)) for country, types in stops]


def exploitation_countries(events: list[TraffickingEvent]) -> list[str]:
    return sorted({e.country for e in events if e.event_type == EventType.EXPLOITATION})
