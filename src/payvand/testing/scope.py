"""Who may see what, computed from the permission table alone, apart from the selectors.

The scoping property (core/tests/test_scoping_property.py) asks every selector for
everything it will give each person of a random world, and checks each object returned
against this oracle. The oracle reads plain facts from the database (who holds which role
where, whose case is whose, which consent holds) and applies the rules of
docs/decisions/0001-tenancy-and-permissions.md and PRODUCT.md in a few lines of Python,
with no query of the selectors' own.

- A case (and everything recorded on it): the caller holds ``case.view_all`` in its
  organisation, or ``case.view_assigned`` and owns it or is assigned to it.
- A referral: the sending side (``referral.send`` in the sending organisation and the case
  in sight, or, once a transfer moved the case away, its sender and the sending
  organisation's supervisors) and the receiving side (``referral.answer`` in the receiving
  organisation, while it is sent, accepted, in progress or completed, the survivor's
  identity not erased, and her consent to share with that organisation or its country in
  force, unless the sender overrode it). What the receiver is shown of the case is
  checked apart, section by section.
- Published services of active organisations and the organisations themselves are the
  public directory; unpublished ones belong to the organisation's profile editors.
- A membership: its own holder, the organisation's staff viewers, platform admins.
- The audit trail: platform admins (it holds no personal data), and a case's own events
  for those who see the case.

Only active memberships of active accounts in active organisations grant anything.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from django.db import models
from django.db.models import QuerySet

from payvand.core.permissions import ROLE_PERMS, Perm

# While the receiving organisation sees a referral (referrals/selectors.py, its docstring).
RECEIVER_STATES = frozenset({"sent", "accepted", "in_progress", "completed"})


class ScopeLeak(AssertionError):
    """A selector returned something outside the caller's scope."""


class ScopeGap(AssertionError):
    """A selector hid something inside the caller's scope (or the oracle is out of date)."""


class UnknownScope(AssertionError):
    """A selector returned a kind of object this module does not know the scope of."""


@dataclass
class Facts:
    """The few columns the rules read, for every row of a (small) world."""

    org_active: dict[int, bool]
    org_country: dict[int, str]
    user_active: dict[int, bool]
    memberships: list[dict]
    cases: dict[int, dict]
    assigned: dict[int, set[int]]
    persons: dict[int, dict]
    referrals: dict[int, dict]
    consents: list[dict]
    contacts: dict[int, dict]
    services: dict[int, dict]
    service_locations: dict[int, set[int]]  # location → services
    parents: dict[tuple[str, int], int]  # (model, pk) → case, for records not on a case directly

    @classmethod
    def load(cls) -> Facts:
        from payvand.accounts.models import Membership, User
        from payvand.cases.models import Case, Person
        from payvand.consent.models import Consent
        from payvand.directory.models import Service, ServiceAtLocation
        from payvand.linkage.models import ContactRequest
        from payvand.orgs.models import Organisation
        from payvand.plans.models import ReintegrationPlan, SupportPlan
        from payvand.referrals.models import Referral
        from payvand.screening.models import Screening

        orgs = list(Organisation.objects.values("pk", "is_active", "country"))
        assigned: dict[int, set[int]] = defaultdict(set)
        for row in Case.assigned.through.objects.values("case_id", "user_id"):
            assigned[row["case_id"]].add(row["user_id"])
        located: dict[int, set[int]] = defaultdict(set)
        for row in ServiceAtLocation.objects.values("service_id", "location_id"):
            located[row["location_id"]].add(row["service_id"])
        parents = {
            (model.__name__, pk): case_id
            for model in (SupportPlan, ReintegrationPlan, Screening)
            for pk, case_id in model.objects.values_list("pk", "case_id")
        }
        return cls(
            org_active={o["pk"]: o["is_active"] for o in orgs},
            org_country={o["pk"]: o["country"] for o in orgs},
            user_active=dict(User.objects.values_list("pk", "is_active")),
            memberships=list(
                Membership.objects.values("user_id", "organisation_id", "role", "is_active")
            ),
            cases={
                c["pk"]: c
                for c in Case.objects.values(
                    "pk", "public_id", "organisation_id", "owner_id", "person_id", "status"
                )
            },
            assigned=assigned,
            persons={
                p["pk"]: p
                for p in Person.objects.values("pk", "public_id", "organisation_id", "erased_at")
            },
            referrals={
                r.pk: {
                    "case_id": r.case_id,
                    "kind": r.kind,
                    "from_org_id": r.from_org_id,
                    "to_org_id": r.to_org_id,
                    "state": r.state,
                    "sent_by_id": r.sent_by_id,
                    "consent_overridden": r.consent_overridden,
                    "sections": set(r.sections),
                }
                for r in Referral.objects.all()
            },
            consents=list(
                Consent.objects.values(
                    "case_id", "purpose", "recipient_org_id", "recipient_country", "withdrawn_on"
                )
            ),
            contacts={
                c["pk"]: c
                for c in ContactRequest.objects.values(
                    "pk", "from_case_id", "from_org_id", "to_org_id", "to_person_id", "state"
                )
            },
            services={
                s["pk"]: s for s in Service.objects.values("pk", "organisation_id", "is_published")
            },
            service_locations=located,
            parents=parents,
        )


