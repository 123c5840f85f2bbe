import uuid

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from payvand.cases import selectors, services
from payvand.cases.forms import CaseRegisterForm, CaseSearchForm
from payvand.core import crypto
from payvand.core.calendars import effective_calendar
from payvand.core.forms import call_service
from payvand.core.permissions import Perm, orgs_where
from payvand.orgs.selectors import organisations_visible_to

PAGE_SIZE = 25


def _require(request, perm: Perm) -> list[int]:
    orgs = orgs_where(request.user, perm)
    if not orgs:
        raise Http404
    return orgs


def case_list(request):
    _require(request, Perm.CASE_VIEW_ASSIGNED)
    form = CaseSearchForm(request.GET or None)
    query = selectors.CaseQuery()
    if form.is_bound and form.is_valid():
        query = selectors.CaseQuery(
            **{k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
        )
    results = selectors.case_search(request.user, query)
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    cases = list(page.object_list)
    shown = selectors.identities_shown(request.user, cases, purpose="case list")
    rows = [(case, shown[case.pk]) for case in cases]
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "cases/list.html",
        {"form": form, "page": page, "rows": rows, "params": params.urlencode()},
    )


def case_register(request):
    org_ids = _require(request, Perm.CASE_EDIT)
    orgs = organisations_visible_to(request.user).filter(pk__in=org_ids)
    calendar = effective_calendar(request.user.calendar, translation.get_language())
    form = CaseRegisterForm(
        request.POST or None,
        orgs=orgs,
        calendar=calendar,
        initial={"submission_id": uuid.uuid4()},
    )
    duplicates = []
    if request.method == "POST" and form.is_valid():
        registration = form.registration()
        if not form.cleaned_data["confirm_new"]:
            duplicates = selectors.possible_duplicates(
                form.org, registration.identity.to_json(), registration.birth_year
            )
        if not duplicates:
            case = call_service(
                form,
                services.case_register,
                org=form.org,
                by=request.user,
                registration=registration,
                submission_id=form.cleaned_data["submission_id"],
            )
            if case:
                messages.success(
                    request, _("Case %(number)s was registered.") % {"number": case.number}
                )
                return redirect("cases:detail", public_id=case.public_id)
    if not duplicates:
        # Only asked when there is something to confirm.
        form.fields["confirm_new"].widget = forms.HiddenInput()
    visible = set(
        selectors.cases_visible_to(request.user)
        .filter(pk__in=[c.pk for c in duplicates])
        .values_list("pk", flat=True)
    )
    shown = selectors.identities_shown(
        request.user, [c for c in duplicates if c.pk in visible], purpose="duplicate check"
    )
    return render(
        request,
        "cases/register.html",
        {"form": form, "duplicates": [(c, shown.get(c.pk)) for c in duplicates]},
    )


def case_detail(request, public_id):
    case = selectors.case_get(request.user, public_id)
    try:
        identity = services.person_identity(person=case.person, by=request.user)
    except crypto.KeyDestroyed:
        identity = None
    return render(request, "cases/detail.html", {"case": case, "identity": identity})
