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
before the first refresh) consent is asked of every case as it is counted. From the
materialised facts (the pages, ``materialised_fact_parts``) the refresh's answer is
corrected for every withdrawal since, so a withdrawal counts at once there too; a
consent given since the refresh counts from the next one.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Window
from django.db.models.functions import RowNumber

from payvand.cases.models import Case
from payvand.consent.models import Consent, Purpose
from payvand.consent.selectors import cases_allowing
from payvand.stats.facts import case_facts, earliest_first
from payvand.stats.models import CaseFact, CtdcRecord, ReferenceDataset
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


def materialised_fact_parts(*, organisation=None) -> list[QuerySet]:
    """One CaseFact per survivor counted now, from the materialised facts, as querysets
    that never share a survivor.

    1. Survivors none of whose records consented at the refresh has a withdrawn consent
       now: the refresh's pick stands (consented, rank 1). This is nearly everyone, read
       by one scan of the facts.
    2. The others (each withdrawal since the refresh, a few; none, no query): picked
       again now, among the records that consented at the refresh and still do (consent
       app), the earliest.

    Within an organisation (its own figures) the same, with the ranks within it. A
    consent given since the refresh counts from the next one (facts.py).
    """
    rank = "consented_rank" if organisation is None else "org_consented_rank"
    facts = CaseFact.objects.all()
    if organisation is not None:
        facts = facts.filter(organisation=organisation)
    touched = (
        facts.filter(consented=True, case_id__in=_withdrawn_cases())
        .order_by()
        .values("survivor")
        .distinct()
    )
    moved_survivors = list(touched.values_list("survivor", flat=True)[: NAMED_SURVIVORS + 1])
    if len(moved_survivors) > NAMED_SURVIVORS:
        moved_survivors = touched  # a subquery instead
    elif not moved_survivors:
        return [facts.filter(consented=True, **{rank: 1})]
    unchanged = facts.filter(consented=True, **{rank: 1}).exclude(survivor__in=moved_survivors)
    still = Exists(cases_allowing(Case.objects.filter(pk=OuterRef("case_id")), Purpose.STATISTICS))
    counted = facts.filter(still, consented=True)
    moved = counted.filter(survivor__in=moved_survivors).exclude(
        Exists(counted.filter(survivor=OuterRef("survivor"), **{f"{rank}__lt": OuterRef(rank)}))
    )
    return [unchanged, moved]


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
    filtered = []
    for facts in parts:
        if year_from:
            facts = facts.filter(year__gte=year_from)
        if year_to:
            facts = facts.filter(year__lte=year_to)
        if country:
            facts = facts.filter(country=country)
        if exploitation:
            facts = facts.filter(**{dict(EXPLOITATION_FLAGS)[exploitation]: True})
        filtered.append(facts)
    return filtered


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


def _grouped_counts(parts: list[QuerySet], by: list[str], flags) -> dict:
    """Rows per cell, counted by the database in one GROUP BY per part (a case fact is
    one survivor, a CTDC record one person; parts never share a row). By
    exploitation_type a row counts in each of its types (grouped by the three flags, then
    spread here); with none recorded, in none."""
    plain = [f for f in by if f != "exploitation_type"]
    flag_columns = [flag for _kind, flag in flags] if "exploitation_type" in by else []
    counts: dict[tuple, int] = defaultdict(int)
    for rows in parts:
        for row in rows.values(*plain, *flag_columns).annotate(n=Count("pk")).order_by():
            values = {f: MISSING if row[f] is None else str(row[f]) for f in plain}
            if not flag_columns:
                counts[tuple(values[f] for f in by)] += row["n"]
                continue
            for kind, flag in flags:
                if row[flag]:  # True; a CTDC flag may be None (not recorded)
                    values["exploitation_type"] = str(kind)
                    counts[tuple(values[f] for f in by)] += row["n"]
    return dict(counts)


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
) -> Table:
    """The suppressed table of survivors by ``by`` (each survivor once: survivor_facts).

    ``materialised`` reads the facts as of the last `payvand stats refresh`, with every
    withdrawal of consent since applied (materialised_fact_parts); ``other_outside``
    groups a field's values outside a set as OTHER before suppression.
    """
    unknown = [f for f in by if f not in FIELDS]
    if unknown or not by:
        raise UnknownField(
            f"Unknown field: {', '.join(unknown) or '(none)'}. Fields: {', '.join(FIELDS)}."
        )
    if source == "cases":
        rows = case_facts_filtered(
            materialised=materialised,
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
    if other_outside:
        counts = _other_outside(counts, by, other_outside)
    return _suppressed(counts, by, k)


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
