from django.utils import timezone

from payvand.core.permissions import Role
from payvand.testing.factories import case
from payvand.testing.matrix import OK_FOR

NOBODY = {r: 404 for r in Role.values}
# The case belongs to another caseworker: a caseworker who is not assigned gets 404,
# the organisation's supervisor may read and record on it.
SUPERVISOR_ONLY = ("GET", OK_FOR(Role.SUPERVISOR), NOBODY)

ROWS = {
    "assistance:entry_list": SUPERVISOR_ONLY,
    "assistance:entry_add": SUPERVISOR_ONLY,
    "assistance:note_list": SUPERVISOR_ONLY,
    "assistance:note_add": SUPERVISOR_ONLY,
    # The note is the caseworker's: the supervisor is sent back with "only the author…".
    "assistance:note_correct": ("GET", OK_FOR(Role.SUPERVISOR, ok=302), NOBODY),
    "assistance:task_list": SUPERVISOR_ONLY,
    "assistance:task_add": SUPERVISOR_ONLY,
    "assistance:task_done": ("POST", OK_FOR(Role.SUPERVISOR, ok=302), NOBODY),
    "assistance:task_reopen": ("POST", OK_FOR(Role.SUPERVISOR, ok=302), NOBODY),
    # Lists the caller's own visible cases only, so there is no "other organisation".
    "assistance:tasks_overdue": ("GET", OK_FOR(Role.CASEWORKER, Role.SUPERVISOR), None),
}


def url_kwargs(name, converters, org, target):
    if not name.startswith("assistance:") or "case_id" not in converters:
        return None
    from payvand.assistance import services
    from payvand.assistance.models import TaskState

    worker = target.user
    c = case(org, owner=worker)
    kwargs = {"case_id": c.public_id}
    if "note_id" in converters:
        note = services.note_add(case=c, by=worker, text="Matrix note")
        kwargs["note_id"] = note.public_id
    if "task_id" in converters:
        task = services.task_add(
            case=c, by=worker, title="Matrix task", due_on=timezone.localdate()
        )
        if name == "assistance:task_reopen":
            task = services.task_transition(task=task, to=TaskState.DONE, by=worker)
        kwargs["task_id"] = task.public_id
    return kwargs
