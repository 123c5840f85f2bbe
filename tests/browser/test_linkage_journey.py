"""Duplicate detection in a real browser (issue 6's acceptance): an Afghan organisation
registers a survivor a Tajik organisation registered in Cyrillic with an age two years
off; the Afghan caseworker sees "possibly known to 1 organisation in Tajikistan (strong
match)", asks for contact; the Tajik supervisor accepts; neither saw the other's data."""

import pytest
from django.urls import reverse

from payvand.core.permissions import Role
from payvand.linkage.services import participation_set
from payvand.testing.browser import sign_in_on
from payvand.testing.factories import PASSWORD, OrganisationFactory, case, member

pytestmark = pytest.mark.browser

TAJIK = {
    "given_name": "Зарина", "family_name": "Назарова", "father_name": "Карим",
    "place_of_origin": "Хуҷанд", "birth_precision": "year", "birth_year": 2001,
    "estimated_age": None, "citizenship": ["TJ"],
}  # fmt: skip
AFGHAN = {
    "given_name": "زرینه", "family_name": "نظروا", "father_name": "کریم",
    "place_of_origin": "خجند", "birth_precision": "estimated", "estimated_age": 27,
    "citizenship": ["TJ"],
}  # fmt: skip


def _signed_in(new_context, live_server, email):
    page = new_context().new_page()
    return sign_in_on(page, live_server.url, email, PASSWORD)


def test_a_survivor_known_in_tajikistan_is_found_from_afghanistan_without_names(
    transactional_db, live_server, new_context
):
    tj = OrganisationFactory(country="TJ", subdivision="TJ-DU", name="Dushanbe Centre")
    af = OrganisationFactory(country="AF", subdivision="AF-KAB", name="Kabul Women")
    for org in (tj, af):
        participation_set(org=org, by=None, enabled=True, basis="lawful_basis")
    tajik_case = case(tj, owner=member(Role.CASEWORKER, tj), **TAJIK)
    supervisor = member(Role.SUPERVISOR, tj, email="tj-sup@example.org")
    worker = member(Role.CASEWORKER, af, email="af-worker@example.org")
    afghan_case = case(af, owner=worker, **AFGHAN)

    page = _signed_in(new_context, live_server, worker.email)
    page.goto(f"{live_server.url}{reverse('cases:detail', args=[afghan_case.public_id])}")
    section = page.inner_text("#linkage")
    assert "Possibly known to 1 organisation in Tajikistan" in section
    assert "strong match" in section
    body = page.inner_text("body")
    assert "Dushanbe Centre" not in body and "Зарина" not in body and tajik_case.number not in body
    page.click("#linkage button:text-is('Ask to be put in contact')")
    page.wait_for_selector("text=Their supervisor answers")

    other = _signed_in(new_context, live_server, supervisor.email)
    other.goto(f"{live_server.url}{reverse('linkage:requests')}")
    listing = other.inner_text("main")
    assert "An organisation in Afghanistan asks" in listing
    assert "Kabul Women" not in listing and "زرینه" not in listing
    other.click("button:text-is('Accept')")
    other.wait_for_selector("text=Answered.")

    page.reload()
    assert "Dushanbe Centre" in page.inner_text("#linkage")
    assert page.locator("#linkage a:text-is('Refer to them')").count() == 1
