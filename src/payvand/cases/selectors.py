"""Reading cases, always scoped to the caller: a case outside it does not exist (404)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from payvand.accounts.models import User
from payvand.cases import name_index
from payvand.cases.models import Case
from payvand.cases.timeline import action_label
from payvand.core import crypto
from payvand.core.audit.services import READ_ACTION_SUFFIXES, audit_record
from payvand.core.permissions import Perm, orgs_where
from payvand.core.sealed import context_for
from payvand.orgs.models import Organisation


def _case_orgs(user: User) -> tuple[list[int], list[int]]:
    """Organisations where ``user`` sees every case, and those where only their own."""
    all_orgs = orgs_where(user, Perm.CASE_VIEW_ALL)
    assigned_orgs = [o for o in orgs_where(user, Perm.CASE_VIEW_ASSIGNED) if o not in all_orgs]
    return all_orgs, assigned_orgs


def cases_visible_to(user: User) -> QuerySet[Case]:
    """Supervisors: every case of their organisations. Caseworkers: their own and assigned."""
    all_orgs, assigned_orgs = _case_orgs(user)
    if not (all_orgs or assigned_orgs):
        return Case.objects.none()
    scope = Q(organisation_id__in=all_orgs) if all_orgs else Q()
    if assigned_orgs:
        # A subquery, not a join on the assignments: a join repeats a case per assignee,
        # and de-duplicating it costs a scan of every case (slow at 100,000).
        assigned = Case.assigned.through.objects.filter(user=user).values("case_id")
        scope |= Q(organisation_id__in=assigned_orgs) & (Q(owner=user) | Q(pk__in=assigned))
    return Case.objects.filter(scope)


def case_get(user: User, public_id) -> Case:
    case = (
        cases_visible_to(user)
        .select_related("person", "organisation", "owner")
        .filter(public_id=public_id)
        .first()
    )
    if case is None:
        raise Http404
    if case.person.organisation_id == case.organisation_id:
        case.person.organisation = case.organisation  # opening the identity needs its keys
    return case


@dataclass
class CaseQuery:
    name: str = ""
    father_name: str = ""
    number: str = ""
    birth_year_from: int | None = None
    birth_year_to: int | None = None
    gender: str = ""
    citizenship: str = ""
    status: str = ""
    owner: int | None = None
    identified_from: dt.date | None = None
    identified_to: dt.date | None = None
    province: str = ""
    organisation: Organisation | None = None
    waiting: str = ""


# services._reserve_case_numbers: country, organisation code, year, at least five digits.
WHOLE_CASE_NUMBER = re.compile(r"[A-Za-z]{2}-[A-Za-z0-9]+-\d{4}-\d{5,}")
# What a list row shows (the caseworker responsible is not among it).
CASE_ROW_RELATED = ("person", "organisation")
ORDER = ("-identified_on", "-id")


def case_search(user: User, query: CaseQuery) -> QuerySet[Case] | list[Case]:
    """Cases matching ``query``; with a name, ranked by how well the names match."""
    if query.name.strip() or query.father_name.strip():
        return cases_by_ids(case_search_ids(user, query))
    return _filtered(user, query).select_related(*CASE_ROW_RELATED).order_by(*ORDER)


def _filtered(user: User, query: CaseQuery) -> QuerySet[Case]:
    """The visible cases that pass every filter of ``query`` but the names."""
    cases = cases_visible_to(user)
    if query.organisation is not None:
        cases = cases.filter(organisation=query.organisation)
    if query.number:
        number = query.number.strip()
        if WHOLE_CASE_NUMBER.fullmatch(number):
            # A whole number is contained in no other: the unique index finds it at once,
            # where "contains" reads every case of the organisation.
            cases = cases.filter(number=number.upper())
        else:
            cases = cases.filter(number__icontains=number)
    if query.birth_year_from is not None:
        cases = cases.filter(person__birth_year__gte=query.birth_year_from)
    if query.birth_year_to is not None:
        cases = cases.filter(person__birth_year__lte=query.birth_year_to)
    if query.gender:
        cases = cases.filter(person__gender=query.gender)
    if query.citizenship:
        cases = cases.filter(person__citizenship__contains=f" {query.citizenship} ")
    if query.status:
        cases = cases.filter(status=query.status)
    if query.owner is not None:
        cases = cases.filter(owner_id=query.owner)
    if query.identified_from is not None:
        cases = cases.filter(identified_on__gte=query.identified_from)
    if query.identified_to is not None:
        cases = cases.filter(identified_on__lte=query.identified_to)
    if query.province:
        cases = cases.filter(province=query.province)
    if query.waiting == "closure":
        cases = cases.filter(closure_pending=True)
    elif query.waiting == "plan":
        cases = cases.filter(support_plans__status="submitted").distinct()
    return cases


def case_search_ids(user: User, query: CaseQuery) -> QuerySet | list[int]:
    """Primary keys of the cases matching ``query``, in the order the list shows them.

    Without a name: a lazy query, so that a page costs one ``LIMIT … OFFSET`` over the
    index and a count. With a name: a list ranked by how well the names match. Either
    way only keys are read; `cases_by_ids` loads the rows of the one page shown.
    """
    cases = _filtered(user, query)
    if not (query.name.strip() or query.father_name.strip()):
        return cases.order_by(*ORDER).values_list("pk", flat=True)
    if query.organisation is not None:
        orgs = [query.organisation]
    else:
        all_orgs, assigned_orgs = _case_orgs(user)
        known = membership_orgs(user)
        orgs = [known[pk] for pk in sorted(set(all_orgs + assigned_orgs))]
    names = {
        field: text
        for field, text in (("name", query.name), ("father", query.father_name))
        if text.strip()
    }
    return name_index.ranked_case_ids(cases, orgs, names)


def _list_rows(orgs: Mapping[int, Organisation] | None) -> QuerySet[Case]:
    """Cases with what a list row shows. ``orgs``: organisations already loaded (the
    caller's, from her memberships), set on each case instead of joined and built again
    for every row; a case of another organisation has its own loaded as usual."""
    if not orgs:
        return Case.objects.select_related(*CASE_ROW_RELATED)
    return Case.objects.select_related("person")


def _known_orgs(cases: list[Case], orgs: Mapping[int, Organisation] | None) -> list[Case]:
    if orgs:
        for case in cases:
            if case.organisation_id in orgs:
                case.organisation = orgs[case.organisation_id]
    return cases


def membership_orgs(user: User) -> dict[int, Organisation]:
    """The caller's organisations, as her memberships loaded them (no query)."""
    return {m.organisation_id: m.organisation for m in user.active_memberships()}


def case_page(
    ids: QuerySet, number: int, per_page: int, orgs: Mapping[int, Organisation] | None = None
) -> tuple[list[Case], int] | None:
    """Page ``number`` of `case_search_ids`' lazy query, and how many cases match in all.

    One query: the count rides along as a subquery the database runs once, instead of a
    ``COUNT(*)`` of its own before the page. None when the page has no rows (past the
    end, or nothing matches): the caller then counts as usual.
    """
    start = (number - 1) * per_page
    matching, params = ids.order_by().query.sql_with_params()
    # Only the query Django compiled from the filters is formatted in; values stay params.
    total = RawSQL(f"SELECT COUNT(*) FROM ({matching}) AS matching", params)  # noqa: S608, S611
    rows = list(
        _list_rows(orgs)
        .filter(pk__in=ids[start : start + per_page])
        .annotate(matching_total=total)
        .order_by(*ORDER)
    )
    return (_known_orgs(rows, orgs), rows[0].matching_total) if rows else None


def cases_by_ids(ids, orgs: Mapping[int, Organisation] | None = None) -> list[Case]:
    """The cases of ``ids`` (one page), in that order, with what a list row shows.

    A page of `case_search_ids`' lazy query (``LIMIT … OFFSET``) becomes a subquery:
    keys and rows in one round trip, the offset still walked over the index alone.
    """
    rows = _list_rows(orgs)
    if isinstance(ids, QuerySet):
        return _known_orgs(list(rows.filter(pk__in=ids).order_by(*ORDER)), orgs)
    ids = list(ids)
    by_id = rows.in_bulk(ids)
    return _known_orgs([by_id[pk] for pk in ids if pk in by_id], orgs)


@dataclass
class ShownIdentity:
    given_name: str
    family_name: str
    father_name: str
    erased: bool = False

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p)


