"""The survivor's journey end to end in a real browser, as a caseworker and a supervisor do it.

register → screen → risk assessment → support plan → three assistance entries →
reintegration plan → two follow-up visits → closure approved by a supervisor.

Only the organisation, the two accounts and the screening catalogue (browser tests flush
the database) are made in Python; every step after that is a click or a typed field on the
real pages, reached from the case page. Each step stops with what the page said when it
cannot be done.
"""

import datetime as dt
import json
import re
from collections import Counter
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from payvand.core import sealed
from payvand.core.permissions import Role
from payvand.screening.tests.helpers import VICTIM_ADULT_LABOUR, catalogue_v1
from payvand.testing.factories import PASSWORD, OrganisationFactory, member

pytestmark = pytest.mark.browser

GIVEN, FAMILY, FATHER = "Гулнора", "Назарова", "Саидмурод"
# The same names as a search would fold them to Latin: not in clear either.
LATIN = ("Gulnora", "Nazarova", "Saidmurod")

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


# --- moving through the pages -------------------------------------------------------------


def _problems(page: Page) -> str:
    """What the page says went wrong (field errors, form errors, error messages)."""
    texts = page.locator(".errors, .has-error .error, .msg-error, [role=alert]").all_inner_texts()
    said = " | ".join(" ".join(t.split()) for t in texts if t.strip())
    return said or f"no error shown; <h1>: {page.locator('h1').first.inner_text()!r}"


def _landed(page: Page, response, step: str, lands_on: str) -> None:
    status = response.status if response is not None else None
    assert status is not None and status < 400, (
        f"{step}: the server answered {status} at {page.url}: {_problems(page)}"
    )
    path = urlsplit(page.url).path
    assert re.fullmatch(lands_on, path), (
        f"{step}: expected to land on {lands_on}, but the browser is on {path}: {_problems(page)}"
    )


def _follow(page: Page, selector: str, step: str, *, lands_on: str) -> None:
    """Click the link ``selector`` of this page and wait for the page it leads to."""
    link = page.locator(selector)
    assert link.count() > 0, (
        f"{step}: no link {selector} on {urlsplit(page.url).path} "
        f"(<h1>: {page.locator('h1').first.inner_text()!r})"
    )
    with page.expect_navigation() as navigation:
        link.first.click()
    _landed(page, navigation.value, step, lands_on)


def _submit(page: Page, form: Locator, step: str, *, lands_on: str) -> None:
    """Submit ``form`` with its own button and wait for the page the server sends back."""
    assert form.count() == 1, f"{step}: the form is not on {urlsplit(page.url).path}"
    with page.expect_navigation() as navigation:
        form.locator("button[type=submit]").first.click()
    _landed(page, navigation.value, step, lands_on)


def _done(page: Page, step: str) -> None:
    """The page confirms the step with a success message."""
    assert page.locator("ul.messages .msg-success").count() > 0, (
        f"{step}: no confirmation on {urlsplit(page.url).path}: {_problems(page)}"
    )


def _workflow_form(page: Page, action: str) -> Locator:
    return page.locator(f"form.workflow:has(input[name=action][value={action}])")


# --- the database, read as an attacker with a copy of it would --------------------------


def _as_bytes(value) -> list[bytes]:
    if value is None or isinstance(value, bool | int | float | dt.date | dt.datetime):
        return []
    if isinstance(value, memoryview | bytearray):
        value = bytes(value)
    if isinstance(value, bytes):
        return [value]
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return [text.encode(), text.casefold().encode()]


def _names_in_clear(tables: list[str]) -> list[str]:
    """Every (table, name) where a survivor's name is readable, in any encoding we store."""
    needles = {}
    for name in (GIVEN, FAMILY, FATHER):
        needles[name] = [
            name.encode(),
            name.casefold().encode(),
            json.dumps(name)[1:-1].encode(),  # JSON with \u escapes
            json.dumps(name.casefold())[1:-1].encode(),
        ]
    for name in LATIN:
        needles[name] = [name.casefold().encode()]
    found = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                blobs = [b for value in row for b in _as_bytes(value)]
                for name, forms in needles.items():
                    if any(form in blob for blob in blobs for form in forms):
                        found.append(f"{table}: {name}")
    return sorted(set(found))


