"""Pages for what happened to the survivor: victim context, perpetrators, route.

Every view first reaches the case through `case_get` (404 outside the caller's scope),
then checks the right to edit in the case's organisation (404 without it).
"""

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from payvand.cases.selectors import case_get
from payvand.core.calendars import effective_calendar
from payvand.core.errors import DomainError
from payvand.core.forms import call_service
from payvand.core.permissions import Perm, has_perm
from payvand.trafficking import selectors, services
from payvand.trafficking.forms import EventForm, PerpetratorForm, VictimContextForm

ANCHOR = "trafficking"


def _case(request, case_id):
    case = case_get(request.user, case_id)
    if not has_perm(request.user, Perm.CASE_EDIT, case.organisation):
        raise Http404
    return case


def _back(case):
    return redirect(reverse("cases:detail", args=[case.public_id]) + f"#{ANCHOR}")


def _page(request, case, form, *, title: str, intro: str = "", **extra):
    return render(
        request,
        "trafficking/form.html",
        {"case": case, "form": form, "title": title, "intro": intro, "anchor": ANCHOR} | extra,
    )


def _erased(request, case):
    messages.error(request, _("This text was erased with the organisation's keys."))
    return _back(case)


def victim_edit(request, case_id):
    case = _case(request, case_id)
    context = selectors.victim_context_of(case)
    if request.method == "POST":
        form = VictimContextForm(request.POST)
    else:
        if not selectors.open_for_reading(request.user, case, page="edit", context=context):
            return _erased(request, case)
        initial = {
            name: getattr(context, name)
            for name in (*services.CODE_FIELDS, *services.CHOICE_FIELDS, "age_when_trafficked")
        }
        form = VictimContextForm(
            initial=initial
            | {"version": context.version, "account": getattr(context, "shown_account", "")}
        )
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            services.victim_context_update,
            case=case,
            by=request.user,
            **form.service_kwargs(),
        )
        if saved:
            messages.success(request, _("What happened was saved."))
            return _back(case)
    return _page(
        request,
        case,
        form,
        title=_("What happened"),
        intro=_(
            "Record what she or he is ready to tell; every field may stay empty. Tick what applies."
        ),
        wide=True,
    )


def _calendar(request) -> str:
    return effective_calendar(request.user.calendar, translation.get_language())


def perpetrator_edit(request, case_id, perpetrator_id=None):
    case = _case(request, case_id)
    perpetrator = (
        selectors.perpetrator_get(case, perpetrator_id) if perpetrator_id is not None else None
    )
    if request.method == "POST":
        form = PerpetratorForm(request.POST)
    elif perpetrator is None:
        form = PerpetratorForm(initial={"submission_id": uuid.uuid4()})
    else:
        if not selectors.open_for_reading(
            request.user, case, page="edit", perpetrators=[perpetrator]
        ):
            return _erased(request, case)
        form = PerpetratorForm(
            initial={
                "roles": perpetrator.roles,
                "relation": perpetrator.relation,
                "gender": perpetrator.gender,
                "citizenship": perpetrator.citizenship,
                **perpetrator.shown,
            }
        )
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            services.perpetrator_save,
            case=case,
            by=request.user,
            perpetrator=perpetrator,
            **form.service_kwargs(),
        )
        if saved:
            messages.success(request, _("The perpetrator was saved."))
            return _back(case)
    title = _("Add a perpetrator") if perpetrator is None else _("Change a perpetrator")
    return _page(
        request,
        case,
        form,
        title=title,
        intro=_("Someone who recruited, moved, sold, held or exploited her or him."),
        remove_url=perpetrator
        and reverse("trafficking:perpetrator_remove", args=[case.public_id, perpetrator.public_id]),
    )


def event_edit(request, case_id, event_id=None):
    case = _case(request, case_id)
    event = selectors.event_get(case, event_id) if event_id is not None else None
    calendar = _calendar(request)
    if request.method == "POST":
        form = EventForm(request.POST, calendar=calendar)
    elif event is None:
        form = EventForm(calendar=calendar, initial={"submission_id": uuid.uuid4()})
    else:
        if not selectors.open_for_reading(request.user, case, page="edit", events=[event]):
            return _erased(request, case)
        form = EventForm(
            calendar=calendar,
            initial={
                "event_type": event.event_type,
                "country": event.country,
                "province": event.province,
                "occurred_on": event.occurred_on,
                "date_precision": event.date_precision,
                "ended_on": event.ended_on,
                **event.shown,
            },
        )
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            services.event_save,
            case=case,
            by=request.user,
            event=event,
            **form.service_kwargs(),
        )
        if saved:
            messages.success(request, _("The step of the route was saved."))
            return _back(case)
    title = _("Add a step of the route") if event is None else _("Change a step of the route")
    return _page(
        request,
        case,
        form,
        title=title,
        intro=_("Where and when she or he was recruited, moved or exploited."),
        remove_url=event
        and reverse("trafficking:event_remove", args=[case.public_id, event.public_id]),
    )


def _remove(request, case, service, **kwargs):
    try:
        service(by=request.user, **kwargs)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Removed."))
    return _back(case)


@require_POST
def perpetrator_remove(request, case_id, perpetrator_id):
    case = _case(request, case_id)
    perpetrator = selectors.perpetrator_get(case, perpetrator_id)
    return _remove(request, case, services.perpetrator_remove, perpetrator=perpetrator)


@require_POST
def event_remove(request, case_id, event_id):
    case = _case(request, case_id)
    event = selectors.event_get(case, event_id)
    return _remove(request, case, services.event_remove, event=event)
