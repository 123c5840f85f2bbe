"""One probe per public selector: how to ask it for everything it would give a caller, and
what to check of the answer (test_scoping_property.py runs them over random worlds).

A probe gets the selector function (so that a test can hand it a broken one instead) and a
``Caller``. It asks the selector the way the pages do — for every case, referral,
organisation or record of the world, not only the caller's own — and checks each object
in the answer against the oracle of ``payvand.testing.scope``. Getters are also checked
the other way: what the caller may open must open (ScopeGap), so that the oracle cannot
drift into approving everything.

Every public function of every ``selectors.py`` is either probed here or listed in
``EXEMPT`` with the reason it reads nothing scoped; a new selector fails the suite until
it is one or the other.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.http import Http404

from payvand.core.permissions import Perm, Role
from payvand.testing.scope import (
    Oracle,
    ScopeGap,
    ScopeLeak,
    instances,
)

NOT_FOUND = object()


def attempt(fn: Callable, *args, **kwargs):
    """The selector's answer, or NOT_FOUND for a 404."""
    try:
        return fn(*args, **kwargs)
    except Http404:
        return NOT_FOUND


@dataclass
class Run:
    """One world: the oracle, and every object of a kind (read once, for every caller)."""

    oracle: Oracle
    today: dt.date
    _all: dict = field(default_factory=dict)

    def all(self, model) -> list:
        if model not in self._all:
            self._all[model] = list(model.objects.order_by("pk"))
        return self._all[model]


@dataclass(repr=False)
class Caller:
    run: Run
    user: object  # a User, or None for someone not signed in

    def __repr__(self) -> str:
        return f"Caller({self.pk})"

    @property
    def pk(self) -> int | None:
        return self.user.pk if self.user is not None else None

    @property
    def oracle(self) -> Oracle:
        return self.run.oracle

    def who(self) -> str:
        if self.user is None:
            return "someone not signed in"
        facts = self.oracle.facts
        roles = [
            f"{m['role']}@org{m['organisation_id']}"
            + ("" if m["is_active"] and facts.org_active[m["organisation_id"]] else "(inactive)")
            for m in facts.memberships
            if m["user_id"] == self.pk
        ]
        state = "" if facts.user_active[self.pk] else " (account deactivated)"
        return f"user {self.pk}{state} [{', '.join(roles)}]"

    @cached_property
    def foreign_case(self) -> list:
        """One case the caller does not see, if there is one (as a forged URL would name)."""
        from payvand.cases.models import Case

        hidden = [c for c in self.run.all(Case) if c.pk not in self.oracle.cases(self.pk)]
        return hidden[:1]

    def cases_to_try(self, own_case_id: int) -> list:
        """For an object recorded on case ``own_case_id``: that case, if the caller sees
        it, and one other case the caller sees (to try the object through the wrong
        case, as a forged URL would)."""
        own = [c for c in self.cases if c.pk == own_case_id]
        other = [c for c in self.cases if c.pk != own_case_id][:1]
        return own + other

    @cached_property
    def cases(self) -> list:
        """The cases the oracle says the caller sees, loaded as case_get loads them."""
        from payvand.cases.models import Case

        return list(
            Case.objects.select_related("person", "organisation", "owner")
            .filter(pk__in=self.oracle.cases(self.pk))
            .order_by("pk")
        )

    # --- checks -----------------------------------------------------------------------

    def check(self, result, where: str) -> None:
        """Nothing in ``result`` lies outside the caller's scope."""
        for obj in instances(result):
            if not self.oracle.allows(self.pk, obj):
                raise ScopeLeak(
                    f"{where} gave {self.who()} {_describe(obj)}, which is outside their scope."
                )

    def check_case(self, result, case, where: str) -> None:
        """In scope, and everything recorded on a case is recorded on ``case``."""
        self.check(result, where)
        for obj in instances(result):
            owner = self.oracle.case_of(obj)
            if owner is not None and owner != case.pk:
                raise ScopeLeak(
                    f"{where} for case {case.pk} gave {self.who()} {_describe(obj)}, "
                    f"recorded on case {owner}."
                )

    def check_staff(self, result, orgs: set[int], where: str) -> None:
        """Every person in ``result`` works (actively) in one of ``orgs``."""
        self.check(result, where)
        facts = self.oracle.facts
        for obj in instances(result):
            if type(obj).__name__ != "User":
                continue
            if not any(
                m["user_id"] == obj.pk and m["organisation_id"] in orgs and m["is_active"]
                for m in facts.memberships
            ):
                raise ScopeLeak(f"{where} gave {self.who()} user {obj.pk}, not staff of {orgs}.")

    def expect(self, answer, allowed: bool, where: str) -> None:
        """A getter: it answers exactly when the caller may see the object."""
        if answer is not NOT_FOUND and not allowed:
            raise ScopeLeak(f"{where} answered {self.who()}, who may not see it.")
        if answer is NOT_FOUND and allowed:
            raise ScopeGap(f"{where} was a 404 for {self.who()}, who may see it.")

    def expect_set(self, got: set, allowed: set, where: str) -> None:
        if got - allowed:
            raise ScopeLeak(
                f"{where} gave {self.who()} {sorted(got - allowed)} beyond their scope."
            )
        if allowed - got:
            raise ScopeGap(f"{where} hid {sorted(allowed - got)} from {self.who()}.")


def _describe(obj) -> str:
    org = getattr(obj, "organisation_id", None)
    where = f" of organisation {org}" if org is not None else ""
    return f"{type(obj).__name__} {obj.pk}{where}"


# --- the registry ------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    run: Callable
    anonymous: bool  # asked once, by someone not signed in (the public pages)


PROBES: dict[str, Probe] = {}


def probe(*names: str, anonymous: bool = False):
    def register(fn: Callable) -> Callable:
        for name in names:
            assert name not in PROBES, name
            PROBES[name] = Probe(fn, anonymous)
        return fn

    return register


def selector(name: str) -> Callable:
    module, function = name.rsplit(".", 1)
    return getattr(importlib.import_module(f"payvand.{module}"), function)


