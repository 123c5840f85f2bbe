"""The dashboard stays light enough for a slow mobile connection."""

import pytest

from payvand.demo.region import DEMO_PASSWORD

pytestmark = pytest.mark.browser

BUDGET = 150 * 1024


def test_dashboard_weighs_under_150_kb_with_an_empty_cache(demo, live_server, new_context, sign_in):
    signed_in = new_context()
    sign_in(signed_in.new_page(), "platform-admin@demo.example", DEMO_PASSWORD)

    # A new context has its own (empty) cache; switching the cache off makes sure of it.
    context = new_context(storage_state=signed_in.storage_state())
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(f"{live_server.url}/", wait_until="networkidle")
    assert page.locator("#platform-h").is_visible(), "not the platform admin's dashboard"

    sizes = {}
    for response in responses:
        assert not response.from_service_worker
        if 300 <= response.status < 400:
            sizes[response.url] = 0  # a redirect has no body
            continue
        sizes[response.url] = sizes.get(response.url, 0) + len(response.body())
    total = sum(sizes.values())
    report = ", ".join(f"{url.removeprefix(live_server.url)} {n:,} B" for url, n in sizes.items())
    print(f"\ndashboard page weight: {total:,} bytes in {len(responses)} responses ({report})")
    assert len(responses) >= 3, f"HTML, CSS and script expected: {report}"
    assert total < BUDGET, f"dashboard weighs {total:,} bytes (budget {BUDGET:,}): {report}"
