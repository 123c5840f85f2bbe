"""Layouts that hold with what people really type and read: names without spaces,
right-to-left charts."""

import pytest

from payvand.core.permissions import Role
from payvand.testing.factories import PASSWORD, case, member

pytestmark = pytest.mark.browser


def test_a_name_without_spaces_wraps_in_the_case_list_and_case_numbers_stay_whole(
    transactional_db, live_server, page, sign_in, switch_language
):
    worker = member(Role.CASEWORKER, email="worker@example.org")
    org = worker.active_memberships()[0].organisation
    case(org, owner=worker, given_name="ا" * 200, family_name="احمدی")
    for n in range(3):
        case(org, owner=worker, given_name=f"Zarina{n}", family_name="Ahmadi")
    sign_in(page, "worker@example.org", PASSWORD)
    for language in ("en", "fa-af"):
        switch_language(page, language)
        page.goto(f"{live_server.url}/cases/")
        table, wrap = page.locator("table.case-list"), page.locator(".table-wrap")
        assert table.evaluate("t => t.scrollWidth") <= wrap.evaluate("w => w.clientWidth")
        for number in page.locator("tbody code").all():
            lines = number.evaluate("e => e.getClientRects().length")
            assert lines == 1, f"{number.inner_text()} broken over {lines} lines ({language})"
