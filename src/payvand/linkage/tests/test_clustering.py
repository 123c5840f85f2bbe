"""The clustering job: which person records are one survivor, for statistics.

Real databases, real registrations (sealed, encoded by the registration hook), the same
encoder and matcher as the product."""

import datetime as dt

import numpy as np
import pytest
from django.core.management import call_command

from payvand.cases.erasure import person_erase
from payvand.consent.services import consent_record, consent_withdraw
from payvand.core.audit.models import AuditEvent
from payvand.core.permissions import Role
from payvand.linkage import clustering, encoding, evaluation, matching
from payvand.linkage.clustering import survivor_keys_refresh
from payvand.linkage.models import Basis, Encoding, SurvivorKey
from payvand.linkage.services import organisation_encode, participation_set
from payvand.testing.factories import OrganisationFactory, case, member

pytestmark = pytest.mark.django_db

# One survivor as three registers write her: Dushanbe (Cyrillic), Kabul (Arabic script, no
# family name, age estimated), Tashkent (Latin, father's name as an Uzbek patronymic).
TAJIK = {
    "given_name": "Зарина", "family_name": "Назарова", "father_name": "Карим",
    "place_of_origin": "Хуҷанд", "birth_precision": "year", "birth_year": 2001,
    "estimated_age": None, "citizenship": ["TJ"],
}  # fmt: skip
AFGHAN = {
    "given_name": "زرینه", "family_name": "نظروا", "father_name": "کریم",
    "place_of_origin": "خجند", "birth_precision": "estimated", "estimated_age": 26,
    "citizenship": ["TJ"],
}  # fmt: skip
UZBEK = {
    "given_name": "Zarina", "family_name": "Nazarova", "father_name": "Karim qizi",
    "place_of_origin": "Khujand", "birth_precision": "year", "birth_year": 2002,
    "estimated_age": None, "citizenship": ["TJ"],
}  # fmt: skip
STRANGER = {
    "given_name": "Гулнора", "family_name": "Юсупова", "father_name": "Шариф",
    "place_of_origin": "Самарқанд", "birth_precision": "year", "birth_year": 1984,
    "estimated_age": None, "citizenship": ["UZ"],
}  # fmt: skip


@pytest.fixture
def region():
    tj = OrganisationFactory(country="TJ", subdivision="TJ-DU")
    af = OrganisationFactory(country="AF", subdivision="AF-KAB")
    uz = OrganisationFactory(country="UZ", subdivision="UZ-TK")
    for org in (tj, af, uz):
        participation_set(org=org, by=None, enabled=True, basis=Basis.LAWFUL_BASIS)
    return tj, af, uz


@pytest.fixture
def zarina(region):
    """The survivor's three records, one per organisation, and a stranger in Tajikistan."""
    tj, af, uz = region
    records = [case(tj, **TAJIK).person, case(af, **AFGHAN).person, case(uz, **UZBEK).person]
    stranger = case(tj, **STRANGER).person
    assert Encoding.objects.count() == 4  # the registration hook encoded them
    return records, stranger


def keys() -> dict[int, int]:
    return dict(SurvivorKey.objects.values_list("person_id", "key"))


def test_one_survivor_in_three_organisations_gets_one_key_and_a_stranger_none(zarina):
    records, stranger = zarina
    summary = survivor_keys_refresh()
    first = min(p.pk for p in records)
    assert keys() == {p.pk: first for p in records}
    assert stranger.pk not in keys()
    assert (summary.encodings, summary.organisations, summary.clusters, summary.persons) == (
        4, 3, 1, 3,
    )  # fmt: skip
    assert summary.links == 3 and summary.created == 3


