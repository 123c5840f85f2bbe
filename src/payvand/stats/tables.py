"""Counting survivors for the regional tables, from the platform's cases or a CTDC
reference dataset, with the same fields and CTDC's codes whatever the source.

Cases count only when the survivor consented to statistics (consent app), and each
survivor (person) counts once per cell. Multi-valued fields (exploitation_type) count a
survivor in each of her values, as CTDC's flags do.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, F, QuerySet

from payvand.cases.models import Case
from payvand.consent.models import Purpose
from payvand.consent.selectors import cases_allowing
from payvand.stats.facts import case_facts
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


def case_facts_filtered(
    *,
    materialised: bool = False,
    year_from: int | None = None,
    year_to: int | None = None,
    organisation=None,
    country: str | None = None,
    exploitation: str | None = None,
) -> QuerySet:
    """The facts counted (consent to statistics asked now), filtered; live or materialised."""
    allowed = cases_allowing(Case.objects.all(), Purpose.STATISTICS)
    if materialised:
        facts = CaseFact.objects.filter(case_id__in=allowed.values("pk")).annotate(
            unit=F("person_id")
        )
    else:
        facts = case_facts(allowed).annotate(unit=F("f_person"))
    if organisation is not None:
        facts = facts.filter(organisation=organisation)
    if year_from:
        facts = facts.filter(year__gte=year_from)
    if year_to:
        facts = facts.filter(year__lte=year_to)
    if country:
        facts = facts.filter(country=country)
    if exploitation:
        facts = facts.filter(**{dict(EXPLOITATION_FLAGS)[exploitation]: True})
    return facts


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


def _grouped_counts(rows: QuerySet, by: list[str], flags, *, distinct: str | None) -> dict:
    """Units per cell, counted by the database: each person once per cell (``distinct``
    names the person column) or each row once. A survivor counts in each of her
    exploitation types (one pass per flag); with none recorded, in none."""
    plain = [f for f in by if f != "exploitation_type"]
    passes = list(flags) if "exploitation_type" in by else [(None, None)]
    measure = Count(distinct, distinct=True) if distinct else Count("pk")
    counts: dict[tuple, int] = {}
    for kind, flag in passes:
        subset = rows.filter(**{flag: True}) if flag else rows
        for row in subset.values(*plain).annotate(n=measure).order_by():
            values = {f: MISSING if row[f] is None else str(row[f]) for f in plain}
            if kind is not None:
                values["exploitation_type"] = str(kind)
            counts[tuple(values[f] for f in by)] = row["n"]
    return counts


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
    """The suppressed table of survivors by ``by`` (each survivor once per cell).

    ``materialised`` reads the facts as of the last `payvand stats refresh` (consent is
    still asked now); ``other_outside`` groups a field's values outside a set as OTHER
    before suppression.
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
        counts = _grouped_counts(rows, by, EXPLOITATION_FLAGS, distinct="unit")
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
            counts = _grouped_counts(records, by, CTDC_FLAGS, distinct=None)
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
