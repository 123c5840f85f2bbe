"""The question a caseworker may ask: is this survivor known to another organisation?

``matches_elsewhere(user, case)`` answers with what the product may show and nothing more:
a list of ``ElsewhereMatch(country, organisations, strength)`` — "possibly known to 1
organisation in Tajikistan (strong match)". Never a name, a case number, an identifier of
the other record or organisation, nor a score. Only encodings of participating
organisations other than the case's own are searched, and a match on a survivor whose
organisation takes part on the basis of consent is reported only if her consent covers the
asking organisation (services.shown_to). Every query writes one audit row
(``linkage.query``) naming the case and what was shown.

The stored encodings are held in memory by each process (``_STORE``), un-permuted into the
filters the matcher compares, and brought up to date when the table changes (count, last
id, last write) by reading only the rows that came or changed (``_Store``); one query
against a million encodings then costs the comparison (≈ 10 ms), not a million rows read
from the database, even while other organisations register survivors.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, F, Max, Q
from django.http import Http404

from payvand.accounts.models import User
from payvand.cases.models import Case, Person
from payvand.cases.selectors import cases_visible_to
from payvand.core import crypto
from payvand.core.audit.services import audit_record
from payvand.core.sealed import context_for
from payvand.linkage import encoding, matching
from payvand.linkage.models import Encoding
from payvand.linkage.services import linkage_record, participating_orgs, person_takes_part, shown_to
from payvand.orgs.models import Organisation

MAX_CANDIDATES = 50


@dataclass(frozen=True)
class ElsewhereMatch:
    country: str  # ISO alpha-2
    organisations: int
    strength: str  # "strong" or "possible"


class _Store:
    """Every stored encoding of the current version, as filters, with org and person ids.

    Kept up to date by what changed, not by reading every encoding again: when the
    table's signature (count, last id, last write) moves, only new rows and rows rewritten
    since the last look (``updated_at``, with a margin for transactions that committed
    late) are read with their bits; if the count still disagrees, the ids are read (a
    column of integers) to drop rows gone and fetch rows that committed after later ones.
    Everything is read again when the secret changes, when the counts still disagree, and
    at least every FULL_RELOAD_SECONDS (a rewrite that committed later than the margin).
    """

    LATE_COMMIT_MARGIN = dt.timedelta(seconds=30)
    FULL_RELOAD_SECONDS = 900

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.signature: tuple | None = None
        self.secret: bytes | None = None
        self.loaded_at = 0.0
        self.seen_until = None  # the latest updated_at read
        self.ids = np.empty(0, dtype=np.int64)
        self.filters = np.empty((0, matching.WORDS), dtype=np.uint64)
        self.orgs = np.empty(0, dtype=np.int64)
        self.persons = np.empty(0, dtype=np.int64)
        self.full_loads = 0  # how often everything was read (tests and the bench)

    def current(self, encoder: encoding.Encoder, secret: bytes):
        rows = Encoding.objects.filter(version=encoding.version())
        stats = rows.aggregate(n=Count("id"), last=Max("id"), at=Max("updated_at"))
        signature = (stats["n"], stats["last"], stats["at"])
        with self.lock:
            stale = time.monotonic() - self.loaded_at > self.FULL_RELOAD_SECONDS
            if secret != self.secret or self.signature is None or stale:
                self._load_all(rows, encoder)
            elif signature != self.signature:
                self._load_changes(rows, encoder, stats["n"])
                if len(self.ids) != stats["n"]:
                    self._load_all(rows, encoder)  # a row came or went meanwhile
            self.signature, self.secret = signature, secret
            return self.filters, self.orgs, self.persons

    def _read(self, rows, encoder):
        data = list(rows.values_list("id", "organisation_id", "person_id", "bits", "updated_at"))
        ids = np.array([r[0] for r in data], dtype=np.int64)
        filters = (
            matching.as_words(encoder.unharden(encoding.stored_matrix(r[3] for r in data)))
            if data
            else np.empty((0, matching.WORDS), dtype=np.uint64)
        )
        orgs = np.array([r[1] for r in data], dtype=np.int64)
        persons = np.array([r[2] for r in data], dtype=np.int64)
        latest = max((r[4] for r in data), default=None)
        return ids, filters, orgs, persons, latest

    def _load_all(self, rows, encoder) -> None:
        ids, filters, orgs, persons, latest = self._read(rows.order_by("id"), encoder)
        self.ids, self.filters, self.orgs, self.persons = ids, filters, orgs, persons
        self.seen_until, self.loaded_at = latest, time.monotonic()
        self.full_loads += 1

    def _load_changes(self, rows, encoder, count: int) -> None:
        """New rows and rows rewritten lately, in one small query; only when the count
        then disagrees (a row removed, or one that committed after a later one) the ids,
        to drop and fetch the difference."""
        last = int(self.ids[-1]) if len(self.ids) else 0
        changed = Q(id__gt=last)
        if self.seen_until is not None:
            changed |= Q(updated_at__gte=self.seen_until - self.LATE_COMMIT_MARGIN)
        self._merge(*self._read(rows.filter(changed), encoder))
        if len(self.ids) == count:
            return
        now_ids = np.array(rows.order_by("id").values_list("id", flat=True), dtype=np.int64)
        self._drop(~np.isin(self.ids, now_ids))
        late = np.setdiff1d(now_ids, self.ids)
        if len(late) > 1000:
            self._load_all(rows, encoder)
        elif len(late):
            self._merge(*self._read(rows.filter(id__in=late.tolist()), encoder))

    def _drop(self, gone: np.ndarray) -> None:
        keep = ~gone
        self.ids, self.filters = self.ids[keep], self.filters[keep]
        self.orgs, self.persons = self.orgs[keep], self.persons[keep]

    def _merge(self, ids, filters, orgs, persons, latest) -> None:
        """Rows read again replace the ones held; new ones join; all kept in id order."""
        if not len(ids):
            return
        self._drop(np.isin(self.ids, ids))
        all_ids = np.concatenate([self.ids, ids])
        order = np.argsort(all_ids, kind="stable")
        self.ids = all_ids[order]
        self.filters = np.concatenate([self.filters, filters])[order]
        self.orgs = np.concatenate([self.orgs, orgs])[order]
        self.persons = np.concatenate([self.persons, persons])[order]
        if self.seen_until is None or latest > self.seen_until:
            self.seen_until = latest


_STORE = _Store()


def _query_filter(case: Case, encoder: encoding.Encoder) -> np.ndarray | None:
    """The case's own filter: from its stored encoding, else encoded from its identity."""
    person = case.person
    row = Encoding.objects.filter(person=person, version=encoding.version()).first()
    if row is not None:
        stored = encoding.stored_matrix([row.bits])
        return matching.as_words(encoder.unharden(stored))[0]
    if not person_takes_part(person) or person.identity is None:
        return None
    try:
        identity = crypto.unseal_json(
            case.organisation, person.identity, context=context_for(person, "identity")
        )
    except crypto.KeyDestroyed:
        return None
    return matching.as_words(encoder.filters([linkage_record(person, identity)]))[0]


