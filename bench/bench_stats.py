"""Regional statistics at scale: CTDC import, suppressed tables and the statistics page.

On PostgreSQL, ``BENCH_STATS_CASES`` (default 1,000,000) **synthetic** survivors are added
with bulk SQL (generate_series) — person, case, victim context, an exploitation event and
a consent to statistics each — under a synthetic organisation ``BSTAT``: seeding that many
through the services would take hours here, and the tables only read codes. They are not
sealed, indexed or audited like real cases, and they stay in this throwaway database (or,
with ``--reuse``, in the kept one, topped up rather than seeded again). One record in
fifty is linked to the next as the same survivor, as the clustering job would.

Then: 1 % of the consents are withdrawn (before the refresh: they are no longer counted),
the facts refresh (`payvand stats refresh`), 1,000 more consents withdrawn after it, by SQL
too (the survivors they concern are picked again when a page's tables are computed),
every table of the statistics page built and suppressed from the cube of the facts
(cache empty), regionally and for BSTAT's own figures, one table alone, and the page
itself, warm (cached), as a regional analyst. On SQLite only the
CTDC import runs (the tables at 1,000,000 cases are a PostgreSQL figure). The CTDC import
reads the real 2017 file when it is present (``../shared/data/ctdc-2017/``, never
committed).
"""

import os
import sys
import time
from pathlib import Path

from django.core.cache import cache
from django.db import connection
from django.test import Client

from bench.harness import Context, Figure
from payvand.demo.region import demo_email

CTDC_FILE = Path(
    os.environ.get(
        "BENCH_CTDC_FILE",
        Path(__file__).resolve().parents[2] / "shared/data/ctdc-2017/ctdc_global_2017.csv",
    )
)
ANALYST = "regional-analyst"
CLIENT_HOST = "127.0.0.1"


def _ctdc_import(ctx: Context) -> list[Figure]:
    from payvand.stats.services import ctdc_import

    if not CTDC_FILE.exists():
        ctx.notes.append(f"CTDC import skipped: {CTDC_FILE} is absent.")
        return []
    data = CTDC_FILE.read_bytes()
    start = time.perf_counter()
    report = ctdc_import(data=data, name="bench-ctdc-2017", replace=True)
    seconds = time.perf_counter() - start
    return [
        Figure(
            f"CTDC import, real 2017 file ({report.imported} rows)",
            [seconds * 1000],
            {"rows/s": round(report.imported / seconds)},
        )
    ]


SYNTHETIC_SQL = """
WITH org AS (SELECT id FROM orgs_organisation WHERE code = 'BSTAT'),
     worker AS (SELECT %(user)s::bigint AS id)
INSERT INTO cases_person (public_id, organisation_id, gender, birth_year, birth_precision,
                          citizenship, created_at)
SELECT gen_random_uuid(), (SELECT id FROM org),
       (ARRAY['Feminine','Masculine','Feminine','NonConforming','NonSpecifiedUnknown'])[1 + i %% 5],
       1960 + (i * 7) %% 55, 'year',
       ' ' || (ARRAY['AF','TJ','UZ','TM','PK','KG','IR','IN','BD','NP'])[1 + (i * 13) %% 10] || ' ',
       now()
FROM generate_series(%(start)s, %(stop)s) AS i
"""


