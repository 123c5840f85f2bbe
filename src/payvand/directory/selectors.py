"""Reading the directory.

The directory is public: what is published (a published service of an active
organisation) may be read by anyone, signed in or not. The editing side is scoped
to the organisation's admins (``Perm.ORG_EDIT_PROFILE``); outside it, 404.
"""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from payvand.accounts.models import User
from payvand.core.permissions import Perm, has_perm, orgs_where
from payvand.directory.models import Location, OrganisationProfile, Service
from payvand.orgs.models import Organisation


@dataclass(frozen=True)
class DirectoryQuery:
    country: str = ""
    subdivision: str = ""
    service_type: str = ""
    language: str = ""
    population: str = ""
    cross_border: bool | None = None
    text: str = ""


def _with_details(services: QuerySet[Service]) -> QuerySet[Service]:
    """Everything a service's card shows, in a fixed number of queries for any length."""
    return services.select_related("organisation").prefetch_related(
        Prefetch("locations", queryset=Location.objects.order_by("name", "id")),
        "contacts",
        "hours",
    )


def _published() -> QuerySet[Service]:
    return Service.objects.filter(is_published=True, organisation__is_active=True)


def _serves_country(country: str) -> Q:
    """The service's areas hold the whole country or one of its provinces."""
    return Q(areas__contains=f" {country} ") | Q(areas__contains=f" {country}-")


def _serves_subdivision(code: str) -> Q:
    """The service's areas hold the province itself or its whole country."""
    country = code.split("-", 1)[0]
    return Q(areas__contains=f" {code} ") | Q(areas__contains=f" {country} ")


def directory_search(query: DirectoryQuery) -> QuerySet[Service]:
    """Published services matching every filter given, by organisation country then name."""
    services = _published()
    if query.subdivision:
        services = services.filter(_serves_subdivision(query.subdivision))
    elif query.country:
        services = services.filter(_serves_country(query.country))
    if query.service_type:
        services = services.filter(service_type=query.service_type)
    if query.language:
        services = services.filter(languages__contains=f" {query.language} ")
    if query.population:
        services = services.filter(eligibility__contains=f" {query.population} ")
    if query.cross_border is not None:
        services = services.filter(accepts_cross_border=query.cross_border)
        if query.cross_border:
            services = services.filter(accepts_referrals=True)
    if query.text:
        services = services.filter(
            Q(name__icontains=query.text)
            | Q(description__icontains=query.text)
            | Q(organisation__name__icontains=query.text)
        )
    return _with_details(services).order_by("organisation__country", "organisation__name", "name")


def directory_facets() -> tuple[list[str], list[str]]:
    """The countries served and the languages spoken by published services (one query),
    so that the search form offers only choices that can find something."""
    country_codes: set[str] = set()
    language_codes: set[str] = set()
    # DISTINCT: services of one organisation mostly share their areas and languages.
    pairs = _published().values_list("areas", "languages").order_by().distinct()
    for areas, languages in pairs:
        country_codes.update(code.split("-", 1)[0] for code in areas)
        language_codes.update(languages)
    return sorted(country_codes), sorted(language_codes)


def public_organisation_get(public_id) -> Organisation:
    """An active organisation for its public page; 404 otherwise."""
    org = Organisation.objects.filter(public_id=public_id, is_active=True).first()
    if org is None:
        raise Http404
    return org


def profile_description(org: Organisation) -> str:
    found = OrganisationProfile.objects.filter(organisation=org).values_list(
        "description", flat=True
    )
    return found.first() or ""


def public_organisation_services(org: Organisation) -> QuerySet[Service]:
    return _with_details(_published().filter(organisation=org)).order_by("name", "id")


def public_service_get(public_id) -> Service:
    service = _with_details(_published()).filter(public_id=public_id).first()
    if service is None:
        raise Http404
    return service


# --- for the referral app -------------------------------------------------------------


def services_accepting_referrals(
    country: str | None = None,
    cross_border: bool | None = None,
    service_type: str | None = None,
) -> QuerySet[Service]:
    """Published services of active organisations that accept referrals.

    ``country``: the service serves that country (or one of its provinces).
    ``cross_border``: True keeps only services accepting referrals from other countries.
    ``service_type``: a ``ServiceType`` code.
    """
    services = _published().filter(accepts_referrals=True)
    if country:
        services = services.filter(_serves_country(country))
    if cross_border is not None:
        services = services.filter(accepts_cross_border=cross_border)
    if service_type:
        services = services.filter(service_type=service_type)
    return _with_details(services).order_by("organisation__name", "name", "id")


def organisation_services(org: Organisation) -> QuerySet[Service]:
    """The published services of ``org`` (the referral app shows what another
    organisation offers; what it has not published is its admins' draft)."""
    return _with_details(_published().filter(organisation=org)).order_by("name", "id")


# --- editing (organisation admins) ------------------------------------------------------


def can_edit_directory(user: User, org: Organisation) -> bool:
    return has_perm(user, Perm.ORG_EDIT_PROFILE, org)


def editable_organisation_get(user: User, public_id) -> Organisation:
    org = Organisation.objects.filter(public_id=public_id).first()
    if org is None or not can_edit_directory(user, org):
        raise Http404
    return org


def editable_service_get(user: User, public_id) -> Service:
    service = (
        Service.objects.select_related("organisation")
        .prefetch_related("contacts", "hours", "locations")
        .filter(public_id=public_id)
        .first()
    )
    if service is None or not can_edit_directory(user, service.organisation):
        raise Http404
    return service


def editable_location_get(user: User, public_id) -> Location:
    location = Location.objects.select_related("organisation").filter(public_id=public_id).first()
    if location is None or not can_edit_directory(user, location.organisation):
        raise Http404
    return location


def services_for_editing(org: Organisation) -> QuerySet[Service]:
    """The organisation's services for its admin's list (no details: one query)."""
    return Service.objects.filter(organisation=org).order_by("name", "id")


def organisation_locations(org: Organisation) -> QuerySet[Location]:
    return Location.objects.filter(organisation=org).order_by("name", "id")


def organisations_edited_by(user: User) -> QuerySet[Organisation]:
    """The organisations whose directory entry ``user`` may edit (for links)."""
    return Organisation.objects.filter(pk__in=orgs_where(user, Perm.ORG_EDIT_PROFILE))
