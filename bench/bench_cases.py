"""Case management at scale: seeding rate, case list, name search across scripts, case page.

``BENCH_CASES`` (default 100,000) cases are seeded through the bulk registration service
(`case_register_many`, 500 to a transaction: sealed, indexed, numbered and audited as in
production). Each page is timed through the test client as a supervisor, who sees every
case of the organisation (about a seventh of all cases). Next to each page: how many
queries it ran and the time of the same statements replayed alone on a cursor ("SQL"), so
``page ÷ SQL`` shows what decryption, the audit row, Python and templates add.
"""

import os
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.harness import Context, Figure
from bench.live import ServerError
from payvand.cases.models import Case
from payvand.demo.region import DEMO_PASSWORD, demo_email
from payvand.demo.seed import SEED_BATCH, seed_cases

CLIENT_HOST = "127.0.0.1"
SUPERVISOR = "tj-dyu-supervisor"
PAGE_SIZE = 25
DEEP_PAGE = 500
# Statements a page writes or that only make sense inside its transaction: not replayed.
NOT_REPLAYED = ("INSERT", "UPDATE", "DELETE", "BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")


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
    ctx.notes.append(
        f"{Case.objects.count()} cases in the database during the page timings; the "
        f"supervisor's organisation holds {Case.objects.filter(organisation__code='DYU').count()}."
    )
    client = Client(HTTP_HOST=CLIENT_HOST)
    response = client.post(
        "/accounts/login/", {"username": demo_email(SUPERVISOR), "password": DEMO_PASSWORD}
    )
    if response.status_code != 302:
        raise ServerError(f"login as {SUPERVISOR} answered {response.status_code}")
    org_cases = Case.objects.filter(organisation__code="DYU")
    visible = org_cases.count()
    deep_page = min(DEEP_PAGE, max(1, (visible + PAGE_SIZE - 1) // PAGE_SIZE))
    sample = org_cases.order_by("id")[visible // 2]
    pages = [
        ("case list, first page", "/cases/"),
        (f"case list, page {deep_page}", f"/cases/?page={deep_page}"),
        ("search by name, Latin for Cyrillic (Muhammad)", "/cases/?name=Muhammad"),
        ("search by name and family name (Гулнора Назарова)", "/cases/?name=Гулнора+Назарова"),
        ("search by case number", f"/cases/?number={sample.number}"),
        ("case page", f"/cases/{sample.public_id}/"),
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
            "page ÷ SQL": round(page.median_ms / max(sql.median_ms, 0.01), 1),
        }
        figures.append(page)
    return figures


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
        if sql.upper().startswith(NOT_REPLAYED) or sql.rstrip().upper().endswith("FOR UPDATE"):
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