def matches_elsewhere(user: User, case: Case) -> list[ElsewhereMatch]:
    """Other organisations that possibly know this survivor, by country and strength."""
    if not cases_visible_to(user).filter(pk=case.pk).exists():
        raise Http404
    results: list[ElsewhereMatch] = []
    secret = encoding.linkage_secret()
    encoder = encoding.encoder_for(secret)
    query = _query_filter(case, encoder)
    if query is not None:
        results = _search(case, query, encoder, secret)
    audit_record(
        action="linkage.query",
        actor=user,
        organisation=case.organisation,
        obj=case,
        details={
            "took_part": query is not None,
            "shown": [[m.country, m.organisations, m.strength] for m in results],
        },
    )
    return results


def _candidates(case: Case, query: np.ndarray, encoder, secret) -> dict[int, tuple[str, int]]:
    """{organisation id: (strength, person id)} of the best match in each other
    participating organisation that may be shown to the case's organisation."""
    filters, orgs, persons = _STORE.current(encoder, secret)
    others = [o.pk for o in participating_orgs() if o.pk != case.organisation_id]
    if not len(filters) or not others:
        return {}
    scores = matching.scores_to(query, filters)
    eligible = np.isin(orgs, others) & (scores >= matching.POSSIBLE)
    order = np.flatnonzero(eligible)
    order = order[np.argsort(-scores[order], kind="stable")][:MAX_CANDIDATES]
    asking = case.organisation
    best: dict[int, tuple[str, int]] = {}
    people = Person.objects.in_bulk([int(persons[i]) for i in order])
    for i in order:
        org_id, person = int(orgs[i]), people.get(int(persons[i]))
        if org_id in best:
            continue  # the best one of each organisation comes first
        if person is None or not shown_to(person, asking):
            continue
        best[org_id] = (matching.strength(float(scores[i])), person.pk)
    return best