def test_the_job_is_idempotent_and_audits_each_run_with_counts_only(zarina):
    survivor_keys_refresh()
    before = keys()
    again = survivor_keys_refresh()
    assert keys() == before
    assert (again.created, again.changed, again.deleted) == (0, 0, 0)
    rows = AuditEvent.objects.filter(action="linkage.cluster").order_by("id")
    assert rows.count() == 2
    details = rows.last().details
    assert details["persons"] == 3 and details["clusters"] == 1
    assert all(isinstance(v, int) for v in details.values())  # counts, no identities
    assert not rows.last().object_id


def test_records_within_one_organisation_are_never_linked(region):
    tj, _af, _uz = region
    case(tj, **TAJIK), case(tj, **TAJIK)  # registered twice by the same organisation
    summary = survivor_keys_refresh()
    assert summary.links == 0 and keys() == {}


def test_a_cluster_holds_at_most_one_record_of_each_organisation(zarina, region):
    """A second Tajik record of her (the organisation's own duplicate) cannot join the
    cluster of the first: it forms one with the record it matches best elsewhere."""
    tj, _af, _uz = region
    records, _stranger = zarina
    twin = case(tj, **{**TAJIK, "birth_year": 2000}).person
    survivor_keys_refresh()
    clustered = keys()
    assert set(clustered) == {p.pk for p in [*records, twin]}
    org_of = {p.pk: p.organisation_id for p in [*records, twin]}
    for key in set(clustered.values()):
        members = [p for p, k in clustered.items() if k == key]
        assert len(members) == len({org_of[p] for p in members}) >= 2
        assert key == min(members)


def test_only_organisations_taking_part_and_the_current_encoder_version_count(zarina, region):
    _tj, _af, uz = region
    records, _stranger = zarina
    survivor_keys_refresh()
    Encoding.objects.filter(person=records[1]).update(version="2.1")  # not yet re-encoded
    participation_set(org=uz, by=None, enabled=False)  # drops its encodings and keys
    assert records[2].pk not in keys()
    summary = survivor_keys_refresh()
    assert summary.encodings == 2 and keys() == {}
    organisation_encode(org=records[1].organisation)  # re-encoded with this version
    survivor_keys_refresh()
    assert keys() == {records[0].pk: records[0].pk, records[1].pk: records[0].pk}


def test_on_the_consent_basis_a_link_needs_her_consent_for_that_organisation(region):
    tj, af, uz = region
    participation_set(org=tj, by=None, enabled=True, basis=Basis.CONSENT)
    worker = member(Role.CASEWORKER, tj)
    tajik = case(tj, owner=worker, **TAJIK)
    consent_record(
        case=tajik, by=worker, purpose="sharing_country", recipient_country="AF",
        given_on=dt.date.today(), recorded_how="written_signed",
    )  # fmt: skip
    afghan, uzbek = case(af, **AFGHAN).person, case(uz, **UZBEK).person
    survivor_keys_refresh()
    # Afghanistan is covered; Uzbekistan is not, so the Uzbek record links to the Afghan
    # one only (both of lawful-basis organisations), never to the Tajik one.
    ks = keys()
    assert ks[tajik.person_id] == ks[afghan.pk]
    assert ks.get(uzbek.pk) in (None, ks[afghan.pk])
    assert len(set(ks.values())) == 1


def test_erasure_drops_her_key_and_re_keys_the_rest_of_the_cluster(zarina):
    records, _stranger = zarina
    survivor_keys_refresh()
    first, second, third = sorted(records, key=lambda p: p.pk)
    supervisor = member(Role.SUPERVISOR, first.organisation)
    first_case = first.cases.get()
    person_erase(
        case=first_case, by=supervisor, reason="SurvivorRequest", confirm=first_case.number
    )
    assert keys() == {second.pk: second.pk, third.pk: second.pk}
    supervisor = member(Role.SUPERVISOR, second.organisation)
    second_case = second.cases.get()
    person_erase(
        case=second_case, by=supervisor, reason="SurvivorRequest", confirm=second_case.number
    )
    assert keys() == {}  # alone, the last one is a survivor of her own
    assert survivor_keys_refresh().persons == 0  # and the job does not bring them back


