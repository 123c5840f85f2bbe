from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from payvand.core.errors import DomainError
from payvand.core.forms import call_service
from payvand.protection import panic, selectors
from payvand.protection.forms import PanicRequestForm


def panic_page(request, org_id):
    org = selectors.organisation_for_panic(request.user, org_id)
    form = PanicRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        asked = call_service(
            form,
            panic.panic_request,
            org=org,
            by=request.user,
            drill=form.cleaned_data["drill"],
            confirm=form.cleaned_data["confirm"],
        )
        if asked:
            messages.warning(
                request,
                _("Asked. Another admin of the organisation must now confirm it on this page."),
            )
            return redirect("protection:panic", org_id=org.public_id)
    context = selectors.panic_page(org) | {"org": org, "form": form}
    return render(request, "protection/panic.html", context)


@require_POST
def panic_confirm(request, public_id):
    asked = selectors.panic_request_for(request.user, public_id)
    org = asked.organisation
    try:
        done = panic.panic_confirm(request=asked, by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("protection:panic", org_id=org.public_id)
    if not done.drill:
        # The organisation is locked and this session ended with the others.
        return redirect("accounts:login")
    messages.success(request, _("The drill is done: its report is below. Nothing was changed."))
    return redirect("protection:panic", org_id=org.public_id)


@require_POST
def panic_cancel(request, public_id):
    asked = selectors.panic_request_for(request.user, public_id)
    try:
        panic.panic_cancel(request=asked, by=request.user)
        messages.success(request, _("Cancelled."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("protection:panic", org_id=asked.organisation.public_id)
