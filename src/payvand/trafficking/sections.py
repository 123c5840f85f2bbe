"""The case page's "What happened" section: status, exploitation, route, perpetrators."""

from payvand.core.permissions import Perm, has_perm
from payvand.trafficking import selectors


def section_context(request, case) -> dict:
    context = selectors.victim_context_of(case)
    perpetrators = list(selectors.perpetrators_of(case))
    events = list(selectors.events_of(case))
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
