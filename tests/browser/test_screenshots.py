"""Screenshots of the dashboard for the README.

    PAYVAND_SCREENSHOT_DIR=docs pytest tests/browser/test_screenshots.py

writes docs/dashboard.png (English) and docs/dashboard-dari.png (Dari, right to left).
Without PAYVAND_SCREENSHOT_DIR the pages are still drawn and checked, but nothing is saved.
"""

import os
from pathlib import Path

import pytest

from payvand.demo.region import DEMO_PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("code", "filename"), [("en", "dashboard.png"), ("fa-af", "dashboard-dari.png")]
)
def test_dashboard_screenshot(code, filename, demo, live_server, page, sign_in, switch_language):
    sign_in(page, "platform-admin@demo.example", DEMO_PASSWORD)
    if code != "en":
        switch_language(page, code)
    assert page.locator("html").get_attribute("lang") == code
    assert page.locator("#platform-h").is_visible()
    page.mouse.move(0, 0)  # no hover effects
    page.evaluate("document.activeElement && document.activeElement.blur()")

    png = page.screenshot(full_page=True, animations="disabled")

    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000, f"{len(png)} bytes"
    folder = os.environ.get("PAYVAND_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / filename).write_bytes(png)
