"""Counting survivors for the regional tables, from the platform's cases or a CTDC
reference dataset, with the same fields and CTDC's codes whatever the source.

Cases count only when the survivor consented to statistics (consent app), and each
survivor (person) counts once per cell. Multi-valued fields (exploitation_type) count a
survivor in each of her values, as CTDC's flags do.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Unit:
    """One survivor's values for every field (lists for multi-valued fields)."""

    key: str
    values: dict


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


def _grouped_case_counts(facts: QuerySet, by: list[str]) -> dict[tuple, int]:
    """Survivors per cell, counted by the database (each person once per cell)."""
    plain = [f for f in by if f != "exploitation_type"]
    passes = [(None, None)]
    if "exploitation_type" in by:
        passes = list(EXPLOITATION_FLAGS)
    counts: dict[tuple, int] = {}
    for kind, flag in passes:
        rows = facts.filter(**{flag: True}) if flag else facts
        for row in rows.values(*plain).annotate(n=Count("unit", distinct=True)).order_by():
            values = {f: str(row[f]) if row[f] is not None else MISSING for f in plain}
            if kind is not None:
                values["exploitation_type"] = str(kind)
            counts[tuple(values[f] for f in by)] = row["n"]
    return counts


def _ctdc_units(year_from, year_to, dataset: ReferenceDataset) -> list[Unit]:
    records = CtdcRecord.objects.filter(dataset=dataset)
    if year_from:
        records = records.filter(year__gte=year_from)
    if year_to:
        records = records.filter(year__lte=year_to)
    units = []
    for r in records.values(
        "pk", "year", "gender", "age_band", "citizenship", "country_of_exploitation",
        "datasource", "is_forced_labour", "is_sexual_exploit", "is_other_exploit",
    ).iterator(chunk_size=5000):  # fmt: skip
        kinds = [
            kind
            for kind, flag in (
                (ExploitationKind.FORCED_LABOUR, r["is_forced_labour"]),
                (ExploitationKind.SEXUAL, r["is_sexual_exploit"]),
                (ExploitationKind.OTHER, r["is_other_exploit"]),
            )
            if flag
        ]
        units.append(
            Unit(
                key=f"ctdc:{r['pk']}",
                values={
                    "year": str(r["year"]),
                    "gender": r["gender"],
                    "age_band": r["age_band"],
                    "citizenship": r["citizenship"],
                    "country_of_exploitation": r["country_of_exploitation"],
                    "exploitation_type": kinds,
                    "datasource": r["datasource"],
                },
            )
        )
    return units


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
) -> Table:
    """The suppressed table of survivors by ``by`` (each survivor once per cell)."""
    unknown = [f for f in by if f not in FIELDS]
    if unknown or not by:
        raise UnknownField(
            f"Unknown field: {', '.join(unknown) or '(none)'}. Fields: {', '.join(FIELDS)}."
        )
    if source == "cases":
        facts = case_facts_filtered(
            materialised=materialised,
            year_from=year_from,
            year_to=year_to,
            organisation=organisation,
            country=country,
            exploitation=exploitation,
        )
        return _suppressed(_grouped_case_counts(facts, by), by, k)
    if source == "ctdc":
        dataset = dataset or latest_dataset()
        units = _ctdc_units(year_from, year_to, dataset) if dataset else []
    else:
        raise UnknownField(f"Unknown source {source}: use cases or ctdc.")
    cells: dict[tuple, set] = defaultdict(set)
    for unit in units:
        choices = [v if isinstance(v := unit.values[f], list) else [v] for f in by]
        if any(not c for c in choices):
            continue  # multi-valued and empty: not recorded, counted nowhere
        for key in _product(choices):
            cells[key].add(unit.key)
    return _suppressed({key: len(members) for key, members in cells.items()}, by, k)


def _suppressed(counts: dict[tuple, int], by: list[str], k: int) -> Table:
    categories = [sorted({key[d] for key in counts}, key=_order(by[d])) for d in range(len(by))]
    return suppress(Table(dims=list(by), categories=categories, counts=counts, k=k))


def _product(choices):
    from itertools import product

    return product(*choices)


def _order(field: str):
    if field == "age_band":
        return lambda v: (v == MISSING, AGE_BANDS.index(v) if v in AGE_BANDS else 99)
    return lambda v: (v == MISSING, v)


def table_rows(table: Table) -> list[tuple[tuple, int | None]]:
    """Every cell of the table with its released count (None when withheld)."""
    return [(cell, table.released(cell)) for cell in table.cells()]
