"""The Content-Security-Policy is enforced, and nothing on the pages breaks it."""

import pytest

from payvand.demo.region import DEMO_PASSWORD

pytestmark = pytest.mark.browser

# Records violations as the page sees them (an init script is exempt from the policy).
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
});
"""


def _csp_console(messages):
    return [m for m in messages if "Content Security Policy" in m]


def test_no_csp_violations_on_login_and_dashboard(demo, live_server, page, sign_in):
    console = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page_errors = []
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    page.add_init_script(RECORD_VIOLATIONS)

    response = page.goto(f"{live_server.url}/accounts/login/", wait_until="networkidle")
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "style-src 'self'" in policy, policy
    assert page.evaluate("window.__csp") == []

    sign_in(page, "platform-admin@demo.example", DEMO_PASSWORD)
    page.wait_for_load_state("networkidle")
    assert page.locator("#platform-h").is_visible()
    assert page.evaluate("window.__csp") == []
    assert page.evaluate("typeof window.htmx") == "object", "htmx did not load"

    assert _csp_console(console) == []
    assert [m for m in console if m.startswith("error")] == []
    assert page_errors == []

    # The check above is not vacuous: an inline script is refused, and reported.
    page.evaluate(
        """() => { const s = document.createElement('script');
                   s.textContent = 'window.__inlineRan = true'; document.head.append(s); }"""
    )
    page.wait_for_function("window.__csp.length > 0")
    assert page.evaluate("window.__inlineRan") is None
    assert page.evaluate("window.__csp") == ["script-src-elem blocked inline"]
    assert _csp_console(console), console
