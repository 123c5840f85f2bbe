import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from payvand.core.permissions import Role
from payvand.directory.models import Service
from payvand.directory.tests.factories import location, service
from payvand.testing.factories import OrganisationFactory, member

pytestmark = pytest.mark.django_db

SEARCH = reverse("directory:search")


def _names(response) -> list[str]:
    return re.findall(r'<h3><a href="[^"]+"><bdi>([^<]+)</bdi>', response.content.decode())


@pytest.fixture
def region(org, other_org):
    """A Tajik organisation (``org``) and an Afghan one (``other_org``) with services."""
    service(org, name="Dushanbe shelter", areas=["TJ-DU"], languages=["tg", "ru"])
    service(
        org,
        name="Tajik hotline",
        service_type="hotline",
        areas=["TJ"],
        eligibility=["men"],
        accepts_cross_border=False,
    )
    service(
        other_org,
        name="Kabul legal aid",
        service_type="legal_aid",
        areas=["AF-KAB"],
        languages=["fa", "ps"],
        eligibility=["women", "lgbtqi"],
    )
    service(other_org, name="Hidden plan", areas=["AF"], is_published=False)
    return org, other_org


def test_anonymous_visitors_search_the_directory(client, region):
    response = client.get(SEARCH)
    assert response.status_code == 200
    assert set(_names(response)) == {"Dushanbe shelter", "Tajik hotline", "Kabul legal aid"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"country": "AF"}, {"Kabul legal aid"}),
        ({"country": "TJ"}, {"Dushanbe shelter", "Tajik hotline"}),
        # A province finds its own services and those serving the whole country.
        ({"subdivision": "TJ-DU"}, {"Dushanbe shelter", "Tajik hotline"}),
        ({"subdivision": "TJ-SU"}, {"Tajik hotline"}),
        ({"service_type": "hotline"}, {"Tajik hotline"}),
        ({"language": "ps"}, {"Kabul legal aid"}),
        ({"population": "lgbtqi"}, {"Kabul legal aid"}),
        ({"cross_border": "on"}, {"Dushanbe shelter", "Kabul legal aid"}),
        ({"country": "TJ", "service_type": "shelter"}, {"Dushanbe shelter"}),
        ({"q": "kabul"}, {"Kabul legal aid"}),
    ],
)
def test_search_filters(client, region, params, expected):
    assert set(_names(client.get(SEARCH, params))) == expected


def test_a_province_outside_the_chosen_country_is_an_error_not_a_500(client, region):
    response = client.get(SEARCH, {"country": "AF", "subdivision": "TJ-DU"})
    assert response.status_code == 200
    assert "not in the chosen country" in response.content.decode()


def test_unknown_filter_values_are_shown_as_errors(client, region):
    response = client.get(SEARCH, {"service_type": "weapons", "country": "ZZ"})
    assert response.status_code == 200
    assert set(_names(response)) == {"Dushanbe shelter", "Tajik hotline", "Kabul legal aid"}
    assert response.content.decode().count('class="error"') == 2


def test_hidden_services_and_deactivated_organisations_are_not_public(client, region):
    _org, other_org = region
    hidden = Service.objects.get(name="Hidden plan")
    assert client.get(reverse("directory:service", args=[hidden.public_id])).status_code == 404
    other_org.is_active = False
    other_org.save()
    assert "Kabul legal aid" not in _names(client.get(SEARCH))
    page = reverse("directory:organisation", args=[other_org.public_id])
    assert client.get(page).status_code == 404


def test_public_pages_show_no_personal_data(client, org):
    admin = member(Role.ORG_ADMIN, org, full_name="Farzana Ahmadi", email="farzana@example.org")
    service(org)
    pages = [
        SEARCH,
        reverse("directory:organisation", args=[org.public_id]),
        reverse("directory:service", args=[Service.objects.get().public_id]),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert admin.full_name not in html and admin.email not in html, url
        assert "Intake desk" in html  # the desk is there, no person is


def test_country_names_follow_the_language(client, region):
    translation.activate("fa-af")
    try:
        html = client.get(SEARCH, HTTP_ACCEPT_LANGUAGE="fa-af").content.decode()
    finally:
        translation.activate("en")
    assert 'dir="rtl"' in html
    assert "افغانستان" in html


def test_the_search_page_makes_the_same_number_of_queries_for_3_or_40_services(
    client, django_assert_max_num_queries
):
    org = OrganisationFactory()
    shared = location(org)

    def counted() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(SEARCH, {"country": "TJ"}).status_code == 200
        return len(queries)

    for n in range(3):
        service(org, name=f"Service {n}", locations=[shared])
    few = counted()
    for n in range(3, 40):
        service(org, name=f"Service {n}", locations=[shared])
    assert counted() == few
    with django_assert_max_num_queries(8):
        client.get(SEARCH, {"country": "TJ"})


def test_the_organisation_page_makes_a_bounded_number_of_queries(
    client, django_assert_max_num_queries
):
    org = OrganisationFactory()
    for n in range(30):
        service(org, name=f"Service {n}")
    with django_assert_max_num_queries(7):
        response = client.get(reverse("directory:organisation", args=[org.public_id]))
    assert len(_names(response)) == 25, "a page at a time"
    assert "Page 1 of 2" in response.content.decode()


def test_the_admin_page_makes_a_bounded_number_of_queries(
    client, login, org, django_assert_max_num_queries
):
    for n in range(30):
        service(org, name=f"Service {n}")
    login(member(Role.ORG_ADMIN, org))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("directory:manage", args=[org.public_id]))
    assert response.content.decode().count("availability-") >= 30


