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


@pytest.mark.parametrize("direction", ["ltr", "rtl"])
def test_the_routes_grid_column_labels_stand_above_the_cells_in_either_direction(
    live_server, page, direction
):
    from payvand.stats.charts import matrix
    from payvand.stats.suppression import Table

    rows, cols = ["AF", "TJ"], ["RU", "AE", "TR", "KZ"]
    table = Table(
        dims=["citizenship", "country_of_exploitation"],
        categories=[rows, cols],
        counts={(r, c): 12 + i for i, (r, c) in enumerate((r, c) for r in rows for c in cols)},
        k=11,
    )
    labels = ["روسیه فدرال", "امارات متحده عربی", "ترکیه", "قزاقستان"]
    svg = matrix("مسیرها", table, ["افغانستان", "تاجیکستان"], labels, rtl=direction == "rtl")
    page.goto(f"{live_server.url}/static/payvand/payvand.css")  # same origin: rules readable
    page.set_content(
        f'<html dir="{direction}"><head><link rel="stylesheet" '
        f'href="{live_server.url}/static/payvand/payvand.css"></head>'
        f'<body style="width:40rem">{svg}</body></html>'
    )
    page.wait_for_load_state("load")
    assert page.evaluate("document.styleSheets[0].cssRules.length") > 50, "the sheet is loaded"
    grid_top = min(r["y"] for r in page.locator("svg rect").evaluate_all(_rects))
    for box in page.locator("svg text[transform]").evaluate_all(_rects):
        assert box["y"] + box["height"] <= grid_top + 1, f"a column label runs into the grid: {box}"


_rects = "els => els.map(e => e.getBoundingClientRect().toJSON())"


def test_on_a_phone_a_wide_table_scrolls_in_its_box_and_the_page_never_slides_sideways(
    transactional_db, live_server, new_context, sign_in, switch_language
):
    admin = member(Role.ORG_ADMIN, email="admin@example.org")
    org = admin.active_memberships()[0].organisation
    for n in range(3):
        member(
            Role.CASEWORKER, org, email=f"a-rather-long-address-{n}@partner-organisation.example"
        )
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    sign_in(page, "admin@example.org", PASSWORD)
    for language in ("en", "fa-af"):
        switch_language(page, language)
        page.goto(f"{live_server.url}/orgs/{org.public_id}/staff/")
        wrap = page.locator(".table-wrap").first
        assert wrap.evaluate("w => w.scrollWidth > w.clientWidth"), (
            "the table is wider than a phone"
        )
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"the page is {width}px wide on a 360px screen ({language})"
