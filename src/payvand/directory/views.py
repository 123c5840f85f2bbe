from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from payvand.core import countries
from payvand.core.forms import call_service
from payvand.directory import selectors, services
from payvand.directory.forms import (
    ContactFormSet,
    DirectorySearchForm,
    HoursForm,
    LocationForm,
    ProfileForm,
    ServiceForm,
    service_data,
)
from payvand.directory.models import Availability

PAGE_SIZE = 25


@login_not_required
def search(request):
    """The public directory: anyone may search it, signed in or not."""
    country_codes, language_codes = selectors.directory_facets()
    form = DirectorySearchForm(
        request.GET or None, country_codes=country_codes, language_codes=language_codes
    )
    query = selectors.DirectoryQuery()
    if form.is_bound:
        form.is_valid()  # an invalid filter is shown as an error and left out
        data = getattr(form, "cleaned_data", {})
        query = selectors.DirectoryQuery(
            country=data.get("country") or "",
            subdivision=data.get("subdivision") or "",
            service_type=data.get("service_type") or "",
            language=data.get("language") or "",
            population=data.get("population") or "",
            cross_border=True if data.get("cross_border") else None,
            text=(data.get("q") or "").strip(),
        )
    page = Paginator(selectors.directory_search(query), PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "directory/search.html",
        {
            "form": form,
            "page": page,
            "params": params.urlencode(),
            "editable": selectors.organisations_edited_by(request.user),
        },
    )


@login_not_required
def organisation(request, public_id):
    org = selectors.public_organisation_get(public_id)
    page = Paginator(selectors.public_organisation_services(org), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "directory/organisation.html",
        {
            "org": org,
            "description": selectors.profile_description(org),
            "page": page,
            "params": "",
            "language_names": [countries.language_name(code) for code in org.languages],
            "can_edit": selectors.can_edit_directory(request.user, org),
        },
    )


@login_not_required
def service(request, service_id):
    item = selectors.public_service_get(service_id)
    return render(
        request,
        "directory/service.html",
        {
            "service": item,
            "can_edit": selectors.can_edit_directory(request.user, item.organisation),
        },
    )


# --- the organisation admin's pages ------------------------------------------------------


def manage(request, public_id):
    org = selectors.editable_organisation_get(request.user, public_id)
    return render(
        request,
        "directory/manage.html",
        {
            "org": org,
            "description": selectors.profile_description(org),
            "services": selectors.services_for_editing(org),
            "locations": selectors.organisation_locations(org),
            "availability_choices": Availability.choices,
        },
    )


def profile_edit(request, public_id):
    org = selectors.editable_organisation_get(request.user, public_id)
    form = ProfileForm(
        request.POST or None, initial={"description": selectors.profile_description(org)}
    )
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            services.profile_update,
            org=org,
            by=request.user,
            description=form.cleaned_data["description"],
        )
        if done:
            messages.success(request, _("The directory profile was saved."))
            return redirect("directory:manage", public_id=org.public_id)
    return render(
        request,
        "directory/form.html",
        {"form": form, "org": org, "title": _("About the organisation")},
    )


def location_add(request, public_id):
    org = selectors.editable_organisation_get(request.user, public_id)
    form = LocationForm(
        request.POST or None, initial={"country": org.country, "subdivision": org.subdivision}
    )
    if request.method == "POST" and form.is_valid():
        location = call_service(
            form, services.location_create, org=org, by=request.user, **form.cleaned_data
        )
        if location:
            messages.success(request, _("The location was added."))
            return redirect("directory:manage", public_id=org.public_id)
    return render(
        request, "directory/form.html", {"form": form, "org": org, "title": _("New location")}
    )


def location_edit(request, location_id):
    location = selectors.editable_location_get(request.user, location_id)
    org = location.organisation
    initial = {name: getattr(location, name) for name in services.LOCATION_FIELDS}
    form = LocationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form, services.location_update, location=location, by=request.user, **form.cleaned_data
        )
        if saved:
            messages.success(request, _("The location was saved."))
            return redirect("directory:manage", public_id=org.public_id)
    return render(
        request,
        "directory/form.html",
        {"form": form, "org": org, "title": _("Edit the location")},
    )


def _service_forms(request, org, initial=None, hours=None, contacts=None):
    data = request.POST if request.method == "POST" else None
    form = ServiceForm(data, initial=initial, locations=selectors.organisation_locations(org))
    hours_form = HoursForm(data, prefix="hours", initial=hours)
    contact_forms = ContactFormSet(data, prefix="contacts", initial=contacts)
    return form, hours_form, contact_forms


def _service_page(request, org, forms, title, service=None):
    form, hours_form, contact_forms = forms
    return render(
        request,
        "directory/service_form.html",
        {
            "form": form,
            "hours_form": hours_form,
            "contacts": contact_forms,
            "org": org,
            "service": service,
            "title": title,
        },
    )


def service_add(request, public_id):
    org = selectors.editable_organisation_get(request.user, public_id)
    forms = _service_forms(
        request,
        org,
        initial={
            "areas": [org.country],
            "languages": org.languages,
            "accepts_referrals": True,
            "is_published": True,
            "availability": Availability.AVAILABLE,
        },
    )
    form, hours_form, contact_forms = forms
    if request.method == "POST" and all(f.is_valid() for f in forms):
        created = call_service(
            form,
            services.service_create,
            org=org,
            by=request.user,
            data=service_data(form, hours_form, contact_forms),
        )
        if created:
            messages.success(request, _("The service was added to the directory."))
            return redirect("directory:manage", public_id=org.public_id)
    return _service_page(request, org, forms, _("New service"))


def service_edit(request, service_id):
    item = selectors.editable_service_get(request.user, service_id)
    org = item.organisation
    initial = {name: getattr(item, name) for name in services.SERVICE_FIELDS}
    initial["locations"] = [str(loc.public_id) for loc in item.locations.all()]
    hours = {}
    for row in item.hours.all():
        hours[f"{row.weekday}_opens"], hours[f"{row.weekday}_closes"] = row.opens_at, row.closes_at
    contacts = [
        {"department": c.department, "phone": c.phone, "email": c.email}
        for c in item.contacts.all()
    ]
    forms = _service_forms(request, org, initial=initial, hours=hours, contacts=contacts)
    form, hours_form, contact_forms = forms
    if request.method == "POST" and all(f.is_valid() for f in forms):
        data = service_data(form, hours_form, contact_forms)
        # call_service's own second parameter is called "service".
        update = partial(services.service_update, service=item)
        if call_service(form, update, by=request.user, data=data):
            messages.success(request, _("The service was saved."))
            return redirect("directory:manage", public_id=org.public_id)
    return _service_page(request, org, forms, _("Edit the service"), service=item)


@require_POST
def service_availability(request, service_id):
    item = selectors.editable_service_get(request.user, service_id)
    availability = request.POST.get("availability", "")
    if availability in Availability.values:
        services.service_set_availability(service=item, by=request.user, availability=availability)
        messages.success(
            request,
            _("%(service)s is now marked “%(availability)s”.")
            % {"service": item.name, "availability": Availability(availability).label},
        )
    else:
        messages.error(request, _("Choose an availability from the list."))
    return redirect("directory:manage", public_id=item.organisation.public_id)
