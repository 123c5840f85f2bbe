"""Signing in and out through the real forms, with the mouse and with the keyboard only."""

from urllib.parse import urlsplit

import pytest
from django.conf import settings

from payvand.accounts.models import User
from payvand.core.permissions import Role
from payvand.demo.region import DEMO_PASSWORD
from payvand.testing.factories import PASSWORD, member
from payvand.testing.twofactor import authenticator_for, code_for

pytestmark = pytest.mark.browser

INVITE = "a[href$='/staff/invite/']"
STAFF = "a[href$='/staff/']"

# role: (demo login, what that role's dashboard shows, what it must not show). Selectors,
# not words: several of these accounts prefer Dari, Urdu or Tajik.
DEMO_ROLES = {
    Role.CASEWORKER: ("af-hwp-caseworker@demo.example", ["#cases-h"], [STAFF, "#platform-h"]),
    Role.SUPERVISOR: ("pk-rrf-supervisor@demo.example", ["#cases-h", STAFF], [INVITE]),
    Role.ORG_ADMIN: ("tj-dyu-admin@demo.example", [STAFF, INVITE], ["#cases-h"]),
    Role.ANALYST: ("regional-analyst@demo.example", ["#stats-h"], ["#platform-h", STAFF]),
    Role.PLATFORM_ADMIN: (
        "platform-admin@demo.example",
        ["#platform-h", "header a[href='/orgs/']", "header a[href='/audit/']"],
        ["#cases-h"],
    ),
}


@pytest.mark.parametrize("role", list(DEMO_ROLES))
def test_each_demo_role_signs_in_to_its_dashboard_and_out_again(
    role, demo, live_server, page, sign_in
):
    email, shown, hidden = DEMO_ROLES[role]
    user = User.objects.get(email=email)

    sign_in(page, email, DEMO_PASSWORD)

    heading = page.locator("main h1")
    assert heading.locator("bdi").inner_text() == user.full_name
    html = page.locator("html")
    assert html.get_attribute("lang") == user.preferred_language
    if user.preferred_language == "en":
        assert heading.inner_text() == f"Welcome, {user.full_name}"
    for selector in shown:
        assert page.locator(selector).first.is_visible(), f"{role} should see {selector}"
    for selector in hidden:
        assert page.locator(selector).count() == 0, f"{role} should not see {selector}"

    page.locator("header form[action='/accounts/logout/'] button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert page.locator("#id_username").is_visible()
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/"), "still signed in"


def test_sign_out_in_english_says_so(live_server, page, sign_in):
    user = member(Role.CASEWORKER)
    sign_in(page, user.email, PASSWORD)
    assert page.locator("main h1").inner_text() == f"Welcome, {user.full_name}"

    page.get_by_role("button", name="Sign out").click()

    page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert page.locator("main h1").inner_text() == "Sign in"


def test_login_form_works_with_the_keyboard_only(live_server, page):
    user = member(Role.CASEWORKER)
    authenticator_for(user)
    page.goto(f"{live_server.url}/accounts/login/")
    # The e-mail field has autofocus, so that is where a keyboard user starts.
    assert page.evaluate("document.activeElement.id") == "id_username"

    # From the top of the page (as when coming from the address bar), Tab reaches the
    # skip link first. Clicking the page background beside <main> puts the keyboard there.
    page.evaluate("document.activeElement.blur()")
    assert page.evaluate("document.elementFromPoint(4, 400) === document.body")
    page.mouse.click(4, 400)
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert skip.inner_text() == "Skip to content"
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, f"focused skip link is off-screen: {box}"

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_username"
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    # The second step. "#main" (kept from the skip link) puts the focus on <main>, so
    # one Tab reaches the code field; Enter sends it.
    page.wait_for_url(lambda url: urlsplit(url).path == "/accounts/2fa/")
    if page.evaluate("document.activeElement.id") == "main":
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_code"
    page.keyboard.type(code_for(user))
    page.keyboard.press("Enter")

    # The skip link left "#main" on the URL; the browser keeps it across the redirect.
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    assert page.locator("main h1").inner_text() == f"Welcome, {user.full_name}"
    # A fresh page without autofocus: the very first Tab lands on the skip link.
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"


def test_wrong_passwords_lock_the_account(live_server, page):
    user = member(Role.CASEWORKER)
    limit = settings.AXES_FAILURE_LIMIT
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    page.goto(f"{live_server.url}/accounts/login/")

    def attempt(password):
        page.get_by_label("E-mail").fill(user.email)
        page.get_by_label("Password").fill(password)
        with page.expect_navigation() as navigation:
            page.locator("main button[type=submit]").click()
        return navigation.value.status

    for n in range(1, limit):
        assert attempt(f"wrong {n}") == 200, f"attempt {n} of {limit}"
        assert page.locator("main h1").inner_text() == "Sign in"
        assert page.locator(".errors[role=alert]").is_visible()

    # The limit-th wrong password already locks: django-axes counts failures >= limit.
    assert attempt(f"wrong {limit}") == 429
    assert page.title().startswith("Account locked")
    assert page.locator("main h1").inner_text() == "Account locked for now"
    assert f"Try again in {minutes} minute" in page.locator("[role=alert]").inner_text()

    # Attempt limit + 1, with the right password: still locked, and not signed in.
    page.goto(f"{live_server.url}/accounts/login/")
    assert attempt(PASSWORD) == 429
    assert page.locator("main h1").inner_text() == "Account locked for now"
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/"), "a locked account got in"
