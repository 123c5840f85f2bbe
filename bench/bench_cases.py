"""Case management at scale: seeding rate, case list, name search across scripts, case page.

``BENCH_CASES`` (default 5,000) cases are seeded through the registration service (sealed,
indexed, audited, exactly as in production) — the issue's target figures are for
``BENCH_CASES=100000 make bench``. Each page is timed through the test client as a
supervisor, who sees every case of the organisation; next to it, the time of the raw SQL
the page's main query needs, so the overhead of decryption, audit and templates shows.
"""

import os
import time

from django.db import connection
from django.test import Client

from bench.harness import Context, Figure
from bench.live import ServerError
from payvand.cases.models import Case
from payvand.demo.region import DEMO_PASSWORD, demo_email
from payvand.demo.seed import seed_cases

CLIENT_HOST = "127.0.0.1"
SUPERVISOR = "tj-dyu-supervisor"
PAGE_SIZE = 25


def run(ctx: Context) -> list[Figure]:
    total = int(os.environ.get("BENCH_CASES", "5000"))
    start = time.perf_counter()
    added = seed_cases(total)
    seconds = time.perf_counter() - start
    figures = []
    if added:
        figures.append(
            Figure(
                f"seed {added} cases (registration service)",
                [seconds * 1000],
                {"cases/s": round(added / seconds)},
            )
        )
    ctx.notes.append(f"{Case.objects.count()} cases in the database during the page timings.")
    client = Client(HTTP_HOST=CLIENT_HOST)
    response = client.post(
        "/accounts/login/", {"username": demo_email(SUPERVISOR), "password": DEMO_PASSWORD}
    )
    if response.status_code != 302:
        raise ServerError(f"login as {SUPERVISOR} answered {response.status_code}")
    org_cases = Case.objects.filter(organisation__code="DYU")
    visible = org_cases.count()
    last_page = max(1, (visible + PAGE_SIZE - 1) // PAGE_SIZE)
    deep_page = min(500, last_page)
    sample = org_cases.order_by("id")[visible // 2]
    pages = [
        ("case list, first page", "/cases/", None),
        (f"case list, page {deep_page}", f"/cases/?page={deep_page}", None),
        ("search by name, Latin for Cyrillic (Muhammad)", "/cases/?name=Muhammad", None),
        (
            "search by name and family name (Гулнора Назарова)",
            "/cases/?name=Гулнора+Назарова",
            None,
        ),
        ("search by case number", f"/cases/?number={sample.number}", None),
        ("case page", f"/cases/{sample.public_id}/", None),
    ]
    for name, path, _ in pages:
        timings, body = ctx.measure(_fetch(client, path))
        figures.append(Figure(f"{name} · test client", timings, {"KB": round(len(body) / 1024, 1)}))
    figures += _raw_sql(ctx, deep_page, sample.number)
    return figures


def _fetch(client: Client, path: str):
    def fetch() -> bytes:
        response = client.get(path)
        if response.status_code != 200:
            raise ServerError(f"GET {path} answered {response.status_code}")
        return response.content

    return fetch


def _raw_sql(ctx: Context, deep_page: int, number: str) -> list[Figure]:
    """The main query of each page alone, as the database runs it."""
    queries = {
        "raw SQL: list first page": (
            "SELECT c.id FROM cases_case c JOIN orgs_organisation o ON o.id = c.organisation_id "
            "WHERE o.code = %s ORDER BY c.identified_on DESC, c.id DESC LIMIT 25",
            ["DYU"],
        ),
        f"raw SQL: list page {deep_page}": (
            "SELECT c.id FROM cases_case c JOIN orgs_organisation o ON o.id = c.organisation_id "
            "WHERE o.code = %s ORDER BY c.identified_on DESC, c.id DESC LIMIT 25 OFFSET %s",
            ["DYU", (deep_page - 1) * PAGE_SIZE],
        ),
        "raw SQL: case by number": ("SELECT id FROM cases_case WHERE number = %s", [number]),
    }
    figures = []
    for name, (sql, params) in queries.items():

        def run_query(sql=sql, params=params):
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()

        timings, _rows = ctx.measure(run_query)
        figures.append(Figure(name, timings))
    return figures
