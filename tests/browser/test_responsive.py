"""A 360 px phone: no page scrolls sideways."""

import pytest

from payvand.demo.region import DEMO_PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
SCROLL_WIDTH = "document.documentElement.scrollWidth"


def _widest(page) -> str:
    """The elements reaching furthest past the viewport, for the failure message."""
    return page.evaluate(
        """(w) => [...document.querySelectorAll('body *')]
            .map(e => [e, e.getBoundingClientRect()])
            .filter(([, r]) => r.right > w + 0.5 || r.left < -0.5)
            .filter(([e]) => !e.matches('.skip, .sr-only'))
            .slice(0, 5)
            .map(([e, r]) => `${e.tagName.toLowerCase()}.${e.className} ${r.left}..${r.right}`)
            .join('; ')""",
        PHONE["width"],
    )


@pytest.mark.parametrize("code", ["en", "fa-af"])
def test_login_and_dashboard_fit_a_360px_screen(
    code, demo, live_server, new_context, sign_in, switch_language
):
    page = new_context(viewport=PHONE).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    if code != "en":
        switch_language(page, code)
        assert page.locator("html").get_attribute("dir") == "rtl"
    width = page.evaluate(SCROLL_WIDTH)
    assert width <= PHONE["width"], f"login page is {width}px wide: {_widest(page)}"

    # The platform admin's dashboard is the widest: most links, a table.
    sign_in(page, "platform-admin@demo.example", DEMO_PASSWORD)
    if code != "en":  # a signed-in user's own preference wins over the cookie
        switch_language(page, code)
        assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("#platform-h").is_visible()
    width = page.evaluate(SCROLL_WIDTH)
    assert width <= PHONE["width"], f"dashboard is {width}px wide: {_widest(page)}"
