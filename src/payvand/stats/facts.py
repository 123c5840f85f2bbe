"""A case in CTDC's codes, computed by the database: what the regional tables count.

``case_facts()`` is one annotated query over cases (person, victim context, the last
exploitation event), so the same definition serves the live tables, the materialised
copy (``CaseFact``, rebuilt by ``facts_refresh`` with one INSERT … SELECT) and the
exports.

**The survivor.** Each fact carries ``survivor`` = COALESCE(linkage's SurvivorKey.key,
person id): the records that duplicate detection linked across organisations share it;
a person never linked is a survivor of her own. The tables count each survivor once,
from her earliest counted record (tables.py).

**Consent in the materialised copy.** The refresh also keeps whether each case's
consent to statistics was in force (``consented``) and each record's place among the
survivor's records — those with consent first, then the earliest identified, then the
case created first — across the region (``consented_rank``) and within its organisation
(``org_consented_rank``); rank 1 with consent is the record that represents her. The
tables correct this for every withdrawal made since (tables.withdrawal_delta), so a
withdrawal counts at once; a consent given since counts from the next refresh, as a new
case does.

**The cube.** In the same transaction the refresh rewrites ``FactCube``: the survivors
those ranks pick, counted per combination of the fields the tables group by and filter
on, for the region and for each organisation (``cube_rewrite``). A page's table is a
SUM over it, a few thousand rows instead of a million facts.
"""

from __future__ import annotations

import time

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    CharField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear, Substr
from django.utils import timezone

from payvand.cases.models import Case as CaseModel
from payvand.cases.vocab import Gender
from payvand.consent.models import Purpose
from payvand.consent.selectors import cases_allowing
from payvand.stats.models import CUBE_DIMENSIONS, CaseFact, FactCube, FactsRefresh
from payvand.stats.vocab import AGE_BAND_LIMITS, AGE_BANDS, CtdcGender, Datasource
from payvand.trafficking.models import TraffickingEvent
from payvand.trafficking.vocab import ExploitationType

GENDER_TO_CTDC = {
    Gender.FEMININE: CtdcGender.WOMAN,
    Gender.MASCULINE: CtdcGender.MAN,
    Gender.TRANS_FEMININE: CtdcGender.TRANS,
    Gender.TRANS_MASCULINE: CtdcGender.TRANS,
    Gender.NON_CONFORMING: CtdcGender.TRANS,
}
# HTCDS type of exploitation → CTDC's three flags (reference/data-standards.md §2.2);
# every other type is CTDC's "other exploitation".
FORCED_LABOUR_TYPES = ("ForcedLabour", "ChildLabour", "ForcedBegging", "ForcedCriminality")
SEXUAL_TYPES = ("SexualExploitation",)
OTHER_TYPES = tuple(
    t for t in ExploitationType.values if t not in FORCED_LABOUR_TYPES + SEXUAL_TYPES
)
# The columns of a fact, in the order CaseFact stores them, and the annotations of
# case_facts() that fill them (a column named like a field of Case is annotated f_…).
COLUMNS = (
    "case_id", "person_id", "organisation_id", "survivor", "country", "year", "gender",
    "age_band", "citizenship", "country_of_exploitation", "datasource", "forced_labour",
    "sexual_exploit", "other_exploit",
)  # fmt: skip
ANNOTATIONS = ("f_case", "f_person", "f_organisation", *COLUMNS[3:])
# Computed by the refresh over the whole table (facts_refresh).
RANKS = ("consented_rank", "org_consented_rank")


def _holds_any(codes: tuple[str, ...]) -> Case:
    q = Q()
    for code in codes:
        q |= Q(victim_context__exploitation_types__contains=f" {code} ")
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def _age_band() -> Case:
    whens = [
        When(Q(person__birth_year__isnull=False) & Q(**{"f_age__range": AGE_BAND_LIMITS[band]}),
             then=Value(band))
        for band in AGE_BANDS
    ]  # fmt: skip
    return Case(*whens, default=Value(""), output_field=CharField())


def case_facts(cases: QuerySet[CaseModel] | None = None) -> QuerySet:
    """``cases`` (default: all) as rows of ``COLUMNS`` (``.values(*COLUMNS)``)."""
    cases = CaseModel.objects.all() if cases is None else cases
    last_exploitation = (
        TraffickingEvent.objects.filter(case=OuterRef("pk"), event_type="Exploitation")
        # The last one, as CTDC defines CountryOfExploitation; undated events come last,
        # as on the case page (TraffickingEvent.Meta.ordering).
        .order_by(F("occurred_on").desc(nulls_first=True), "-created_at", "-id")
        .values("country")[:1]
    )
    gender = Case(
        *(When(person__gender=code, then=Value(str(to))) for code, to in GENDER_TO_CTDC.items()),
        default=Value(""),
        output_field=CharField(),
    )  # fmt: skip
    return (
        cases.order_by()
        .annotate(f_year=ExtractYear("identified_on"))
        .annotate(
            f_age=Case(
                When(person__birth_year__isnull=True, then=Value(-1)),
                default=F("f_year") - F("person__birth_year"),
                output_field=IntegerField(),
            )
        )
        .annotate(
            f_case=F("pk"),
            f_person=F("person_id"),
            f_organisation=F("organisation_id"),
            # The person without a SurvivorKey row is a survivor of her own (linkage).
            survivor=Coalesce(
                F("person__survivor_key__key"), F("person_id"), output_field=BigIntegerField()
            ),
            country=F("organisation__country"),
            year=F("f_year"),
            gender=gender,
            age_band=_age_band(),
            # Codes are stored sorted between spaces (" AF TJ "): the first is the primary.
            citizenship=Substr(Coalesce(F("person__citizenship"), Value("")), 2, 2),
            country_of_exploitation=Coalesce(Subquery(last_exploitation), Value("")),
            datasource=Value(str(Datasource.CASE_MANAGEMENT)),
            forced_labour=_holds_any(FORCED_LABOUR_TYPES),
            sexual_exploit=_holds_any(SEXUAL_TYPES),
            other_exploit=_holds_any(OTHER_TYPES),
        )
    )