# Public selector functions that read nothing scoped, with the reason.
OPENS_WHAT_IT_IS_GIVEN = (
    "opens or inspects an object the caller passes, reached through a probed getter"
)
EXEMPT: dict[str, str] = {
    "cases.selectors.status_note_latest": "opens the last step's note of a case the caller "
    "reached through case_get (a text, from that case only)",
    "assistance.selectors.first_with_counts": "narrows a queryset the caller passes",
    "assistance.selectors.is_staff_of": "a rule (is this person staff of that organisation?)",
    "assistance.selectors.mark_overdue": "marks the tasks it is given, reads nothing",
    "assistance.selectors.open_sealed": OPENS_WHAT_IT_IS_GIVEN,
    "attachments.selectors.content_disposition": "formats a file name",
    "attachments.selectors.open_meta": OPENS_WHAT_IT_IS_GIVEN,
    "consent.selectors.cases_allowing": "a consent rule over cases the caller already holds",
    "consent.selectors.consent_allows": "a consent rule over a case the caller already holds",
    "consent.selectors.consent_label": "words for a consent the caller holds",
    "consent.selectors.consents_none": "the empty answer of consents_shown, reads nothing",
    "consent.selectors.recipient_label": "words for a consent the caller holds",
    "directory.selectors.profile_description": (
        "the public text of an organisation reached through public_organisation_get"
    ),
    "linkage.selectors.matched_records": (
        "inside contact_request_send only, never shown (the matched records stay hidden)"
    ),
    "orgs.selectors.organisation_by_code": "the operator's commands on the server, no caller",
    "plans.selectors.reintegration_goals": OPENS_WHAT_IT_IS_GIVEN,
    "plans.selectors.sealed_open": OPENS_WHAT_IT_IS_GIVEN,
    "plans.selectors.support_item_latest_version": OPENS_WHAT_IT_IS_GIVEN,
    "plans.selectors.support_item_text": OPENS_WHAT_IT_IS_GIVEN,
    "plans.selectors.visit_notes": OPENS_WHAT_IT_IS_GIVEN,
    "referrals.selectors.open_text": OPENS_WHAT_IT_IS_GIVEN,
    "referrals.selectors.shared_data": (
        "the sections of a case the caller passes: the receiver reaches it through "
        "shared_view (probed), the sender for a package of its own case"
    ),
    "screening.selectors.catalogue_versions_for_operator": (
        "the operator's commands on the server, no caller"
    ),
    "screening.selectors.group_by_dimension": "groups the items it is given",
    "screening.selectors.screening_reason": OPENS_WHAT_IT_IS_GIVEN,
    "stats.selectors.cache_seconds": "a setting",
    "stats.selectors.chart_table": (
        "counts with small cells withheld, over filters from filters_from (probed); "
        "suppression has its own tests in stats"
    ),
    "stats.selectors.chart_tables": (
        "the tables of chart_table, several at once, over filters from filters_from (probed)"
    ),
    "stats.selectors.total_of": "reads a table it is given",
    "trafficking.selectors.exploitation_countries": "reads the events it is given",
    "trafficking.selectors.open_for_reading": OPENS_WHAT_IT_IS_GIVEN,
    "trafficking.selectors.route_of": "reads the events it is given",
    "trafficking.selectors.victim_account": OPENS_WHAT_IT_IS_GIVEN,
}


def check_world(
    overrides: dict[str, Callable] | None = None, *, today=None, collect: list | None = None
) -> Counter:
    """Run every probe for everyone in the database; returns how often each ran.

    ``overrides`` replaces selectors by name (a test's deliberately broken one).
    ``collect``: a list to gather every failure in, instead of stopping at the first
    (for looking at a world by hand).
    """
    from django.utils import timezone

    from payvand.accounts.models import User
    from payvand.testing.scope import Facts

    overrides = overrides or {}
    unknown = set(overrides) - set(PROBES)
    assert not unknown, f"No probe for {unknown}"
    run = Run(Oracle(Facts.load()), today or timezone.localdate())
    callers = [Caller(run, None)] + [Caller(run, u) for u in User.objects.order_by("pk")]
    selectors = {name: overrides.get(name) or selector(name) for name in PROBES}
    ran: Counter = Counter()
    for caller in callers:
        for name, p in PROBES.items():
            if p.anonymous != (caller.user is None):
                continue
            try:
                p.run(selectors[name], caller)
            except AssertionError as failure:
                if collect is None:
                    raise
                collect.append(failure)
            ran[name] += 1
    return ran


# --- helpers shared by many probes ------------------------------------------------------


def _models():
    from payvand.assistance.models import CaseNote, Task
    from payvand.attachments.models import Attachment
    from payvand.plans.models import FollowUpVisit, SupportPlan, SupportPlanItem
    from payvand.trafficking.models import Perpetrator, TraffickingEvent

    return {
        "assistance.selectors.note_get": CaseNote,
        "assistance.selectors.task_get": Task,
        "attachments.selectors.attachment_get": Attachment,
        "plans.selectors.support_plan_get": SupportPlan,
        "plans.selectors.support_item_get": SupportPlanItem,
        "plans.selectors.visit_get": FollowUpVisit,
        "trafficking.selectors.event_get": TraffickingEvent,
        "trafficking.selectors.perpetrator_get": Perpetrator,
    }


def _case_getter(name: str):
    """``get(case, public_id)``: every object of the kind in the world, tried through
    its own case and another one the caller sees; it answers through its own only."""

    def run(fn, c: Caller) -> None:
        for obj in c.run.all(_models()[name]):
            for case in c.cases_to_try(c.oracle.case_of(obj)):
                answer = attempt(fn, case, obj.public_id)
                where = f"{name}(case {case.pk}, {_describe(obj)})"
                c.expect(answer, c.oracle.case_of(obj) == case.pk, where)
                if answer is not NOT_FOUND:
                    c.check_case(answer, case, where)

    return run


for _name in (
    "assistance.selectors.note_get",
    "assistance.selectors.task_get",
    "attachments.selectors.attachment_get",
    "plans.selectors.support_plan_get",
    "plans.selectors.support_item_get",
    "plans.selectors.visit_get",
    "trafficking.selectors.event_get",
    "trafficking.selectors.perpetrator_get",
):
    probe(_name)(_case_getter(_name))


