"""The matcher: the compiled kernel counts like numpy, blocking keeps recall, clusters."""

import hashlib

import numpy as np

from payvand.linkage import matching
from payvand.linkage.encoding import Encoder, LinkageRecord

ENC = Encoder(hashlib.sha256(b"matching tests").digest())


def random_filters(n, seed=1):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 2**63, size=(n, matching.WORDS), dtype=np.uint64)


def test_the_kernel_counts_exactly_what_numpy_counts():
    filters = random_filters(3000)
    expected = np.bitwise_count(filters ^ filters[7]).sum(axis=1)
    assert (matching.distances_to(filters[7], filters) == expected).all()
    assert matching.KERNEL in {"numba", "numpy"}


def _people(n, seed):
    rng = np.random.default_rng(seed)
    given = ["Zarina", "Gulnora", "Muhammad", "Ahmad", "Farida", "Karim", "Laylo", "Rustam"]
    family = ["Nazarova", "Rahimova", "Karimov", "Yusufi", "Sharifov", "Ahmadi", "Qodirov"]
    return [
        LinkageRecord(
            given_name=str(rng.choice(given)),
            family_name=str(rng.choice(family)) + "abcdefghij"[i % 10] + "klmnop"[i % 6],
            birth_year=int(rng.integers(1960, 2010)),
            gender=str(rng.choice(["f", "m"])),
        )
        for i in range(n)
    ]


def _typo(record: LinkageRecord, k: int) -> LinkageRecord:
    name = record.family_name
    i = 1 + k % (len(name) - 2)
    return LinkageRecord(**{**record.__dict__, "family_name": name[:i] + name[i + 1 :]})


def test_lsh_blocking_finds_what_comparing_everything_finds():
    left = _people(400, seed=2)
    right = [_typo(r, k) for k, r in enumerate(left)]
    a, b = matching.as_words(ENC.filters(left)), matching.as_words(ENC.filters(right))
    full = matching.one_to_one(matching.match(a, b, blocking="none"))
    blocked = matching.one_to_one(matching.match(a, b, blocking="lsh"))
    correct_full = int((full.left == full.right).sum())
    correct_blocked = int((blocked.left == blocked.right).sum())
    assert correct_full >= 390
    assert correct_blocked >= 0.98 * correct_full


def test_deduplication_reports_each_pair_once():
    people = _people(50, seed=3)
    filters = matching.as_words(ENC.filters(people + people[:5]))
    pairs = matching.match(filters, threshold=0.999)
    assert sorted(zip(pairs.left.tolist(), pairs.right.tolist(), strict=True)) == [
        (i, 50 + i) for i in range(5)
    ]


def test_clusters_hold_at_most_one_record_per_organisation():
    pairs = [
        (0.95, ("AF", 1), ("TJ", 1)),
        (0.93, ("TJ", 1), ("UZ", 1)),
        (0.91, ("AF", 2), ("TJ", 1)),  # a second Afghan record may not join
        (0.85, ("AF", 2), ("UZ", 2)),
    ]
    clusters = matching.cluster(pairs, party_of=lambda record: record[0])
    assert sorted(map(sorted, clusters)) == [
        [("AF", 1), ("TJ", 1), ("UZ", 1)],
        [("AF", 2), ("UZ", 2)],
    ]


def test_strength_bands():
    assert matching.strength(1.0) == "strong"
    assert matching.strength(matching.STRONG) == "strong"
    assert matching.strength(matching.POSSIBLE) == "possible"
    assert matching.strength(matching.POSSIBLE - 0.01) == ""


def test_streaming_deduplication_finds_what_comparing_everything_finds():
    people = _people(300, seed=4)
    filters = matching.as_words(ENC.filters(people + [_typo(r, k) for k, r in enumerate(people)]))
    truth = {(k, 300 + k) for k in range(300)}
    full = matching.match(filters, blocking="none")
    pairs, stats = matching.deduplicate(filters, bits=16, tables=40)
    expected = set(zip(full.left.tolist(), full.right.tolist(), strict=True))
    got = set(zip(pairs.left.tolist(), pairs.right.tolist(), strict=True))
    assert got <= expected  # the same scores, nothing below the threshold
    assert len(got & truth) >= 0.98 * len(expected & truth) >= 0.98 * 290
    assert 0 < stats.comparisons < 600 * 599 // 2  # blocked: fewer than all pairs
