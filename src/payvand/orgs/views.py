from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from payvand.core import countries
from payvand.core.forms import call_service
from payvand.core.permissions import Perm, has_perm
from payvand.orgs import selectors, services
from payvand.orgs.forms import OrganisationCreateForm, OrganisationForm


def _require_platform_admin(request) -> None:
    if not has_perm(request.user, Perm.PLATFORM_ORGS_MANAGE):
        raise Http404


def organisation_list(request):
    _require_platform_admin(request)
    orgs = selectors.organisation_list_with_staff_counts(request.user)
    return render(request, "orgs/list.html", {"orgs": orgs})


def organisation_create(request):
    _require_platform_admin(request)
    form = OrganisationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in services.PROFILE_FIELDS}
        org = call_service(
            form,
            services.organisation_create_with_admin,
            by=request.user,
            code=form.cleaned_data["code"],
            admin_email=form.cleaned_data["admin_email"],
            admin_full_name=form.cleaned_data["admin_full_name"],
            admin_language=form.cleaned_data["admin_language"],
            base_url=request.build_absolute_uri("/"),
            **data,
        )
        if org:
            messages.success(
                request,
                _("%(org)s was created and an invitation was sent to %(email)s.")
                % {"org": org.name, "email": form.cleaned_data["admin_email"]},
            )
            return redirect("orgs:detail", public_id=org.public_id)
    return render(request, "orgs/form.html", {"form": form, "creating": True})


def organisation_detail(request, public_id):
    org = selectors.organisation_get(request.user, public_id)
    can_edit = has_perm(request.user, Perm.ORG_EDIT_PROFILE, org) or has_perm(
        request.user, Perm.PLATFORM_ORGS_MANAGE
    )
    can_see_staff = has_perm(request.user, Perm.STAFF_VIEW, org) or has_perm(
        request.user, Perm.PLATFORM_ORGS_MANAGE
    )
    return render(
        request,
        "orgs/detail.html",
        {
            "org": org,
            "can_edit": can_edit,
            "can_see_staff": can_see_staff,
            "can_activate": has_perm(request.user, Perm.PLATFORM_ORGS_MANAGE),
            "can_panic": has_perm(request.user, Perm.STAFF_MANAGE, org),
            "language_names": [countries.language_name(code) for code in org.languages],
        },
    )


def organisation_edit(request, public_id):
    org = selectors.organisation_get(request.user, public_id, Perm.ORG_EDIT_PROFILE)
    form = OrganisationForm(request.POST or None, instance=org)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in services.PROFILE_FIELDS}
        org.refresh_from_db()  # the form wrote its values onto the instance
        if call_service(form, services.organisation_update, org=org, by=request.user, **data):
            messages.success(request, _("The organisation's profile was saved."))
            return redirect("orgs:detail", public_id=org.public_id)
    return render(request, "orgs/form.html", {"form": form, "org": org, "creating": False})


@require_POST
def organisation_set_active(request, public_id):
    _require_platform_admin(request)
    org = selectors.organisation_get(request.user, public_id)
    active = request.POST.get("active") == "1"
    services.organisation_set_active(org=org, by=request.user, active=active)
    if active:
        messages.success(request, _("%(org)s is active again.") % {"org": org.name})
    else:
        messages.success(
            request,
            _("%(org)s was deactivated: its staff can no longer use Payvand.") % {"org": org.name},
        )
    return redirect("orgs:detail", public_id=org.public_id)


@require_GET
def subdivision_options(request):
    """The <option>s of a country's provinces, for the organisation form (htmx)."""
    country = request.GET.get("country", "")
    choices = countries.subdivision_choices(country) if countries.is_country(country) else []
    options = format_html_join("", '<option value="{}">{}</option>', choices)
    return HttpResponse(mark_safe('<option value="">—</option>') + options)
