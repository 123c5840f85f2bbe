"""The demo's cases beyond registration: consents, screenings, plans, assistance, closure.

The day is fixed, so the seeded journeys (drawn from random generators seeded with the
case numbers, which depend on the dates) are the same on every run and database. On this
day the 40 cases happen to include even the rarer states (an overdue task, a withdrawn
consent, all four plan states): a change of the shares may need another day.
"""

import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from payvand.accounts.models import Membership
from payvand.assistance.models import AssistanceEntry, CaseNote, Task
from payvand.cases.models import Case, StatusChange
from payvand.cases.vocab import CaseStatus
from payvand.consent.models import Consent, GivenBy, Purpose
from payvand.core.audit.models import AuditEvent
from payvand.core.audit.verify import audit_chain_verify
from payvand.core.permissions import Role
from payvand.demo import journeys
from payvand.demo.people import NAMES, _feminine
from payvand.demo.seed import seed_cases, seed_demo
from payvand.plans.models import (
    FollowUpVisit,
    ReintegrationPlan,
    RiskAssessment,
    SupportPlan,
    SupportPlanItem,
)
from payvand.plans.vocab import PlanStatus
from payvand.screening.models import Screening, ScreeningAnswer
from payvand.screening.vocab import RuleResult, ScreeningState
from payvand.trafficking.models import Perpetrator, TraffickingEvent, VictimContext

pytestmark = pytest.mark.django_db

CASES = 40
TODAY = dt.date(2026, 3, 11)
RECORDS = [
    Case,
    Consent,
    Screening,
    ScreeningAnswer,
    RiskAssessment,
    SupportPlan,
    SupportPlanItem,
    AssistanceEntry,
    ReintegrationPlan,
    FollowUpVisit,
    Task,
    CaseNote,
    StatusChange,
    AuditEvent,
]


@pytest.fixture
def seeded(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    # More cases worked in depth than the demo's default (kept low so that `make demo`
    # starts quickly), so that 40 cases show every kind of record.
    monkeypatch.setattr(journeys, "SHARE_WORKED", 0.45)
    seed_demo(cases=CASES)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in RECORDS}


def test_seeding_again_adds_no_case_and_no_record(seeded):
    before = counts()
    assert before["Case"] == CASES
    seed_demo(cases=CASES)
    assert seed_cases(CASES, journeys=True) == 0
    assert counts() == before


def test_a_larger_demo_adds_journeys_only_to_the_new_cases(seeded):
    old_cases = set(Case.objects.values_list("pk", flat=True))
    old_consents = Counter(Consent.objects.values_list("case_id", flat=True))
    seed_demo(cases=CASES + 10)
    assert Case.objects.count() == CASES + 10
    consents = Counter(Consent.objects.values_list("case_id", flat=True))
    assert {pk: n for pk, n in consents.items() if pk in old_cases} == old_consents
    assert any(pk not in old_cases for pk in consents)


