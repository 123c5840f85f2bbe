"""Retention: closed cases past the organisation's limit are anonymised (the survivor's
erasure, by the system), unless on legal hold or still open; dry runs change nothing."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from payvand.cases.models import Case, NameToken, Person
from payvand.cases.vocab import CaseStatus
from payvand.core import crypto
from payvand.core.audit.models import AuditEvent
from payvand.core.audit.verify import audit_chain_verify
from payvand.protection.retention import (
    legal_hold_place,
    retention_policy_set,
    retention_run,
    years_before,
)
from payvand.testing.factories import case

pytestmark = pytest.mark.django_db


def _closed(org, years_ago: float, **names):
    c = case(org, **names)
    closed = timezone.now() - dt.timedelta(days=365.25 * years_ago)
    Case.objects.filter(pk=c.pk).update(status=CaseStatus.CLOSED, closed_at=closed)
    return Case.objects.get(pk=c.pk)


def _erased(c) -> bool:
    return crypto.is_erased(Person.objects.get(pk=c.person_id).identity)


def test_closed_cases_past_the_limit_are_anonymised_and_the_rest_kept(org, other_org):
    retention_policy_set(org=org, years=5)
    old = _closed(org, 6, given_name="Gulnora")
    recent = _closed(org, 2, given_name="Malika")
    active = case(org, given_name="Nodira")
    elsewhere = _closed(other_org, 10, given_name="Parwin")  # no policy: kept
    report = retention_run()
    assert [a.cases for a in report.anonymised] == [[old.number]]
    assert _erased(old) and not NameToken.objects.filter(person_id=old.person_id).exists()
    assert not any(_erased(c) for c in (recent, active, elsewhere))
    assert Case.objects.filter(pk=old.pk, status=CaseStatus.CLOSED).exists(), "skeleton stays"
    event = AuditEvent.objects.get(action="person.erase", object_id=str(old.public_id))
    assert event.actor_id is None and event.details["reason"] == "Retention"
    assert AuditEvent.objects.filter(action="retention.run").count() == 1
    assert retention_run().anonymised == [], "a second run has nothing left to do"
    assert audit_chain_verify().ok


def test_a_dry_run_reports_and_changes_nothing(org):
    retention_policy_set(org=org, years=3)
    old = _closed(org, 4)
    report = retention_run(dry_run=True)
    assert report.dry_run and [a.cases for a in report.anonymised] == [[old.number]]
    assert not _erased(old)
    assert AuditEvent.objects.filter(action="retention.dry_run").exists()


def test_a_legal_hold_on_the_case_or_the_organisation_keeps_it(org, other_org):
    retention_policy_set(org=org, years=1)
    held = _closed(org, 3)
    legal_hold_place(case=held, reason="Proceedings 12/2024")
    retention_policy_set(org=other_org, years=1, legal_hold=True, reason="Inquiry")
    on_hold_org = _closed(other_org, 3)
    report = retention_run()
    assert report.anonymised == [] and report.kept_on_hold == 1
    assert report.organisations_on_hold == [other_org.full_code]
    assert not _erased(held) and not _erased(on_hold_org)


def test_a_survivor_with_another_open_case_keeps_everything(org):
    retention_policy_set(org=org, years=1)
    old = _closed(org, 3)
    again = case(org, owner=old.owner)
    Case.objects.filter(pk=again.pk).update(person=old.person)
    report = retention_run()
    assert report.anonymised == [] and report.kept_open == 1
    assert not _erased(old)


def test_the_limit_counts_whole_years_even_from_29_february():
    leap = dt.datetime(2028, 2, 29, tzinfo=dt.UTC)
    assert years_before(leap, 5) == dt.datetime(2023, 2, 28, tzinfo=dt.UTC)


def test_retention_command_sets_the_policy_and_reports(org, capsys):
    call_command("retention", "policy", "--org", org.code, "--years", "2")
    old = _closed(org, 3)
    call_command("retention", "run", "--dry-run")
    out = capsys.readouterr().out
    assert f"Would anonymise {org.full_code}" in out and old.number in out
    call_command("retention", "hold", "--case", old.number, "--reason", "Court")
    call_command("retention", "run")
    assert "Anonymised 0 survivor(s)" in capsys.readouterr().out
    call_command("retention", "release", "--case", old.number)
    call_command("retention", "run")
    assert "Anonymised 1 survivor(s), 1 case(s)" in capsys.readouterr().out
    assert _erased(old)
    call_command("retention", "policy", "--org", org.code, "--panic-delay", "45")
    call_command("retention", "show")
    out = capsys.readouterr().out
    assert "anonymised 2 years after closure" in out and "runs 45 min after" in out