def _per_case(name: str, call: Callable):
    """A read of one case the caller reached through case_get: only that case's records."""

    def run(fn, c: Caller) -> None:
        for case in c.cases:
            c.check_case(call(fn, c, case), case, f"{name}(case {case.pk})")

    return run


for _name, _call in {
    "assistance.selectors.entries_of": lambda fn, c, case: fn(case),
    "assistance.selectors.notes_of": lambda fn, c, case: fn(case),
    "assistance.selectors.tasks_of": lambda fn, c, case: fn(case),
    "assistance.selectors.open_tasks_of": lambda fn, c, case: fn(case),
    "attachments.selectors.attachments_of": lambda fn, c, case: fn(case),
    "cases.selectors.case_timeline": lambda fn, c, case: fn(c.user, case, with_views=True),
    "linkage.selectors.contact_requests_of": lambda fn, c, case: fn(case),
    "plans.selectors.plans_page": lambda fn, c, case: fn(c.user, case),
    "plans.selectors.reintegration_plan_of": lambda fn, c, case: fn(case),
    "plans.selectors.risk_history": lambda fn, c, case: fn(c.user, case),
    "screening.selectors.screening_latest": lambda fn, c, case: fn(case),
    "screening.selectors.screenings_of_case": lambda fn, c, case: fn(case),
    "trafficking.selectors.events_of": lambda fn, c, case: fn(case),
    "trafficking.selectors.perpetrators_of": lambda fn, c, case: fn(case),
    "trafficking.selectors.victim_context_of": lambda fn, c, case: fn(case),
}.items():
    probe(_name)(_per_case(_name, _call))


def _case_staff(name: str):
    """People offered for a case: staff of the case's organisation only."""

    def run(fn, c: Caller) -> None:
        for case in c.cases:
            c.check_staff(fn(case), {case.organisation_id}, f"{name}(case {case.pk})")

    return run


for _name in (
    "assistance.selectors.staff_choices",
    "assistance.selectors.task_assignees",
    "cases.selectors.case_staff",
    "plans.selectors.visit_staff",
):
    probe(_name)(_case_staff(_name))


def _recipients(name: str):
    """Organisations a case may go to: active ones, never its own."""

    def run(fn, c: Caller) -> None:
        for case in c.cases:
            result = fn(case)
            c.check(result, f"{name}(case {case.pk})")
            if any(org.pk == case.organisation_id for org in result):
                raise ScopeLeak(f"{name}(case {case.pk}) offered the case's own organisation.")

    return run


for _name in ("consent.selectors.recipient_organisations", "referrals.selectors.recipients_for"):
    probe(_name)(_recipients(_name))


# --- accounts -----------------------------------------------------------------------------


@probe("accounts.selectors.known_devices")
def _known_devices(fn, c: Caller) -> None:
    c.check(fn(c.user), "known_devices")


def _sees_staff(c: Caller, org_pk: int) -> bool:
    return org_pk in c.oracle.orgs_with(c.pk, Perm.STAFF_VIEW) or c.oracle.anywhere(
        c.pk, Perm.PLATFORM_ORGS_MANAGE
    )


@probe("accounts.selectors.staff_of")
def _staff_of(fn, c: Caller) -> None:
    from payvand.orgs.models import Organisation

    for org in c.run.all(Organisation):
        answer = attempt(fn, org, by=c.user)
        c.expect(answer, _sees_staff(c, org.pk), f"staff_of(org {org.pk})")
        if answer is not NOT_FOUND:
            c.check(answer, f"staff_of(org {org.pk})")
            if any(m.organisation_id != org.pk for m in answer):
                raise ScopeLeak(f"staff_of(org {org.pk}) gave another organisation's staff.")


@probe("accounts.selectors.membership_get")
def _membership_get(fn, c: Caller) -> None:
    from payvand.accounts.models import Membership
    from payvand.orgs.models import Organisation

    orgs = c.run.all(Organisation)
    for m in c.run.all(Membership):
        other = next(o for o in orgs if o.pk != m.organisation_id)
        where = f"membership_get(org {m.organisation_id}, membership {m.pk})"
        c.expect(
            attempt(fn, m.organisation, m.public_id, by=c.user),
            _sees_staff(c, m.organisation_id),
            where,
        )
        answer = attempt(fn, other, m.public_id, by=c.user)
        c.expect(answer, False, f"membership_get(org {other.pk}, membership {m.pk})")


# --- assistance ---------------------------------------------------------------------------


@probe("assistance.selectors.counts_of")
def _counts_of(fn, c: Caller) -> None:
    from payvand.assistance.models import AssistanceEntry, CaseNote, Task

    for case in c.cases:
        tasks = [t for t in c.run.all(Task) if t.case_id == case.pk and t.done_at is None]
        expected = {
            "entries": sum(e.case_id == case.pk for e in c.run.all(AssistanceEntry)),
            "notes": sum(n.case_id == case.pk for n in c.run.all(CaseNote)),
            "open": len(tasks),
            "overdue": sum(t.due_on < c.run.today for t in tasks),
        }
        counts = fn(case, c.run.today)
        if counts != expected:
            raise ScopeLeak(f"counts_of(case {case.pk}) = {counts}, its records {expected}.")


@probe("assistance.selectors.tasks_overdue")
def _tasks_overdue(fn, c: Caller) -> None:
    from payvand.assistance.models import Task

    result = list(fn(c.user, c.run.today))
    c.check(result, "tasks_overdue")
    expected = {
        t.pk
        for t in c.run.all(Task)
        if t.case_id in c.oracle.cases(c.pk) and t.done_at is None and t.due_on < c.run.today
    }
    c.expect_set({t.pk for t in result}, expected, "tasks_overdue")


@probe("assistance.selectors.provider_choices", anonymous=True)
def _provider_choices(fn, c: Caller) -> None:
    c.check(fn(), "provider_choices")


# --- cases --------------------------------------------------------------------------------