@dataclass
class StatusNote:
    """The note of a workflow step the case's team should read now (workflow.py)."""

    action: str
    by: User
    at: dt.datetime
    text: str  # "" when the case was erased
    erased: bool = False


# Steps whose note speaks to the team until the next step: why a supervisor returned a
# closure request, or why the case was reopened.
NOTE_SHOWN_AFTER = ("return_closure", "reopen")


def status_note_latest(user: User, case: Case) -> StatusNote | None:
    """The note of the case's last workflow step if it is one of NOTE_SHOWN_AFTER (its
    opening is audited); None otherwise. The caller may see the case."""
    last = case.status_changes.select_related("by").first()
    if last is None or last.action not in NOTE_SHOWN_AFTER or not last.note:
        return None
    try:
        text = crypto.unseal_json(
            case.organisation, last.note, context=context_for(last, "note")
        ).get("note", "")
    except crypto.KeyDestroyed:
        return StatusNote(last.action, last.by, last.at, "", erased=True)
    audit_record(
        action="case.status_note.read",
        actor=user,
        organisation=case.organisation,
        obj=case,
        details={"step": str(last.public_id)},
    )
    return StatusNote(last.action, last.by, last.at, text)


def identities_shown(user: User, cases: list[Case], purpose: str) -> dict[int, ShownIdentity]:
    """Names for a list of cases the user may see; one audit row names every person shown."""
    shown: dict[int, ShownIdentity] = {}
    for case in cases:
        person = case.person
        try:
            data = crypto.unseal_json(
                case.organisation, person.identity, context=context_for(person, "identity")
            )
        except crypto.KeyDestroyed:
            shown[case.pk] = ShownIdentity("", "", "", erased=True)
            continue
        shown[case.pk] = ShownIdentity(
            data.get("given_name", ""), data.get("family_name", ""), data.get("father_name", "")
        )
    if cases:
        audit_record(
            action="person.identity_list",
            actor=user,
            details={"purpose": purpose, "persons": [str(c.person.public_id) for c in cases]},
        )
    return shown


