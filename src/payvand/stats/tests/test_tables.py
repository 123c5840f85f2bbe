"""Tables from the platform's cases (only with consent to statistics, CTDC codes) and the
`payvand stats table` command."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from payvand.consent.services import consent_record, consent_withdraw
from payvand.core.permissions import Role
from payvand.stats import services
from payvand.stats.tables import count_table, table_rows
from payvand.stats.tests import ctdc_samples
from payvand.testing.factories import case, member
from payvand.trafficking import services as trafficking

pytestmark = pytest.mark.django_db


def _survivor(org, worker, *, consent=True, citizenship="TJ", gender="Feminine", types=()):
    c = case(org, owner=worker, citizenship=[citizenship], gender=gender, estimated_age=25)
    if consent:
        consent_record(
            case=c,
            by=worker,
            purpose="statistics",
            given_on=dt.date(2026, 11, 2),
            recorded_how="written_signed",
        )
    if types:
        trafficking.victim_context_update(case=c, by=worker, version=0, exploitation_types=types)
        trafficking.event_save(case=c, by=worker, event_type="Exploitation", country="RU")
    return c


def test_cases_count_only_with_consent_to_statistics_in_ctdc_codes(org):
    worker = member(Role.CASEWORKER, org)
    for _ in range(12):
        _survivor(org, worker, types=["ForcedLabour", "ChildLabour"])
    _survivor(org, worker, consent=False, types=["ForcedLabour"])
    withdrawn = _survivor(org, worker, types=["ForcedLabour"])
    consent_withdraw(
        consent=withdrawn.consents.get(),
        by=worker,
        withdrawn_on=dt.date(2026, 11, 20),
        reason="Changed her mind",
    )
    table = count_table(source="cases", by=["citizenship", "gender", "exploitation_type"], k=11)
    assert table_rows(table) == [(("TJ", "Woman", "ForcedLabour"), 12)], "each survivor once"
    by_country = count_table(source="cases", by=["country_of_exploitation", "age_band"], k=11)
    assert table_rows(by_country) == [(("RU", "24--26"), 12)]


def test_the_command_prints_csv_with_empty_counts_for_withheld_cells(org):
    services.ctdc_import(data=ctdc_samples.global_2017(), name="t")
    out = io.StringIO()
    call_command(
        "stats", "table", "--source", "ctdc", "--by", "citizenship,datasource", "--k", "5",
        "--format", "csv", stdout=out,
    )  # fmt: skip
    lines = out.getvalue().splitlines()
    assert lines[0] == "citizenship,datasource,count"
    counts = [line.rsplit(",", 1)[1] for line in lines[1:]]
    assert "" in counts, "a withheld cell's count is left empty"
    assert all(c == "" or c == "0" or int(c) >= 5 for c in counts)
    table = io.StringIO()
    call_command("stats", "table", "--source", "ctdc", "--by", "citizenship", stdout=table)
    assert "count" in table.getvalue() and "withheld" in table.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--by", "colour"], "Unknown field: colour"),
        (["--by", "year", "--k", "3"], "--k must be at least 5"),
        (["--by", "year", "--dataset", "nope"], "No reference dataset named nope"),
    ],
)
def test_bad_arguments_get_a_clear_error(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("stats", "table", "--source", "ctdc", *args, stdout=io.StringIO())


def test_the_materialised_facts_count_as_the_live_ones_and_consent_is_asked_live(org):
    from payvand.stats.facts import facts_refresh

    worker = member(Role.CASEWORKER, org)
    survivors = [_survivor(org, worker, types=["ForcedLabour", "Servitude"]) for _ in range(12)]
    by = ["year", "citizenship", "country_of_exploitation", "exploitation_type"]
    live = table_rows(count_table(source="cases", by=by, k=11))
    refresh = facts_refresh()
    assert refresh.rows == 12
    assert table_rows(count_table(source="cases", by=by, k=11, materialised=True)) == live
    year = str(survivors[0].identified_on.year)
    assert (year, "TJ", "RU", "OtherExploit") in dict(live), "Servitude is other exploitation"
    consent_withdraw(
        consent=survivors[0].consents.get(),
        by=worker,
        withdrawn_on=dt.date(2026, 11, 20),
        reason="Changed her mind",
    )
    after = count_table(source="cases", by=["citizenship"], k=5, materialised=True)
    assert table_rows(after) == [(("TJ",), 11)], "a withdrawal counts before the next refresh"
