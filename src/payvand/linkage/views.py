"""Contact requests: asked from a case page, answered by the matched organisation."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from payvand.cases.selectors import case_get
from payvand.core.errors import DomainError
from payvand.core.permissions import Perm, orgs_where
from payvand.linkage import selectors, services


@require_POST
def contact_request(request, case_id):
    case = case_get(request.user, case_id)
    try:
        asked = services.contact_request_send(
            case=case,
            by=request.user,
            country=request.POST.get("country", ""),
            strength=request.POST.get("strength", ""),
        )
    except (ValidationError, DomainError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(
            request,
            _("Asked: %(n)s organisation(s). Their supervisor answers; nothing is shared before.")
            % {"n": asked},
        )
    return redirect(reverse("cases:detail", args=[case.public_id]) + "#linkage")


def contact_requests(request):
    if not orgs_where(request.user, Perm.CASE_APPROVE):
        raise Http404
    rows = [
        (r, selectors.case_of_person(request.user, r.to_person_id))
        for r in selectors.contact_requests_to_answer(request.user)[:100]
    ]
    return render(request, "linkage/requests.html", {"rows": rows})


@require_POST
def contact_answer(request, public_id):
    contact = selectors.contact_request_get(request.user, public_id)
    accept = request.POST.get("answer") == "accept"
    try:
        services.contact_request_answer(request=contact, by=request.user, accept=accept)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Answered."))
    return redirect("linkage:requests")
