"""Pages for what happened to the survivor: victim context, perpetrators, route.

Every view first reaches the case through `case_get` (404 outside the caller's scope),
then checks the right to edit in the case's organisation (404 without it).
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from payvand.cases.selectors import case_get
from payvand.core.calendars import effective_calendar
from payvand.core.errors import DomainError
from payvand.core.forms import CalendarForm, call_service
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
        "case_form.html",
        {
            "case": case,
            "form": form,
            "title": title,
            "intro": intro,
            "anchor": ANCHOR,
            "form_class": "trafficking-form",
        }
        | extra,
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


@dataclass(frozen=True)
class _ItemPage:
    """What differs between the perpetrator and the route-step pages."""

    form: type
    service: Callable
    item_arg: str  # the service's keyword for the item being changed
    fields: tuple[str, ...]  # the clear fields the form starts with
    remove_route: str
    saved: str
    add_title: str
    change_title: str
    intro: str


PERPETRATOR_PAGE = _ItemPage(
    form=PerpetratorForm,
    service=services.perpetrator_save,
    item_arg="perpetrator",
    fields=("roles", "relation", "gender", "citizenship"),
    remove_route="trafficking:perpetrator_remove",
    saved=gettext_lazy("The perpetrator was saved."),
    add_title=gettext_lazy("Add a perpetrator"),
    change_title=gettext_lazy("Change a perpetrator"),
    intro=gettext_lazy("Someone who recruited, moved, sold, held or exploited her or him."),
)
EVENT_PAGE = _ItemPage(
    form=EventForm,
    service=services.event_save,
    item_arg="event",
    fields=("event_type", "country", "province", "occurred_on", "date_precision", "ended_on"),
    remove_route="trafficking:event_remove",
    saved=gettext_lazy("The step of the route was saved."),
    add_title=gettext_lazy("Add a step of the route"),
    change_title=gettext_lazy("Change a step of the route"),
    intro=gettext_lazy("Where and when she or he was recruited, moved or exploited."),
)


def _item_edit(request, case, spec: _ItemPage, item):
    """Add (``item`` None) or change a perpetrator or a step of the route."""
    options = {"calendar": _calendar(request)} if issubclass(spec.form, CalendarForm) else {}
    if request.method == "POST":
        form = spec.form(request.POST, **options)
    elif item is None:
        form = spec.form(initial={"submission_id": uuid.uuid4()}, **options)
    else:
        if not selectors.open_for_reading(
            request.user, case, page="edit", **{f"{spec.item_arg}s": [item]}
        ):
            return _erased(request, case)
        initial = {name: getattr(item, name) for name in spec.fields} | item.shown
        form = spec.form(initial=initial, **options)
    if request.method == "POST" and form.is_valid():
        kwargs = {spec.item_arg: item, **form.cleaned_data}
        if call_service(form, spec.service, case=case, by=request.user, **kwargs):
            messages.success(request, spec.saved)
            return _back(case)
    return _page(
        request,
        case,
        form,
        title=spec.add_title if item is None else spec.change_title,
        intro=spec.intro,
        remove_url=item and reverse(spec.remove_route, args=[case.public_id, item.public_id]),
    )


def perpetrator_edit(request, case_id, perpetrator_id=None):
    case = _case(request, case_id)
    item = selectors.perpetrator_get(case, perpetrator_id) if perpetrator_id else None
    return _item_edit(request, case, PERPETRATOR_PAGE, item)


def event_edit(request, case_id, event_id=None):
    case = _case(request, case_id)
    item = selectors.event_get(case, event_id) if event_id else None
    return _item_edit(request, case, EVENT_PAGE, item)


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
