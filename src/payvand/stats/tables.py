"""Counting survivors for the regional tables, from the platform's cases or a CTDC
reference dataset, with the same fields and CTDC's codes whatever the source.

**One survivor counts once** (``survivor_facts``). A survivor is a person, or the
persons that duplicate detection linked across organisations (linkage's SurvivorKey):
she is one row of every table, whichever organisations registered her and however many
cases she has. That row is her **earliest counted record**: of her cases whose consent
to statistics is in force (consent app) — and, when the figures are one organisation's
own, of that organisation's cases only — the one identified first (ties: the case
created first); its year, gender, age, citizenship, country of exploitation and types
of exploitation are hers in every table. So:

- she is counted in one year only, the year she was first identified, and the filters
  (period, country, type of exploitation) look at that record, never at a later one;
- a withdrawal of consent on one of her records takes that record out at once: she is
  still counted, once, from her earliest record whose consent is in force, and not at
  all when none is;
- an organisation's own figures count its own records only: a survivor it shares with
  another organisation counts there from its record, and nothing in them says that she
  is known elsewhere.

Each survivor is therefore in exactly one cell of a table, except by exploitation_type,
which counts her in each of her types, as CTDC's flags do (up to three cells).

Live (``survivor_facts``: `payvand stats table`, the releases, the export, the pages
before the first refresh) consent is asked of every case as it is counted. The pages
read the cube of the materialised facts instead (``FactCube``: the survivors the refresh
counted, per combination of the fields the tables group by and filter on), corrected for
every withdrawal since (``withdrawal_delta``: the survivors it concerns taken out as the
refresh picked them and put back as they are picked now, which is what
``materialised_fact_parts`` gives row by row), so a withdrawal counts at once there too;
a consent given since the refresh counts from the next one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Sum, Window
from django.db.models.functions import RowNumber

from payvand.cases.models import Case
from payvand.consent.models import Consent, Purpose
from payvand.consent.selectors import cases_allowing
from payvand.stats.facts import case_facts, earliest_first
from payvand.stats.models import CUBE_DIMENSIONS, CaseFact, CtdcRecord, FactCube, ReferenceDataset
from payvand.stats.suppression import Table, suppress
from payvand.stats.vocab import AGE_BAND_LIMITS, AGE_BANDS, ExploitationKind

FIELDS = (
    "year",
    "gender",
    "age_band",
    "citizenship",
    "country_of_exploitation",
    "exploitation_type",
    "datasource",
)
SOURCES = ("cases", "ctdc")
MISSING = ""  # a value not recorded: its own row, shown as "not recorded"
OTHER = "other"  # values grouped together (other_outside)


class UnknownField(ValueError):
    pass


def age_band(age: int | None) -> str:
    if age is None or age < 0:
        return MISSING
    for band in AGE_BANDS:
        low, high = AGE_BAND_LIMITS[band]
        if low <= age <= high:
            return band
    return MISSING


# The fact columns each field reads; exploitation_type is three flags.
EXPLOITATION_FLAGS = (
    (ExploitationKind.FORCED_LABOUR, "forced_labour"),
    (ExploitationKind.SEXUAL, "sexual_exploit"),
    (ExploitationKind.OTHER, "other_exploit"),
)


def survivor_facts(*, organisation=None) -> QuerySet:
    """One fact per survivor counted now, live: her earliest counted record (module
    docstring), found by numbering each survivor's counted cases with a window."""
    cases = Case.objects.all()
    if organisation is not None:
        cases = cases.filter(organisation=organisation)
    first = (
        case_facts(cases_allowing(cases, Purpose.STATISTICS))
        .annotate(rank=Window(RowNumber(), partition_by=[F("survivor")], order_by=earliest_first()))
        .filter(rank=1)
        .values("pk")
    )
    return case_facts(Case.objects.filter(pk__in=first))


def _withdrawn_cases() -> QuerySet:
    """Cases with a consent to statistics that was withdrawn (the consent app withdraws
    by setting withdrawn_on and never deletes a consent: only these cases can have lost
    the consent they had at the refresh)."""
    return Consent.objects.filter(purpose=Purpose.STATISTICS, withdrawn_on__isnull=False).values(
        "case_id"
    )


# Survivors a withdrawal may have moved are looked up first and named in the two
# queries, up to this many (the withdrawals since the last refresh: a handful); beyond,
# the queries look them up themselves.
NAMED_SURVIVORS = 10_000