def test_withdrawing_consent_drops_the_key(region):
    tj, af, _uz = region
    participation_set(org=tj, by=None, enabled=True, basis=Basis.CONSENT)
    worker = member(Role.CASEWORKER, tj)
    tajik = case(tj, owner=worker, **TAJIK)
    consent = consent_record(
        case=tajik, by=worker, purpose="sharing_org", recipient_org=af,
        given_on=dt.date.today(), recorded_how="written_signed",
    )  # fmt: skip
    case(af, **AFGHAN)
    survivor_keys_refresh()
    assert len(keys()) == 2
    consent_withdraw(consent=consent, by=worker, withdrawn_on=dt.date.today())
    assert keys() == {}


def test_re_encoding_keeps_the_keys(zarina):
    records, _stranger = zarina
    survivor_keys_refresh()
    before = keys()
    organisation_encode(org=records[0].organisation)
    assert keys() == before


def test_lsh_blocking_finds_the_strong_pairs_comparing_everything_finds(monkeypatch):
    """Above ``matching.EXHAUSTIVE_LIMIT`` the job blocks with LSH; on the cross-script set
    (as two 'organisations') it finds the strong pairs of the exhaustive run."""
    enc = encoding.encoder_for(encoding.DEVELOPMENT_SECRET)
    left, right, _l, _r = evaluation.crossscript_records()
    filters = matching.as_words(enc.filters(left + right))
    orgs = np.array([1] * len(left) + [2] * len(right))
    everything, _n = clustering.strong_pairs(filters, orgs)
    monkeypatch.setattr(matching, "EXHAUSTIVE_LIMIT", 1000)
    blocked, compared = clustering.strong_pairs(filters, orgs)
    n = len(filters)
    assert compared < n * (n - 1) // 2
    found = set(zip(blocked.left.tolist(), blocked.right.tolist(), strict=True))
    expected = set(zip(everything.left.tolist(), everything.right.tolist(), strict=True))
    assert found <= expected
    assert len(found) >= 0.98 * len(expected) and len(expected) > 200


def test_the_command_prints_what_it_did(zarina, capsys):
    call_command("linkage", "cluster")
    out = capsys.readouterr().out
    assert "4 encodings of 3 organisations" in out
    assert "3 persons in 1 survivors" in out


def test_after_an_encoder_upgrade_encode_all_and_cluster_bring_everyone_back(zarina, capsys):
    Encoding.objects.update(version="2.1")  # stored by the previous release
    assert survivor_keys_refresh().encodings == 0
    call_command("linkage", "encode", "--all")
    assert capsys.readouterr().out.count(f"(encoder {encoding.version()})") == 3
    assert set(Encoding.objects.values_list("version", flat=True)) == {encoding.version()}
    assert survivor_keys_refresh().persons == 3


def test_a_case_transferred_to_another_organisation_is_encoded_as_its_own(zarina, region):
    """Her encoding named the old organisation and country: after the transfer it names
    the new one (which takes part), and her key goes until the next run."""
    from django.db import transaction

    from payvand.cases.transfer import case_move

    _tj, af, _uz = region
    records, stranger = zarina
    survivor_keys_refresh()
    tajik = records[0]
    with transaction.atomic():
        case_move(case=tajik.cases.get(), to_org=af, owner=member(Role.CASEWORKER, af), by=None)
    row = Encoding.objects.get(person=tajik)
    assert (row.organisation_id, row.country) == (af.pk, "AF")
    assert tajik.pk not in keys()
    off = OrganisationFactory(country="PK", subdivision="PK-IS")  # does not take part
    with transaction.atomic():
        case_move(
            case=stranger.cases.get(), to_org=off, owner=member(Role.CASEWORKER, off), by=None
        )
    assert not Encoding.objects.filter(person=stranger).exists()
