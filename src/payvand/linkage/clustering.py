"""Which person records are one survivor: the clustering job behind ``SurvivorKey``.

``survivor_keys_refresh`` (``payvand linkage cluster``, a scheduled command) compares the
stored encodings across organisations under the rules of the product's match
(selectors.py):

- only encodings of the current encoder version, of organisations that take part and are
  active, of persons not erased (an encoding exists only while its person takes part);
- a pair of records of two organisations is a link when its similarity is at least
  ``matching.STRONG``, and, where an organisation takes part on the basis of consent, its
  survivor's consent for sharing covers the other organisation (or its country) — the
  question ``services.shown_to`` asks before a match is shown;
- links are joined into clusters from the most similar down, never putting two records of
  one organisation into one cluster (``matching.cluster``: anonlink's greedy solver with
  union-find), so clusters span any number of organisations;
- every person in a cluster gets the smallest person id of the cluster as her key; the
  keys are written in one transaction: rows added, changed, and deleted for persons no
  longer in a cluster. Running it twice changes nothing the second time.

Comparing: every pair up to ``matching.EXHAUSTIVE_LIMIT`` pairs (about 20,000 encodings);
beyond that ``matching.deduplicate`` (LSH on the filters' own bits, ``LSH_BITS`` ×
``LSH_TABLES``, chosen for the strong threshold: see README for the recall it keeps).

Freshness: this job is the source of truth. A survivor registered or re-encoded since its
last run counts as her own survivor until the next one (statistics count her twice, never
merge two survivors); one whose encoding is dropped (erasure, withdrawal of consent, her
organisation switched off or purged) loses her key at once, in the same transaction
(``survivor_keys_drop``, called by every path that deletes encodings), and the rest of her
cluster is re-keyed or, left alone, unkeyed.

What is audited: one ``linkage.cluster`` row per run with counts only — no person,
organisation or key.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np
from django.db import transaction
from django.utils import timezone

from payvand.cases.models import Case
from payvand.consent.models import Purpose
from payvand.consent.selectors import cases_allowing
from payvand.core.audit.services import audit_record
from payvand.linkage import encoding, matching
from payvand.linkage.models import Basis, Encoding, LinkageParticipation, SurvivorKey
from payvand.orgs.models import Organisation

if TYPE_CHECKING:
    from payvand.accounts.models import User

LSH_BITS = 14
LSH_TABLES = 60
CHUNK = 5000  # ids per IN (...) list: far below SQLite's limit on parameters
LOAD_CHUNK = 20000


@dataclass(frozen=True)
class ClusterSummary:
    encodings: int  # compared
    organisations: int  # taking part
    pairs_compared: int
    links: int  # strong pairs across organisations that consent allows
    clusters: int
    persons: int  # keyed
    created: int
    changed: int
    deleted: int
    seconds: float


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _load(
    version: str, org_ids: list[int], encoder: encoding.Encoder
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Filters (as words), organisation ids and person ids, ordered by person id.

    Read in chunks and un-balanced chunk by chunk, so a million encodings take the
    filters' 128 MB and not the stored form's 256 MB on top.
    """
    rows = (
        Encoding.objects.filter(
            version=version, organisation_id__in=org_ids, person__erased_at__isnull=True
        )
        .order_by("person_id")
        .values_list("organisation_id", "person_id", "bits")
    )
    filters, orgs, persons = [], [], []
    batch: list[tuple[int, int, bytes]] = []

    def flush():
        stored = encoding.stored_matrix(row[2] for row in batch)
        filters.append(encoder.unharden(stored))
        orgs.append(np.fromiter((row[0] for row in batch), np.int64, len(batch)))
        persons.append(np.fromiter((row[1] for row in batch), np.int64, len(batch)))
        batch.clear()

    for row in rows.iterator(chunk_size=LOAD_CHUNK):
        batch.append(row)
        if len(batch) == LOAD_CHUNK:
            flush()
    if batch:
        flush()
    if not filters:
        empty = np.empty(0, np.int64)
        return np.empty((0, matching.WORDS), np.uint64), empty, empty.copy()
    return (
        matching.as_words(np.concatenate(filters)),
        np.concatenate(orgs),
        np.concatenate(persons),
    )


