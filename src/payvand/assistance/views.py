"""Pages of the assistance log, notes and tasks. Every case comes through `case_get` (404)."""

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from payvand.assistance import selectors, services
from payvand.assistance.forms import EntryForm, NoteCorrectForm, NoteForm, TaskForm
from payvand.assistance.models import AssistanceType, TaskState
from payvand.cases.models import Case
from payvand.cases.selectors import case_get
from payvand.core.calendars import effective_calendar
from payvand.core.errors import DomainError
from payvand.core.forms import call_service
from payvand.core.permissions import Perm, has_perm, orgs_where

PAGE_SIZE = 50


def _case_for_edit(request, case_id) -> Case:
    """The case, when the caller may record on it; otherwise it does not exist for her."""
    case = case_get(request.user, case_id)
    if not has_perm(request.user, Perm.CASE_EDIT, case.organisation):
        raise Http404
    return case


def _calendar(request) -> str:
    return effective_calendar(request.user.calendar, translation.get_language())


def _back_to_case(case: Case, anchor: str):
    return redirect(reverse("cases:detail", args=[case.public_id]) + f"#{anchor}")


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- assistance log ---------------------------------------------------------------------


def entry_add(request, case_id):
    """Quick add: the type comes from the button (``?type=Legal``), the rest is pre-filled."""
    case = _case_for_edit(request, case_id)
    initial: dict = {"submission_id": uuid.uuid4()}
    if request.GET.get("type") in AssistanceType.values:
        initial["assistance_type"] = request.GET["type"]
    form = EntryForm(
        request.POST or None,
        case=case,
        user=request.user,
        calendar=_calendar(request),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        entry = call_service(
            form,
            services.entry_record,
            case=case,
            by=request.user,
            assistance_type=d["assistance_type"],
            delivered_on=d["delivered_on"],
            provider=d["provider"],
            staff=d["staff"],
            duration_minutes=d["duration_minutes"],
            amount=d["amount"],
            currency=d["currency"],
            outcome=d["outcome"],
            submission_id=d["submission_id"],
        )
        if entry:
            messages.success(
                request,
                _("%(type)s assistance was recorded.")
                % {"type": entry.get_assistance_type_display()},
            )
            return _back_to_case(case, "assistance")
    # htmx swaps the bare form into the case page; without JavaScript it is a page.
    partial = _is_htmx(request) and request.method == "GET"
    template = "assistance/_entry_form.html" if partial else "assistance/entry_form.html"
    response = render(request, template, {"case": case, "form": form, "partial": partial})
    patch_vary_headers(response, ("HX-Request",))
    return response


def entry_list(request, case_id):
    case = case_get(request.user, case_id)
    page = Paginator(selectors.entries_of(case), PAGE_SIZE).get_page(request.GET.get("page"))
    entries = list(page.object_list)
    selectors.open_sealed(request.user, entries, page="assistance list", case=case)
    return render(
        request, "assistance/entry_list.html", {"case": case, "page": page, "entries": entries}
    )


# --- notes ------------------------------------------------------------------------------


def note_add(request, case_id):
    case = _case_for_edit(request, case_id)
    form = NoteForm(request.POST or None, initial={"submission_id": uuid.uuid4()})
    if request.method == "POST" and form.is_valid():
        note = call_service(
            form,
            services.note_add,
            case=case,
            by=request.user,
            text=form.cleaned_data["text"],
            submission_id=form.cleaned_data["submission_id"],
        )
        if note:
            messages.success(request, _("The note was added."))
            return _back_to_case(case, "notes")
    return render(request, "assistance/note_form.html", {"case": case, "form": form})


def note_correct(request, case_id, note_id):
    """Only the author, only within 24 hours; anyone else is told why and sent back."""
    case = _case_for_edit(request, case_id)
    note = selectors.note_get(case, note_id)
    refusal = services.note_correction_refusal(note, request.user)
    if refusal:
        messages.error(request, refusal)
        return _back_to_case(case, "notes")
    form = NoteCorrectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        corrected = call_service(
            form, services.note_correct, note=note, by=request.user, text=form.cleaned_data["text"]
        )
        if corrected:
            messages.success(request, _("The note was corrected."))
            return _back_to_case(case, "notes")
    if not form.is_bound:
        selectors.open_sealed(request.user, [note], page="note correction", case=case)
        if note.shown_text is None:
            messages.error(
                request, _("This note was erased: the organisation's keys were destroyed.")
            )
            return _back_to_case(case, "notes")
        form.initial["text"] = note.shown_text
    return render(request, "assistance/note_form.html", {"case": case, "form": form, "note": note})


def note_list(request, case_id):
    case = case_get(request.user, case_id)
    page = Paginator(selectors.notes_of(case), PAGE_SIZE).get_page(request.GET.get("page"))
    notes = list(page.object_list)
    selectors.open_sealed(request.user, notes, page="note list", case=case)
    _mark_correctable(notes, request.user)
    return render(
        request, "assistance/note_list.html", {"case": case, "page": page, "notes": notes}
    )


def _mark_correctable(notes, user) -> None:
    now = timezone.now()
    for note in notes:
        note.correctable = not services.note_correction_refusal(note, user, now)


# --- tasks ------------------------------------------------------------------------------


def task_add(request, case_id):
    case = _case_for_edit(request, case_id)
    form = TaskForm(
        request.POST or None,
        case=case,
        user=request.user,
        calendar=_calendar(request),
        initial={"submission_id": uuid.uuid4()},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        task = call_service(
            form,
            services.task_add,
            case=case,
            by=request.user,
            title=d["title"],
            due_on=d["due_on"],
            assignee=d["assignee"],
            submission_id=d["submission_id"],
        )
        if task:
            messages.success(request, _("The task was added."))
            return _back_to_case(case, "tasks")
    return render(request, "assistance/task_form.html", {"case": case, "form": form})


def task_list(request, case_id):
    case = case_get(request.user, case_id)
    page = Paginator(selectors.tasks_of(case), PAGE_SIZE).get_page(request.GET.get("page"))
    tasks = list(page.object_list)
    selectors.open_sealed(request.user, tasks, page="task list", case=case)
    selectors.mark_overdue(tasks, timezone.localdate())
    return render(
        request,
        "assistance/task_list.html",
        {
            "case": case,
            "page": page,
            "tasks": tasks,
            "can_edit": has_perm(request.user, Perm.CASE_EDIT, case.organisation),
        },
    )


def _task_transition(request, case_id, task_id, to: str, done_message: str):
    case = _case_for_edit(request, case_id)
    task = selectors.task_get(case, task_id)
    try:
        services.task_transition(task=task, to=to, by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done_message)
    if request.POST.get("back") == "overdue":
        return redirect("assistance:tasks_overdue")
    return _back_to_case(case, "tasks")


@require_POST
def task_done(request, case_id, task_id):
    return _task_transition(request, case_id, task_id, TaskState.DONE, _("The task is done."))


@require_POST
def task_reopen(request, case_id, task_id):
    return _task_transition(request, case_id, task_id, TaskState.OPEN, _("The task is open again."))


def tasks_overdue(request):
    """The caller's overdue list: open tasks due before today on every case she can see."""
    if not orgs_where(request.user, Perm.CASE_VIEW_ASSIGNED):
        raise Http404
    today = timezone.localdate()
    paginator = Paginator(selectors.tasks_overdue(request.user, today), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    tasks = list(page.object_list)
    selectors.open_sealed(request.user, tasks, page="overdue tasks")
    selectors.mark_overdue(tasks, timezone.localdate())
    editable = set(orgs_where(request.user, Perm.CASE_EDIT))
    for task in tasks:
        task.can_edit = task.case.organisation_id in editable
    return render(request, "assistance/tasks_overdue.html", {"page": page, "tasks": tasks})
