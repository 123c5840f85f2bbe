"""In the product: who takes part, what is stored, what a caseworker is told, what is audited."""

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404

from payvand.cases.erasure import person_erase
from payvand.consent.models import Purpose
from payvand.consent.services import consent_record, consent_withdraw
from payvand.core.audit.models import AuditEvent
from payvand.core.keys import org_keys_destroy
from payvand.core.permissions import Role
from payvand.linkage.models import Basis, Encoding
from payvand.linkage.selectors import ElsewhereMatch, matches_elsewhere
from payvand.linkage.services import (
    linkage_consent_changed,
    organisation_encode,
    participation_set,
    person_encode,
    persons_encode,
)
from payvand.testing.factories import OrganisationFactory, case, member

pytestmark = pytest.mark.django_db

TAJIK = {
    "given_name": "Зарина", "family_name": "Назарова", "father_name": "Карим",
    "place_of_origin": "Хуҷанд", "birth_precision": "year", "birth_year": 2001,
    "estimated_age": None, "citizenship": ["TJ"],
}  # fmt: skip
AFGHAN = {
    "given_name": "زرینه", "family_name": "نظروا", "father_name": "کریم",
    "place_of_origin": "خجند", "birth_precision": "estimated", "estimated_age": 27,
    "citizenship": ["TJ"],
}  # fmt: skip


@pytest.fixture
def region():
    tj = OrganisationFactory(country="TJ", subdivision="TJ-DU")
    af = OrganisationFactory(country="AF", subdivision="AF-KAB")
    uz = OrganisationFactory(country="UZ", subdivision="UZ-TK")
    for org in (tj, af):
        participation_set(org=org, by=None, enabled=True, basis=Basis.LAWFUL_BASIS)
    return tj, af, uz


def _encode(c):
    from payvand.cases.services import person_identity

    return person_encode(c.person, person_identity(person=c.person, by=None, purpose="linkage"))


def test_a_survivor_registered_in_tajikistan_is_a_strong_match_for_the_afghan_caseworker(region):
    tj, af, _uz = region
    tajik_case = case(tj, **TAJIK)
    assert _encode(tajik_case) is not None
    worker = member(Role.CASEWORKER, af)
    afghan_case = case(af, owner=worker, **AFGHAN)
    _encode(afghan_case)
    before = AuditEvent.objects.filter(action="linkage.query").count()

    shown = matches_elsewhere(worker, afghan_case)

    assert shown == [ElsewhereMatch(country="TJ", organisations=1, strength="strong")]
    rows = AuditEvent.objects.filter(action="linkage.query")
    assert rows.count() == before + 1
    row = rows.order_by("-id").first()
    assert row.actor_id == worker.public_id and row.object_id == str(afghan_case.public_id)


def test_the_answer_names_no_person_case_or_organisation(region):
    tj, af, _uz = region
    tajik_case = case(tj, **TAJIK)
    _encode(tajik_case)
    worker = member(Role.CASEWORKER, af)
    afghan_case = case(af, owner=worker, **AFGHAN)
    shown = matches_elsewhere(worker, afghan_case)  # encoded on the fly, not stored
    text = repr(shown) + repr(AuditEvent.objects.order_by("-id").first().details)
    for secret in (tajik_case.number, str(tajik_case.public_id), tj.code, tj.name, "Зарина"):
        assert secret not in text
    assert str(tajik_case.person.public_id) not in text
    assert {type(v) for m in shown for v in (m.country, m.organisations, m.strength)} <= {
        str,
        int,
    }


def test_own_organisation_and_non_participants_are_never_searched(region):
    tj, _af, uz = region
    _encode(case(tj, **TAJIK))
    twin = case(tj, **TAJIK)  # the same survivor twice in one organisation
    _encode(twin)
    uzbek = case(uz, **TAJIK)  # UZ does not take part: nothing stored
    assert _encode(uzbek) is None
    supervisor = member(Role.SUPERVISOR, tj)
    assert matches_elsewhere(supervisor, twin) == []