def possible_duplicates(org: Organisation, identity: dict, birth_year: int | None) -> list[Case]:
    """Cases of ``org`` whose every name part matches (and birth year within two years)."""
    names = " ".join(identity.get(k) or "" for k in ("given_name", "family_name"))
    if not names.strip():
        return []
    scores = name_index.match_scores(org, "name", names)
    if identity.get("father_name"):
        father = name_index.match_scores(org, "father", identity["father_name"], list(scores))
        scores = {p: s + father.get(p, 0) for p, s in scores.items()}
    # Every part matched (across scripts that may be on the skeleton alone); the birth
    # year then narrows it. A warning, not a merge: a false alarm costs one glance.
    strong = list(scores)
    cases = Case.objects.filter(organisation=org, person_id__in=strong).select_related("person")
    if birth_year is not None:
        cases = cases.filter(
            Q(person__birth_year__isnull=True)
            | Q(person__birth_year__gte=birth_year - 2, person__birth_year__lte=birth_year + 2)
        )
    return list(cases.order_by("-identified_on")[:10])


def case_timeline(user: User, case: Case, *, with_views: bool = False):
    """Everything that happened on the case, newest first, from the audit trail.

    By default only changes; ``with_views`` adds every view of the case's personal data.
    The audit trail holds no personal data, so the timeline shows what and who, not text.
    """
    from payvand.core.audit.models import AuditEvent

    events = AuditEvent.objects.filter(
        Q(case_id=case.public_id) | Q(object_id=str(case.person.public_id))
    )
    if not with_views:
        for suffix in READ_ACTION_SUFFIXES:
            events = events.exclude(action__endswith=suffix)
    return events.order_by("-seq")


def timeline_rows(events) -> list[dict]:
    """One page of timeline events with their actors and labels (one query for the actors)."""
    events = list(events)
    actors = {
        u.public_id: u
        for u in User.objects.filter(public_id__in={e.actor_id for e in events if e.actor_id})
    }
    return [
        {"event": e, "actor": actors.get(e.actor_id), "label": action_label(e.action)}
        for e in events
    ]


def case_workers_of(orgs) -> QuerySet[User]:
    """Active people with case rights in any of ``orgs`` (active organisations only)."""
    from payvand.accounts.models import Membership
    from payvand.core.permissions import roles_with

    ids = Membership.objects.filter(
        organisation__in=orgs,
        organisation__is_active=True,
        role__in=roles_with(Perm.CASE_EDIT),
        is_active=True,
        user__is_active=True,
    ).values("user_id")
    return User.objects.filter(pk__in=ids).order_by("full_name", "email")


def case_staff(case: Case) -> QuerySet[User]:
    """People who may be responsible for, assigned to or visiting for a case."""
    return case_workers_of([case.organisation])