@probe("cases.selectors.cases_visible_to")
def _cases_visible_to(fn, c: Caller) -> None:
    result = list(fn(c.user))
    c.check(result, "cases_visible_to")
    c.expect_set({x.pk for x in result}, set(c.oracle.cases(c.pk)), "cases_visible_to")


@probe("cases.selectors.case_get")
def _case_get(fn, c: Caller) -> None:
    from payvand.cases.models import Case

    for case in c.run.all(Case):
        answer = attempt(fn, c.user, case.public_id)
        c.expect(answer, case.pk in c.oracle.cases(c.pk), f"case_get(case {case.pk})")
        if answer is not NOT_FOUND:
            c.check(answer.person, f"case_get(case {case.pk}).person")


def _queries(c: Caller) -> list:
    """The searches a person can make: everything, by name and father's name (every case
    of the worlds has the same ones), a whole number and a part of one, and each
    organisation's filter."""
    from payvand.cases.models import Case
    from payvand.cases.selectors import CaseQuery
    from payvand.orgs.models import Organisation

    queries = [CaseQuery(), CaseQuery(name="Zarina", father_name="Karim")]
    cases = c.run.all(Case)
    if cases:
        queries += [CaseQuery(number=cases[-1].number), CaseQuery(number=cases[0].number[:2])]
    queries += [CaseQuery(organisation=org) for org in c.run.all(Organisation)]
    return queries


@probe("cases.selectors.case_search")
def _case_search(fn, c: Caller) -> None:
    for query in _queries(c):
        result = list(fn(c.user, query))
        c.check(result, f"case_search({query})")
        if query == type(query)():
            c.expect_set({x.pk for x in result}, set(c.oracle.cases(c.pk)), "case_search()")


@probe("cases.selectors.case_search_ids")
def _case_search_ids(fn, c: Caller) -> None:
    for query in _queries(c):
        ids = set(fn(c.user, query))
        if ids - c.oracle.cases(c.pk):
            raise ScopeLeak(
                f"case_search_ids({query}) gave {c.who()} cases {sorted(ids - c.oracle.cases(c.pk))}."
            )


@probe("cases.selectors.cases_by_ids")
def _cases_by_ids(fn, c: Caller) -> None:
    # As the case list uses it: the keys of one page of the caller's search (a lazy
    # query, or a ranked list for a name).
    from payvand.cases.selectors import CaseQuery, case_search_ids, membership_orgs

    for query in (CaseQuery(), CaseQuery(name="Zarina")):
        ids = case_search_ids(c.user, query)
        c.check(fn(ids[:50], membership_orgs(c.user)), f"cases_by_ids(case_search_ids({query}))")


@probe("cases.selectors.case_page")
def _case_page(fn, c: Caller) -> None:
    # As the case list uses it (for those who may open it): the first page of the
    # caller's search, and the count.
    from payvand.cases.selectors import CaseQuery, case_search_ids, membership_orgs

    if not c.oracle.anywhere(c.pk, Perm.CASE_VIEW_ASSIGNED):
        return
    found = fn(case_search_ids(c.user, CaseQuery()), 1, 50, membership_orgs(c.user))
    cases, total = found if found is not None else ([], 0)
    c.check(cases, "case_page")
    if total != len(c.oracle.cases(c.pk)):
        error = ScopeLeak if total > len(c.oracle.cases(c.pk)) else ScopeGap
        raise error(f"case_page counted {total} cases for {c.who()}.")


@probe("cases.selectors.membership_orgs")
def _membership_orgs(fn, c: Caller) -> None:
    c.expect_set(set(fn(c.user)), c.oracle.member_orgs(c.pk), "membership_orgs")


@probe("cases.selectors.identities_shown")
def _identities_shown(fn, c: Caller) -> None:
    shown = fn(c.user, c.cases, "scoping property")
    if set(shown) - c.oracle.cases(c.pk):
        raise ScopeLeak(f"identities_shown named cases {set(shown)} to {c.who()}.")


@probe("cases.selectors.case_workers_of")
def _case_workers_of(fn, c: Caller) -> None:
    # As the import page uses it: the organisations where the caller imports.
    orgs = c.oracle.orgs_with(c.pk, Perm.CASE_APPROVE) | c.oracle.orgs_with(c.pk, Perm.STAFF_MANAGE)
    c.check_staff(fn(sorted(orgs)), orgs, f"case_workers_of({sorted(orgs)})")


@probe("cases.selectors.possible_duplicates")
def _possible_duplicates(fn, c: Caller) -> None:
    # Deliberately organisation-wide: the registration page warns of a case the caller
    # may not open by its number only (cases/views.py, case_register). So: the
    # organisation the caller registers in, and nothing of another.
    from payvand.orgs.models import Organisation

    for org in c.run.all(Organisation):
        if org.pk not in c.oracle.orgs_with(c.pk, Perm.CASE_EDIT):
            continue
        identity = {"given_name": "Zarina", "family_name": "Rahimova", "father_name": "Karim"}
        for found in fn(org, identity, None):
            if found.organisation_id != org.pk:
                raise ScopeLeak(
                    f"possible_duplicates(org {org.pk}) gave case {found.pk} of "
                    f"organisation {found.organisation_id}."
                )


@probe("cases.selectors.timeline_rows")
def _timeline_rows(fn, c: Caller) -> None:
    from payvand.cases.selectors import case_timeline

    # Who did what on the case is its history: the actors may work in another
    # organisation (the receiver of a referral who accepted it), and are shown. What is
    # checked: the events are the case's, and each actor is that event's own.
    for case in c.cases:
        rows = fn(case_timeline(c.user, case, with_views=True))
        c.check_case([r["event"] for r in rows], case, f"timeline_rows(case {case.pk})")
        for row in rows:
            actor, event = row["actor"], row["event"]
            if actor is not None and actor.public_id != event.actor_id:
                raise ScopeLeak(f"timeline_rows(case {case.pk}) named user {actor.pk} wrongly.")


# --- consent ------------------------------------------------------------------------------