def _moved_survivors(facts: QuerySet):
    """The survivors of ``facts`` that a withdrawal may have moved since the refresh: one
    of their records consented then and has a withdrawn consent now. A list (none: []),
    or a subquery when there are more than NAMED_SURVIVORS.

    Why not only the consents withdrawn on or after the refresh's day: ``withdrawn_on``
    is the day the survivor withdrew, as the caseworker enters it, and may be earlier
    than the day it was recorded, so a withdrawal recorded after the refresh can carry
    an earlier date. A consent withdrawn before the refresh is already in the facts
    (``consented`` false), so it is the join with ``consented`` that keeps this small;
    the consents withdrawn are found by a partial index (consent app)."""
    touched = (
        facts.filter(consented=True, case_id__in=_withdrawn_cases())
        .order_by()
        .values("survivor")
        .distinct()
    )
    named = list(touched.values_list("survivor", flat=True)[: NAMED_SURVIVORS + 1])
    return touched if len(named) > NAMED_SURVIVORS else named


def _scoped_facts(organisation) -> tuple[QuerySet, str]:
    """The facts of the scope (the region, or one organisation's own) and the rank that
    orders a survivor's records in it."""
    rank = "consented_rank" if organisation is None else "org_consented_rank"
    facts = CaseFact.objects.all()
    if organisation is not None:
        facts = facts.filter(organisation=organisation)
    return facts, rank


def _picked_again(facts: QuerySet, rank: str, moved_survivors) -> QuerySet:
    """Her earliest record among those that consented at the refresh and still do."""
    still = Exists(cases_allowing(Case.objects.filter(pk=OuterRef("case_id")), Purpose.STATISTICS))
    counted = facts.filter(still, consented=True)
    return counted.filter(survivor__in=moved_survivors).exclude(
        Exists(counted.filter(survivor=OuterRef("survivor"), **{f"{rank}__lt": OuterRef(rank)}))
    )


def materialised_fact_parts(*, organisation=None) -> list[QuerySet]:
    """One CaseFact per survivor counted now, from the materialised facts, as querysets
    that never share a survivor: what the cube and its withdrawal delta add up to
    (count_table reads the cube; the tests compare the two).

    1. Survivors none of whose records consented at the refresh has a withdrawn consent
       now: the refresh's pick stands (consented, rank 1). This is nearly everyone, read
       by one scan of the facts.
    2. The others (each withdrawal since the refresh, a few; none, no query): picked
       again now, among the records that consented at the refresh and still do (consent
       app), the earliest.

    Within an organisation (its own figures) the same, with the ranks within it. A
    consent given since the refresh counts from the next one (facts.py).
    """
    facts, rank = _scoped_facts(organisation)
    moved_survivors = _moved_survivors(facts)
    if isinstance(moved_survivors, list) and not moved_survivors:
        return [facts.filter(consented=True, **{rank: 1})]
    unchanged = facts.filter(consented=True, **{rank: 1}).exclude(survivor__in=moved_survivors)
    return [unchanged, _picked_again(facts, rank, moved_survivors)]


@dataclass(frozen=True)
class WithdrawalDelta:
    """What the withdrawals of consent since the refresh change in the cube of one
    scope: per combination of the cube's dimensions, the survivors concerned as the
    refresh picked them (taken out, ``n`` < 0) and as they are picked now (put back,
    ``n`` > 0). Looked up once per page (selectors.chart_tables) and applied to each of
    its tables."""

    organisation_id: int | None
    rows: tuple[dict, ...] = ()


def withdrawal_delta(*, organisation=None) -> WithdrawalDelta:
    """The delta of ``organisation``'s own figures, or of the region's (None): one query
    for the survivors concerned and, when there are any, two that count their old and
    new picks by the cube's dimensions."""
    scope = organisation.pk if organisation is not None else None
    facts, rank = _scoped_facts(organisation)
    moved_survivors = _moved_survivors(facts)
    if isinstance(moved_survivors, list) and not moved_survivors:
        return WithdrawalDelta(scope)
    rows = []
    picks = (
        (facts.filter(consented=True, survivor__in=moved_survivors, **{rank: 1}), -1),
        (_picked_again(facts, rank, moved_survivors), 1),
    )
    for picked, sign in picks:
        for row in picked.values(*CUBE_DIMENSIONS).annotate(n=Count("pk")).order_by():
            rows.append({**row, "n": sign * row["n"]})
    return WithdrawalDelta(scope, tuple(rows))