def test_registrations_only_records_nothing_beyond_registration(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    call_command("seed_demo", cases=12, registrations_only=True, quiet_logins=True)
    assert Case.objects.count() == 12
    assert not Consent.objects.exists()
    assert not AssistanceEntry.objects.exists()


def test_seeded_cases_have_every_kind_of_record(seeded):
    consents = Consent.objects.all()
    assert {c.purpose for c in consents} == set(Purpose.values)
    assert consents.filter(withdrawn_on__isnull=False).exists()
    assert consents.filter(given_by=GivenBy.GUARDIAN).exists()
    assert consents.filter(purpose=Purpose.SERVICES).count() >= 0.8 * CASES

    screenings = Screening.objects.all()
    assert {s.rule_result for s in screenings} == set(RuleResult.values)
    assert {s.state for s in screenings} == set(ScreeningState.values)
    assert {s.exploitation_list for s in screenings} >= {"adult-labour", "adult-sexual"}
    assert ScreeningAnswer.objects.count() == sum(
        s.catalogue_version.indicators.filter(exploitation_list=s.exploitation_list).count()
        for s in screenings
    )

    assert RiskAssessment.objects.exists()
    assert {p.status for p in SupportPlan.objects.all()} >= {
        PlanStatus.DRAFT,
        PlanStatus.SUBMITTED,
        PlanStatus.APPROVED,
    }
    assert SupportPlanItem.objects.filter(actual_end_on__isnull=False).exists()

    entries = AssistanceEntry.objects.all()
    assert len({e.assistance_type for e in entries}) >= 6
    assert entries.filter(amount__isnull=False).exists()
    assert entries.filter(duration_minutes__isnull=False).exists()
    per_case = Counter(entries.values_list("case_id", flat=True))
    assert max(per_case.values()) <= 6

    assert ReintegrationPlan.objects.exists()
    for plan in ReintegrationPlan.objects.prefetch_related("visits"):
        assert len(plan.visits.all()) <= 3
        assert all(v.plan.start_on <= v.visited_on <= TODAY for v in plan.visits.all())
    assert FollowUpVisit.objects.exists()

    tasks = Task.objects.all()
    assert tasks.filter(done_at__isnull=False).exists()
    assert tasks.filter(done_at__isnull=True, due_on__gte=TODAY).exists()
    assert tasks.filter(done_at__isnull=True, due_on__lt=TODAY).exists(), "no overdue task"
    assert CaseNote.objects.exists()

    contexts = VictimContext.objects.all()
    assert contexts.count() == CASES, "every case says what happened"
    assert all(c.exploitation_types for c in contexts)
    kinds = {t for c in contexts for t in c.exploitation_types}
    assert {"ForcedLabour", "SexualExploitation"} <= kinds
    decided = Screening.objects.filter(state=ScreeningState.DECIDED)
    assert (
        contexts.exclude(trafficking_status="").count() == decided.values("case").distinct().count()
    )
    events = TraffickingEvent.objects.all()
    assert events.filter(event_type="Exploitation").count() == CASES
    assert events.filter(event_type="Recruitment").exists()
    assert all(e.occurred_on < e.case.identified_on for e in events.select_related("case"))
    assert Perpetrator.objects.exists()

    statuses = set(Case.objects.values_list("status", flat=True))
    assert {CaseStatus.ACTIVE, CaseStatus.FOLLOW_UP, CaseStatus.CLOSED} <= statuses

    # Every event between the identification and today.
    for consent in Consent.objects.select_related("case"):
        assert consent.case.identified_on <= consent.given_on <= TODAY
    for screening in Screening.objects.select_related("case"):
        assert screening.case.identified_on <= screening.screened_on <= TODAY
    for entry in AssistanceEntry.objects.select_related("case"):
        assert entry.case.identified_on <= entry.delivered_on <= TODAY
    for assessment in RiskAssessment.objects.select_related("case"):
        assert assessment.case.identified_on <= assessment.assessed_on <= TODAY


def test_everything_seeded_went_through_the_services_and_is_audited(seeded, capsys):
    assert audit_chain_verify().ok
    call_command("audit", "verify")
    assert capsys.readouterr().out.startswith("OK ")
    actions = Counter(AuditEvent.objects.values_list("action", flat=True))
    assert actions["consent.record"] == Consent.objects.count()
    assert actions["consent.withdraw"] == Consent.objects.filter(withdrawn_on__isnull=False).count()
    assert actions["screening.record"] == Screening.objects.count()
    assert actions["screening.decide"] == Screening.objects.filter(state="decided").count()
    assert actions["risk.assess"] == RiskAssessment.objects.count()
    assert actions["support_plan.start"] == SupportPlan.objects.filter(version=1).count()
    assert (
        actions["support_plan.item_add"] == SupportPlanItem.objects.filter(plan__version=1).count()
    )
    assert actions["assistance.record"] == AssistanceEntry.objects.count()
    assert actions["reintegration.plan_create"] == ReintegrationPlan.objects.count()
    assert actions["reintegration.visit_add"] == FollowUpVisit.objects.count()
    assert actions["task.add"] == Task.objects.count()
    assert actions["note.add"] == CaseNote.objects.count()
    transitions = sum(
        n
        for action, n in actions.items()
        if action.startswith("case.") and action != "case.register"
    )
    assert transitions == StatusChange.objects.count()
    # Everything after registration was done by the organisations' case staff.
    staff = set(
        Membership.objects.filter(role__in=[Role.CASEWORKER, Role.SUPERVISOR]).values_list(
            "user__public_id", flat=True
        )
    )
    journey = AuditEvent.objects.exclude(action="case.register").filter(case_id__isnull=False)
    assert journey.count() > 5 * CASES
    assert set(journey.values_list("actor_id", flat=True)) <= staff
    # Closures: asked by the caseworker responsible, approved by a supervisor.
    closed = Case.objects.filter(status__in=[CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED])
    assert closed.exists()
    supervisors = set(
        Membership.objects.filter(role=Role.SUPERVISOR).values_list("user_id", flat=True)
    )
    for case in closed:
        approval = case.status_changes.filter(action="approve_closure").first()
        request = case.status_changes.filter(action="request_closure").first()
        assert approval.by_id in supervisors
        assert request.by_id == case.owner_id != approval.by_id


def test_sealed_texts_and_names_are_nowhere_in_clear_in_the_database(seeded):
    assert Consent.objects.filter(given_by=GivenBy.GUARDIAN, guardian__isnull=False).exists()
    assert AssistanceEntry.objects.filter(outcome__isnull=False).exists()
    dump = database_text()
    words = set()
    for script, (female, male, families) in NAMES.items():
        words.update(female + male + families + [_feminine(f, script) for f in families])
    texts = set(
        journeys.CONSENT_NOTES
        + journeys.WITHDRAWAL_REASONS
        + journeys.RETURN_REASONS
        + journeys.REINTEGRATION_GOALS
        + journeys.VISIT_NOTES
        + journeys.TASK_TITLES
        + journeys.CASE_NOTES
        + journeys.RETURN_CLOSURE_NOTES
        + journeys.REOPEN_NOTES
    )
    for pool in (journeys.RISK_TEXTS, journeys.OUTCOMES, journeys.OVERRIDE_REASONS):
        for options in pool.values():
            texts.update(options)
    for pair in journeys.SUPPORT_TEXTS.values():
        texts.update(pair)
    texts.update(journeys.RISK_TO_LIFE_TEXTS.values())
    for word in sorted(words | {t for t in texts if t}):
        assert word not in dump, word


def database_text() -> str:
    """Every value of every table, text as text and binary decoded as far as it goes."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes):
                        chunks.append(bytes(value).decode("utf-8", "ignore"))
                    else:
                        chunks.append(str(value))
    return "\n".join(chunks)


def test_demo_referrals_follow_consent_and_reach_several_states(seeded):
    from payvand.consent.selectors import consent_allows
    from payvand.referrals.models import Referral

    referrals = list(Referral.objects.select_related("case", "to_org"))
    assert referrals, "some survivors are referred"
    for referral in referrals:
        assert referral.consent_overridden is False
        assert referral.to_org != referral.case.organisation
    assert {r.kind for r in referrals} <= {"referral", "return"}
    assert all(
        consent_allows(r.case, "sharing_org", organisation=r.to_org)
        or r.state in ("revoked", "expired", "declined", "completed", "closed")
        for r in referrals
    )