def fact_values(cases: QuerySet[CaseModel] | None = None) -> QuerySet:
    """The facts as dictionaries of ``ANNOTATIONS`` (``COLUMNS`` in that order)."""
    return case_facts(cases).values(*ANNOTATIONS)


def earliest_first():
    """The order of a survivor's records: the earliest identified first, then the case."""
    return [F("identified_on").asc(), F("pk").asc()]


def _refresh_sql() -> tuple[str, list]:
    """The one INSERT … SELECT of the refresh: every case's fact with the consent to
    statistics in force now (consent app), numbered per survivor by windows over that
    select; a fact already stored is rewritten only when something in it changed, so the
    table does not double in size at every refresh (PostgreSQL keeps the old row version
    of every row rewritten until VACUUM)."""
    consented = Exists(
        cases_allowing(CaseModel.objects.filter(pk=OuterRef("pk")), Purpose.STATISTICS)
    )
    inner = (
        case_facts()
        .annotate(consented=consented, f_identified_on=F("identified_on"))
        .values(*ANNOTATIONS, "consented", "f_identified_on")
    )
    sql, params = inner.query.sql_with_params()
    q = connection.ops.quote_name
    table = q(CaseFact._meta.db_table)
    order = "q.consented DESC, q.f_identified_on, q.f_case"
    columns = [q(c) for c in (*COLUMNS, "consented", *RANKS)]
    selected = ", ".join(f"q.{q(c)}" for c in (*ANNOTATIONS, "consented"))
    distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    kept = columns[1:]  # all but case_id, the key
    # Only names from the model are formatted in; the values stay parameters. "WHERE
    # true" tells SQLite's parser that ON CONFLICT belongs to the INSERT.
    insert = (
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {selected}, "
        f"ROW_NUMBER() OVER (PARTITION BY q.survivor ORDER BY {order}), "
        f"ROW_NUMBER() OVER (PARTITION BY q.survivor, q.f_organisation ORDER BY {order}) "
        f"FROM ({sql}) q WHERE true "
        f"ON CONFLICT ({q('case_id')}) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in kept)
        + " WHERE "
        + " OR ".join(f"{table}.{c} {distinct} excluded.{c}" for c in kept)
    )
    return insert, list(params)


def cube_rewrite(cursor, fact_model=CaseFact, cube_model=FactCube) -> None:
    """Replace the cube (``FactCube``) by the counts of the facts: one INSERT … SELECT …
    GROUP BY for the region (the facts with consent and ``consented_rank`` 1) and one for
    the organisations (``org_consented_rank`` 1). The models are parameters so that a
    migration can pass its historical ones."""
    q = connection.ops.quote_name
    facts = q(fact_model._meta.db_table)
    cube = q(cube_model._meta.db_table)
    dims = ", ".join(q(fact_model._meta.get_field(d).column) for d in CUBE_DIMENSIONS)
    org = q(fact_model._meta.get_field("organisation").column)
    consented = q(fact_model._meta.get_field("consented").column)
    into = f"INSERT INTO {cube} ({q(cube_model._meta.get_field('organisation').column)}, "
    into += f"{dims}, {q('n')}) "
    # Only names from the models are formatted in.
    cursor.execute(f"DELETE FROM {cube}")  # noqa: S608
    for scope, rank in (("NULL", "consented_rank"), (org, "org_consented_rank")):
        group = dims if scope == "NULL" else f"{org}, {dims}"
        cursor.execute(
            f"{into}SELECT {scope}, {dims}, COUNT(*) FROM {facts} "  # noqa: S608
            f"WHERE {consented} = %s AND {q(rank)} = 1 GROUP BY {group}",
            [True],
        )


def facts_refresh() -> FactsRefresh:
    """Bring ``CaseFact`` up to date with the cases in one statement (idempotent;
    readers see the old facts until it commits), then rewrite the cube of their counts
    (``cube_rewrite``) in the same transaction. Every case has a fact, and a case's fact
    goes with it (CASCADE), so there is nothing else to delete. On PostgreSQL the tables
    are then vacuumed and analysed, outside the transaction."""
    started = time.perf_counter()
    table = connection.ops.quote_name(CaseFact._meta.db_table)
    cube = connection.ops.quote_name(FactCube._meta.db_table)
    with transaction.atomic():
        # One refresh at a time: a second one waits here for the first to commit.
        FactsRefresh.objects.select_for_update().filter(pk=1).first()
        sql, params = _refresh_sql()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cube_rewrite(cursor)
        refresh, _created = FactsRefresh.objects.update_or_create(
            pk=1,
            defaults={
                "refreshed_at": timezone.now(),
                "rows": CaseFact.objects.count(),
                "seconds": time.perf_counter() - started,
            },
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            vacuum = "VACUUM (ANALYZE)" if not connection.in_atomic_block else "ANALYZE"
            cursor.execute(f"{vacuum} {table}, {cube}")
    return refresh


def last_refresh() -> FactsRefresh | None:
    return FactsRefresh.objects.filter(pk=1).first()