class Oracle:
    """The rules, over ``Facts``. ``user`` is a primary key, or None for anonymous."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self._perms: dict[int, dict[int, set[Perm]]] = defaultdict(lambda: defaultdict(set))
        for m in facts.memberships:
            user, org = m["user_id"], m["organisation_id"]
            if m["is_active"] and facts.user_active[user] and facts.org_active[org]:
                self._perms[user][org] |= ROLE_PERMS.get(m["role"], frozenset())
        self.cases = cache(self._cases)
        self.side = cache(self._side)

    # --- rights ----------------------------------------------------------------------

    def perms(self, user: int | None, org: int) -> set[Perm]:
        if user is None:
            return set()
        return self._perms.get(user, {}).get(org, set())

    def orgs_with(self, user: int | None, perm: Perm) -> set[int]:
        if user is None:
            return set()
        return {org for org, perms in self._perms.get(user, {}).items() if perm in perms}

    def anywhere(self, user: int | None, perm: Perm) -> bool:
        return bool(self.orgs_with(user, perm))

    def member_orgs(self, user: int | None) -> set[int]:
        """Organisations where ``user`` holds any active role."""
        return set(self._perms.get(user, {})) if user is not None else set()

    # --- cases and referrals ------------------------------------------------------------

    def _cases(self, user: int | None) -> frozenset[int]:
        visible = set()
        for pk, c in self.facts.cases.items():
            perms = self.perms(user, c["organisation_id"])
            if Perm.CASE_VIEW_ALL in perms or (
                Perm.CASE_VIEW_ASSIGNED in perms
                and (c["owner_id"] == user or user in self.facts.assigned.get(pk, ()))
            ):
                visible.add(pk)
        return frozenset(visible)

    def persons(self, user: int | None) -> set[int]:
        return {self.facts.cases[c]["person_id"] for c in self.cases(user)}

    def consent_in_force(self, case_id: int, to_org: int) -> bool:
        country = self.facts.org_country[to_org]
        return any(
            c["case_id"] == case_id
            and c["withdrawn_on"] is None
            and (
                (c["purpose"] == "sharing_org" and c["recipient_org_id"] == to_org)
                or (c["purpose"] == "sharing_country" and c["recipient_country"] == country)
            )
            for c in self.facts.consents
        )

    def sender_sees(self, user: int | None, referral: int) -> bool:
        r = self.facts.referrals[referral]
        if Perm.REFERRAL_SEND not in self.perms(user, r["from_org_id"]):
            return False
        if r["case_id"] in self.cases(user):
            return True
        moved = (
            r["kind"] == "transfer"
            and self.facts.cases[r["case_id"]]["organisation_id"] != r["from_org_id"]
        )
        return moved and (
            r["sent_by_id"] == user or Perm.CASE_VIEW_ALL in self.perms(user, r["from_org_id"])
        )

    def receiver_sees(self, user: int | None, referral: int) -> bool:
        r = self.facts.referrals[referral]
        person = self.facts.persons[self.facts.cases[r["case_id"]]["person_id"]]
        return (
            Perm.REFERRAL_ANSWER in self.perms(user, r["to_org_id"])
            and r["state"] in RECEIVER_STATES
            and person["erased_at"] is None
            and (r["consent_overridden"] or self.consent_in_force(r["case_id"], r["to_org_id"]))
        )

    def _side(self, user: int | None, referral: int) -> str | None:
        """The caller's side of a referral: the sender's first, as referral_get decides."""
        if self.sender_sees(user, referral):
            return "sender"
        if self.receiver_sees(user, referral):
            return "receiver"
        return None

    def referrals(self, user: int | None) -> set[int]:
        return {pk for pk in self.facts.referrals if self.side(user, pk)}

    # --- any object -------------------------------------------------------------------

    def allows(self, user: int | None, obj: models.Model) -> bool:
        """Whether ``obj`` is within ``user``'s scope; UnknownScope for a new kind."""
        name = type(obj).__name__
        rule = getattr(self, f"_allows_{name}", None)
        if rule is not None:
            return rule(user, obj)
        case_id = self.case_of(obj)
        if case_id is not None:
            return case_id in self.cases(user)
        if name in PUBLIC_REFERENCE:
            return True
        raise UnknownScope(
            f"A selector returned a {type(obj).__module__}.{name}, whose scope "
            "payvand/testing/scope.py does not know: add its rule there."
        )

    def case_of(self, obj: models.Model) -> int | None:
        """The primary key of the case ``obj`` was recorded on, if it was on one."""
        name = type(obj).__name__
        if name == "Case":
            return obj.pk
        if name in ("SupportPlanItem", "FollowUpVisit"):
            plan = "SupportPlan" if name == "SupportPlanItem" else "ReintegrationPlan"
            return self.facts.parents[(plan, obj.plan_id)]
        if name == "ScreeningAnswer":
            return self.facts.parents[("Screening", obj.screening_id)]
        if name in ("ContactRequest", "Notification", "Referral"):
            return None  # reach a case, but belong to a request or a referral
        field_names = {f.name for f in obj._meta.concrete_fields}
        return getattr(obj, "case_id", None) if "case" in field_names else None

    def _allows_Case(self, user, obj) -> bool:
        return obj.pk in self.cases(user)

    def _allows_Person(self, user, obj) -> bool:
        return obj.pk in self.persons(user)

    def _allows_Referral(self, user, obj) -> bool:
        return self.side(user, obj.pk) is not None

    def _allows_Transition(self, user, obj) -> bool:
        return self.side(user, obj.referral_id) is not None

    _allows_Message = _allows_Transition

    def _allows_Notification(self, user, obj) -> bool:
        return obj.user_id == user

    _allows_KnownDevice = _allows_Notification

    def _allows_ContactRequest(self, user, obj) -> bool:
        """The asking case's team, and the supervisors of the organisation asked while her
        record is still theirs."""
        return (
            obj.to_org_id in self.orgs_with(user, Perm.CASE_APPROVE) and self.still_theirs(obj)
        ) or obj.from_case_id in self.cases(user)

    def still_theirs(self, request) -> bool:
        """The record a contact request is about still belongs to the organisation asked."""
        return self.facts.persons[request.to_person_id]["organisation_id"] == request.to_org_id

    def _allows_Membership(self, user, obj) -> bool:
        return (
            obj.user_id == user
            or obj.organisation_id in self.orgs_with(user, Perm.STAFF_VIEW)
            or self.anywhere(user, Perm.PLATFORM_ORGS_MANAGE)
        )

    def _allows_User(self, user, obj) -> bool:
        """Staff are seen by their colleagues (of any organisation they share) and by
        platform admins."""
        if obj.pk == user or self.anywhere(user, Perm.PLATFORM_ORGS_MANAGE):
            return True
        theirs = {m["organisation_id"] for m in self.facts.memberships if m["user_id"] == obj.pk}
        return bool(theirs & self.member_orgs(user))

    def _allows_Organisation(self, user, obj) -> bool:
        return (
            self.facts.org_active[obj.pk]
            or obj.pk in self.member_orgs(user)
            or self.anywhere(user, Perm.PLATFORM_ORGS_MANAGE)
        )

    def _editor(self, user, org: int) -> bool:
        return org in self.orgs_with(user, Perm.ORG_EDIT_PROFILE)

    def service_public(self, service: int) -> bool:
        s = self.facts.services[service]
        return s["is_published"] and self.facts.org_active[s["organisation_id"]]

    def _allows_Service(self, user, obj) -> bool:
        return self.service_public(obj.pk) or self._editor(user, obj.organisation_id)

    def _allows_Contact(self, user, obj) -> bool:
        return self._allows_Service(user, obj.service)

    _allows_OpeningHours = _allows_Contact

    def _allows_Location(self, user, obj) -> bool:
        return self._editor(user, obj.organisation_id) or any(
            self.service_public(s) for s in self.facts.service_locations.get(obj.pk, ())
        )

    def _allows_OrganisationProfile(self, user, obj) -> bool:
        return self.facts.org_active[obj.organisation_id] or self._editor(user, obj.organisation_id)

    def _allows_PanicRequest(self, user, obj) -> bool:
        return obj.organisation_id in self.orgs_with(user, Perm.STAFF_MANAGE)

    def _allows_AuditEvent(self, user, obj) -> bool:
        if self.anywhere(user, Perm.PLATFORM_AUDIT_VERIFY):
            return True
        cases = {str(self.facts.cases[c]["public_id"]) for c in self.cases(user)}
        persons = {str(self.facts.persons[p]["public_id"]) for p in self.persons(user)}
        return str(obj.case_id) in cases or obj.object_id in persons


# Reference data that names nobody: the screening catalogue, CTDC's public datasets.
PUBLIC_REFERENCE = frozenset({"CatalogueVersion", "Indicator", "ReferenceDataset"})


def instances(value, _depth: int = 0) -> Iterator[models.Model]:
    """Every model instance in a selector's answer: in querysets, lists, dicts (keys and
    values) and dataclasses, however nested. Related objects an instance carries are its
    own business (a referral carries its case), so they are not followed."""
    if _depth > 8:
        return
    if isinstance(value, models.Model):
        yield value
        return
    if isinstance(value, QuerySet):
        value = list(value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = [getattr(value, f.name) for f in dataclasses.fields(value)]
    elif isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from instances(item, _depth + 1)