@probe("consent.selectors.consents_for")
def _consents_for(fn, c: Caller) -> None:
    from payvand.cases.models import Case
    from payvand.consent.models import Consent

    for case in c.run.all(Case):
        result = list(fn(c.user, case))
        c.check_case(result, case, f"consents_for(case {case.pk})")
        mine = {x.pk for x in c.run.all(Consent) if x.case_id == case.pk}
        expected = mine if case.pk in c.oracle.cases(c.pk) else set()
        c.expect_set({x.pk for x in result}, expected, f"consents_for(case {case.pk})")


@probe("consent.selectors.consents_shown")
def _consents_shown(fn, c: Caller) -> None:
    for case in c.cases + c.foreign_case:
        c.check_case(fn(c.user, case), case, f"consents_shown(case {case.pk})")


@probe("consent.selectors.consent_get")
def _consent_get(fn, c: Caller) -> None:
    from payvand.consent.models import Consent

    for consent in c.run.all(Consent):
        # Through its own case, seen or not, and through another case the caller sees.
        for case in {consent.case, *c.cases_to_try(consent.case_id)}:
            allowed = consent.case_id == case.pk and case.pk in c.oracle.cases(c.pk)
            where = f"consent_get(case {case.pk}, consent {consent.pk})"
            c.expect(attempt(fn, c.user, case, consent.public_id), allowed, where)


# --- audit, dashboard ---------------------------------------------------------------------


@probe("core.audit.selectors.audit_recent")
def _audit_recent(fn, c: Caller) -> None:
    answer = attempt(fn, c.user)
    c.expect(answer, c.oracle.anywhere(c.pk, Perm.PLATFORM_AUDIT_VERIFY), "audit_recent")
    if answer is not NOT_FOUND:
        c.check(answer, "audit_recent")


@probe("dashboard.selectors.dashboard_for")
def _dashboard_for(fn, c: Caller) -> None:
    from payvand.assistance.models import Task
    from payvand.cases.workflow import CLOSED
    from payvand.linkage.models import ContactRequest

    o, me = c.oracle, c.pk
    board = fn(c.user)
    c.check(board, "dashboard_for")
    c.expect_set({p.org.pk for p in board.org_panels}, o.member_orgs(me), "dashboard org panels")
    for panel in board.org_panels:
        counted = panel.staff_active is not None
        if counted and panel.org.pk not in o.orgs_with(me, Perm.STAFF_VIEW):
            raise ScopeLeak(f"The dashboard counted org {panel.org.pk}'s staff for {c.who()}.")
    work = board.case_work
    if (work is not None) != o.anywhere(me, Perm.CASE_VIEW_ASSIGNED):
        raise ScopeLeak(f"The dashboard's case work for {c.who()}: {work}.")
    if work is not None:
        cases = o.cases(me)
        open_cases = sum(o.facts.cases[x]["status"] not in CLOSED for x in cases)
        overdue = sum(
            t.case_id in cases and t.done_at is None and t.due_on < c.run.today
            for t in c.run.all(Task)
        )
        if (work.open_cases, work.overdue_tasks) != (open_cases, overdue):
            raise ScopeLeak(
                f"The dashboard counted {work.open_cases} open cases and {work.overdue_tasks} "
                f"overdue tasks for {c.who()}, who sees {open_cases} and {overdue}."
            )
    referrals = board.referrals
    if referrals is not None:
        expected = Counter(o.facts.referrals[r]["state"] for r in o.referrals(me))
        counted = {state: n for state, _label, n in referrals if n}
        if counted != dict(expected):
            error = ScopeLeak if any(n > expected[s] for s, n in counted.items()) else ScopeGap
            raise error(f"The dashboard counted referrals {counted} for {c.who()}: {expected}.")
    approving = o.orgs_with(me, Perm.CASE_APPROVE)
    pending = sum(
        r.to_org_id in approving and r.state == "pending" for r in c.run.all(ContactRequest)
    )
    if board.contact_requests != pending:
        raise ScopeLeak(f"The dashboard counted {board.contact_requests} contact requests.")
    if board.analyst != o.anywhere(me, Perm.STATS_REGIONAL):
        raise ScopeLeak(f"The dashboard's analyst panel for {c.who()}.")
    if (board.platform is not None) != o.anywhere(me, Perm.PLATFORM_ORGS_MANAGE):
        raise ScopeLeak(f"The dashboard's platform panel for {c.who()}.")


# --- directory ----------------------------------------------------------------------------


@probe("directory.selectors.can_edit_directory")
def _can_edit_directory(fn, c: Caller) -> None:
    from payvand.orgs.models import Organisation

    for org in c.run.all(Organisation):
        allowed = org.pk in c.oracle.orgs_with(c.pk, Perm.ORG_EDIT_PROFILE)
        if fn(c.user, org) != allowed:
            error = ScopeLeak if not allowed else ScopeGap
            raise error(f"can_edit_directory(org {org.pk}) for {c.who()}: {not allowed}.")


@probe("directory.selectors.organisations_edited_by")
def _organisations_edited_by(fn, c: Caller) -> None:
    got = {org.pk for org in fn(c.user)}
    c.expect_set(got, c.oracle.orgs_with(c.pk, Perm.ORG_EDIT_PROFILE), "organisations_edited_by")


def _editable_getter(name: str, model_path: str):
    def run(fn, c: Caller) -> None:
        module, cls = model_path.rsplit(".", 1)
        model = getattr(importlib.import_module(f"payvand.{module}"), cls)
        for obj in c.run.all(model):
            org = obj.pk if cls == "Organisation" else obj.organisation_id
            allowed = org in c.oracle.orgs_with(c.pk, Perm.ORG_EDIT_PROFILE)
            c.expect(attempt(fn, c.user, obj.public_id), allowed, f"{name}({_describe(obj)})")

    return run


for _name, _model in {
    "directory.selectors.editable_location_get": "directory.models.Location",
    "directory.selectors.editable_organisation_get": "orgs.models.Organisation",
    "directory.selectors.editable_service_get": "directory.models.Service",
}.items():
    probe(_name)(_editable_getter(_name, _model))


