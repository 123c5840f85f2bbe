"""The case page's "What happened" section: status, exploitation, route, perpetrators."""

from payvand.cases.sections import has_rows
from payvand.core.permissions import Perm, has_perm
from payvand.trafficking import selectors
from payvand.trafficking.models import VictimContext

# What the case page asks once for every section (cases/sections.py).
ROWS = {
    "context": lambda case: VictimContext.objects.filter(case=case),
    "perpetrators": selectors.perpetrators_of,
    "events": selectors.events_of,
}


def section_context(request, case) -> dict:
    def recorded(kind: str) -> bool:
        return has_rows(request, case, "trafficking", kind)

    context = selectors.victim_context_of(case) if recorded("context") else VictimContext(case=case)
    perpetrators = list(selectors.perpetrators_of(case)) if recorded("perpetrators") else []
    events = list(selectors.events_of(case)) if recorded("events") else []
    complete = selectors.open_for_reading(
        request.user,
        case,
        page="case",
        context=context,
        perpetrators=perpetrators,
        events=events,
    )
    return {
        "victim": context,
        "recorded": context.pk is not None,
        "perpetrators": perpetrators,
        "events": events,
        "route": selectors.route_of(events),
        "erased": not complete,
        "can_edit": has_perm(request.user, Perm.CASE_EDIT, case.organisation),
    }
