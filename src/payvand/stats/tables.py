"""Counting survivors for the regional tables, from the platform's cases or a CTDC
reference dataset, with the same fields and CTDC's codes whatever the source.

Cases count only when the survivor consented to statistics (consent app), and each
survivor (person) counts once per cell. Multi-valued fields (exploitation_type) count a
survivor in each of her values, as CTDC's flags do.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from payvand.cases.models import Case
from payvand.cases.vocab import Gender
from payvand.consent.models import Purpose
from payvand.consent.selectors import cases_allowing
from payvand.stats.models import CtdcRecord, ReferenceDataset
from payvand.stats.suppression import Table, suppress
from payvand.stats.vocab import AGE_BAND_LIMITS, AGE_BANDS, CtdcGender, Datasource, ExploitationKind
from payvand.trafficking.models import TraffickingEvent, VictimContext

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

GENDER_TO_CTDC = {
    Gender.FEMININE: CtdcGender.WOMAN,
    Gender.MASCULINE: CtdcGender.MAN,
    Gender.TRANS_FEMININE: CtdcGender.TRANS,
    Gender.TRANS_MASCULINE: CtdcGender.TRANS,
    Gender.NON_CONFORMING: CtdcGender.TRANS,
}
# HTCDS type of exploitation → CTDC's three flags (reference/data-standards.md §2.2).
EXPLOITATION_TO_CTDC = {
    "ForcedLabour": ExploitationKind.FORCED_LABOUR,
    "ChildLabour": ExploitationKind.FORCED_LABOUR,
    "ForcedBegging": ExploitationKind.FORCED_LABOUR,
    "ForcedCriminality": ExploitationKind.FORCED_LABOUR,
    "SexualExploitation": ExploitationKind.SEXUAL,
}


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


def _case_units(year_from: int | None, year_to: int | None, organisation=None) -> list[Unit]:
    cases = Case.objects.all()
    if organisation is not None:
        cases = cases.filter(organisation=organisation)
    if year_from:
        cases = cases.filter(identified_on__year__gte=year_from)
    if year_to:
        cases = cases.filter(identified_on__year__lte=year_to)
    cases = cases_allowing(cases, Purpose.STATISTICS)
    rows = list(
        cases.values(
            "pk", "person_id", "identified_on", "person__gender", "person__birth_year",
            "person__citizenship",
        )
    )  # fmt: skip
    ids = [r["pk"] for r in rows]
    types = dict(
        VictimContext.objects.filter(case_id__in=ids).values_list("case_id", "exploitation_types")
    )
    exploited_in: dict[int, str] = {}
    for case_id, country in (
        TraffickingEvent.objects.filter(case_id__in=ids, event_type="Exploitation")
        .order_by("case_id", "occurred_on", "created_at")
        .values_list("case_id", "country")
    ):
        exploited_in[case_id] = country  # the last one wins, as CTDC defines it
    units = []
    for r in rows:
        year = r["identified_on"].year
        birth = r["person__birth_year"]
        citizenship = (r["person__citizenship"] or "").split()
        kinds = sorted(
            {EXPLOITATION_TO_CTDC.get(t, ExploitationKind.OTHER) for t in types.get(r["pk"]) or []}
        )
        units.append(
            Unit(
                key=f"person:{r['person_id']}",
                values={
                    "year": str(year),
                    "gender": GENDER_TO_CTDC.get(r["person__gender"], MISSING),
                    "age_band": age_band(year - birth if birth else None),
                    "citizenship": citizenship[0] if citizenship else MISSING,
                    "country_of_exploitation": exploited_in.get(r["pk"], MISSING),
                    "exploitation_type": kinds,
                    "datasource": Datasource.CASE_MANAGEMENT,
                },
            )
        )
    return units


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
) -> Table:
    """The suppressed table of survivors by ``by`` (each survivor once per cell)."""
    unknown = [f for f in by if f not in FIELDS]
    if unknown or not by:
        raise UnknownField(
            f"Unknown field: {', '.join(unknown) or '(none)'}. Fields: {', '.join(FIELDS)}."
        )
    if source == "cases":
        units = _case_units(year_from, year_to, organisation)
    elif source == "ctdc":
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
    counts = {key: len(members) for key, members in cells.items()}
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