# --- the journey ---------------------------------------------------------------------------


def test_a_survivors_journey_from_registration_to_approved_closure(
    transactional_db, live_server, page, sign_in
):
    org = OrganisationFactory()
    worker = member(Role.CASEWORKER, org, email="worker@example.org", full_name="Nigora Karimova")
    boss = member(Role.SUPERVISOR, org, email="boss@example.org", full_name="Farida Umarova")
    catalogue_v1()  # the data migration's catalogue, flushed by earlier browser tests
    today = timezone.localdate()

    def day(n: int) -> str:
        return (today + dt.timedelta(days=n)).isoformat()

    # 1. The caseworker signs in and registers her, names in Cyrillic.
    sign_in(page, worker.email, PASSWORD)
    register_url = reverse("cases:register")
    _follow(page, f"main a[href='{register_url}']", "register", lands_on=register_url)
    page.fill("input[name=given_name]", GIVEN)
    page.fill("input[name=family_name]", FAMILY)
    page.fill("input[name=father_name]", FATHER)
    page.select_option("select[name=gender]", "Feminine")
    page.fill("input[name=estimated_age]", "24")
    page.fill("input[name=identified_on]", day(-60))
    _submit(page, page.locator("main form"), "register", lands_on=rf"/cases/{UUID}/")
    _done(page, "register")
    case_id = urlsplit(page.url).path.split("/")[2]
    case_path = reverse("cases:detail", args=[case_id])
    expect(page.locator("#identity-h + dl")).to_contain_text(f"{GIVEN} {FAMILY}")
    ids = {"case_id": case_id}

    # 2. Screening with the adult-labour list: the rule is met, the caseworker confirms.
    new_screening = reverse("screening:new", kwargs=ids)
    _follow(page, f"main a[href='{new_screening}']", "open the screening", lands_on=new_screening)
    list_choice = page.locator("input[name=list][value=adult-labour]")
    assert list_choice.count() == 1, f"screening: no adult-labour list to pick: {_problems(page)}"
    list_choice.check()
    _submit(page, page.locator("main form"), "pick the list", lands_on=new_screening)
    indicators = page.locator("fieldset.indicator[data-field^=answer_]")
    fields = [indicators.nth(i).get_attribute("data-field") for i in range(indicators.count())]
    observed = {f"answer_{code}" for code in VICTIM_ADULT_LABOUR}
    assert observed <= set(fields), (
        f"screening: the adult-labour form lacks {sorted(observed - set(fields))}"
    )
    for field in fields:
        answer = "observed" if field in observed else "not_observed"
        page.check(f"input[name='{field}'][value={answer}]")
    screening_path = rf"/cases/{case_id}/screening/{UUID}/"
    _submit(page, page.locator("form.screen-form"), "save the screening", lands_on=screening_path)
    _done(page, "save the screening")
    expect(page.locator("section.rule.rule-met")).to_be_visible()
    presumed = page.locator("form.decision-form input[name=status]:checked")
    assert presumed.count() == 1, "screening: the presumptive status is not preselected"
    _submit(page, page.locator("form.decision-form"), "confirm the status", lands_on=screening_path)
    _done(page, "confirm the status")
    expect(page.locator("form.decision-form")).to_have_count(0)
    _follow(page, f".crumbs a[href='{case_path}']", "back to the case", lands_on=case_path)

    # 3. Risk assessment with a safety plan.
    risk_new = reverse("plans:risk_create", kwargs=ids)
    _follow(page, f"#plans-risk a[href='{risk_new}']", "risk assessment", lands_on=risk_new)
    page.select_option("select[name=individual_level]", "high")
    page.select_option("select[name=household_level]", "medium")
    page.select_option("select[name=community_level]", "low")
    page.fill("textarea[name=individual]", f"{GIVEN} still owes the recruiter")
    safety_plan = f"{GIVEN} stays at the shelter; she calls the hotline if the recruiter calls"
    page.fill("textarea[name=safety_plan]", safety_plan)
    page.fill("input[name=review_on]", day(14))
    _submit(page, page.locator("main form.plans-form"), "risk assessment", lands_on=case_path)
    _done(page, "risk assessment")
    expect(page.locator("#plans-risk .risk-summary .tag.risk-high")).to_be_visible()
    expect(page.locator("#plans-risk")).to_contain_text(safety_plan)

    # 4. Support plan: one item, submitted for approval.
    item_new = reverse("plans:item_create", kwargs=ids)
    _follow(page, f"#plans-support a[href='{item_new}']", "support plan item", lands_on=item_new)
    page.select_option("select[name=support_type]", "Legal")
    page.fill("textarea[name=objectives]", f"Residence permit for {GIVEN} renewed")
    page.fill("textarea[name=actions]", "The lawyer files the application")
    page.fill("input[name=planned_end_on]", day(60))
    _submit(page, page.locator("main form.plans-form"), "support plan item", lands_on=case_path)
    _done(page, "support plan item")
    expect(page.locator("#plans-support table.plan-items tbody tr")).to_have_count(1)
    _submit(
        page,
        page.locator("#plans-support form[action$='/submit/']"),
        "submit the support plan",
        lands_on=case_path,
    )
    _done(page, "submit the support plan")
    expect(page.locator("#plans-support .plan-status.plan-submitted")).to_be_visible()

    # 5. Three assistance entries, two clicks each: the type's button, then Save.
    entries = page.locator("#assistance table.assistance-log tbody tr")
    for n, kind in enumerate(("Legal", "Psychological", "Medical"), start=1):
        step = f"quick add {kind}"
        button = page.locator(f"#assistance .quick-add a[href$='?type={kind}']")
        assert button.count() == 1, f"{step}: no quick-add button on the case page"
        button.click()  # click 1: htmx swaps the form in (or, without it, opens the form page)
        form = page.locator("form.quick-form")
        form.wait_for()
        _submit(page, form, step, lands_on=case_path)  # click 2
        _done(page, step)
        expect(entries).to_have_count(n)

    # 6. Reintegration plan, then two follow-up visits whose scores rise.
    reintegration = reverse("plans:reintegration_edit", kwargs=ids)
    _follow(
        page,
        f"#plans-reintegration a[href='{reintegration}']",
        "reintegration plan",
        lands_on=reintegration,
    )
    page.fill("input[name=start_on]", day(-30))
    page.fill("textarea[name=goals]", f"{GIVEN} opens a sewing workshop in her village")
    _submit(page, page.locator("main form.plans-form"), "reintegration plan", lands_on=case_path)
    _done(page, "reintegration plan")

    visit_new = reverse("plans:visit_create", kwargs=ids)
    for when, scores in ((day(-14), (2, 2, 1)), (day(0), (4, 3, 3))):
        step = f"follow-up visit of {when}"
        _follow(page, f"#plans-reintegration a[href='{visit_new}']", step, lands_on=visit_new)
        page.fill("input[name=visited_on]", when)
        page.select_option("select[name=mode]", "home_visit")
        for dimension, score in zip(("economic", "social", "psychosocial"), scores, strict=True):
            page.check(f"input[name={dimension}][value='{score}']")
        page.fill("textarea[name=notes]", f"{GIVEN} met at home with her mother")
        _submit(page, page.locator("main form.plans-form"), step, lands_on=case_path)
        _done(page, step)
    expect(page.locator("#plans-reintegration table.visits tbody tr")).to_have_count(2)
    trend = page.locator("#plans-reintegration .sustainability .trend.trend-improving")
    expect(trend).to_be_visible()
    expect(trend).to_contain_text("improving")

    # 7. She asks to close the case, with a reason, and signs out.
    closing = _workflow_form(page, "request_closure")
    assert closing.count() == 1, "closure: no way to ask for the closure on the case page"
    closing.locator("select[name=reason]").select_option("ServicesCompleted")
    _submit(page, closing, "ask to close the case", lands_on=case_path)
    _done(page, "ask to close the case")
    expect(_workflow_form(page, "request_closure")).to_have_count(0)
    logout = reverse("accounts:logout")
    _submit(
        page,
        page.locator(f"header form[action='{logout}']"),
        "sign out",
        lands_on=reverse("accounts:login"),
    )

    # 8. The supervisor signs in, opens the case, approves the plan and the closure.
    sign_in(page, boss.email, PASSWORD)
    cases_url = reverse("cases:list")
    _follow(page, f"header nav a[href='{cases_url}']", "supervisor's case list", lands_on=cases_url)
    _follow(
        page, f"main tbody a[href='{case_path}']", "supervisor opens the case", lands_on=case_path
    )
    _submit(
        page,
        page.locator("#plans-support form[action$='/approve/']"),
        "approve the support plan",
        lands_on=case_path,
    )
    _done(page, "approve the support plan")
    expect(page.locator("#plans-support .plan-status.plan-approved")).to_be_visible()
    _submit(
        page,
        _workflow_form(page, "approve_closure"),
        "approve the closure",
        lands_on=case_path,
    )
    _done(page, "approve the closure")
    expect(page.locator("main h1 .tag")).to_have_text("Closed")

    # 9. The timeline lists every step, oldest first in the journey's order, with who did it.
    timeline = reverse("cases:timeline", args=[case_id])
    _follow(page, f"main a[href='{timeline}']", "timeline", lands_on=timeline)
    rows = page.locator("ol.timeline > li")
    labels = [" ".join(t.split()) for t in rows.locator("strong").all_inner_texts()][::-1]
    journey = [
        ("Case registered", 1),
        ("Screening recorded", 1),
        ("Screening decision taken", 1),
        ("Risk assessed", 1),
        ("Support plan item added", 1),
        ("Support plan submitted for approval", 1),
        ("Assistance recorded", 3),
        ("Reintegration plan written", 1),
        ("Follow-up visit recorded", 2),
        ("Closure requested", 1),
        ("Support plan approved", 1),
        ("Closure approved", 1),
    ]
    counts = Counter(labels)
    missing = [f"{label} ×{n} (found {counts[label]})" for label, n in journey if counts[label] < n]
    assert not missing, f"timeline: missing {missing}; it shows {sorted(counts)}"
    firsts = [labels.index(label) for label, _n in journey]
    assert firsts == sorted(firsts), f"timeline: the steps are out of order: {labels}"
    expect(rows.filter(has_text="Closure requested")).to_contain_text(worker.full_name)
    expect(rows.filter(has_text="Closure approved")).to_contain_text(boss.full_name)

    # 10. Nowhere in the database is a name of hers readable.
    tables = connection.introspection.table_names()
    sealed_tables = {column.model._meta.db_table for column in sealed.COLUMNS}
    assert {"cases_person", *sealed_tables} <= set(tables)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM cases_person WHERE identity IS NOT NULL")
        assert cursor.fetchone()[0] == 1, "her identity is not stored (sealed) at all"
    in_clear = _names_in_clear(["cases_person", *sorted(sealed_tables)])
    assert not in_clear, f"names readable in the database: {in_clear}"
    elsewhere = _names_in_clear(sorted(set(tables) - {"cases_person", *sealed_tables}))
    assert not elsewhere, f"names readable in other tables: {elsewhere}"