def case_facts_filtered(
    *,
    materialised: bool = False,
    year_from: int | None = None,
    year_to: int | None = None,
    organisation=None,
    country: str | None = None,
    exploitation: str | None = None,
) -> list[QuerySet]:
    """The survivors counted, one fact each, filtered: live (one queryset) or from the
    materialised facts (materialised_fact_parts). The filters look at the fact that
    represents her, so a survivor first identified before ``year_from`` is not counted
    again in a later year."""
    if materialised:
        parts = materialised_fact_parts(organisation=organisation)
    else:
        parts = [survivor_facts(organisation=organisation)]
    filters = {
        "year_from": year_from, "year_to": year_to, "country": country,
        "exploitation": exploitation,
    }  # fmt: skip
    return [_filtered(facts, filters) for facts in parts]


CTDC_FLAGS = (
    (ExploitationKind.FORCED_LABOUR, "is_forced_labour"),
    (ExploitationKind.SEXUAL, "is_sexual_exploit"),
    (ExploitationKind.OTHER, "is_other_exploit"),
)


def ctdc_records_filtered(
    dataset: ReferenceDataset,
    *,
    year_from: int | None = None,
    year_to: int | None = None,
    country: str | None = None,
    exploitation: str | None = None,
) -> QuerySet:
    """A reference dataset's records, filtered (country: CTDC's country of exploitation,
    which is also its proxy for where the person was identified)."""
    records = CtdcRecord.objects.filter(dataset=dataset)
    if year_from:
        records = records.filter(year__gte=year_from)
    if year_to:
        records = records.filter(year__lte=year_to)
    if country:
        records = records.filter(country_of_exploitation=country)
    if exploitation:
        records = records.filter(**{dict(CTDC_FLAGS)[exploitation]: True})
    return records


def _add_rows(counts: dict, rows, by: list[str], flags) -> None:
    """Add rows of counts (the ``by`` fields, or the flags for exploitation_type, and
    ``n``) to ``counts``, by cell. By exploitation_type a row counts in each of its types;
    with none recorded, in none."""
    plain = [f for f in by if f != "exploitation_type"]
    for row in rows:
        values = {f: MISSING if row[f] is None else str(row[f]) for f in plain}
        if "exploitation_type" not in by:
            counts[tuple(values[f] for f in by)] += row["n"]
            continue
        for kind, flag in flags:
            if row[flag]:  # True; a CTDC flag may be None (not recorded)
                values["exploitation_type"] = str(kind)
                counts[tuple(values[f] for f in by)] += row["n"]


def _grouped_fields(by: list[str], flags) -> list[str]:
    plain = [f for f in by if f != "exploitation_type"]
    return plain + ([flag for _kind, flag in flags] if "exploitation_type" in by else [])


def _grouped_counts(parts: list[QuerySet], by: list[str], flags) -> dict:
    """Rows per cell, counted by the database in one GROUP BY per part (a case fact is
    one survivor, a CTDC record one person; parts never share a row). No empty cell: a
    field that is a constant (the cases' datasource) is left out of the GROUP BY, so
    counting no rows by it alone gives one row of 0."""
    counts: dict[tuple, int] = defaultdict(int)
    grouped = _grouped_fields(by, flags)
    for rows in parts:
        _add_rows(counts, rows.values(*grouped).annotate(n=Count("pk")).order_by(), by, flags)
    return {cell: n for cell, n in counts.items() if n}


def _filtered(rows: QuerySet, filters: dict) -> QuerySet:
    """The filters of a table (``year_from``, ``year_to``, ``country``,
    ``exploitation``) on facts or on the cube, which share their column names."""
    if filters.get("year_from"):
        rows = rows.filter(year__gte=filters["year_from"])
    if filters.get("year_to"):
        rows = rows.filter(year__lte=filters["year_to"])
    if filters.get("country"):
        rows = rows.filter(country=filters["country"])
    if filters.get("exploitation"):
        rows = rows.filter(**{dict(EXPLOITATION_FLAGS)[filters["exploitation"]]: True})
    return rows


def _kept(row: dict, filters: dict) -> bool:
    """``_filtered`` on one row of a withdrawal delta."""
    return (
        (not filters.get("year_from") or row["year"] >= filters["year_from"])
        and (not filters.get("year_to") or row["year"] <= filters["year_to"])
        and (not filters.get("country") or row["country"] == filters["country"])
        and (
            not filters.get("exploitation")
            or bool(row[dict(EXPLOITATION_FLAGS)[filters["exploitation"]]])
        )
    )


