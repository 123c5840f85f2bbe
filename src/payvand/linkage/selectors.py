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
filters the matcher compares, and brought up to date from the log of changed encodings
by reading only the rows that came or changed (``_Store``); one query
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

    Kept up to date from the change log (``EncodingChange``, written by services.py with
    every encoding written or deleted): the log's last id and length are the store's
    signature (the log holds a day of changes), and when they move only the encodings
    changed since are read
    again — rows gone are dropped, rows written are read with their bits. Changes logged
    by a transaction that committed late (after a later change was read) are caught by
    reading the log again LATE_COMMIT_MARGIN back. Everything is read again when the
    secret or the encoder changes, when many changed (MAX_CHANGES), and at least every
    FULL_RELOAD_SECONDS.
    """

    LATE_COMMIT_MARGIN = dt.timedelta(seconds=60)
    MAX_CHANGES = 20_000
    FULL_RELOAD_SECONDS = 900

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget everything: the next query reads every encoding (tests start so)."""
        self.signature: tuple | None = None
        self.loaded_at = 0.0
        self.seen_change = 0  # the last change logged that the store holds
        self.seen_at = None  # when that change was logged
        self.ids = np.empty(0, dtype=np.int64)
        self.filters = np.empty((0, matching.WORDS), dtype=np.uint64)
        self.orgs = np.empty(0, dtype=np.int64)
        self.persons = np.empty(0, dtype=np.int64)
        self.full_loads = 0  # how often everything was read (tests and the bench)

    def current(self, encoder: encoding.Encoder, secret: bytes):
        from payvand.linkage.models import EncodingChange

        # The log's last id, and how many lines it holds: a change that commits after a
        # later one adds a line below the last id.
        log = EncodingChange.objects.aggregate(last=Max("id"), lines=Count("id"))
        last, lines = log["last"] or 0, log["lines"]
        version = encoding.version()
        with self.lock:
            stale = time.monotonic() - self.loaded_at > self.FULL_RELOAD_SECONDS
            same_code = self.signature is not None and self.signature[2:] == (secret, version)
            if not same_code or stale or last < self.seen_change:  # the log went back: a restore
                self._load_all(encoder, version, last)
            elif (last, lines) != self.signature[:2]:
                self._load_changes(encoder, version)
            self.signature = (last, lines, secret, version)
            return self.filters, self.orgs, self.persons

    def _read(self, rows, encoder):
        data = list(rows.values_list("id", "organisation_id", "person_id", "bits"))
        ids = np.array([r[0] for r in data], dtype=np.int64)
        filters = (
            matching.as_words(encoder.unharden(encoding.stored_matrix(r[3] for r in data)))
            if data
            else np.empty((0, matching.WORDS), dtype=np.uint64)
        )
        orgs = np.array([r[1] for r in data], dtype=np.int64)
        persons = np.array([r[2] for r in data], dtype=np.int64)
        return ids, filters, orgs, persons

    def _load_all(self, encoder, version: str, last_change: int) -> None:
        from payvand.linkage.models import EncodingChange

        # The log is read first: a change logged while the rows are read is read again.
        at = EncodingChange.objects.filter(id=last_change).values_list("at", flat=True).first()
        rows = Encoding.objects.filter(version=version).order_by("id")
        self.ids, self.filters, self.orgs, self.persons = self._read(rows, encoder)
        self.seen_change, self.seen_at = last_change, at
        self.loaded_at = time.monotonic()
        self.full_loads += 1

    def _load_changes(self, encoder, version: str) -> None:
        from payvand.linkage.models import EncodingChange

        since = Q(id__gt=self.seen_change)
        if self.seen_at is not None:
            since |= Q(at__gte=self.seen_at - self.LATE_COMMIT_MARGIN)
        log = list(
            EncodingChange.objects.filter(since)
            .order_by("id")
            .values_list("id", "encoding_id", "deleted", "at")[: self.MAX_CHANGES + 1]
        )
        if len(log) > self.MAX_CHANGES:
            last = EncodingChange.objects.aggregate(last=Max("id"))["last"] or 0
            self._load_all(encoder, version, last)
            return
        touched = np.array(sorted({entry[1] for entry in log}), dtype=np.int64)
        self._drop(np.isin(self.ids, touched))  # gone, or about to be read again
        written = Encoding.objects.filter(id__in=touched.tolist(), version=version).order_by("id")
        self._merge(*self._read(written, encoder))
        newest = max(log, key=lambda entry: entry[0])
        if newest[0] > self.seen_change:
            self.seen_change, self.seen_at = newest[0], newest[3]

    def _drop(self, gone: np.ndarray) -> None:
        keep = ~gone
        self.ids, self.filters = self.ids[keep], self.filters[keep]
        self.orgs, self.persons = self.orgs[keep], self.persons[keep]

    def _merge(self, ids, filters, orgs, persons) -> None:
        """Rows read again join the ones held, all kept in id order."""
        if not len(ids):
            return
        self._drop(np.isin(self.ids, ids))
        all_ids = np.concatenate([self.ids, ids])
        order = np.argsort(all_ids, kind="stable")
        self.ids = all_ids[order]
        self.filters = np.concatenate([self.filters, filters])[order]
        self.orgs = np.concatenate([self.orgs, orgs])[order]
        self.persons = np.concatenate([self.persons, persons])[order]


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
