"""Right-to-left languages mirror the whole layout, from the one stylesheet."""

import pytest

from payvand.core.permissions import Role
from payvand.testing.factories import PASSWORD, member

pytestmark = pytest.mark.browser


def _layout(page) -> dict:
    width = page.viewport_size["width"]
    brand = page.locator("header .brand").bounding_box()
    lang = page.locator("header form.lang").bounding_box()
    html = page.locator("html")
    return {
        "dir": html.get_attribute("dir"),
        "lang": html.get_attribute("lang"),
        "brand_right": brand["x"] > width / 2,
        "switcher_right": lang["x"] + lang["width"] / 2 > width / 2,
    }


@pytest.mark.parametrize("code", ["fa-af", "ur"])
def test_rtl_language_mirrors_the_layout(code, live_server, page, sign_in, switch_language, tmp_path):
    user = member(Role.ORG_ADMIN)
    sign_in(page, user.email, PASSWORD)
    english = _layout(page)
    assert english == {"dir": "ltr", "lang": "en", "brand_right": False, "switcher_right": True}

    switch_language(page, code)

    assert page.url == f"{live_server.url}/", "the switch should come back to the same page"
    assert _layout(page) == {"dir": "rtl", "lang": code, "brand_right": True, "switcher_right": False}
    assert page.locator("main h1 bdi").inner_text() == user.full_name
    shot = tmp_path / "rtl.png"
    page.screenshot(path=shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000, f"{shot.stat().st_size} bytes: a blank page?"

    # The choice is the user's preference now: other pages follow it.
    page.goto(f"{live_server.url}/accounts/profile/")
    assert page.locator("html").get_attribute("dir") == "rtl"

    switch_language(page, "en")
    assert page.url == f"{live_server.url}/accounts/profile/"
    assert _layout(page) == english