# --- editing ----------------------------------------------------------------------------


def _service_post(**overrides) -> dict:
    data = {
        "name": "Night shelter",
        "service_type": "shelter",
        "description": "Beds for the night.",
        "eligibility": ["women"],
        "languages": ["tg"],
        "areas": ["TJ-DU"],
        "availability": "available",
        "accepts_referrals": "on",
        "is_published": "on",
        "hours-MO_opens": "09:00",
        "hours-MO_closes": "17:00",
        "contacts-TOTAL_FORMS": "2",
        "contacts-INITIAL_FORMS": "0",
        "contacts-0-department": "Night desk",
        "contacts-0-phone": "+992 37 221 0011",
        "contacts-0-email": "",
        "contacts-1-department": "",
        "contacts-1-phone": "",
        "contacts-1-email": "",
    }
    return data | overrides


def test_an_org_admin_adds_a_service_through_the_form(client, login, org):
    login(member(Role.ORG_ADMIN, org))
    office = location(org)
    url = reverse("directory:service_add", args=[org.public_id])
    assert client.get(url).status_code == 200
    response = client.post(url, _service_post(locations=[str(office.public_id)]))
    assert response.status_code == 302, response.content.decode()[:3000]
    created = Service.objects.get()
    assert created.areas == ["TJ-DU"]
    assert list(created.locations.all()) == [office]
    assert created.contacts.get().phone == "+992372210011"
    assert created.hours.get().weekday == "MO"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"contacts-0-phone": "0000"}, "international form"),
        ({"hours-MO_closes": "08:00"}, "closing time must be after"),
        ({"hours-MO_closes": ""}, "Give both times"),
        ({"areas": []}, "This field is required."),
        ({"accepts_referrals": "", "accepts_cross_border": "on"}, "cannot accept them from"),
    ],
)
def test_the_service_form_says_what_is_wrong(client, login, org, overrides, message):
    login(member(Role.ORG_ADMIN, org))
    url = reverse("directory:service_add", args=[org.public_id])
    response = client.post(url, _service_post(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Service.objects.exists()


def test_the_location_form_refuses_a_province_of_another_country(client, login, org):
    login(member(Role.ORG_ADMIN, org))
    url = reverse("directory:location_add", args=[org.public_id])
    response = client.post(url, {"name": "Office", "country": "TJ", "subdivision": "AF-KAB"})
    assert response.status_code == 200
    assert "not a province or region of the chosen country" in response.content.decode()


def test_an_org_admin_edits_a_service_and_the_profile(client, login, org):
    login(member(Role.ORG_ADMIN, org))
    item = service(org)
    url = reverse("directory:service_edit", args=[item.public_id])
    page = client.get(url).content.decode()
    assert 'value="Intake desk"' in page and 'value="09:00"' in page
    response = client.post(url, _service_post(name="Renamed shelter"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.name == "Renamed shelter"
    profile_url = reverse("directory:profile_edit", args=[org.public_id])
    assert client.post(profile_url, {"description": "We help."}).status_code == 302
    public = client.get(reverse("directory:organisation", args=[org.public_id]))
    assert "We help." in public.content.decode()


def test_the_availability_switch(client, login, org):
    login(member(Role.ORG_ADMIN, org))
    item = service(org)
    url = reverse("directory:service_availability", args=[item.public_id])
    assert client.post(url, {"availability": "full"}).status_code == 302
    item.refresh_from_db()
    assert item.availability == "full"
    client.post(url, {"availability": "nonsense"})
    item.refresh_from_db()
    assert item.availability == "full"


def test_another_organisations_admin_gets_404_and_changes_nothing(client, login, org, other_org):
    item = service(org)
    login(member(Role.ORG_ADMIN, other_org))
    url = reverse("directory:service_edit", args=[item.public_id])
    assert client.post(url, _service_post(name="Taken")).status_code == 404
    item.refresh_from_db()
    assert item.name == "Safe shelter for women"
