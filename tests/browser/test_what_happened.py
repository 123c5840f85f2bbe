"""What happened and attachments in a real browser: ticking, the route, a file upload,
and the same form in Dari (right to left, nothing wider than the screen)."""

from pathlib import Path

import pytest
from django.urls import reverse

from payvand.attachments.models import Attachment
from payvand.core.permissions import Role
from payvand.testing.browser import sign_in_on
from payvand.testing.factories import PASSWORD, case, member
from payvand.trafficking.models import TraffickingEvent, VictimContext

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n% a scanned consent form\n%%EOF\n"


def _signed_in(page, live_server, email):
    return sign_in_on(page, live_server.url, email, PASSWORD)


def test_a_caseworker_records_what_happened_the_route_and_a_file(
    transactional_db, live_server, page, tmp_path
):
    worker = member(Role.CASEWORKER, email="happened@example.org")
    c = case(worker.active_memberships()[0].organisation, owner=worker)
    _signed_in(page, live_server, worker.email)
    case_url = f"{live_server.url}{reverse('cases:detail', args=[c.public_id])}"
    page.goto(case_url)

    page.click("#trafficking a:text-is('Record what happened')")
    page.check("label:has-text('Forced labour') input")
    page.check("label:has-text('F · Construction') input")
    page.locator("label:has-text('Debt bondage') input").focus()
    page.keyboard.press("Space")  # ticked with the keyboard
    page.fill("textarea[name=account]", "Обещали работу на стройке, забрали паспорт")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{case_url}#trafficking")
    context = VictimContext.objects.get()
    assert context.control_methods == ["DebtBondage"]
    assert "F · Construction" in page.inner_text("#trafficking")

    page.click("#trafficking a:text-is('Add a step of the route')")
    page.check("input[name=event_type][value=Exploitation]")
    page.select_option("select[name=country]", "RU")
    page.select_option("select[name=province]", "RU-MOW")
    page.fill("input[name=occurred_on]", "2025-06-01")
    page.select_option("select[name=date_precision]", "month")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{case_url}#trafficking")
    assert TraffickingEvent.objects.get().province == "RU-MOW"
    assert "June 2025" in page.inner_text("#trafficking table")

    scan = tmp_path / "согласие.pdf"
    scan.write_bytes(PDF)
    page.click("#attachments a:text-is('Attach a file')")
    page.set_input_files("input[name=file]", str(scan))
    page.select_option("select[name=category]", "ConsentForm")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{case_url}#attachments")
    assert Attachment.objects.get().file_type == "pdf"
    with page.expect_download() as download:
        page.click("#attachments a:has-text('согласие.pdf')")
    assert download.value.suggested_filename == "согласие.pdf"
    assert Path(download.value.path()).read_bytes() == PDF


def test_the_what_happened_form_reads_right_to_left_in_dari(
    transactional_db, live_server, new_context
):
    worker = member(Role.CASEWORKER, email="dari@example.org", preferred_language="fa-af")
    c = case(worker.active_memberships()[0].organisation, owner=worker)
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    _signed_in(page, live_server, worker.email)
    page.goto(f"{live_server.url}{reverse('trafficking:victim_edit', args=[c.public_id])}")
    assert page.get_attribute("html", "dir") == "rtl"
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow}px wider than a 360px screen"
