"""A case in CTDC's codes, computed by the database: what the regional tables count.

``case_facts()`` is one annotated query over cases (person, victim context, the last
exploitation event), so the same definition serves the live tables, the materialised
copy (``CaseFact``, rebuilt by ``facts_refresh`` with one INSERT … SELECT) and the
exports. Consent is never part of the facts: callers ask ``counted()`` at the moment they
count (tables.case_facts_filtered), so a withdrawal takes effect at once.
"""

from __future__ import annotations

import time

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
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
from payvand.stats.models import CaseFact, FactsRefresh
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
# The columns of a fact, in the order CaseFact stores them.
COLUMNS = (
    "case_id", "person_id", "organisation_id", "country", "year", "gender", "age_band",
    "citizenship", "country_of_exploitation", "datasource", "forced_labour",
    "sexual_exploit", "other_exploit",
)  # fmt: skip


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
    """The facts as dictionaries: ``COLUMNS``, the first three named f_case, f_person and
    f_organisation."""
    return case_facts(cases).values("f_case", "f_person", "f_organisation", *COLUMNS[3:])


@transaction.atomic
def facts_refresh() -> FactsRefresh:
    """Rebuild ``CaseFact`` from the cases in one statement (idempotent; readers see the
    old facts until it commits)."""
    started = time.perf_counter()
    CaseFact.objects.all().delete()
    query = fact_values().query
    sql, params = query.sql_with_params()
    columns = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {CaseFact._meta.db_table} ({columns}) {sql}",
            params,
        )
        rows = cursor.rowcount
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {CaseFact._meta.db_table}")
    refresh, _created = FactsRefresh.objects.update_or_create(
        pk=1,
        defaults={
            "refreshed_at": timezone.now(),
            "rows": max(rows, 0),
            "seconds": time.perf_counter() - started,
        },
    )
    return refresh


def last_refresh() -> FactsRefresh | None:
    return FactsRefresh.objects.filter(pk=1).first()