def strong_pairs(
    filters: np.ndarray,
    orgs: np.ndarray,
    *,
    threshold: float = matching.STRONG,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[matching.Pairs, int]:
    """Pairs of records of two different organisations with similarity >= ``threshold``,
    most similar first, and how many pairs were compared."""
    n = len(filters)
    if n < 2:
        return matching.Pairs.empty(), 0
    if n * n <= matching.EXHAUSTIVE_LIMIT:
        pairs = matching.match(filters, threshold=threshold, blocking="none", progress=progress)
        compared = n * (n - 1) // 2
    else:
        pairs, stats = matching.deduplicate(
            filters, threshold=threshold, bits=LSH_BITS, tables=LSH_TABLES, progress=progress
        )
        compared = stats.comparisons
    across = orgs[pairs.left] != orgs[pairs.right]
    return matching.Pairs(pairs.left[across], pairs.right[across], pairs.score[across]), compared


def _consent_allows(
    pairs: matching.Pairs, orgs: np.ndarray, persons: np.ndarray, taking_part: dict[int, str]
) -> np.ndarray:
    """Which pairs consent allows: a record of an organisation on the consent basis links
    only to organisations her sharing consent covers (by name or by country), as
    ``services.shown_to`` asks before a match is shown. One query per organisation and
    chunk of persons (consent.selectors.cases_allowing, the rule's one place)."""
    keep = np.ones(len(pairs), dtype=bool)
    on_consent = {o for o, basis in taking_part.items() if basis == Basis.CONSENT}
    if not on_consent or not len(pairs):
        return keep
    sides = ((pairs.left, pairs.right), (pairs.right, pairs.left))
    # person -> organisations whose records she is paired with (and must consent to)
    asked: dict[int, set[int]] = {}
    for mine, theirs in sides:
        for i, j in zip(mine.tolist(), theirs.tolist(), strict=True):
            if int(orgs[i]) in on_consent:
                asked.setdefault(int(persons[i]), set()).add(int(orgs[j]))
    if not asked:
        return keep
    allowed: set[tuple[int, int]] = set()  # (person, organisation) her consent covers
    by_org: dict[int, list[int]] = {}
    for person, other_orgs in asked.items():
        for org_id in other_orgs:
            by_org.setdefault(org_id, []).append(person)
    for org in Organisation.objects.filter(pk__in=list(by_org)):
        for chunk in _chunks(sorted(by_org[org.pk])):
            cases = Case.objects.filter(person_id__in=chunk)
            for person in cases_allowing(cases, Purpose.SHARING_ORG, organisation=org).values_list(
                "person_id", flat=True
            ):
                allowed.add((person, org.pk))
    for mine, theirs in sides:
        for k, (i, j) in enumerate(zip(mine.tolist(), theirs.tolist(), strict=True)):
            if int(orgs[i]) in on_consent and (int(persons[i]), int(orgs[j])) not in allowed:
                keep[k] = False
    return keep


def _keys_of(groups: Iterable[Iterable[int]]) -> dict[int, int]:
    """{person id: smallest person id of her cluster} for clusters of two or more."""
    keys: dict[int, int] = {}
    for members in groups:
        members = sorted(set(members))
        if len(members) > 1:
            keys.update(dict.fromkeys(members, members[0]))
    return keys


def survivor_keys_refresh(
    *, by: User | None = None, progress: Callable[[int, int], None] | None = None
) -> ClusterSummary:
    """Cluster the encodings of the organisations taking part and write the keys (see the
    module docstring). The comparison runs outside any transaction; the writing in one."""
    started = time.perf_counter()
    version = encoding.version()
    taking_part = dict(
        LinkageParticipation.objects.filter(enabled=True, organisation__is_active=True).values_list(
            "organisation_id", "basis"
        )
    )
    encoder = encoding.default_encoder()
    filters, orgs, persons = _load(version, sorted(taking_part), encoder)
    pairs, compared = strong_pairs(filters, orgs, progress=progress)
    pairs = _allowed(pairs, orgs, persons, taking_part)
    del filters
    groups = matching.cluster(
        zip(pairs.score.tolist(), pairs.left.tolist(), pairs.right.tolist(), strict=True),
        party_of=lambda i: int(orgs[i]),
    )
    clusters = [[int(persons[i]) for i in members] for members in groups]
    with transaction.atomic(durable=True):
        created, changed, deleted, keyed, kept = _write(clusters, version)
        summary = ClusterSummary(
            encodings=len(orgs),
            organisations=len(taking_part),
            pairs_compared=compared,
            links=len(pairs),
            clusters=kept,
            persons=keyed,
            created=created,
            changed=changed,
            deleted=deleted,
            seconds=round(time.perf_counter() - started, 3),
        )
        audit_record(
            action="linkage.cluster",
            actor=by,
            details={k: v for k, v in asdict(summary).items() if k != "seconds"},
        )
    return summary


def _allowed(pairs, orgs, persons, taking_part) -> matching.Pairs:
    keep = _consent_allows(pairs, orgs, persons, taking_part)
    return matching.Pairs(pairs.left[keep], pairs.right[keep], pairs.score[keep])


def _write(clusters: list[list[int]], version: str) -> tuple[int, int, int, int, int]:
    """Replace the keys by those of ``clusters``; returns (created, changed, deleted,
    persons keyed, clusters kept). Members whose encoding went since the comparison (an
    erasure or a withdrawal committed meanwhile) are left out; their rows are locked, so
    one that is being dropped now waits for this transaction and then drops its key."""
    members = sorted({p for cluster in clusters for p in cluster})
    alive: set[int] = set()
    for chunk in _chunks(members):
        alive.update(
            Encoding.objects.select_for_update()
            .filter(person_id__in=chunk, version=version)
            .values_list("person_id", flat=True)
        )
    wanted = _keys_of([p for p in cluster if p in alive] for cluster in clusters)
    existing = dict(SurvivorKey.objects.values_list("person_id", "key"))
    gone = sorted(set(existing) - set(wanted))
    for chunk in _chunks(gone):
        SurvivorKey.objects.filter(person_id__in=chunk).delete()
    moved = [p for p, key in wanted.items() if p in existing and existing[p] != key]
    now = timezone.now()
    by_key: dict[int, list[int]] = {}
    for p in moved:
        by_key.setdefault(wanted[p], []).append(p)
    for key, people in by_key.items():
        for chunk in _chunks(people):
            SurvivorKey.objects.filter(person_id__in=chunk).update(key=key, updated_at=now)
    # ignore_conflicts: a second run started at the same time (cron overlapping a run by
    # hand) writes the same keys; it must not fail on the rows the first one added.
    SurvivorKey.objects.bulk_create(
        (SurvivorKey(person_id=p, key=key) for p, key in wanted.items() if p not in existing),
        batch_size=CHUNK,
        ignore_conflicts=True,
    )
    created = sum(1 for p in wanted if p not in existing)
    return created, len(moved), len(gone), len(wanted), len(set(wanted.values()))


def survivor_keys_drop(person_ids: Iterable[int]) -> int:
    """Delete the keys of these persons (their encodings are going or gone) and re-key the
    rest of each of their clusters: to its smallest remaining person id, or no key at all
    for one left alone. Call it inside the transaction that drops the encodings, after
    deleting them. Returns how many keys of these persons were deleted."""
    ids = sorted({int(p) for p in person_ids})
    keys: set[int] = set()
    deleted = 0
    for chunk in _chunks(ids):
        rows = SurvivorKey.objects.filter(person_id__in=chunk)
        keys.update(rows.values_list("key", flat=True))
        deleted += rows.delete()[0]
    if not keys:
        return deleted
    rest: dict[int, list[int]] = {}
    for chunk in _chunks(sorted(keys)):
        for person, key in SurvivorKey.objects.filter(key__in=chunk).values_list(
            "person_id", "key"
        ):
            rest.setdefault(key, []).append(person)
    for key, people in rest.items():
        if len(people) == 1:
            SurvivorKey.objects.filter(person_id=people[0]).delete()
        elif min(people) != key:
            SurvivorKey.objects.filter(key=key).update(key=min(people), updated_at=timezone.now())
    return deleted