def _edited(name: str):
    """A read of an organisation the caller edits (reached through
    editable_organisation_get): only that organisation's entries."""

    def run(fn, c: Caller) -> None:
        from payvand.orgs.models import Organisation

        for org in c.run.all(Organisation):
            if org.pk not in c.oracle.orgs_with(c.pk, Perm.ORG_EDIT_PROFILE):
                continue
            result = list(fn(org))
            c.check(result, f"{name}(org {org.pk})")
            if any(x.organisation_id != org.pk for x in result):
                raise ScopeLeak(f"{name}(org {org.pk}) gave another organisation's entries.")

    return run


for _name in (
    "directory.selectors.organisation_locations",
    "directory.selectors.services_for_editing",
):
    probe(_name)(_edited(_name))


@probe("directory.selectors.organisation_services", anonymous=True)
def _organisation_services(fn, c: Caller) -> None:
    # For the referral app: what another organisation offers, the same for everyone.
    from payvand.orgs.models import Organisation

    for org in c.run.all(Organisation):
        c.check(fn(org), f"organisation_services(org {org.pk})")


@probe("directory.selectors.directory_search", anonymous=True)
def _directory_search(fn, c: Caller) -> None:
    from payvand.directory.selectors import DirectoryQuery

    countries = sorted(set(c.oracle.facts.org_country.values()))
    queries = [DirectoryQuery(), DirectoryQuery(text="shelter")]
    for query in queries + [DirectoryQuery(country=country) for country in countries]:
        c.check(fn(query), f"directory_search({query})")


@probe("directory.selectors.directory_facets", anonymous=True)
def _directory_facets(fn, c: Caller) -> None:
    from payvand.directory.models import Service

    public = [s for s in c.run.all(Service) if c.oracle.service_public(s.pk)]
    countries, languages = fn()
    served = {area.split("-", 1)[0] for s in public for area in s.areas}
    spoken = {language for s in public for language in s.languages}
    if set(countries) - served or set(languages) - spoken:
        raise ScopeLeak(
            f"directory_facets offers {countries}, {languages} beyond what is published."
        )


@probe("directory.selectors.public_organisation_get", anonymous=True)
def _public_organisation_get(fn, c: Caller) -> None:
    from payvand.orgs.models import Organisation

    for org in c.run.all(Organisation):
        answer = attempt(fn, org.public_id)
        c.expect(
            answer, c.oracle.facts.org_active[org.pk], f"public_organisation_get(org {org.pk})"
        )


@probe("directory.selectors.public_organisation_services", anonymous=True)
def _public_organisation_services(fn, c: Caller) -> None:
    from payvand.orgs.models import Organisation

    for org in c.run.all(Organisation):
        c.check(fn(org), f"public_organisation_services(org {org.pk})")


@probe("directory.selectors.public_service_get", anonymous=True)
def _public_service_get(fn, c: Caller) -> None:
    from payvand.directory.models import Service

    for service in c.run.all(Service):
        answer = attempt(fn, service.public_id)
        c.expect(answer, c.oracle.service_public(service.pk), f"public_service_get({service.pk})")


@probe("directory.selectors.services_accepting_referrals", anonymous=True)
def _services_accepting_referrals(fn, c: Caller) -> None:
    c.check(fn(), "services_accepting_referrals()")
    for country in sorted(set(c.oracle.facts.org_country.values())):
        c.check(fn(country=country), f"services_accepting_referrals({country})")


# --- linkage ------------------------------------------------------------------------------


def _answering(c: Caller) -> set[int]:
    from payvand.linkage.models import ContactRequest

    approving = c.oracle.orgs_with(c.pk, Perm.CASE_APPROVE)
    return {
        r.pk
        for r in c.run.all(ContactRequest)
        if r.to_org_id in approving and r.state == "pending" and c.oracle.still_theirs(r)
    }


@probe("linkage.selectors.contact_requests_to_answer")
def _contact_requests_to_answer(fn, c: Caller) -> None:
    result = list(fn(c.user))
    c.check(result, "contact_requests_to_answer")
    c.expect_set({r.pk for r in result}, _answering(c), "contact_requests_to_answer")


@probe("linkage.selectors.contact_request_get")
def _contact_request_get(fn, c: Caller) -> None:
    from payvand.linkage.models import ContactRequest

    approving = c.oracle.orgs_with(c.pk, Perm.CASE_APPROVE)
    for r in c.run.all(ContactRequest):
        answer = attempt(fn, c.user, r.public_id)
        c.expect(
            answer,
            r.to_org_id in approving and c.oracle.still_theirs(r),
            f"contact_request_get(request {r.pk})",
        )


@probe("linkage.selectors.case_of_person")
def _case_of_person(fn, c: Caller) -> None:
    # As the contact requests page uses it: "your record", beside each request to answer.
    from payvand.linkage.selectors import contact_requests_to_answer

    for r in contact_requests_to_answer(c.user):
        own = fn(c.user, r.to_person_id)
        if own is not None:
            c.check(own, f"case_of_person(person {r.to_person_id}) for request {r.pk}")


@probe("linkage.selectors.matches_elsewhere")
def _matches_elsewhere(fn, c: Caller) -> None:
    for case in c.cases + c.foreign_case:
        answer = attempt(fn, c.user, case)
        where = f"matches_elsewhere(case {case.pk})"
        c.expect(answer, case.pk in c.oracle.cases(c.pk), where)
        if answer is not NOT_FOUND:
            c.check(answer, where)  # countries, counts and strengths; never a record


# --- orgs ---------------------------------------------------------------------------------


def _orgs_seen(c: Caller) -> set[int]:
    if c.oracle.anywhere(c.pk, Perm.PLATFORM_ORGS_MANAGE):
        return set(c.oracle.facts.org_active)
    return c.oracle.orgs_with(c.pk, Perm.ORG_VIEW)


@probe("orgs.selectors.organisations_visible_to")
def _organisations_visible_to(fn, c: Caller) -> None:
    c.expect_set({o.pk for o in fn(c.user)}, _orgs_seen(c), "organisations_visible_to")


@probe("orgs.selectors.organisation_list_with_staff_counts")
def _organisation_list_with_staff_counts(fn, c: Caller) -> None:
    got = {o.pk for o in fn(c.user)}
    c.expect_set(got, _orgs_seen(c), "organisation_list_with_staff_counts")