def test_a_registered_batch_is_encoded_at_once(region):
    tj, _af, _uz = region
    cases = [case(tj, **TAJIK), case(tj, **{**TAJIK, "given_name": "Гулнора"})]
    identities = [{"given_name": "Зарина"}, {"given_name": "Гулнора"}]
    persons = [c.person for c in cases]
    assert persons_encode(org=tj, persons=persons, identities=identities) == 2
    assert Encoding.objects.filter(organisation=tj).count() == 2


def test_only_callers_who_see_the_case_may_ask(region):
    tj, af, _uz = region
    afghan_case = case(af, **AFGHAN)
    with pytest.raises(Http404):
        matches_elsewhere(member(Role.CASEWORKER, tj), afghan_case)


def test_on_the_consent_basis_only_consented_survivors_take_part_and_withdrawal_counts(region):
    tj, af, _uz = region
    participation_set(org=tj, by=None, enabled=True, basis=Basis.CONSENT)
    tj_worker = member(Role.CASEWORKER, tj)
    tajik_case = case(tj, owner=tj_worker, **TAJIK)
    assert _encode(tajik_case) is None  # no consent yet
    consent = consent_record(
        case=tajik_case, by=tj_worker, purpose=Purpose.SHARING_COUNTRY,
        recipient_country="AF", given_on=dt.date(2026, 11, 2), recorded_how="written_signed",
    )  # fmt: skip
    linkage_consent_changed(tajik_case)
    assert Encoding.objects.filter(person=tajik_case.person).exists()
    af_worker = member(Role.CASEWORKER, af)
    afghan_case = case(af, owner=af_worker, **AFGHAN)
    assert matches_elsewhere(af_worker, afghan_case)[0].strength == "strong"

    consent_withdraw(consent=consent, by=tj_worker, withdrawn_on=dt.date(2026, 11, 3))
    # Before the hook runs, the query itself refuses; after it, nothing is stored.
    assert matches_elsewhere(af_worker, afghan_case) == []
    linkage_consent_changed(tajik_case)
    assert not Encoding.objects.filter(person=tajik_case.person).exists()


def test_erasure_purge_and_leaving_drop_the_encodings(region):
    tj, af, _uz = region
    supervisor = member(Role.SUPERVISOR, tj)
    erased = case(tj, owner=supervisor, **TAJIK)
    kept = case(tj, owner=supervisor, **{**TAJIK, "given_name": "Гулнора"})
    assert organisation_encode(org=tj) == 2
    person_erase(case=erased, by=supervisor, reason="SurvivorRequest", confirm=erased.number)
    assert list(Encoding.objects.values_list("person_id", flat=True)) == [kept.person_id]
    org_keys_destroy(org=tj)
    assert not Encoding.objects.filter(organisation=tj).exists()
    _encode(case(af, **AFGHAN))
    participation_set(org=af, by=None, enabled=False)
    assert not Encoding.objects.exists()


def test_the_linkage_tables_hold_no_name_and_no_birth_date_in_clear(region):
    tj, af, _uz = region
    _encode(case(tj, **{**TAJIK, "birth_precision": "exact", "birth_year": None,
                        "birth_date": dt.date(2001, 4, 17)}))  # fmt: skip
    _encode(case(af, **AFGHAN))
    tables = ["linkage_encoding", "linkage_linkageparticipation"]
    dump = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - our own table names
            for row in cursor.fetchall():
                dump.append(repr(row))
                dump += [
                    bytes(v).decode("latin-1") for v in row if isinstance(v, bytes | memoryview)
                ]
    text = "\n".join(dump).lower()
    assert Encoding.objects.count() == 2
    for clear in ("зарина", "zarina", "назарова", "nazarova", "زرینه", "карим", "karim",
                  "2001-04-17", "20010417", "17.04.2001", "хуҷанд", "khujand", "znr"):  # fmt: skip
        assert clear not in text
        assert clear.encode().hex() not in text
