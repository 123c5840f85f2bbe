"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

The browser is never downloaded: without /usr/bin/chromium these tests are skipped,
unless PAYVAND_REQUIRE_BROWSER=1 (CI), when that is a failure instead.
"""

import os
from pathlib import Path

import pytest

from payvand.testing.browser import sign_in_on

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 5_000


def _unavailable(reason: str):
    if os.environ.get("PAYVAND_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (PAYVAND_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: apt-get install chromium to run the browser tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser):
    """Make a fresh browser context (own cookies and cache); all are closed after the test."""
    contexts = []

    def _new_context(**kwargs):
        options = {"viewport": VIEWPORT, "locale": "en"} | kwargs
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield _new_context
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A page in a new 1280×800 English context."""
    return new_context().new_page()


@pytest.fixture
def sign_in(live_server):
    """Sign in on ``page`` through the real login form; returns the page on the dashboard."""

    def _sign_in(page, email: str, password: str):
        return sign_in_on(page, live_server.url, email, password)

    return _sign_in


@pytest.fixture
def switch_language():
    """Choose ``code`` in the header's language form and submit it."""

    def _switch(page, code: str):
        page.select_option("#lang-select", code)
        with page.expect_navigation():
            page.locator("form.lang button[type=submit]").click()
        return page

    return _switch


@pytest.fixture
def demo(transactional_db):
    """The seeded demo region (committed, so the live server sees it)."""
    from payvand.demo.seed import seed_demo

    return seed_demo()
