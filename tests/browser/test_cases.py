"""Registering a survivor and finding her again across scripts, in a real browser."""

import pytest

from payvand.cases.models import Case
from payvand.core.audit.models import AuditEvent
from payvand.core.permissions import Role
from payvand.testing.factories import PASSWORD, case, member

pytestmark = pytest.mark.browser


def test_register_in_cyrillic_find_in_latin_and_open_the_case(
    transactional_db, live_server, page, sign_in
):
    worker = member(Role.CASEWORKER, email="worker@example.org")
    org = worker.active_memberships()[0].organisation
    sign_in(page, "worker@example.org", PASSWORD)
    page.goto(f"{live_server.url}/cases/new/")
    # Only the field that fits the chosen precision is shown.
    assert page.locator("[data-field=estimated_age]").is_visible()
    assert not page.locator("[data-field=birth_date]").is_visible()
    page.check("input[name=birth_precision][value=exact]")
    assert page.locator("[data-field=birth_date]").is_visible()
    assert not page.locator("[data-field=estimated_age]").is_visible()
    page.fill("input[name=given_name]", "Гулнора")
    page.fill("input[name=family_name]", "Назарова")
    page.fill("input[name=father_name]", "Саидмурод")
    page.fill("input[name=birth_date]", "2001-05-04")
    page.fill("input[name=identified_on]", "2026-11-20")
    page.locator("main form button[type=submit]").dblclick()  # a double click registers once
    page.wait_for_url("**/cases/*-*/")
    assert "Гулнора Назарова" in page.inner_text("main")
    assert Case.objects.filter(organisation=org).count() == 1

    page.goto(f"{live_server.url}/cases/?name=Gulnora+Nazarova")
    rows = page.locator("tbody tr")
    assert rows.count() == 1 and "Гулнора" in rows.first.inner_text()
    rows.first.locator("a").click()
    page.wait_for_url("**/cases/*-*/")
    assert AuditEvent.objects.filter(action="person.identity_read").count() == 2


def test_possible_duplicate_is_shown_before_saving_and_in_dari(
    transactional_db, live_server, page, sign_in, switch_language
):
    worker = member(Role.CASEWORKER, email="dari@example.org")
    org = worker.active_memberships()[0].organisation
    case(org, owner=worker, given_name="زرینه", family_name="احمدی")
    sign_in(page, "dari@example.org", PASSWORD)
    switch_language(page, "fa-af")
    page.goto(f"{live_server.url}/cases/new/")
    assert page.get_attribute("html", "dir") == "rtl"
    page.fill("input[name=given_name]", "Zarina")
    page.fill("input[name=family_name]", "Ahmadi")
    page.fill("input[name=estimated_age]", "23")
    page.fill("input[name=identified_on]", "1405-08-29")  # Solar Hijri in Dari
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".errors[role=alert] code").inner_text().startswith(f"{org.country}-")
    assert Case.objects.count() == 1, "nothing saved before the caseworker confirms"
    page.check("input[name=confirm_new]")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/cases/*-*/")
    assert Case.objects.count() == 2
