"""The case page's "Assistance", "Tasks" and "Notes" sections.

The three sections read together, once per request: the first one the case page
asks for opens every outcome, task title and note the page shows and writes ONE
audit row naming them all; the others take their part from the request.
"""

import uuid

from django.db.models import Q
from django.utils import timezone, translation

from payvand.assistance import selectors, services
from payvand.assistance.forms import NoteForm, TaskForm
from payvand.assistance.models import AssistanceType
from payvand.cases.sections import has_rows
from payvand.core.calendars import effective_calendar
from payvand.core.permissions import Perm, has_perm

LATEST_ENTRIES = 10
LATEST_NOTES = 10
OPEN_TASKS_SHOWN = 20
# What the case page asks once for every section (cases/sections.py), by section.
ROWS = {
    "assistance": {"entries": selectors.entries_of},
    "tasks": {"open": selectors.open_tasks_of},
    "notes": {"notes": selectors.notes_of},
}


def _page(request, case) -> dict:
    memo = getattr(request, "_assistance_case_page", None)
    if memo is not None and memo["case_pk"] == case.pk:
        return memo
    user = request.user
    today = timezone.localdate()
    entries, counts = [], {"entries": 0}
    if has_rows(request, case, "assistance", "entries"):
        entries, counts = selectors.first_with_counts(
            selectors.entries_of(case), LATEST_ENTRIES, entries=None
        )
    notes, n_notes = [], {"notes": 0}
    if has_rows(request, case, "notes", "notes"):
        notes, n_notes = selectors.first_with_counts(
            selectors.notes_of(case), LATEST_NOTES, notes=None
        )
    tasks, n_tasks = [], {"open": 0, "overdue": 0}
    if has_rows(request, case, "tasks", "open"):
        tasks, n_tasks = selectors.first_with_counts(
            selectors.open_tasks_of(case), OPEN_TASKS_SHOWN, open=None,
            overdue=Q(due_on__lt=today),
        )  # fmt: skip
    counts |= n_notes | n_tasks
    selectors.open_sealed(user, [*entries, *notes, *tasks], page="case", case=case)
    now = timezone.now()
    for note in notes:
        note.correctable = not services.note_correction_refusal(note, user, now)
    selectors.mark_overdue(tasks, today)
    memo = {
        "case_pk": case.pk,
        "entries": entries,
        "notes": notes,
        "tasks": tasks,
        "counts": counts,
        "can_edit": has_perm(user, Perm.CASE_EDIT, case.organisation),
    }
    request._assistance_case_page = memo
    return memo


def assistance_context(request, case) -> dict:
    page = _page(request, case)
    return {
        "entries": page["entries"],
        "count": page["counts"]["entries"],
        "can_edit": page["can_edit"],
        "types": AssistanceType.choices,
    }


def tasks_context(request, case) -> dict:
    page = _page(request, case)
    form = None
    if page["can_edit"]:
        form = TaskForm(
            case=case,
            user=request.user,
            calendar=effective_calendar(request.user.calendar, translation.get_language()),
            initial={"submission_id": uuid.uuid4()},
            auto_id="task_%s",
        )
    return {
        "tasks": page["tasks"],
        "open": page["counts"]["open"],
        "overdue": page["counts"]["overdue"],
        "can_edit": page["can_edit"],
        "form": form,
    }


def notes_context(request, case) -> dict:
    page = _page(request, case)
    form = None
    if page["can_edit"]:
        form = NoteForm(initial={"submission_id": uuid.uuid4()}, auto_id="note_%s")
    return {
        "notes": page["notes"],
        "count": page["counts"]["notes"],
        "can_edit": page["can_edit"],
        "form": form,
    }
