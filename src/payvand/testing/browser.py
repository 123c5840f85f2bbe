"""Signing in through the real forms in a real browser (Playwright), second factor included."""

from __future__ import annotations

import base64


def sign_in_on(page, base_url: str, email: str, password: str):
    """Sign in on ``page`` through the login form; returns the page on the dashboard."""
    page.goto(f"{base_url}/accounts/login/")
    # By name, not label: the page may already be in Dari or Urdu.
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    if "/accounts/2fa/" in page.url:
        second_factor(page, email)
    page.wait_for_url(f"{base_url}/")
    return page


def second_factor(page, email: str) -> None:
    """Pass the second step as a person with her phone does: set the app up the first
    time (typing the key shown on the page into the "app"), else type its current code."""
    from payvand.accounts.models import User
    from payvand.testing.twofactor import code_for, code_for_key

    if "/accounts/2fa/setup/" in page.url:
        key = page.locator("[data-totp-key]").inner_text().replace(" ", "")
        hex_key = base64.b32decode(key + "=" * (-len(key) % 8)).hex()
        page.fill("input[name=code]", code_for_key(hex_key))
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        page.locator("ol.recovery-codes").wait_for()
        with page.expect_navigation():
            page.click("main a.button.primary")
        return
    page.fill("input[name=code]", code_for(User.objects.get(email__iexact=email)))
    with page.expect_navigation():
        page.click("main form button[type=submit]")
