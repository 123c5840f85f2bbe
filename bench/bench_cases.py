"""Case management at scale: seeding rate, case list, name search across scripts, case page.

``BENCH_CASES`` (default 100,000) cases are seeded through the bulk registration service
(`case_register_many`, 500 to a transaction: sealed, indexed, numbered and audited as in
production). Each page is timed through the test client as a supervisor, who sees every
case of the organisation (about a seventh of all cases). Next to each page: how many
queries it ran and the time of the same statements replayed alone on a cursor ("SQL"), so
``page ÷ SQL`` shows what decryption, the audit row, Python and templates add.
"""

import os
import re
import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.bench_pages import client_login
from bench.harness import Context, Figure
from bench.live import ServerError
from payvand.cases.models import Case
from payvand.demo.region import demo_email
from payvand.demo.seed import SEED_BATCH, seed_cases

CLIENT_HOST = "127.0.0.1"
SUPERVISOR = "tj-dyu-supervisor"
PAGE_SIZE = 25
DEEP_PAGE = 500
CPU_SAMPLES = 50
WORKED = 20  # cases worked on in depth, when the organisation has none yet
# Statements a page writes or that only make sense inside its transaction: not replayed.
NOT_REPLAYED = ("INSERT", "UPDATE", "DELETE", "BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "SET")
# A write inside a WITH (the audit rows and the chain head, core/audit/services.py).
WRITES_WITHIN = re.compile(r"\b(INSERT\s+INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM)\b", re.I)


def run(ctx: Context) -> list[Figure]:
    total = int(os.environ.get("BENCH_CASES", "100000"))
    start = time.perf_counter()
    added = seed_cases(total)
    seconds = time.perf_counter() - start
    figures = []
    if added:
        figures.append(
            Figure(
                f"seed {added} cases (bulk registration, {SEED_BATCH} per transaction)",
                [seconds * 1000],
                {"cases/s": round(added / seconds)},
            )
        )
    worked, kinds, recorded = _worked_case(Case.objects.filter(organisation__code="DYU"))
    ctx.notes.append(
        f"{Case.objects.count()} cases in the database during the page timings; the "
        f"supervisor's organisation holds {Case.objects.filter(organisation__code='DYU').count()}."
    )
    client = Client(HTTP_HOST=CLIENT_HOST)
    client_login(client, demo_email(SUPERVISOR))  # with the second factor, as in production
    org_cases = Case.objects.filter(organisation__code="DYU")
    visible = org_cases.count()
    deep_page = min(DEEP_PAGE, max(1, (visible + PAGE_SIZE - 1) // PAGE_SIZE))
    sample = org_cases.order_by("id")[visible // 2]
    ctx.notes.append(
        f"The case page is timed twice: a case as registered (most of the 100,000: nothing "
        f"recorded in its sections yet) and the organisation's case worked in most depth "
        f"({worked.number}: records of {recorded} of the {kinds} kinds the sections show)."
    )
    ctx.notes.append(
        "CPU ms: this process's CPU time per request (view, templates, decryption, the "
        "test client; not the database server's), median over "
        f"{min(ctx.samples, CPU_SAMPLES)} requests: the part of the page that a busy "
        "machine slows down least."
    )
    pages = [
        ("case list, first page", "/cases/"),
        (f"case list, page {deep_page}", f"/cases/?page={deep_page}"),
        ("search by name, Latin for Cyrillic (Muhammad)", "/cases/?name=Muhammad"),
        ("search by name and family name (Гулнора Назарова)", "/cases/?name=Гулнора+Назарова"),
        ("search by case number", f"/cases/?number={sample.number}"),
        ("case page", f"/cases/{sample.public_id}/"),
        ("case page, a case worked in depth", f"/cases/{worked.public_id}/"),
    ]
    for name, path in pages:
        fetch = _fetch(client, path)
        timings, body = ctx.measure(fetch)
        page = Figure(f"{name} · test client", timings, {"KB": round(len(body) / 1024, 1)})
        statements = _statements(fetch)
        sql_timings, _rows = ctx.measure(_replay(statements))
        sql = Figure("", sql_timings)
        page.extra |= {
            "queries": len(statements),
            "SQL median ms": round(sql.median_ms, 2),
            "SQL p95 ms": round(sql.p95_ms, 2),
            "CPU ms": round(_cpu_ms(fetch, min(ctx.samples, CPU_SAMPLES)), 1),
            "page ÷ SQL": round(page.median_ms / max(sql.median_ms, 0.01), 1),
        }
        figures.append(page)
    return figures


def _worked_case(org_cases) -> tuple[Case, int, int]:
    """The organisation's case with records of the most kinds in its page's sections, and
    how many kinds it has of how many. The bulk seed only registers; when no case of the
    organisation was worked on yet, WORKED more are registered and worked on through the
    services as the demo's journeys do (consents, screening, plans, assistance …)."""
    from django.test import RequestFactory

    from payvand.assistance.models import AssistanceEntry
    from payvand.cases.sections import SECTIONS, _probe_rows

    worked = AssistanceEntry.objects.filter(case__in=org_cases).values("case")
    if not worked.exists():
        _work_cases(org_cases.first().organisation, WORKED)
    best: tuple[int, int, Case] | None = None
    for case in org_cases.filter(pk__in=worked).order_by("id"):
        request = RequestFactory().get("/")
        _probe_rows(request, case, list(SECTIONS.values()))
        found = request._payvand_case_rows[1]
        if best is None or sum(found.values()) > best[0]:
            best = (sum(found.values()), len(found), case)
    recorded, kinds, case = best
    return case, kinds, recorded


def _work_cases(org, n: int) -> None:
    import datetime as dt
    import random

    from payvand.accounts.models import Membership
    from payvand.cases.services import case_register
    from payvand.core.permissions import Role
    from payvand.demo.journeys import JourneyContext, seed_journey
    from payvand.demo.people import demo_registration
    from payvand.orgs.models import Organisation

    today = dt.date.today()
    owner = (
        Membership.objects.filter(organisation=org, role=Role.CASEWORKER, is_active=True)
        .first()
        .user
    )
    partners = list(Organisation.objects.filter(is_active=True).order_by("code"))
    journeys = JourneyContext.load(partners, today=today)
    rng = random.Random(f"bench-worked-cases:{org.code}")
    for _ in range(n):
        registration = demo_registration(rng, org.country, today)
        case = case_register(org=org, by=None, owner=owner, registration=registration)
        seed_journey(case, registration, journeys)


def _cpu_ms(fetch, samples: int) -> float:
    cpu = []
    for _ in range(samples):
        start = time.process_time()
        fetch()
        cpu.append((time.process_time() - start) * 1000)
    return statistics.median(cpu)


def _fetch(client: Client, path: str):
    def fetch() -> bytes:
        response = client.get(path)
        if response.status_code != 200:
            raise ServerError(f"GET {path} answered {response.status_code}")
        return response.content

    return fetch


def _statements(fetch) -> list[str]:
    """The read statements one request of the page runs, as the database received them."""
    with CaptureQueriesContext(connection) as captured:
        fetch()
    statements = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if sql.startswith("DECLARE "):  # a server-side cursor (.iterator()): its SELECT
            sql = sql[sql.index(" FOR ") + len(" FOR ") :]
        sql = sql.strip()
        if sql.upper().startswith(NOT_REPLAYED) or sql.upper().endswith("FOR UPDATE"):
            continue
        if sql.upper().startswith("WITH") and WRITES_WITHIN.search(sql):
            continue
        statements.append(sql)
    return statements


def _replay(statements: list[str]):
    """Run the page's statements on a bare cursor: the database's share of the page."""

    def replay() -> int:
        rows = 0
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                rows += len(cursor.fetchall())
        return rows

    return replay