def _seed_synthetic(total: int) -> tuple[int, float]:
    """Top the synthetic consented survivors up to ``total`` with bulk SQL (a database kept
    with ``--reuse`` is seeded once); returns how many were added and the seconds taken.

    One record in fifty is linked to the next one as the same survivor (a SurvivorKey
    row, as the clustering job writes them), so the tables count about 1 % fewer
    survivors than records and pick the earlier record of each pair.
    """
    from payvand.accounts.models import User
    from payvand.orgs.models import Organisation

    org, _created = Organisation.objects.get_or_create(
        code="BSTAT",
        defaults={"name": "Synthetic statistics (benchmark)", "country": "TJ", "org_type": "NGO"},
    )
    user = User.objects.order_by("pk").first()
    start = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM cases_person WHERE organisation_id = %s", [org.pk])
        existing = cur.fetchone()[0]
        if existing >= total:
            return 0, 0.0
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM cases_person")
        first_person = cur.fetchone()[0] + 1
        cur.execute(SYNTHETIC_SQL, {"user": user.pk, "start": existing + 1, "stop": total})
        cur.execute(
            """
            INSERT INTO cases_case (public_id, number, organisation_id, person_id, status,
                owner_id, identification_source, identified_on, province, closure_pending,
                created_at, updated_at)
            SELECT gen_random_uuid(), 'BSTAT-' || p.id, p.organisation_id, p.id, 'Active', %s,
                   'Outreach', make_date((2012 + p.id %% 14)::int, (1 + p.id %% 12)::int,
                             (1 + p.id %% 28)::int), '',
                   false, now(), now()
            FROM cases_person p WHERE p.id >= %s
            """,
            [user.pk, first_person],
        )
        cur.execute(
            """
            INSERT INTO trafficking_victimcontext (public_id, case_id, trafficking_status,
                status_decided_by, relationship_to_trafficker, recruiter_relations,
                recruitment_methods, recruitment_platforms, exploitation_platforms,
                control_methods, exploitation_types, industries, sex_exploitation_types,
                migration_statuses, version, updated_at)
            SELECT gen_random_uuid(), c.id, '', '', '', '', '', '', '', ' DebtBondage ',
                   (ARRAY[' ForcedLabour ', ' SexualExploitation ',
                          ' ForcedLabour SexualExploitation ', ' ForcedMarriage ',
                          ' ChildLabour '])[1 + c.id %% 5],
                   '', '', '', 0, now()
            FROM cases_case c WHERE c.person_id >= %s
            """,
            [first_person],
        )
        cur.execute(
            """
            INSERT INTO trafficking_traffickingevent (public_id, case_id, event_type, country,
                province, date_precision, created_by_id, created_at, updated_at)
            SELECT gen_random_uuid(), c.id, 'Exploitation',
                   (ARRAY['RU', 'KZ', 'TR', 'AE', 'IR', 'SA', 'IN', 'TJ', 'AF', 'CN',
                          'MY'])[1 + (c.id * 3) %% 11],
                   '', '', %s, now(), now()
            FROM cases_case c WHERE c.person_id >= %s
            """,
            [user.pk, first_person],
        )
        cur.execute(
            """
            INSERT INTO consent_consent (public_id, case_id, purpose, recipient_country, given_by,
                given_on, recorded_how, recorded_by_id, created_at)
            SELECT gen_random_uuid(), c.id, 'statistics', '', 'self', c.identified_on,
                   'written_signed', %s, now()
            FROM cases_case c WHERE c.person_id >= %s AND c.id %% 10 <> 0
            """,
            [user.pk, first_person],
        )
        cur.execute(
            """
            INSERT INTO linkage_survivorkey (person_id, key, updated_at)
            SELECT p.id, p.id - (p.id - %s) %% 50, now()
            FROM cases_person p
            WHERE p.id >= %s AND (p.id - %s) %% 50 IN (0, 1)
              AND EXISTS (SELECT 1 FROM cases_person q
                          WHERE q.id = p.id - (p.id - %s) %% 50 + 1 AND q.organisation_id = %s)
            """,
            [first_person, first_person, first_person, first_person, org.pk],
        )
        cur.execute("ANALYZE")
    return total - existing, time.perf_counter() - start


WITHDRAW_SQL = """
UPDATE consent_consent SET withdrawn_on = given_on + 30, withdrawn_by_id = recorded_by_id
WHERE purpose = 'statistics' AND withdrawn_on IS NULL AND case_id %% {modulus} = {remainder}
  AND case_id IN (SELECT id FROM cases_case WHERE number LIKE 'BSTAT-%%')
"""
RESTORE_SQL = """
UPDATE consent_consent SET withdrawn_on = NULL, withdrawn_by_id = NULL
WHERE purpose = 'statistics' AND withdrawn_on IS NOT NULL AND case_id %% {modulus} = {remainder}
  AND case_id IN (SELECT id FROM cases_case WHERE number LIKE 'BSTAT-%%')
"""
# (modulus, remainder): 1 % withdrawn long ago; 1 in 900 (about 1,000) since the refresh.
LONG_AGO = (100, 7)
SINCE_REFRESH = (900, 5)