@probe("orgs.selectors.organisation_get")
def _organisation_get(fn, c: Caller) -> None:
    from payvand.orgs.models import Organisation

    platform = c.oracle.anywhere(c.pk, Perm.PLATFORM_ORGS_MANAGE)
    for org in c.run.all(Organisation):
        for perm in (Perm.ORG_VIEW, Perm.ORG_EDIT_PROFILE, Perm.STAFF_MANAGE):
            # Platform admins run every organisation's profile and staff list.
            allowed = perm in c.oracle.perms(c.pk, org.pk) or (
                platform and perm in (Perm.ORG_VIEW, Perm.ORG_EDIT_PROFILE, Perm.STAFF_VIEW)
            )
            answer = attempt(fn, c.user, org.public_id, perm)
            c.expect(answer, allowed, f"organisation_get(org {org.pk}, {perm})")


# --- protection ---------------------------------------------------------------------------


@probe("protection.selectors.organisation_for_panic")
def _organisation_for_panic(fn, c: Caller) -> None:
    from payvand.orgs.models import Organisation

    for org in c.run.all(Organisation):
        allowed = org.pk in c.oracle.orgs_with(c.pk, Perm.STAFF_MANAGE)
        c.expect(attempt(fn, c.user, org.public_id), allowed, f"organisation_for_panic({org.pk})")


@probe("protection.selectors.panic_request_for")
def _panic_request_for(fn, c: Caller) -> None:
    from payvand.protection.models import PanicRequest

    for request in c.run.all(PanicRequest):
        allowed = request.organisation_id in c.oracle.orgs_with(c.pk, Perm.STAFF_MANAGE)
        c.expect(
            attempt(fn, c.user, request.public_id), allowed, f"panic_request_for({request.pk})"
        )


@probe("protection.selectors.panic_page")
def _panic_page(fn, c: Caller) -> None:
    from payvand.orgs.models import Organisation

    for org in c.run.all(Organisation):
        if org.pk in c.oracle.orgs_with(c.pk, Perm.STAFF_MANAGE):
            page = fn(org)
            c.check(page, f"panic_page(org {org.pk})")
            if any(r.organisation_id != org.pk for r in instances(page) if hasattr(r, "drill")):
                raise ScopeLeak(f"panic_page(org {org.pk}) showed another organisation's requests.")


# --- referrals ----------------------------------------------------------------------------


@probe("referrals.selectors.referral_get")
def _referral_get(fn, c: Caller) -> None:
    from payvand.referrals.models import Referral

    for referral in c.run.all(Referral):
        answer = attempt(fn, c.user, referral.public_id)
        side = c.oracle.side(c.pk, referral.pk)
        where = f"referral_get(referral {referral.pk})"
        c.expect(answer, side is not None, where)
        if answer is not NOT_FOUND and answer[1] != side:
            raise ScopeLeak(f"{where} put {c.who()} on the {answer[1]} side, not the {side}.")


@probe("referrals.selectors.referral_lists")
def _referral_lists(fn, c: Caller) -> None:
    lists = fn(c.user)
    c.check(lists, "referral_lists")
    for r in lists["to_answer"]:
        if not c.oracle.receiver_sees(c.pk, r.pk) or r.state != "sent":
            raise ScopeLeak(f"referral_lists put referral {r.pk} to answer for {c.who()}.")
    for r in lists["sent"]:
        if not c.oracle.sender_sees(c.pk, r.pk):
            raise ScopeLeak(f"referral_lists put referral {r.pk} among sent for {c.who()}.")


@probe("referrals.selectors.counts_by_state")
def _counts_by_state(fn, c: Caller) -> None:
    expected = Counter(c.oracle.facts.referrals[r]["state"] for r in c.oracle.referrals(c.pk))
    counts = fn(c.user)
    if counts != dict(expected):
        error = ScopeLeak if any(n > expected[s] for s, n in counts.items()) else ScopeGap
        raise error(f"counts_by_state for {c.who()}: {counts}, their referrals {dict(expected)}.")


def _visible_referrals(c: Caller) -> list:
    from payvand.referrals.models import Referral

    return [r for r in c.run.all(Referral) if c.oracle.side(c.pk, r.pk)]


@probe("referrals.selectors.thread")
def _thread(fn, c: Caller) -> None:
    for referral in _visible_referrals(c):
        messages = fn(c.user, referral)
        c.check(messages, f"thread(referral {referral.pk})")
        if any(m.referral_id != referral.pk for m in messages):
            raise ScopeLeak(f"thread(referral {referral.pk}) gave another referral's messages.")


@probe("referrals.selectors.transitions_of")
def _transitions_of(fn, c: Caller) -> None:
    for referral in _visible_referrals(c):
        steps = fn(referral)
        c.check(steps, f"transitions_of(referral {referral.pk})")
        if any(t.referral_id != referral.pk for t in steps):
            raise ScopeLeak(f"transitions_of(referral {referral.pk}) gave another's history.")


@probe("referrals.selectors.unread_notifications")
def _unread_notifications(fn, c: Caller) -> None:
    c.check(fn(c.user), "unread_notifications")


@probe("referrals.selectors.shared_view")
def _shared_view(fn, c: Caller) -> None:
    """The receiver sees the sections the sender chose, of that case, and nothing else."""
    from payvand.referrals.selectors import referral_get
    from payvand.referrals.vocab import Section

    for r in _visible_referrals(c):
        if c.oracle.side(c.pk, r.pk) != "receiver":
            continue
        referral, _side = referral_get(c.user, r.public_id)
        view = fn(c.user, referral)
        chosen = set(referral.sections)
        where = f"shared_view(referral {referral.pk}, sections {sorted(chosen)})"
        shown = {
            Section.IDENTITY: view.identity is not None,
            Section.CONTACTS: view.contacts is not None,
            Section.WHAT_HAPPENED: view.victim is not None or bool(view.events),
            Section.SCREENING: view.screening is not None,
            Section.RISK: view.risk is not None or view.risk_text is not None,
            Section.SUPPORT: bool(view.support_items or view.assistance),
            Section.REINTEGRATION: view.reintegration_goals is not None,
            Section.MEDICAL: any(e.assistance_type == "Medical" for e, _ in view.assistance),
        }
        beyond = {section for section, there in shown.items() if there and section not in chosen}
        if beyond or set(view.sections) != chosen:
            raise ScopeLeak(f"{where} showed {c.who()} {sorted(beyond)} as well.")
        for obj in instances(view):
            owner = c.oracle.case_of(obj)
            if owner is not None and owner != referral.case_id:
                raise ScopeLeak(f"{where} showed {_describe(obj)} of case {owner}.")


