"""Random worlds for the scoping property (core/tests/test_scoping_property.py).

``world_specs()`` is a Hypothesis strategy for a *description* of a region: a few
organisations in different countries (some deactivated), people holding random roles in
one or two of them (some memberships or accounts deactivated), survivors' cases with
assignments and records of every kind, consents given and withdrawn, referrals and
transfers driven through the workflow to a random state, contact requests. ``build_world``
makes it real through the services (sealed, indexed and audited like production data),
so the states are the ones the platform can reach, not hand-written rows.

What a service refuses (a referral to an organisation without consent and without the
right to override, a move the workflow forbids) is skipped and counted in
``World.refused``: the world is then simply smaller.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import strategies as st

from payvand.accounts.models import Membership, User
from payvand.cases.models import Case
from payvand.consent.models import Consent, Purpose
from payvand.core.errors import DomainError
from payvand.core.permissions import Role
from payvand.orgs.models import Organisation
from payvand.referrals.vocab import Kind, Section, State
from payvand.testing.factories import (
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    case,
    member,
)

COUNTRIES = ("AF", "PK", "TJ", "TM", "UZ", "RU")
OTHERS = (Purpose.MEDICAL, Purpose.STATISTICS)  # consents that share with nobody
CASE_ROLES = (Role.CASEWORKER, Role.SUPERVISOR)
# What may be recorded on a case besides its registration.
EXTRAS = (
    "note",
    "task",
    "entry",
    "medical_entry",
    "attachment",
    "risk",
    "support",
    "reintegration",
    "event",
    "perpetrator",
    "screening",
)
# The referral states a world may end in, and the receiver's moves that lead there.
PATHS: dict[str, tuple[str, ...]] = {
    State.SENT: (),
    State.ACCEPTED: ("accept",),
    State.IN_PROGRESS: ("accept", "start"),
    State.COMPLETED: ("accept", "start", "complete"),
    State.DECLINED: ("decline",),
    State.EXPIRED: ("expire",),
    State.CLOSED: ("accept", "close"),
    State.REVOKED: ("revoke",),
}


@dataclass(frozen=True)
class OrgSpec:
    country: str
    active: bool
    directory_service: bool | None  # None: none; else whether it is published
    panic_drill: bool  # an admin asked for an emergency shredding drill (pending)


@dataclass(frozen=True)
class MembershipSpec:
    org: int
    role: str
    active: bool


@dataclass(frozen=True)
class UserSpec:
    memberships: tuple[MembershipSpec, ...]
    active: bool


@dataclass(frozen=True)
class CaseSpec:
    org: int
    owner: int  # among the people who may hold the case (reduced modulo their number)
    assigned: tuple[int, ...]
    extras: frozenset[str]
    erased: bool  # her personal data erased on request, after everything else


@dataclass(frozen=True)
class ConsentSpec:
    case: int
    purpose: str
    recipient: int  # another organisation (sharing_org) or its country (sharing_country)
    withdrawn: bool


@dataclass(frozen=True)
class ReferralSpec:
    case: int
    to_org: int  # among the organisations other than the case's
    consent: str | None  # a sharing consent recorded for it first (else none, or another)
    consent_withdrawn: bool  # ... and withdrawn once the referral reached its state
    kind: str
    sections: frozenset[str]
    state: str
    revoke_after: int  # 0: revoked while sent, 1: once accepted, 2: once in progress
    by_owner: bool  # sent by the case's owner, else by a supervisor of its organisation
    messages: bool


@dataclass(frozen=True)
class ContactSpec:
    from_case: int
    to_case: int  # among the cases of other organisations
    state: str


@dataclass(frozen=True)
class WorldSpec:
    orgs: tuple[OrgSpec, ...]
    users: tuple[UserSpec, ...]
    cases: tuple[CaseSpec, ...]
    consents: tuple[ConsentSpec, ...]
    contacts: tuple[ContactSpec, ...]
    referrals: tuple[ReferralSpec, ...]


@st.composite
def world_specs(
    draw,
    *,
    max_orgs: int = 4,
    max_users: int = 5,
    max_cases: int = 4,
    max_consents: int = 5,
    max_referrals: int = 4,
) -> WorldSpec:
    n_orgs = draw(st.integers(2, max_orgs))
    org = st.integers(0, n_orgs - 1)
    orgs = tuple(
        OrgSpec(
            country=draw(st.sampled_from(COUNTRIES)),
            # The first one stays active, so that every world has work going on.
            active=True if i == 0 else draw(st.sampled_from([True, True, False])),
            directory_service=draw(st.none() | st.booleans()),
            panic_drill=draw(st.booleans()),
        )
        for i in range(n_orgs)
    )
    membership = st.builds(
        MembershipSpec,
        org=org,
        role=st.sampled_from(Role.values),
        active=st.sampled_from([True, True, False]),
    )
    users = draw(
        st.lists(
            st.builds(
                UserSpec,
                memberships=st.lists(membership, min_size=1, max_size=2).map(tuple),
                active=st.sampled_from([True, True, True, False]),
            ),
            max_size=max_users,
        ).map(tuple)
    )
    cases = draw(
        st.lists(
            st.builds(
                CaseSpec,
                org=org,
                owner=st.integers(0, 7),
                assigned=st.lists(st.integers(0, 7), max_size=2).map(tuple),
                extras=st.frozensets(st.sampled_from(EXTRAS), max_size=4),
                erased=st.sampled_from([False, False, False, True]),
            ),
            min_size=1,
            max_size=max_cases,
        ).map(tuple)
    )
    a_case = st.integers(0, len(cases) - 1)
    consents = draw(
        st.lists(
            st.builds(
                ConsentSpec,
                case=a_case,
                # Sharing with an organisation twice as often: it is what referrals ask.
                purpose=st.sampled_from(
                    [Purpose.SHARING_ORG, Purpose.SHARING_ORG, Purpose.SHARING_COUNTRY, *OTHERS]
                ),
                recipient=org,
                withdrawn=st.booleans(),
            ),
            max_size=max_consents,
        ).map(tuple)
    )
    contacts = draw(
        st.lists(
            st.builds(
                ContactSpec,
                from_case=a_case,
                to_case=a_case,
                state=st.sampled_from(["pending", "accepted", "declined"]),
            ),
            max_size=2,
        ).map(tuple)
    )
    referrals = draw(
        st.lists(
            st.builds(
                ReferralSpec,
                case=a_case,
                to_org=org,
                consent=st.sampled_from([None, Purpose.SHARING_ORG, Purpose.SHARING_COUNTRY]),
                consent_withdrawn=st.booleans(),
                kind=st.sampled_from(Kind.values),
                sections=st.frozensets(st.sampled_from(Section.values)),
                state=st.sampled_from(list(PATHS)),
                revoke_after=st.integers(0, 2),
                by_owner=st.booleans(),
                messages=st.booleans(),
            ),
            min_size=1,
            max_size=max_referrals,
        ).map(tuple)
    )
    return WorldSpec(orgs, users, cases, consents, contacts, referrals)


@dataclass
class World:
    """What was built. The property reads the facts from the database, not from here."""

    operator: User  # a platform admin of the regional hub
    orgs: list[Organisation]
    supervisors: dict[int, User]  # one per organisation (by pk), who answers and approves
    cases: list[Case]
    refused: Counter = field(default_factory=Counter)

    def users(self) -> list[User]:
        """Every account, fresh from the database (their memberships not yet cached)."""
        return list(User.objects.order_by("pk"))


REFUSALS = (ValidationError, DomainError)


def build_world(spec: WorldSpec) -> World:
    today = timezone.localdate()
    hub = OrganisationFactory(country="UZ", subdivision="", name="Regional hub")
    operator = member(Role.PLATFORM_ADMIN, hub)
    orgs = [OrganisationFactory(country=o.country, subdivision="") for o in spec.orgs]
    supervisors = {org.pk: member(Role.SUPERVISOR, org) for org in orgs}
    world = World(operator=operator, orgs=orgs, supervisors=supervisors, cases=[])

    people: list[tuple[User, UserSpec]] = []
    for user_spec in spec.users:
        user = UserFactory()
        for m in {(m.org, m.role): m for m in user_spec.memberships}.values():
            MembershipFactory(user=user, organisation=orgs[m.org], role=m.role)
        people.append((user, user_spec))

    def case_holders(org_index: int) -> list[User]:
        org = orgs[org_index]
        return [supervisors[org.pk]] + [
            user
            for user, user_spec in people
            if any(m.org == org_index and m.role in CASE_ROLES for m in user_spec.memberships)
        ]

    for case_spec in spec.cases:
        org = orgs[case_spec.org]
        holders = case_holders(case_spec.org)
        owner = holders[case_spec.owner % len(holders)]
        the_case = case(org, owner)
        if case_spec.assigned:
            from payvand.cases.services import case_assign

            assigned = [holders[i % len(holders)] for i in case_spec.assigned]
            case_assign(case=the_case, by=supervisors[org.pk], owner=owner, assigned=assigned)
        for extra in sorted(case_spec.extras):
            try:
                _record(extra, the_case, owner, today)
            except REFUSALS:
                world.refused[extra] += 1
        world.cases.append(the_case)

    consents = [_consent(world, c, today) for c in spec.consents]
    for contact in spec.contacts:
        _contact_request(world, contact)
    for referral in spec.referrals:
        _referral(world, referral, today)
    for consent, consent_spec in zip(consents, spec.consents, strict=True):
        if consent_spec.withdrawn:
            _withdraw(world, consent, today)
    for the_case, case_spec in zip(world.cases, spec.cases, strict=True):
        if case_spec.erased:
            from payvand.cases.erasure import person_erase

            holder = _current(the_case)
            try:
                person_erase(
                    case=holder,
                    by=supervisors[holder.organisation_id],
                    reason="SurvivorRequest",
                    confirm=holder.number,
                )
            except REFUSALS:
                world.refused["erasure"] += 1
    for index, org_spec in enumerate(spec.orgs):
        if org_spec.directory_service is not None:
            from payvand.directory.tests.factories import service

            service(orgs[index], is_published=org_spec.directory_service)
        if org_spec.panic_drill:
            from payvand.protection.panic import panic_request

            org = orgs[index]
            panic_request(org=org, by=member(Role.ORG_ADMIN, org), drill=True, confirm=org.code)

    # Last, what takes rights away: deactivated memberships, accounts and organisations.
    # Memberships and accounts are switched off directly (who may do it through the
    # services is tested with them); organisations through the platform admin's service.
    for user, user_spec in people:
        for m in user_spec.memberships:
            if not m.active:
                Membership.objects.filter(user=user, organisation=orgs[m.org], role=m.role).update(
                    is_active=False, deactivated_at=timezone.now()
                )
        if not user_spec.active:
            User.objects.filter(pk=user.pk).update(is_active=False)
    for org, org_spec in zip(orgs, spec.orgs, strict=True):
        if not org_spec.active:
            from payvand.orgs.services import organisation_set_active

            organisation_set_active(org=org, by=operator, active=False)
    return world


def _current(the_case: Case) -> Case:
    """The case as it is now (an accepted transfer moves it to another organisation)."""
    return Case.objects.select_related("organisation", "person", "owner").get(pk=the_case.pk)


def _record(extra: str, the_case: Case, by: User, today: dt.date) -> None:
    """One record of kind ``extra`` on ``the_case``, through its service."""
    if extra == "note":
        from payvand.assistance.services import note_add

        note_add(case=the_case, by=by, text="Met her at the shelter; she is afraid of X.")
    elif extra == "task":
        from payvand.assistance.models import Task
        from payvand.assistance.services import task_add

        task = task_add(
            case=the_case, by=by, title="Call the lawyer", due_on=today + dt.timedelta(days=3)
        )
        # Overdue, so that the overdue list has something to show (the service refuses a
        # due date in the past, as a form would).
        Task.objects.filter(pk=task.pk).update(due_on=today - dt.timedelta(days=2))
    elif extra in ("entry", "medical_entry"):
        from payvand.assistance.services import entry_record

        entry_record(
            case=the_case,
            by=by,
            assistance_type="Medical" if extra == "medical_entry" else "Legal",
            delivered_on=today,
            outcome="Seen by the doctor" if extra == "medical_entry" else "Court hearing",
        )
    elif extra == "attachment":
        from payvand.attachments.services import attachment_add

        attachment_add(
            case=the_case,
            by=by,
            category="Correspondence",
            filename="statement.txt",
            data=b"Her statement of 2 November.",
        )
    elif extra == "risk":
        from payvand.plans.services import risk_assess

        risk_assess(
            case=the_case,
            by=by,
            assessed_on=today,
            individual_level="high",
            household_level="low",
            community_level="medium",
            risk_to_life=True,
            individual="Her recruiter knows where her family lives.",
        )
    elif extra == "support":
        from payvand.plans.services import support_item_add

        support_item_add(
            case=the_case,
            by=by,
            support_type="Legal",
            start_on=today,
            planned_end_on=today,
            objectives="Residence permit",
        )
    elif extra == "reintegration":
        from payvand.plans.services import followup_visit_add, reintegration_plan_save

        plan = reintegration_plan_save(
            case=the_case, by=by, start_on=today - dt.timedelta(days=30), goals="Work in Khujand"
        )
        followup_visit_add(
            plan=plan, by=by, visited_on=today, visited_by=by, mode="phone",
            economic=2, social=3, psychosocial=3, notes="Called her at her aunt's",
        )  # fmt: skip
    elif extra == "event":
        from payvand.trafficking.services import event_save

        event_save(case=the_case, by=by, event_type="Exploitation", country="RU")
    elif extra == "perpetrator":
        from payvand.trafficking.services import perpetrator_save

        perpetrator_save(
            case=the_case,
            by=by,
            roles=["Exploiter"],
            relation="Other",
            gender="Masculine",
            name="Rustam the recruiter",
        )
    elif extra == "screening":
        from payvand.screening.services import screening_record
        from payvand.screening.tests.helpers import answers_for, catalogue_v1

        version = catalogue_v1()
        screening_record(
            case=the_case,
            by=by,
            version=version,
            exploitation_list="adult-labour",
            screened_on=today,
            answers=answers_for(version, "adult-labour", observed=("AL-DR-01",)),
        )
    else:
        raise ValueError(f"Unknown extra {extra!r}")


def _other_org(world: World, index: int, own: int) -> Organisation:
    """The ``index``-th organisation of the world other than ``own`` (modulo their number)."""
    others = [org for org in world.orgs if org.pk != own]
    return others[index % len(others)]


def _consent(world: World, spec: ConsentSpec, today: dt.date) -> Consent:
    the_case = _current(world.cases[spec.case])
    recipient = _other_org(world, spec.recipient, the_case.organisation_id)
    return _consent_to(world, the_case, spec.purpose, recipient, today)


def _consent_to(world: World, the_case: Case, purpose: str, recipient, today) -> Consent:
    from payvand.consent.services import consent_record

    values: dict = {}
    if purpose == Purpose.SHARING_ORG:
        values["recipient_org"] = recipient
    elif purpose == Purpose.SHARING_COUNTRY:
        values["recipient_country"] = recipient.country
    return consent_record(
        case=the_case,
        by=world.supervisors[the_case.organisation_id],
        purpose=purpose,
        given_on=today - dt.timedelta(days=1),
        recorded_how="written_signed",
        **values,
    )


def _withdraw(world: World, consent: Consent, today: dt.date) -> None:
    from payvand.consent.services import consent_withdraw

    consent = Consent.objects.select_related("case__organisation").get(pk=consent.pk)
    if consent.withdrawn_on is not None:
        return  # the same consent recorded twice is one consent
    try:
        consent_withdraw(
            consent=consent,
            by=world.supervisors[consent.case.organisation_id],
            withdrawn_on=today,
            reason="She changed her mind",
        )
    except REFUSALS:
        world.refused["consent withdrawal"] += 1


def _contact_request(world: World, spec: ContactSpec) -> None:
    """A contact request between two organisations' records.

    Made as a row: the service finds its pair through the linkage encodings, which a
    world of a few cases would rarely match; what is checked here is who reads it.
    """
    from payvand.linkage.models import ContactRequest, ContactState

    asking = _current(world.cases[spec.from_case])
    others = [c for c in map(_current, world.cases) if c.organisation_id != asking.organisation_id]
    if not others:
        world.refused["contact request: no other organisation's case"] += 1
        return
    matched = others[spec.to_case % len(others)]
    answered = spec.state != ContactState.PENDING
    ContactRequest.objects.get_or_create(
        from_case=asking,
        to_person=matched.person,
        defaults={
            "from_org": asking.organisation,
            "to_org": matched.organisation,
            "strength": "strong",
            "state": spec.state,
            "asked_by": world.supervisors[asking.organisation_id],
            "answered_by": world.supervisors[matched.organisation_id] if answered else None,
            "answered_at": timezone.now() if answered else None,
        },
    )


def _referral(world: World, spec: ReferralSpec, today: dt.date) -> None:
    from payvand.consent.selectors import consent_allows
    from payvand.referrals.services import (
        message_post,
        missing_consent_message,
        referral_send,
        referral_transition,
    )

    the_case = _current(world.cases[spec.case])
    to_org = _other_org(world, spec.to_org, the_case.organisation_id)
    consent = None
    if spec.consent is not None:
        consent = _consent_to(world, the_case, spec.consent, to_org, today)
    supervisor = world.supervisors.get(the_case.organisation_id)
    sender = the_case.owner if spec.by_owner or supervisor is None else supervisor
    sections = set(spec.sections)
    if not consent_allows(the_case, Purpose.MEDICAL):
        sections.discard(Section.MEDICAL)
    override = ""
    if missing_consent_message(the_case, to_org):
        # Without consent only a supervisor may send, with a written reason.
        sender, override = supervisor, "Her life is at risk; she could not be asked in time."
    try:
        referral = referral_send(
            case=the_case,
            by=sender,
            to_org=to_org,
            kind=spec.kind,
            services=["shelter"],
            sections=sorted(sections),
            reason="Needs a safe shelter near her family",
            travel="Bus to Khujand on Monday" if spec.kind == Kind.RETURN else "",
            override_reason=override,
        )
    except REFUSALS:
        world.refused["referral"] += 1
        return
    receiver = world.supervisors[to_org.pk]
    if spec.messages:
        message_post(referral=referral, by=sender, text="She arrives on Monday.")
    steps = PATHS[spec.state]
    if spec.state == State.REVOKED:
        steps = (*("accept", "start")[: spec.revoke_after], "revoke")
    for step in steps:
        by = {"revoke": sender, "expire": None}.get(step, receiver)
        try:
            referral = referral_transition(
                referral=referral,
                action=step,
                by=by,
                reason="NoCapacity" if step == "decline" else "",
                note="Not possible now" if step in ("close", "revoke") else "",
            )
        except REFUSALS:
            world.refused[f"referral {step}"] += 1
            return
    if spec.messages and referral.state in (State.ACCEPTED, State.IN_PROGRESS):
        message_post(referral=referral, by=receiver, text="She is with us now.")
    if consent is not None and spec.consent_withdrawn:
        _withdraw(world, consent, today)
