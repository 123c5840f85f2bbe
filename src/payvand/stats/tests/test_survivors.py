"""One survivor counts once: records that duplicate detection linked (linkage's SurvivorKey)
are one survivor in the regional tables, the dashboard, the releases and the CTDC export,
with the attributes of her earliest counted record."""

import datetime as dt
import itertools

import pytest
from django.db import transaction

from payvand.consent.models import Consent
from payvand.consent.services import consent_record, consent_withdraw
from payvand.core.permissions import Role
from payvand.linkage.models import SurvivorKey
from payvand.stats import exports, privacy, tables
from payvand.stats.facts import facts_refresh
from payvand.stats.selectors import Filters, chart_table, total_of
from payvand.stats.suppression import ALL
from payvand.stats.tables import count_table, survivor_facts
from payvand.testing.factories import case, member
from payvand.trafficking import services as trafficking

pytestmark = pytest.mark.django_db

K = 5
OTHERS = 11  # survivors of no interest, so that the pair's cell is released (≥ k)


def _survivor(org, worker, *, on=dt.date(2026, 11, 2), citizenship="TJ", gender="Feminine",
              types=("ForcedLabour",), consent=True):  # fmt: skip
    c = case(
        org, owner=worker, citizenship=[citizenship], gender=gender, estimated_age=25,
        identified_on=on,
    )  # fmt: skip
    if consent:
        consent_record(
            case=c,
            by=worker,
            purpose="statistics",
            given_on=on,
            recorded_how="written_signed",
        )
    if types:
        trafficking.victim_context_update(
            case=c, by=worker, version=0, exploitation_types=list(types)
        )
    return c


def _link(*cases) -> None:
    """What the clustering job writes: every record of the cluster gets its smallest
    person id as key."""
    key = min(c.person_id for c in cases)
    for c in cases:
        SurvivorKey.objects.update_or_create(person_id=c.person_id, defaults={"key": key})


def _withdraw(c, worker) -> None:
    consent_withdraw(
        consent=c.consents.get(purpose="statistics"),
        by=worker,
        withdrawn_on=dt.date(2026, 11, 20),
        reason="Changed her mind",
    )


@pytest.fixture
def pair(org, other_org):
    """The same survivor registered by two organisations (the Tajik one first, in 2024;
    the Afghan one in 2026, where she was recorded with another citizenship), and eleven
    other survivors in Tajikistan in 2026."""
    tj_worker = member(Role.CASEWORKER, org)
    af_worker = member(Role.CASEWORKER, other_org)
    first = _survivor(org, tj_worker, on=dt.date(2024, 3, 5), citizenship="TJ")
    second = _survivor(other_org, af_worker, on=dt.date(2026, 6, 1), citizenship="AF")
    for _ in range(OTHERS):
        _survivor(org, tj_worker, citizenship="UZ")
    return first, second, tj_worker, af_worker


def _counts(by, *, materialised=False, **filters) -> dict[tuple, int | None]:
    if materialised:
        facts_refresh()
    table = count_table(source="cases", by=by, k=K, materialised=materialised, **filters)
    return {cell: table.released(cell) for cell in table.cells()}


@pytest.mark.parametrize("materialised", [False, True], ids=["live", "materialised"])
def test_two_organisations_one_survivor_linked_counts_once_unlinked_twice(pair, materialised):
    first, second, _tj, _af = pair
    assert sum(_counts(["gender"], materialised=materialised).values()) == OTHERS + 2
    _link(first, second)
    by_gender = _counts(["gender"], materialised=materialised)
    assert by_gender == {("Woman",): OTHERS + 1}, "linked: one survivor"
    # Her row is the earlier record: Tajik citizen, 2024; the Afghan record adds nothing.
    by_year = _counts(["year", "citizenship"], materialised=materialised)
    assert by_year[("2024", "TJ")] is None, "one survivor: withheld, but counted there"
    assert ("2026", "AF") not in by_year
    table = count_table(source="cases", by=["year"], k=1, materialised=materialised)
    assert table.released(("2024",)) == 1 and table.released(("2026",)) == OTHERS


def test_the_period_filter_looks_at_her_earliest_record_only(pair):
    first, second, _tj, _af = pair
    _link(first, second)
    table = count_table(source="cases", by=["citizenship"], k=1, year_from=2025)
    assert dict((c, table.released(c)) for c in table.cells()) == {("UZ",): OTHERS}
    table = count_table(source="cases", by=["citizenship"], k=1, year_to=2024)
    assert dict((c, table.released(c)) for c in table.cells()) == {("TJ",): 1}


@pytest.mark.parametrize(
    ("materialised", "named"),
    [(False, None), (True, None), (True, 0)],
    ids=["live", "materialised", "materialised-many-withdrawals"],
)
def test_a_withdrawal_on_one_record_moves_her_to_the_other_and_on_both_removes_her(
    pair, materialised, named, monkeypatch
):
    if named is not None:  # as if more survivors had withdrawn than are named in a query
        monkeypatch.setattr(tables, "NAMED_SURVIVORS", named)
    first, second, tj_worker, af_worker = pair
    _link(first, second)
    if materialised:
        facts_refresh()  # before the withdrawals: consent is asked when counting

    def table():
        t = count_table(source="cases", by=["year", "citizenship"], k=1, materialised=materialised)
        return {cell: t.released(cell) for cell in t.cells() if t.released(cell)}

    _withdraw(first, tj_worker)
    assert table() == {("2026", "AF"): 1, ("2026", "UZ"): OTHERS}, (
        "counted once, from the record whose consent is in force"
    )
    _withdraw(second, af_worker)
    assert table() == {("2026", "UZ"): OTHERS}, "no record counts: she is not counted"