def _search(case: Case, query: np.ndarray, encoder, secret) -> list[ElsewhereMatch]:
    best = _candidates(case, query, encoder, secret)
    countries = dict(Organisation.objects.filter(pk__in=best).values_list("pk", "country"))
    counted: dict[tuple[str, str], int] = {}
    for org_id, (band, _person) in best.items():
        key = (countries[org_id], band)
        counted[key] = counted.get(key, 0) + 1
    rank = {"strong": 0, "possible": 1}
    return [
        ElsewhereMatch(country, n, band)
        for (country, band), n in sorted(counted.items(), key=lambda kv: (rank[kv[0][1]], kv[0][0]))
    ]


def matched_records(case: Case, country: str, strength: str) -> list[tuple[Organisation, int]]:
    """For a contact request only (never shown): the organisations of ``country`` whose
    best match has ``strength``, with the matched person's id."""
    secret = encoding.linkage_secret()
    encoder = encoding.encoder_for(secret)
    query = _query_filter(case, encoder)
    if query is None:
        return []
    best = _candidates(case, query, encoder, secret)
    orgs = Organisation.objects.in_bulk(list(best))
    return [
        (orgs[org_id], person_id)
        for org_id, (band, person_id) in best.items()
        if band == strength and orgs[org_id].country == country
    ]


def contact_requests_to_answer(user: User):
    from payvand.core.permissions import Perm, orgs_where
    from payvand.linkage.models import ContactRequest, ContactState

    return ContactRequest.objects.filter(
        to_org_id__in=orgs_where(user, Perm.CASE_APPROVE),
        state=ContactState.PENDING,
        to_person__organisation=F("to_org"),  # still theirs
    ).select_related("from_org", "to_person")


def contact_requests_of(case: Case):
    from payvand.linkage.models import ContactRequest

    return ContactRequest.objects.filter(from_case=case).select_related("to_org")


def contact_request_get(user: User, public_id):
    """A request the caller answers (supervisor of the matched organisation)."""
    from payvand.core.permissions import Perm, orgs_where
    from payvand.linkage.models import ContactRequest

    try:
        return ContactRequest.objects.select_related("from_org", "to_org", "to_person").get(
            public_id=public_id,
            to_org_id__in=orgs_where(user, Perm.CASE_APPROVE),
            to_person__organisation=F("to_org"),  # not once her record moved away
        )
    except ContactRequest.DoesNotExist:
        raise Http404 from None


def case_of_person(user: User, person_id: int):
    """The matched person's most recent case, if the caller sees it (None once a transfer
    has moved her to another organisation: its case number is not theirs to see)."""
    return (
        cases_visible_to(user).filter(person_id=person_id).order_by("-identified_on", "-id").first()
    )
