"""Registering many cases at once (seeding, large imports) keeps every guarantee of one."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from payvand.cases import name_index, selectors
from payvand.cases.models import Case, CaseSequence, NameToken, Person
from payvand.cases.services import (
    case_register,
    case_register_many,
    person_identity,
)
from payvand.core.audit.models import AuditEvent
from payvand.core.audit.verify import audit_chain_verify
from payvand.core.permissions import Role
from payvand.demo.seed import seed_cases, seed_demo
from payvand.testing.factories import member, registration

pytestmark = pytest.mark.django_db

PEOPLE = [
    {"given_name": "Мухаммад", "family_name": "Раҳимов", "father_name": "Карим"},
    {"given_name": "Гулнора", "family_name": "Назарова", "father_name": "Саидмурод"},
    {"given_name": "Zarina", "family_name": "Karimova", "father_name": "Rustam"},
    {"given_name": "محمد", "family_name": "احمدی", "father_name": "عبدالله"},
]


def _tokens(case: Case) -> list[tuple[str, str, str]]:
    return sorted(
        NameToken.objects.filter(person_id=case.person_id).values_list("field", "kind", "token")
    )


def _audit_row(case: Case) -> dict:
    event = AuditEvent.objects.get(action="case.register", case_id=case.public_id)
    return {
        "object_type": event.object_type,
        "object_id": event.object_id,
        "organisation_id": event.organisation_id,
        "actor_id": event.actor_id,
        "details": set(event.details),
    }


def test_bulk_registered_cases_are_indistinguishable_from_single_ones(org, other_org):
    owner = member(Role.CASEWORKER, org)
    other_owner = member(Role.CASEWORKER, other_org)
    bulk = case_register_many(
        org=org, by=owner, owner=owner, registrations=[registration(**p) for p in PEOPLE]
    )
    singles = [
        case_register(
            org=other_org, by=other_owner, owner=other_owner, registration=registration(**p)
        )
        for p in PEOPLE
    ]
    assert len(bulk) == len(PEOPLE)
    for many, one, person in zip(bulk, singles, PEOPLE, strict=True):
        many = Case.objects.select_related("person").get(pk=many.pk)
        one = Case.objects.select_related("person").get(pk=one.pk)
        # The identity opens to what was registered, under the organisation's own key.
        opened = person_identity(person=many.person, by=owner)
        assert (opened.given_name, opened.family_name, opened.father_name) == (
            person["given_name"],
            person["family_name"],
            person["father_name"],
        )
        assert opened == person_identity(person=one.person, by=other_owner)
        # The same fields in clear, the same owner and assignment.
        for field in ("gender", "birth_year", "birth_precision", "citizenship"):
            assert getattr(many.person, field) == getattr(one.person, field), field
        assert list(many.assigned.all()) == [owner]
        assert many.owner == owner and many.status == one.status
        # The same blind-index tokens as a single registration makes for the same names.
        expected = name_index.person_tokens(org, opened.to_json())
        assert _tokens(many) == expected
        assert len(_tokens(many)) == len(_tokens(one))
        # One audit row per case, shaped like the single path's.
        single_row, bulk_row = _audit_row(one), _audit_row(many)
        assert bulk_row["object_type"] == single_row["object_type"] == "cases.case"
        assert bulk_row["object_id"] == str(many.public_id)
        assert bulk_row["organisation_id"] == org.public_id
        assert bulk_row["actor_id"] == owner.public_id
        assert bulk_row["details"] == single_row["details"] == {"person", "number"}
    assert audit_chain_verify().ok


def test_search_finds_bulk_registered_people_across_scripts(org):
    supervisor = member(Role.SUPERVISOR, org)
    owner = member(Role.CASEWORKER, org)
    cases = case_register_many(
        org=org, by=None, owner=owner, registrations=[registration(**p) for p in PEOPLE]
    )

    def found(text):
        query = selectors.CaseQuery(name=text)
        return [c.number for c in selectors.case_search(supervisor, query)]

    # Latin finds the Cyrillic spelling first (romanised), the Arabic one on its skeleton.
    assert found("Muhammad") == [cases[0].number, cases[3].number]
    assert found("Gulnora Nazarova") == [cases[1].number]
    assert found("Зарина") == [cases[2].number]


def test_case_numbers_are_consecutive_across_single_and_bulk_registrations(org):
    owner = member(Role.CASEWORKER, org)
    first = case_register(org=org, by=owner, registration=registration())
    batch = case_register_many(
        org=org,
        by=owner,
        registrations=[
            registration(identified_on=dt.date(2025, 5, 1)),
            registration(),
            registration(identified_on=dt.date(2025, 6, 1)),
            registration(),
        ],
    )
    last = case_register(org=org, by=owner, registration=registration())
    prefix = f"{org.country}-{org.code}"
    assert [first.number, *(c.number for c in batch), last.number] == [
        f"{prefix}-2026-00001",
        f"{prefix}-2025-00001",
        f"{prefix}-2026-00002",
        f"{prefix}-2025-00002",
        f"{prefix}-2026-00003",
        f"{prefix}-2026-00004",
    ]
    assert dict(CaseSequence.objects.filter(organisation=org).values_list("year", "last")) == {
        2025: 2,
        2026: 4,
    }


def test_an_invalid_registration_leaves_nothing_of_its_batch(org):
    owner = member(Role.CASEWORKER, org)
    before = AuditEvent.objects.count()
    good = [registration(given_name=f"Name{n}") for n in range(5)]
    bad = registration(birth_precision="year", birth_year=None, estimated_age=None)
    with pytest.raises(ValidationError) as raised:
        case_register_many(org=org, by=owner, registrations=[*good[:3], bad, *good[3:]])
    assert "4.birth_year" in raised.value.message_dict
    assert not Case.objects.exists()
    assert not Person.objects.exists()
    assert not NameToken.objects.exists()
    assert not CaseSequence.objects.filter(organisation=org, last__gt=0).exists()
    assert AuditEvent.objects.count() == before
    assert audit_chain_verify().ok


def test_a_bulk_registration_needs_a_caseworker_of_the_organisation(org, other_org):
    outsider = member(Role.CASEWORKER, other_org)
    with pytest.raises(ValidationError) as raised:
        case_register_many(org=org, by=None, owner=outsider, registrations=[registration()])
    assert "owner" in raised.value.message_dict
    assert not Case.objects.exists()


def test_a_single_registration_still_reports_its_fields_unprefixed(org):
    owner = member(Role.CASEWORKER, org)
    with pytest.raises(ValidationError) as raised:
        case_register(org=org, by=owner, registration=registration(given_name="", family_name=""))
    assert "given_name" in raised.value.message_dict


def test_seeding_in_batches_tops_up_and_keeps_the_chain():
    seed_demo()
    shown = []
    assert seed_cases(23, batch_size=4, bar=lambda done, total: shown.append((done, total))) == 23
    assert Case.objects.count() == 23
    assert shown[-1] == (23, 23) and all(total == 23 for _done, total in shown)
    assert seed_cases(23) == 0
    # Per organisation and year: 1, 2, 3 … with no gap, and the sequence row at the last.
    by_series: dict[str, list[int]] = {}
    for number in Case.objects.values_list("number", flat=True):
        series, n = number.rsplit("-", 1)
        by_series.setdefault(series, []).append(int(n))
    for numbers in by_series.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
    assert sum(CaseSequence.objects.values_list("last", flat=True)) == 23
    assert AuditEvent.objects.filter(action="case.register").count() == 23
    assert audit_chain_verify().ok


@pytest.mark.django_db(transaction=True)
def test_interrupted_seeding_keeps_whole_batches_only(monkeypatch):
    """Ctrl-C in the middle of a batch: the batches before it stay, nothing of it does."""
    seed_demo()
    index_new_persons = name_index.index_new_persons
    calls = []

    def interrupt_on_the_third_batch(org, persons):
        calls.append(len(persons))
        if len(calls) == 3:
            raise KeyboardInterrupt  # after its persons were inserted
        index_new_persons(org, persons)

    monkeypatch.setattr(name_index, "index_new_persons", interrupt_on_the_third_batch)
    with pytest.raises(KeyboardInterrupt):
        seed_cases(60, batch_size=5)
    kept = sum(calls[:2])
    assert kept == 10
    assert Case.objects.count() == Person.objects.count() == kept
    assert NameToken.objects.values("person_id").distinct().count() == kept
    assert sum(CaseSequence.objects.values_list("last", flat=True)) == kept
    assert AuditEvent.objects.filter(action="case.register").count() == kept
    assert audit_chain_verify().ok
    monkeypatch.undo()
    assert seed_cases(60, batch_size=5) == 50
    assert Case.objects.count() == 60
    assert audit_chain_verify().ok


def _listed(client, **params) -> list[str]:
    page = client.get(reverse("cases:list"), params).content.decode()
    return re.findall(r"<code dir=\"ltr\">([^<]+)</code>", page)


def test_the_list_pages_through_every_case_newest_first(org, login):
    supervisor = member(Role.SUPERVISOR, org)
    owner = member(Role.CASEWORKER, org)
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=n % 40) for n in range(60)]
    case_register_many(
        org=org,
        by=None,
        owner=owner,
        registrations=[registration(identified_on=day) for day in days],
    )
    client = login(supervisor)
    shown = [n for page in (1, 2, 3) for n in _listed(client, page=page)]
    expected = Case.objects.order_by("-identified_on", "-id").values_list("number", flat=True)
    assert shown == list(expected) and len(shown) == 60


def test_a_page_past_the_end_or_not_a_number_shows_what_the_paginator_always_showed(org, login):
    supervisor = member(Role.SUPERVISOR, org)
    case_register_many(
        org=org, by=None, owner=member(Role.CASEWORKER, org), registrations=[registration()] * 30
    )
    client = login(supervisor)
    numbers = list(Case.objects.order_by("-identified_on", "-id").values_list("number", flat=True))
    first, last = numbers[:25], numbers[25:]
    for asked, shown in (("1", first), ("2", last), ("9", last), ("0", last), ("x", first)):
        assert _listed(client, page=asked) == shown, asked
    page = client.get(reverse("cases:list"), {"page": "2"}).content.decode()
    assert "30 cases" in page and "Page 2 of 2" in page
    nothing = client.get(reverse("cases:list"), {"number": "XX-NONE"}).content.decode()
    assert "0 cases" in nothing and "No case matches." in nothing


def test_a_list_page_reads_its_rows_and_the_count_in_one_query(org, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    supervisor = member(Role.SUPERVISOR, org)
    case_register_many(
        org=org, by=None, owner=member(Role.CASEWORKER, org), registrations=[registration()] * 30
    )
    client = login(supervisor)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("cases:list"), {"page": "2"})
    reading = [q["sql"] for q in queries.captured_queries if '"cases_case"' in q["sql"]]
    assert len(reading) == 1 and "COUNT(*)" in reading[0]


def test_a_whole_case_number_finds_that_case_and_a_part_finds_all_containing_it(org, login):
    supervisor = member(Role.SUPERVISOR, org)
    cases = case_register_many(
        org=org, by=None, owner=member(Role.CASEWORKER, org), registrations=[registration()] * 12
    )
    client = login(supervisor)
    assert _listed(client, number=cases[10].number.lower()) == [cases[10].number]
    assert sorted(_listed(client, number="-0001")) == sorted(c.number for c in cases[9:12])


def test_a_caseworker_lists_the_cases_she_owns_or_is_assigned_to_once_each(org, login):
    worker = member(Role.CASEWORKER, org)
    colleague = member(Role.CASEWORKER, org)
    mine = case_register_many(org=org, by=None, owner=worker, registrations=[registration()] * 2)
    theirs = case_register_many(
        org=org, by=None, owner=colleague, registrations=[registration()] * 3
    )
    theirs[0].assigned.add(worker)
    mine[0].assigned.add(colleague)  # a second assignee must not list the case twice
    shown = _listed(login(worker))
    assert sorted(shown) == sorted([mine[0].number, mine[1].number, theirs[0].number])


def test_ctrl_c_during_seed_demo_ends_with_a_message_not_a_traceback(monkeypatch):
    from payvand.demo.management.commands import seed_demo as command

    def interrupted(**kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(command, "seed_demo", interrupted)
    with pytest.raises(CommandError, match="run the same command again"):
        call_command("seed_demo", cases=10, registrations_only=True, quiet_logins=True)
