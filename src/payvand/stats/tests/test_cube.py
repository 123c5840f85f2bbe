"""The pages' tables from the cube (FactCube) plus the withdrawals since the refresh are
the tables counted live and the tables counted row by row from the materialised facts:
random worlds of linked survivors in three organisations, consents withdrawn before and
after the refresh (some with a date before it), consents given again, every chart and
more tables, every filter, the region and each organisation's own figures."""

import datetime as dt
import itertools
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from payvand.consent.services import consent_record, consent_withdraw
from payvand.core.permissions import Role
from payvand.linkage.models import SurvivorKey
from payvand.stats.facts import facts_refresh
from payvand.stats.models import CaseFact, FactCube
from payvand.stats.selectors import CHARTS, Filters, chart_tables
from payvand.stats.tables import (
    EXPLOITATION_FLAGS,
    _grouped_counts,
    case_facts_filtered,
    cell_counts,
    count_table,
    withdrawal_delta,
)
from payvand.stats.vocab import ExploitationKind
from payvand.testing.factories import OrganisationFactory, case, member
from payvand.trafficking import services as trafficking

pytestmark = pytest.mark.django_db

TABLES = [
    *CHARTS.values(),
    ["datasource"],
    ["year", "gender"],
    ["exploitation_type", "year"],
    ["age_band", "exploitation_type", "citizenship"],
]
FILTERS = [
    {},
    {"year_from": 2025},
    {"year_to": 2024},
    {"year_from": 2024, "year_to": 2025},
    {"country": "TJ"},
    {"country": "AF", "year_from": 2024},
    *({"exploitation": kind} for kind in ExploitationKind.values),
    {"exploitation": ExploitationKind.SEXUAL, "country": "TJ", "year_to": 2025},
]
TYPES = ["ForcedLabour", "SexualExploitation", "ForcedMarriage", "ChildLabour", "OrganRemoval"]