@pytest.mark.parametrize("materialised", [False, True], ids=["live", "materialised"])
def test_an_organisations_own_figures_count_its_own_record(pair, other_org, materialised):
    first, second, _tj, _af = pair
    _link(first, second)
    if materialised:
        facts_refresh()
    mine = count_table(
        source="cases", by=["year", "citizenship"], k=1, organisation=other_org,
        materialised=materialised,
    )  # fmt: skip
    assert {c: mine.released(c) for c in mine.cells()} == {("2026", "AF"): 1}, (
        "the Afghan organisation's figures do not tell it she is known elsewhere"
    )


def test_the_dashboard_counts_her_once(pair, settings):
    first, second, _tj, _af = pair
    settings.PAYVAND_STATS_CACHE_SECONDS = 0
    assert total_of(chart_table("gender", Filters())) == OTHERS + 2
    _link(first, second)
    facts_refresh()
    assert total_of(chart_table("gender", Filters())) == OTHERS + 1


def test_releases_and_the_ctdc_export_count_her_once(pair):
    first, second, _tj, _af = pair
    assert sum(privacy.true_counts(["gender"], 2026).values()) == OTHERS + 1
    assert len(exports.ctdc_rows()) == OTHERS + 2
    _link(first, second)
    assert sum(privacy.true_counts(["gender"], 2024).values()) == 1
    assert sum(privacy.true_counts(["gender"], 2026).values()) == OTHERS, (
        "she belongs to 2024, her earliest record's year, and to no other year"
    )
    rows = exports.ctdc_rows()
    assert len(rows) == OTHERS + 1
    assert [r["citizenship"] for r in rows if r["yearOfRegistration"] == "2024"] == ["TJK"]
    release = privacy.release_exact(fields=["citizenship"], year=2026, k=5)
    assert {tuple(c["key"]): c["value"] for c in release.figures["cells"]} == {("UZ",): OTHERS}


def test_a_survivor_is_one_row_of_every_table(org, other_org):
    """The sensitivity of a release is the most one survivor can change its true counts:
    take each survivor out in turn (all her consents withdrawn) and compare."""
    workers = {o.pk: member(Role.CASEWORKER, o) for o in (org, other_org)}
    records = []
    kinds = itertools.cycle([("ForcedLabour",), ("SexualExploitation", "ForcedLabour"), ()])
    for i in range(9):
        o = (org, other_org)[i % 2]
        records.append(
            _survivor(
                o, workers[o.pk], on=dt.date(2026, 1 + i, 3),
                citizenship=("TJ", "AF", "UZ")[i % 3], gender=("Feminine", "Masculine")[i % 2],
                types=next(kinds),
            )
        )  # fmt: skip
    # Three survivors: records 0+1+2 (three organisations' worth), 3+4, and 5 alone …
    _link(*records[0:3])
    _link(*records[3:5])
    survivors = [records[0:3], records[3:5], *([r] for r in records[5:])]
    tables = [["gender"], ["citizenship", "age_band"], ["gender", "exploitation_type"]]
    before = {tuple(f): privacy.true_counts(f, 2026) for f in tables}
    assert sum(before[("gender",)].values()) == len(survivors)
    for records_of_one in survivors:
        with transaction.atomic():
            Consent.objects.filter(case__in=[r.pk for r in records_of_one]).update(
                withdrawn_on=dt.date(2026, 11, 20)
            )
            for fields in tables:
                after = privacy.true_counts(fields, 2026)
                change = sum(abs(before[tuple(fields)][k] - after[k]) for k in after)
                assert 1 <= change <= privacy.sensitivity_of(fields) or (
                    "exploitation_type" in fields and change == 0
                ), (fields, change)
            transaction.set_rollback(True)
    rows = survivor_facts().values_list("survivor", flat=True)
    assert len(rows) == len(set(rows)) == len(survivors), "one fact per survivor"


def test_a_table_by_exploitation_type_counts_each_survivor_in_each_of_her_types(pair):
    first, second, _tj, _af = pair
    _link(first, second)
    table = count_table(source="cases", by=["exploitation_type"], k=1)
    assert table.released(("ForcedLabour",)) == OTHERS + 1
    assert table.totals[(ALL,)] == OTHERS + 1


def test_from_the_materialised_facts_a_consent_given_since_the_refresh_counts_after_the_next(
    pair,
):
    first, _second, tj_worker, _af = pair
    late = _survivor(first.organisation, tj_worker, citizenship="UZ", consent=False)
    facts_refresh()
    consent_record(
        case=late,
        by=tj_worker,
        purpose="statistics",
        given_on=dt.date(2026, 11, 3),
        recorded_how="written_signed",
    )

    def uz(materialised):
        table = count_table(source="cases", by=["citizenship"], k=1, materialised=materialised)
        return table.released(("UZ",))

    assert (uz(False), uz(True)) == (OTHERS + 1, OTHERS), "live at once, materialised later"
    facts_refresh()
    assert uz(True) == OTHERS + 1
