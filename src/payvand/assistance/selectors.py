"""Reading the assistance log, notes and tasks, always through a case the caller may see.

A case reaches these functions only from `cases.selectors.case_get` (or, for the
overdue list, `cases_visible_to`), so everything here stays inside the caller's scope.
Opening sealed text goes through `open_sealed`, which writes one audit row per page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, F, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce
from django.http import Http404

from payvand.accounts.models import Membership, User
from payvand.assistance.models import AssistanceEntry, CaseNote, Task
from payvand.cases.models import Case
from payvand.cases.selectors import cases_visible_to
from payvand.core import crypto
from payvand.core.audit.services import audit_record
from payvand.core.permissions import Perm, roles_with
from payvand.core.sealed import context_for
from payvand.orgs.models import Organisation

# --- choices for forms ------------------------------------------------------------------


def provider_choices() -> QuerySet[Organisation]:
    """Any active organisation on the platform may have delivered a service (names are public)."""
    return Organisation.objects.filter(is_active=True).order_by("country", "name")


def staff_choices(case: Case) -> QuerySet[User]:
    """People working in the case's organisation."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__organisation_id=case.organisation_id,
            memberships__is_active=True,
        )
        .distinct()
        .order_by("full_name", "email")
    )


def is_staff_of(user: User, org: Organisation) -> bool:
    return (
        user.is_active
        and Membership.objects.filter(user=user, organisation=org, is_active=True).exists()
    )


def task_assignees(case: Case) -> QuerySet[User]:
    """Who may be given a task: holds case rights in the organisation and can open the case."""
    org_id = case.organisation_id
    editors = Q(
        memberships__organisation_id=org_id,
        memberships__is_active=True,
        memberships__role__in=roles_with(Perm.CASE_EDIT),
    )
    sees_all = Q(
        memberships__organisation_id=org_id,
        memberships__is_active=True,
        memberships__role__in=roles_with(Perm.CASE_VIEW_ALL),
    )
    # Subqueries, not joins: a join on the assignments table would be de-duplicated
    # (DISTINCT) over every assignment of the organisation, slow at 100,000 cases.
    assigned = Case.assigned.through.objects.filter(case=case).values("user_id")
    on_case = Q(pk=case.owner_id) | Q(pk__in=assigned)
    return (
        User.objects.filter(is_active=True)
        .filter(pk__in=User.objects.filter(editors).values("pk"))
        .filter(Q(pk__in=User.objects.filter(sees_all).values("pk")) | on_case)
        .order_by("full_name", "email")
    )


# --- lists of one case ------------------------------------------------------------------


def entries_of(case: Case) -> QuerySet[AssistanceEntry]:
    """Newest first."""
    return (
        AssistanceEntry.objects.filter(case=case)
        .select_related("provider", "staff")
        .order_by("-delivered_on", "-id")
    )


def notes_of(case: Case) -> QuerySet[CaseNote]:
    """Newest first."""
    return (
        CaseNote.objects.filter(case=case).select_related("author").order_by("-created_at", "-id")
    )


def note_get(case: Case, public_id) -> CaseNote:
    note = notes_of(case).filter(public_id=public_id).first()
    if note is None:
        raise Http404
    note.case = case
    return note


def tasks_of(case: Case) -> QuerySet[Task]:
    """Open tasks by due date first, then done ones, most recently done first."""
    return (
        Task.objects.filter(case=case)
        .select_related("assignee", "done_by")
        .order_by(F("done_at").desc(nulls_first=True), "due_on", "id")
    )


def open_tasks_of(case: Case) -> QuerySet[Task]:
    return tasks_of(case).filter(done_at__isnull=True)


def _count(queryset: QuerySet) -> Coalesce:
    per_case = queryset.order_by().values("case").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(per_case), 0)


def counts_of(case: Case, today: dt.date) -> dict[str, int]:
    """Entries, notes, open and overdue tasks of the case, in one query."""
    open_tasks = Task.objects.filter(case=case, done_at__isnull=True)
    counts = (
        Case.objects.filter(pk=case.pk)
        .annotate(
            n_entries=_count(AssistanceEntry.objects.filter(case=case)),
            n_notes=_count(CaseNote.objects.filter(case=case)),
            n_open=_count(open_tasks),
            n_overdue=_count(open_tasks.filter(due_on__lt=today)),
        )
        .values("n_entries", "n_notes", "n_open", "n_overdue")
        .get()
    )
    return {key.removeprefix("n_"): value for key, value in counts.items()}


def first_with_counts(
    queryset: QuerySet, limit: int, **counts: Q | None
) -> tuple[list, dict[str, int]]:
    """The first ``limit`` rows, and how many rows in all match each of ``counts``
    (None: every row).

    The counts ride along on the same query (a window over every matching row, taken
    before the LIMIT), so a page that shows the latest few and "all (n)" makes one query.
    """
    windows = {f"_n_{name}": Window(Count("pk", filter=where)) for name, where in counts.items()}
    rows = list(queryset.annotate(**windows)[:limit])
    first = rows[0] if rows else None
    return rows, {name: getattr(first, f"_n_{name}", 0) for name in counts}


def mark_overdue(tasks: Iterable[Task], today: dt.date) -> None:
    """Sets ``overdue`` and ``days_overdue`` on each task, for display."""
    for task in tasks:
        task.overdue = task.done_at is None and task.due_on < today
        task.days_overdue = (today - task.due_on).days if task.overdue else 0


def task_get(case: Case, public_id) -> Task:
    task = Task.objects.filter(case=case, public_id=public_id).first()
    if task is None:
        raise Http404
    task.case = case
    return task


def tasks_overdue(user: User, today: dt.date) -> QuerySet[Task]:
    """Open tasks due before ``today`` on every case the caller can see, oldest due first."""
    return (
        Task.objects.filter(case__in=cases_visible_to(user), done_at__isnull=True, due_on__lt=today)
        .select_related("case", "case__organisation", "assignee")
        .order_by("due_on", "case__number", "id")
    )


# --- sealed text ------------------------------------------------------------------------

SEALED_FIELD = {AssistanceEntry: "outcome", CaseNote: "text", Task: "title"}
AUDIT_KEY = {AssistanceEntry: "entries", CaseNote: "notes", Task: "tasks"}


def open_sealed(user: User, items: Iterable, *, page: str, case: Case | None = None) -> None:
    """Unseal the free text of ``items`` for display, with ONE audit row naming them all.

    Each item gets ``shown_text`` (None when the organisation's keys were destroyed).
    The item's case must be loaded with its organisation (or ``case`` given).
    """
    shown: dict[str, list[str]] = {}
    cases: set[str] = set()
    for item in items:
        field = SEALED_FIELD[type(item)]
        if case is not None:
            item.case = case  # already loaded: templates link to it without a query
        item_case = item.case
        blob = getattr(item, field)
        try:
            item.shown_text = (
                crypto.unseal_json(item_case.organisation, blob, context=context_for(item, field))
                if blob
                else ""
            )
        except crypto.KeyDestroyed:
            item.shown_text = None
            continue
        shown.setdefault(AUDIT_KEY[type(item)], []).append(str(item.public_id))
        cases.add(str(item_case.public_id))
    if not shown:
        return
    details: dict = {"page": page, **shown}
    if case is None:
        details["cases"] = sorted(cases)
    audit_record(
        action="assistance.read",
        actor=user,
        organisation=case.organisation if case is not None else None,
        obj=case,
        details=details,
    )