def _cube_counts(by: list[str], filters: dict, organisation, delta: WithdrawalDelta | None):
    """Survivors per cell from the cube (one SUM … GROUP BY) plus the withdrawal delta;
    a cell the delta empties is gone, as it would be from the facts."""
    if delta is None or delta.organisation_id != (organisation.pk if organisation else None):
        delta = withdrawal_delta(organisation=organisation)
    cube = FactCube.objects.filter(organisation=organisation)  # None: the region's rows
    grouped = _grouped_fields(by, EXPLOITATION_FLAGS)
    rows = _filtered(cube, filters).values(*grouped).annotate(n=Sum("n")).order_by()
    counts: dict[tuple, int] = defaultdict(int)
    _add_rows(counts, rows, by, EXPLOITATION_FLAGS)
    _add_rows(counts, (r for r in delta.rows if _kept(r, filters)), by, EXPLOITATION_FLAGS)
    return {cell: n for cell, n in counts.items() if n > 0}


def _other_outside(counts: dict[tuple, int], by: list[str], keep: dict[str, set]) -> dict:
    """Values of the fields in ``keep`` outside their set merged into OTHER (the sums are
    exact: a survivor has one value of a single-valued field)."""
    merged: dict[tuple, int] = defaultdict(int)
    for key, n in counts.items():
        grouped = tuple(
            OTHER if f in keep and v != MISSING and v not in keep[f] else v
            for f, v in zip(by, key, strict=True)
        )
        merged[grouped] += n
    return dict(merged)


def latest_dataset() -> ReferenceDataset | None:
    return ReferenceDataset.objects.order_by("-imported_at", "-pk").first()


def count_table(
    *,
    source: str,
    by: list[str],
    k: int = 11,
    year_from: int | None = None,
    year_to: int | None = None,
    dataset: ReferenceDataset | None = None,
    organisation=None,
    country: str | None = None,
    exploitation: str | None = None,
    materialised: bool = False,
    other_outside: dict[str, set] | None = None,
    delta: WithdrawalDelta | None = None,
) -> Table:
    """The suppressed table of survivors by ``by`` (each survivor once: survivor_facts).

    ``materialised`` reads the cube of the facts as of the last `payvand stats refresh`,
    with every withdrawal of consent since applied (``delta``, the scope's
    withdrawal_delta, looked up here when not given); ``other_outside`` groups a field's
    values outside a set as OTHER before suppression.
    """
    counts = cell_counts(
        source=source, by=by, year_from=year_from, year_to=year_to, dataset=dataset,
        organisation=organisation, country=country, exploitation=exploitation,
        materialised=materialised, delta=delta,
    )  # fmt: skip
    if other_outside:
        counts = _other_outside(counts, by, other_outside)
    return _suppressed(counts, by, k)


def cell_counts(
    *,
    source: str,
    by: list[str],
    year_from: int | None = None,
    year_to: int | None = None,
    dataset: ReferenceDataset | None = None,
    organisation=None,
    country: str | None = None,
    exploitation: str | None = None,
    materialised: bool = False,
    delta: WithdrawalDelta | None = None,
) -> dict[tuple, int]:
    """The true counts behind count_table: survivors per cell (no empty cell)."""
    unknown = [f for f in by if f not in FIELDS]
    if unknown or not by:
        raise UnknownField(
            f"Unknown field: {', '.join(unknown) or '(none)'}. Fields: {', '.join(FIELDS)}."
        )
    if source == "cases" and materialised:
        filters = {
            "year_from": year_from, "year_to": year_to, "country": country,
            "exploitation": exploitation,
        }  # fmt: skip
        counts = _cube_counts(by, filters, organisation, delta)
    elif source == "cases":
        rows = case_facts_filtered(
            year_from=year_from,
            year_to=year_to,
            organisation=organisation,
            country=country,
            exploitation=exploitation,
        )
        counts = _grouped_counts(rows, by, EXPLOITATION_FLAGS)
    elif source == "ctdc":
        dataset = dataset or latest_dataset()
        counts = {}
        if dataset is not None:
            records = ctdc_records_filtered(
                dataset,
                year_from=year_from,
                year_to=year_to,
                country=country,
                exploitation=exploitation,
            )
            counts = _grouped_counts([records], by, CTDC_FLAGS)
    else:
        raise UnknownField(f"Unknown source {source}: use cases or ctdc.")
    return counts


def _suppressed(counts: dict[tuple, int], by: list[str], k: int) -> Table:
    categories = [sorted({key[d] for key in counts}, key=_order(by[d])) for d in range(len(by))]
    return suppress(Table(dims=list(by), categories=categories, counts=counts, k=k))


def _order(field: str):
    if field == "age_band":
        return lambda v: (v == MISSING, AGE_BANDS.index(v) if v in AGE_BANDS else 99)
    return lambda v: (v == MISSING, v == OTHER, v)


def table_rows(table: Table) -> list[tuple[tuple, int | None]]:
    """Every cell of the table with its released count (None when withheld)."""
    return [(cell, table.released(cell)) for cell in table.cells()]