# --- screening ----------------------------------------------------------------------------


@probe("screening.selectors.catalogue_current", anonymous=True)
def _catalogue_current(fn, c: Caller) -> None:
    c.check(fn(), "catalogue_current")


def _catalogue(name: str, call: Callable):
    def run(fn, c: Caller) -> None:
        from payvand.screening.models import CatalogueVersion

        for version in c.run.all(CatalogueVersion):
            c.check(call(fn, version), f"{name}(version {version.number})")

    return run


for _name, _call in {
    "screening.selectors.catalogue_indicators": lambda fn, v: fn(v, "adult-labour"),
    "screening.selectors.catalogue_lists": lambda fn, v: fn(v),
    "screening.selectors.catalogue_version_indicators": lambda fn, v: fn(v),
    "screening.selectors.catalogue_version_lists": lambda fn, v: fn(v),
}.items():
    probe(_name, anonymous=True)(_catalogue(_name, _call))


@probe("screening.selectors.catalogue_versions")
def _catalogue_versions(fn, c: Caller) -> None:
    allowed = c.oracle.anywhere(c.pk, Perm.PLATFORM_CATALOGUE_EDIT)
    answer = attempt(fn, c.user)
    c.expect(answer, allowed, "catalogue_versions")
    if answer is not NOT_FOUND:
        c.check(answer, "catalogue_versions")


@probe("screening.selectors.catalogue_version_get")
def _catalogue_version_get(fn, c: Caller) -> None:
    from payvand.screening.models import CatalogueVersion

    allowed = c.oracle.anywhere(c.pk, Perm.PLATFORM_CATALOGUE_EDIT)
    for version in c.run.all(CatalogueVersion):
        answer = attempt(fn, c.user, version.number)
        c.expect(answer, allowed, f"catalogue_version_get({version.number})")


@probe("screening.selectors.screening_get")
def _screening_get(fn, c: Caller) -> None:
    from payvand.cases.models import Case
    from payvand.screening.models import Screening

    cases = {x.pk: x for x in c.run.all(Case)}
    for screening in c.run.all(Screening):
        for case in {cases[screening.case_id], *c.cases_to_try(screening.case_id)}:
            allowed = screening.case_id == case.pk and case.pk in c.oracle.cases(c.pk)
            answer = attempt(fn, c.user, case.public_id, screening.public_id)
            c.expect(answer, allowed, f"screening_get(case {case.pk}, screening {screening.pk})")


@probe("screening.selectors.screening_dimensions")
def _screening_dimensions(fn, c: Caller) -> None:
    from payvand.screening.selectors import screenings_of_case

    for case in c.cases:
        for screening in screenings_of_case(case):
            c.check_case(fn(screening), case, f"screening_dimensions({screening.pk})")


# --- stats --------------------------------------------------------------------------------


def _stats_orgs(c: Caller) -> set[int]:
    """Organisations whose figures the caller sees: where they are an active supervisor
    or organisation admin (stats/selectors.py, ORG_STATS_ROLES)."""
    f = c.oracle.facts
    if c.pk is None or not f.user_active[c.pk]:
        return set()
    return {
        m["organisation_id"]
        for m in f.memberships
        if m["user_id"] == c.pk
        and m["is_active"]
        and f.org_active[m["organisation_id"]]
        and m["role"] in (Role.SUPERVISOR, Role.ORG_ADMIN)
    }


@probe("stats.selectors.stats_scope")
def _stats_scope(fn, c: Caller) -> None:
    regional = c.oracle.anywhere(c.pk, Perm.STATS_REGIONAL)
    orgs = _stats_orgs(c)
    scope = attempt(fn, c.user)
    c.expect(scope, regional or bool(orgs), "stats_scope")
    if scope is NOT_FOUND:
        return
    if scope.regional != regional:
        raise ScopeLeak(f"stats_scope made {c.who()} regional: {scope.regional}.")
    c.expect_set({o.pk for o in scope.organisations}, orgs, "stats_scope organisations")


@probe("stats.selectors.htcds_exports_for")
def _htcds_exports_for(fn, c: Caller) -> None:
    """An organisation's own cases: its supervisors and admins only, identities for its
    admins only."""
    f = c.oracle.facts
    exports = fn(c.user)
    c.expect_set({e.organisation.pk for e in exports}, _stats_orgs(c), "htcds_exports_for")
    admin_of = {
        m["organisation_id"]
        for m in f.memberships
        if m["user_id"] == c.pk and m["is_active"] and m["role"] == Role.ORG_ADMIN
    }
    for export in exports:
        if export.with_identities and export.organisation.pk not in admin_of:
            raise ScopeLeak(
                f"htcds_exports_for gave {c.who()} identities of {export.organisation.pk}."
            )


@probe("stats.selectors.filters_from")
def _filters_from(fn, c: Caller) -> None:
    from payvand.orgs.models import Organisation
    from payvand.stats.selectors import Scope

    regional = c.oracle.anywhere(c.pk, Perm.STATS_REGIONAL)
    orgs = [o for o in c.run.all(Organisation) if o.pk in _stats_orgs(c)]
    if not (regional or orgs):
        return
    scope = Scope(regional=regional, organisations=orgs)
    filters = fn({}, scope)
    if filters.organisation is not None and filters.organisation.pk not in {o.pk for o in orgs}:
        raise ScopeLeak(f"filters_from gave {c.who()} organisation {filters.organisation.pk}.")
    for org in c.run.all(Organisation):
        answer = attempt(fn, {"org": str(org.public_id)}, scope)
        c.expect(answer, org in orgs, f"filters_from(org {org.pk})")
