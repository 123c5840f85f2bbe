"""A cross-border referral in a real browser (issue 4's acceptance): Pakistan refers a
survivor to an Afghan organisation without medical data; the Afghan caseworker sees the
shared sections only, accepts, records two services and completes; the Pakistani
caseworker sees them; a third organisation sees nothing."""

import pytest
from django.urls import reverse
from django.utils import timezone

from payvand.assistance.services import entry_record
from payvand.core.permissions import Role
from payvand.referrals.models import Referral
from payvand.referrals.tests.helpers import consent_to
from payvand.testing.browser import sign_in_on
from payvand.testing.factories import PASSWORD, OrganisationFactory, case, member

pytestmark = pytest.mark.browser


def _signed_in(new_context, live_server, email):
    page = new_context().new_page()
    return sign_in_on(page, live_server.url, email, PASSWORD)


def test_a_referral_from_pakistan_to_afghanistan_end_to_end(
    transactional_db, live_server, new_context
):
    pk_org = OrganisationFactory(country="PK", subdivision="PK-KP", name="Peshawar Shelter")
    af_org = OrganisationFactory(country="AF", subdivision="AF-HER", name="Herat Women")
    sender = member(Role.CASEWORKER, pk_org, email="pk@example.org")
    receiver = member(Role.CASEWORKER, af_org, email="af@example.org")
    outsider = member(Role.SUPERVISOR, OrganisationFactory(country="TJ"), email="tj@example.org")
    c = case(pk_org, owner=sender, given_name="Zarghuna", family_name="Safi")
    consent_to(c, sender, af_org)
    consent_to(c, sender, purpose="medical")
    entry_record(
        case=c, by=sender, assistance_type="Medical", delivered_on=timezone.localdate(),
        outcome="Hepatitis B treatment started",
    )  # fmt: skip
    entry_record(
        case=c, by=sender, assistance_type="Legal", delivered_on=timezone.localdate(),
        outcome="Statement to the FIA",
    )  # fmt: skip

    page = _signed_in(new_context, live_server, sender.email)
    case_url = f"{live_server.url}{reverse('cases:detail', args=[c.public_id])}"
    page.goto(case_url)
    page.click("#referrals a:text-is('Refer to another organisation')")
    page.select_option("select[name=to_org]", str(af_org.public_id))
    page.check("input[name=services][value=shelter]")
    for section in ("identity", "support"):
        page.check(f"input[name=sections][value={section}]")
    page.fill("textarea[name=reason]", "Return to Herat; needs shelter on arrival")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/referrals/*/")
    referral = Referral.objects.get()
    assert referral.state == "sent" and "medical" not in referral.sections

    other = _signed_in(new_context, live_server, receiver.email)
    other.goto(f"{live_server.url}{reverse('referrals:list')}")
    other.click("#answer-h ~ div a")
    shared = other.inner_text("main")
    assert "Zarghuna" in shared and "Statement to the FIA" in shared
    assert "Hepatitis" not in shared, "medical data did not travel"
    other.click("form.workflow button:text-is('Accept')")
    other.wait_for_selector("text=Record a service you delivered")
    for kind in ("Shelter", "Psychological"):
        other.select_option("select[name=assistance_type]", kind)
        other.fill("textarea[name=outcome]", f"{kind} given in Herat")
        other.click("form[action$='/service/'] button[type=submit]")
        other.wait_for_selector("text=The service was recorded")
    other.click("form.workflow button:text-is('Mark completed')")
    other.wait_for_selector("text=Completed")

    page.goto(case_url)
    log = page.inner_text("#assistance")
    assert "Herat Women" in log and "Shelter" in log
    referral.refresh_from_db()
    assert referral.state == "completed"

    third = _signed_in(new_context, live_server, outsider.email)
    response = third.goto(
        f"{live_server.url}{reverse('referrals:detail', args=[referral.public_id])}"
    )
    assert response.status == 404