def _withdraw(which: tuple[int, int], *, restore: bool = False) -> int:
    modulus, remainder = which
    sql = (RESTORE_SQL if restore else WITHDRAW_SQL).format(modulus=modulus, remainder=remainder)
    with connection.cursor() as cur:
        cur.execute(sql, [])  # with parameters, so that %% reads as %
        return cur.rowcount


def run(ctx: Context) -> list[Figure]:
    figures = _ctdc_import(ctx)
    if connection.vendor != "postgresql":
        ctx.notes.append("Statistics tables and page at scale: PostgreSQL only.")
        return figures
    from payvand.cases.models import Case
    from payvand.linkage.models import SurvivorKey
    from payvand.orgs.models import Organisation
    from payvand.stats.facts import facts_refresh
    from payvand.stats.models import CaseFact, FactCube
    from payvand.stats.selectors import Filters, chart_tables

    total = int(os.environ.get("BENCH_STATS_CASES", "1000000"))
    added, seconds = _seed_synthetic(total)
    if added:
        figures.append(
            Figure(
                f"insert {added} synthetic survivors by bulk SQL (not the services)",
                [seconds * 1000],
                {"rows/s": round(added / seconds)},
            )
        )
    else:
        ctx.notes.append(f"The {total} synthetic survivors were kept from an earlier run.")
    _withdraw(SINCE_REFRESH, restore=True)  # a kept database: withdrawn by the last run
    long_ago = _withdraw(LONG_AGO)
    start = time.perf_counter()
    refresh = facts_refresh()
    figures.append(
        Figure(
            f"payvand stats refresh ({refresh.rows} cases)", [(time.perf_counter() - start) * 1000]
        )
    )
    since = _withdraw(SINCE_REFRESH)
    ctx.notes.append(
        f"{Case.objects.count()} cases during the statistics timings, 90 % of them with "
        f"consent to statistics ({long_ago} more withdrawn before the refresh, {since} "
        f"after it); {SurvivorKey.objects.count()} records linked in pairs as one survivor; "
        "the synthetic ones are labelled BSTAT."
    )

    regional = FactCube.objects.filter(organisation=None).count()
    ctx.notes.append(
        f"The cube the tables read holds {FactCube.objects.count()} rows ({regional} "
        f"regional, the rest per organisation) for {CaseFact.objects.count()} facts; the "
        "synthetic survivors' attributes are periodic in their ids, so a real million "
        "would make many more combinations (see RESULTS)."
    )

    def all_tables(filters=None):
        cache.clear()
        return chart_tables(filters or Filters())

    samples, _ = _measure(all_tables, ctx, samples=min(ctx.samples, 10))
    figures.append(Figure("all six suppressed tables of the page, cache empty", samples))
    print(f"[stats] six tables: {sorted(samples)}", file=sys.stderr, flush=True)
    sql = _sql_of(all_tables)
    ctx.notes.append(
        f"The six tables ran {sql[0]} queries taking {sql[1]:.0f} ms in the database (the "
        "withdrawals since the refresh looked up once for the page)."
    )
    bstat = Organisation.objects.get(code="BSTAT")
    own, _ = _measure(
        lambda: all_tables(Filters(organisation=bstat)), ctx, samples=min(ctx.samples, 10)
    )
    figures.append(Figure("the six tables of BSTAT's own figures, cache empty", own))
    one, _ = _measure(lambda: _year_gender(), ctx, samples=min(ctx.samples, 10))
    figures.append(Figure("one suppressed table (year × gender), cache empty", one))
    sql = _sql_of(_year_gender)
    ctx.notes.append(
        f"One table (year × gender) ran {sql[0]} queries taking {sql[1]:.0f} ms in the database "
        "(the withdrawals since the refresh looked up for it alone; the rest is Python: "
        "suppression and its linear programmes)."
    )

    figures.extend(_scrambled_cube(ctx, all_tables))
    try:
        figures.extend(_page(ctx))
    except Exception as error:  # the figures above still count; say why the page has none
        ctx.notes.append(f"statistics page not timed: {type(error).__name__}: {error}")
    start = time.perf_counter()
    facts_refresh()
    figures.append(
        Figure(
            "payvand stats refresh again (only the withdrawals since changed)",
            [(time.perf_counter() - start) * 1000],
        )
    )
    return figures


