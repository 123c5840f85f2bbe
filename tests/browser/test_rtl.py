"""Right-to-left languages mirror the whole layout, from the one stylesheet."""

import pytest

from payvand.core.permissions import Role
from payvand.testing.factories import PASSWORD, member

pytestmark = pytest.mark.browser

LTR = {"dir": "ltr", "brand": "left", "switcher": "right"}
RTL = {"dir": "rtl", "brand": "right", "switcher": "left"}


def _layout(page) -> dict:
    """The page's direction and the side of the header that the brand and switcher are on."""
    middle = page.viewport_size["width"] / 2

    def side(selector):
        box = page.locator(selector).bounding_box()
        return "right" if box["x"] + box["width"] / 2 > middle else "left"

    return {
        "dir": page.locator("html").get_attribute("dir"),
        "brand": side("header .brand"),
        "switcher": side("header form.lang"),
    }


@pytest.mark.parametrize("code", ["fa-af", "ur"])
def test_rtl_language_mirrors_the_layout(
    code, live_server, page, sign_in, switch_language, tmp_path
):
    user = member(Role.ORG_ADMIN)
    sign_in(page, user.email, PASSWORD)
    assert _layout(page) == LTR
    assert page.locator("header .brand").bounding_box()["x"] < page.viewport_size["width"] / 2

    switch_language(page, code)

    assert page.url == f"{live_server.url}/", "the switch should come back to the same page"
    assert page.locator("html").get_attribute("lang") == code
    assert _layout(page) == RTL
    assert page.locator("header .brand").bounding_box()["x"] > page.viewport_size["width"] / 2
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
    assert page.locator("html").get_attribute("lang") == "en"
    assert _layout(page) == LTR
