"""Quick add in a real browser: two clicks with htmx, and two clicks without JavaScript.

Debian's Chromium through Playwright, with the shared `browser` fixture (conftest.py).
"""

import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from payvand.assistance.models import AssistanceEntry
from payvand.core.permissions import Role
from payvand.testing.browser import sign_in_on
from payvand.testing.factories import PASSWORD, case, member

pytestmark = pytest.mark.browser


def _signed_in(browser, live_server, email, *, javascript: bool):
    context = browser.new_context(java_script_enabled=javascript, locale="en")
    context.set_default_timeout(5_000)
    page = context.new_page()
    return sign_in_on(page, live_server.url, email, PASSWORD)


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-javascript"])
def test_quick_add_takes_two_clicks_in_a_real_browser(
    transactional_db, live_server, browser, javascript
):
    worker = member(Role.CASEWORKER, email=f"quick-{javascript}@example.org")
    org = worker.active_memberships()[0].organisation
    c = case(org, owner=worker)
    page = _signed_in(browser, live_server, worker.email, javascript=javascript)
    case_url = f"{live_server.url}{reverse('cases:detail', args=[c.public_id])}"
    page.goto(case_url)

    page.click("#assistance .quick-add a:text-is('Psychological')")  # click 1
    if javascript:
        form = page.locator("#assistance-quick form")
        form.wait_for()
        assert page.url == case_url, "htmx swapped the form in; the page stayed"
    else:
        page.wait_for_url("**/assistance/new/?type=Psychological")
        form = page.locator("main form.quick-form")
    # Her own day (Dushanbe is ahead of UTC: after 19:00 UTC it is tomorrow there).
    assert form.locator("input[name=delivered_on]").input_value() == (
        timezone.localdate(timezone=zoneinfo.ZoneInfo(worker.time_zone)).isoformat()
    )
    form.locator("button[type=submit]").click()  # click 2
    page.wait_for_url(f"{case_url}#assistance")

    entry = AssistanceEntry.objects.get()
    assert (entry.assistance_type, entry.staff, entry.provider) == ("Psychological", worker, org)
    assert "Psychological assistance was recorded." in page.inner_text("main")
    assert "Psychological" in page.locator("#assistance table").inner_text()
    page.context.close()