def _world(rng: random.Random):
    """About thirty records in three organisations, a fifth without consent; a third of
    them linked in twos and threes across organisations, as the clustering job does."""
    orgs = [OrganisationFactory(), OrganisationFactory(country="AF", subdivision="AF-KAB")]
    orgs.append(OrganisationFactory(country="UZ", subdivision="UZ-TO"))
    workers = {o.pk: member(Role.CASEWORKER, o) for o in orgs}
    records = []
    for _ in range(rng.randint(24, 32)):
        o = rng.choice(orgs)
        worker = workers[o.pk]
        on = dt.date(rng.choice([2023, 2024, 2025, 2026]), rng.randint(1, 10), rng.randint(1, 28))
        c = case(
            o, owner=worker, identified_on=on, estimated_age=rng.randint(8, 60),
            gender=rng.choice(["Feminine", "Masculine", "TransgenderFeminine", "NonSpecifiedUnknown"]),
            citizenship=[rng.choice(["TJ", "AF", "UZ", "RU"])],
        )  # fmt: skip
        if rng.random() < 0.8:
            consent_record(
                case=c, by=worker, purpose="statistics", given_on=on,
                recorded_how="written_signed",
            )  # fmt: skip
        types = rng.sample(TYPES, rng.randint(0, 2))
        if types:
            trafficking.victim_context_update(
                case=c, by=worker, version=0, exploitation_types=types
            )
        if rng.random() < 0.7:
            country = rng.choice(["RU", "KZ", "TJ", "AE"])
            trafficking.event_save(case=c, by=worker, event_type="Exploitation", country=country)
        records.append((c, worker))
    shuffled = records[:]
    rng.shuffle(shuffled)
    linked = shuffled[: len(shuffled) // 3]
    while linked:
        group, linked = linked[: rng.choice([2, 3])], linked[rng.choice([2, 3]) :]
        key = min(c.person_id for c, _w in group)
        for c, _w in group:
            SurvivorKey.objects.update_or_create(person_id=c.person_id, defaults={"key": key})
    return orgs, records


def _withdraw_some(rng: random.Random, records, share: float, *, backdated: bool) -> list:
    """Withdraw the consent to statistics of about ``share`` of the records that have one,
    dated the day it was given (long before it is recorded) or today."""
    withdrawn = []
    for c, worker in records:
        consent = c.consents.filter(purpose="statistics", withdrawn_on__isnull=True).first()
        if consent is not None and rng.random() < share:
            day = consent.given_on if backdated else dt.date.today()
            consent_withdraw(consent=consent, by=worker, withdrawn_on=day, reason="")
            withdrawn.append((c, worker))
    return withdrawn


def _consent_again(rng: random.Random, records, share: float) -> None:
    for c, worker in records:
        if rng.random() < share:
            consent_record(
                case=c, by=worker, purpose="statistics", given_on=dt.date.today(),
                recorded_how="oral_witnessed",
            )  # fmt: skip


def _assert_the_same(orgs, *, live: bool) -> int:
    """Every table and filter, in every scope: cube == facts row by row (== live)."""
    compared = 0
    for organisation in [None, *orgs]:
        delta = withdrawal_delta(organisation=organisation)  # once, as a page does
        for by, filters in itertools.product(TABLES, FILTERS):
            cube = cell_counts(
                source="cases", by=by, materialised=True, organisation=organisation,
                delta=delta, **filters,
            )  # fmt: skip
            rows = case_facts_filtered(materialised=True, organisation=organisation, **filters)
            by_facts = _grouped_counts(rows, by, EXPLOITATION_FLAGS)
            where = (organisation and organisation.code, by, filters)
            assert cube == by_facts, where
            if live:
                alive = cell_counts(source="cases", by=by, organisation=organisation, **filters)
                assert cube == alive, where
            compared += 1
        if not live:
            continue
        # The whole table too, suppressed, with the delta looked up by count_table itself.
        mine = count_table(source="cases", by=["year", "gender"], k=2, materialised=True,
                           organisation=organisation)  # fmt: skip
        theirs = count_table(source="cases", by=["year", "gender"], k=2, organisation=organisation)
        assert [(c, mine.released(c)) for c in mine.cells()] == [
            (c, theirs.released(c)) for c in theirs.cells()
        ]
    return compared


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_cube_and_the_withdrawals_since_count_what_live_counting_counts(seed):
    rng = random.Random(seed)
    orgs, records = _world(rng)
    withdrawn = _withdraw_some(rng, records, 0.15, backdated=rng.random() < 0.5)
    _consent_again(rng, withdrawn, 0.5)
    facts_refresh()
    assert FactCube.objects.exists()
    counted = CaseFact.objects.filter(consented=True, consented_rank=1).count()
    assert sum(FactCube.objects.filter(organisation=None).values_list("n", flat=True)) == counted
    assert _assert_the_same(orgs, live=True) == 4 * len(TABLES) * len(FILTERS)

    # After the refresh: withdrawals dated before it and on the day, some given again.
    after = _withdraw_some(rng, records, 0.3, backdated=True)
    after += _withdraw_some(rng, records, 0.2, backdated=False)
    assert after, "the seed withdraws something after the refresh"
    _consent_again(rng, after, 0.3)
    _assert_the_same(orgs, live=True)

    # Everything withdrawn: nobody counts, whatever the cube says.
    _withdraw_some(rng, records, 1.0, backdated=False)
    assert cell_counts(source="cases", by=["gender"], materialised=True) == {}
    for o in orgs:
        assert cell_counts(source="cases", by=["year"], materialised=True, organisation=o) == {}
    facts_refresh()
    assert not FactCube.objects.exists(), "the refresh rewrites the cube: nothing to count"


def test_a_consent_given_after_the_refresh_counts_from_the_next_one_in_the_cube_too():
    rng = random.Random(7)
    orgs, records = _world(rng)
    facts_refresh()
    without = [(c, w) for c, w in records if not c.consents.filter(purpose="statistics")]
    assert without
    _consent_again(rng, without, 1.0)
    _assert_the_same(orgs, live=False)  # the cube is still the facts row by row
    before = cell_counts(source="cases", by=["year"], materialised=True)
    assert sum(before.values()) < sum(cell_counts(source="cases", by=["year"]).values())
    facts_refresh()
    _assert_the_same(orgs, live=True)


def _consent_queries(queries) -> int:
    return sum("consent_consent" in q["sql"] for q in queries.captured_queries)


def test_a_page_looks_up_the_withdrawals_since_the_refresh_once_for_its_six_tables(settings, org):
    settings.PAYVAND_STATS_CACHE_SECONDS = 300
    worker = member(Role.CASEWORKER, org)
    cases = [case(org, owner=worker) for _ in range(3)]
    for c in cases:
        consent_record(
            case=c, by=worker, purpose="statistics", given_on=dt.date(2026, 11, 2),
            recorded_how="written_signed",
        )  # fmt: skip
    facts_refresh()
    consent_withdraw(
        consent=cases[0].consents.get(), by=worker, withdrawn_on=dt.date(2026, 11, 2), reason=""
    )
    with CaptureQueriesContext(connection) as queries:
        tables = chart_tables(Filters())
    assert list(tables) == list(CHARTS)
    assert _consent_queries(queries) == 2, "who is concerned, and her pick now: once"
    assert tables["gender"].counts == {("Woman",): 2}
    with CaptureQueriesContext(connection) as queries:
        chart_tables(Filters())
    assert len(queries.captured_queries) == 0, "all six from the cache"


def test_the_migration_that_adds_the_cube_fills_it_from_the_facts_already_there():
    from importlib import import_module

    from django.apps import apps

    rng = random.Random(11)
    _world(rng)
    facts_refresh()
    fields = ("organisation_id", "year", "gender", "age_band", "citizenship", "n")
    written = sorted(FactCube.objects.values_list(*fields), key=repr)
    assert written
    FactCube.objects.all().delete()
    migration = import_module("payvand.stats.migrations.0006_fact_cube_from_facts")

    class SchemaEditor:  # what RunPython passes: only its connection is used
        pass

    editor = SchemaEditor()
    editor.connection = connection
    migration.cube_from_facts(apps, editor)
    assert sorted(FactCube.objects.values_list(*fields), key=repr) == written


def test_a_refresh_that_commits_while_a_page_is_computed_is_not_counted_half(
    settings, org, monkeypatch
):
    """The delta of one refresh applied to the cube of the next would take a withdrawn
    survivor out twice: the page computes its tables again when the refresh changed."""
    from payvand.stats import selectors

    settings.PAYVAND_STATS_CACHE_SECONDS = 300
    worker = member(Role.CASEWORKER, org)
    cases = [case(org, owner=worker) for _ in range(3)]
    for c in cases:
        consent_record(
            case=c, by=worker, purpose="statistics", given_on=dt.date(2026, 11, 2),
            recorded_how="written_signed",
        )  # fmt: skip
    facts_refresh()
    consent_withdraw(
        consent=cases[0].consents.get(), by=worker, withdrawn_on=dt.date(2026, 11, 2), reason=""
    )
    deltas = []

    def delta_then_a_refresh(**scope):
        delta = withdrawal_delta(**scope)
        if not deltas:
            facts_refresh()  # commits after the delta is read, before the cube is summed
        deltas.append(delta)
        return delta

    monkeypatch.setattr(selectors, "withdrawal_delta", delta_then_a_refresh)
    tables = chart_tables(Filters())
    assert tables["gender"].counts == {("Woman",): 2}, "she is taken out once"
    assert [len(d.rows) for d in deltas] == [1, 0], "computed again, with the new refresh"