SCRAMBLED_CUBE_SQL = """
INSERT INTO stats_factcube (organisation_id, country, year, gender, age_band, citizenship,
    country_of_exploitation, datasource, forced_labour, sexual_exploit, other_exploit, n)
SELECT o, country, year, gender, age_band, citizenship, coe, datasource, fl, se, oe, COUNT(*)
FROM (
    SELECT scope.o, f.country, f.datasource,
           (%(years)s::int[])[1 + floor(random() * %(n_years)s)::int] AS year,
           (%(genders)s::text[])[1 + floor(random() * %(n_genders)s)::int] AS gender,
           (%(bands)s::text[])[1 + floor(random() * %(n_bands)s)::int] AS age_band,
           (%(citizenships)s::text[])[1 + floor(random() * %(n_citizenships)s)::int]
               AS citizenship,
           (%(coes)s::text[])[1 + floor(random() * %(n_coes)s)::int] AS coe,
           random() < 0.5 AS fl, random() < 0.4 AS se, random() < 0.2 AS oe
    FROM stats_casefact f
    CROSS JOIN (VALUES (NULL::bigint), (%(org)s::bigint)) AS scope(o)
    WHERE f.consented AND f.consented_rank = 1
) drawn
GROUP BY o, country, year, gender, age_band, citizenship, coe, datasource, fl, se, oe
"""


def _scrambled_cube(ctx: Context, all_tables) -> list[Figure]:
    """The six tables over a pessimistic cube: every counted survivor's attributes drawn
    at random, independently, from the values the facts hold (CTDC's real 47,102
    records make 926 combinations; this makes hundreds of thousands), then the real
    cube written back from the facts."""
    from django.db import transaction

    from payvand.orgs.models import Organisation
    from payvand.stats.facts import cube_rewrite
    from payvand.stats.models import FactCube

    def values(column: str) -> list:
        with connection.cursor() as cur:
            cur.execute(f"SELECT DISTINCT {column} FROM stats_factcube")  # noqa: S608
            return sorted(row[0] for row in cur.fetchall())

    drawn = {
        "years": values("year"),
        "genders": values("gender"),
        "bands": values("age_band"),
        "citizenships": values("citizenship"),
        "coes": values("country_of_exploitation"),
    }
    params = {**drawn, **{f"n_{k}": len(v) for k, v in drawn.items()}}
    params["org"] = Organisation.objects.get(code="BSTAT").pk
    try:
        with connection.cursor() as cur:
            cur.execute("DELETE FROM stats_factcube")
            cur.execute(SCRAMBLED_CUBE_SQL, params)
            cur.execute("ANALYZE stats_factcube")
        rows = FactCube.objects.count()
        samples, _ = _measure(all_tables, ctx, samples=min(ctx.samples, 5))
    finally:
        with transaction.atomic(), connection.cursor() as cur:
            cube_rewrite(cur)
        with connection.cursor() as cur:
            cur.execute("VACUUM (ANALYZE) stats_factcube")
    return [Figure(f"all six tables, cache empty, over a random cube of {rows} rows", samples)]


def _sql_of(action) -> tuple[int, float]:
    """How many queries ``action`` ran and their time in ms, as the database answered."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries), sum(float(q["time"]) for q in queries.captured_queries) * 1000


def _page(ctx: Context) -> list[Figure]:
    from bench.bench_pages import client_login

    client = Client(HTTP_HOST=CLIENT_HOST)
    client_login(client, demo_email(ANALYST))
    cache.clear()
    page, response = ctx.measure(lambda: client.get("/stats/"))
    if response.status_code != 200:
        raise RuntimeError(f"/stats/ answered {response.status_code}")
    return [
        Figure(
            "statistics page /stats/, warm (tables cached)",
            page,
            {"status": response.status_code, "KB": round(len(response.content) / 1024, 1)},
        )
    ]


def _year_gender():
    from payvand.stats.tables import count_table

    return count_table(source="cases", by=["year", "gender"], materialised=True)


def _measure(action, ctx: Context, *, samples: int):
    from bench.harness import measure

    return measure(action, samples=samples, warmup=1)
