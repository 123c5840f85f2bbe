"""Comparing encodings: similarity, blocking, strength bands and clusters.

Similarity. Two stored (balanced) encodings A and B of FILTER_BITS set bits each have the
Dice coefficient ``2|A∧B| / (|A|+|B|) = |A∧B| / FILTER_BITS``, which equals
``1 - hamming(a, b) / FILTER_BITS`` for the unbalanced filters a and b inside them. So the
matcher keeps the unbalanced filters in memory (``Encoder.unharden``) and counts differing
bits: 16 machine words per comparison instead of 32, at memory speed. The count is a
popcount over uint64 words — a numba-compiled loop on the CPU's popcnt instruction when
numba is installed, ``np.bitwise_count`` otherwise (about 20 times slower; the results are
identical, a test compares them).

Blocking. Comparing everything with everything is fine up to a few hundred million pairs
(seconds). Beyond that, candidates come from locality-sensitive hashing on the filters'
own bits (Hamming LSH): ``LSH_TABLES`` tables, each keyed by ``LSH_BITS`` fixed bit
positions; two records are compared when they agree on all the positions of at least one
table. Records with similarity s meet with probability ``1 - (1 - s^bits)^tables`` (0.996
at s = 0.8, 0.96 at s = 0.76 with the defaults; unrelated records, s ≈ 0.56, in about 14 %
of pairs); the recall this loses is measured by `payvand linkage evaluate` against the
exhaustive run (none on FEBRL 4). At a million by a million, 14 % is far too many pairs to
even list: ``deduplicate`` takes 16 bits per table (40 tables) and compares each bucket
within itself as it goes, holding no candidate list (bench_linkage.py measures it on a
million synthetic records).
Blocking on the filter needs no other stored key: a key built from skeletons or birth years
would be one more thing a seized database shows the frequencies of.

Strength. ``STRONG`` and ``POSSIBLE`` are similarity thresholds chosen from the FEBRL data
sets and the cross-script set (see README, "Duplicate detection across organisations"):
with encoder 3, 0.76 is where both meet their targets for every secret tried (at 0.75 the
cross-script precision is 0.95 ± 0.005 depending on the secret; encoder 2 used 0.75).
Only the band leaves this module's callers, never the score.

Clusters of more than two organisations: pairs are taken from the most similar down and
joined into one cluster unless that would put two records of one party (organisation) in
it — anonlink's greedy solver, with union-find.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

import numpy as np

from payvand.linkage.encoding import FILTER_BITS, FILTER_BYTES

WORDS = FILTER_BYTES // 8
STRONG = 0.80
POSSIBLE = 0.76
LSH_BITS = 10
LSH_TABLES = 48
LSH_MAX_BUCKET = 2000  # a bucket larger than this says nothing (all-missing records)
EXHAUSTIVE_LIMIT = 400_000_000  # pairs; beyond this, block

try:  # pragma: no branch
    if os.environ.get("PAYVAND_LINKAGE_NUMBA", "1") == "0":
        raise ImportError("numba switched off")
    from numba import njit, types
    from numba.extending import intrinsic

    @intrinsic
    def _popcount(typingctx, x):
        def codegen(context, builder, signature, args):
            return builder.ctpop(args[0])  # the CPU's popcnt instruction

        return types.uint64(types.uint64), codegen

    @njit(nogil=True, cache=True)
    def _hamming_one(query, filters, out):  # pragma: no cover - compiled
        n, words = filters.shape
        for i in range(n):
            count = 0
            for w in range(words):
                count += _popcount(query[w] ^ filters[i, w])
            out[i] = count

    @njit(nogil=True, cache=True)
    def _hamming_block(a, b, out):  # pragma: no cover - compiled
        words = a.shape[1]
        for r in range(a.shape[0]):
            for i in range(b.shape[0]):
                count = 0
                for w in range(words):
                    count += _popcount(a[r, w] ^ b[i, w])
                out[r, i] = count

    @njit(nogil=True, cache=True)
    def _hamming_pairs(a, b, ii, jj, out):  # pragma: no cover - compiled
        words = a.shape[1]
        for k in range(ii.shape[0]):
            count = 0
            for w in range(words):
                count += _popcount(a[ii[k], w] ^ b[jj[k], w])
            out[k] = count

    @njit(nogil=True, cache=True)
    def _buckets_within(
        filters, order, starts, ends, limit, out_i, out_j, out_d
    ):  # pragma: no cover
        """Every pair within each bucket (rows order[starts[b]:ends[b]]) at distance <= limit;
        returns (pairs written, comparisons made); stops writing when out is full."""
        words = filters.shape[1]
        found = 0
        compared = 0
        for b in range(starts.shape[0]):
            for x in range(starts[b], ends[b]):
                i = order[x]
                for y in range(x + 1, ends[b]):
                    j = order[y]
                    count = 0
                    for w in range(words):
                        count += _popcount(filters[i, w] ^ filters[j, w])
                    compared += 1
                    if count <= limit and found < out_i.shape[0]:
                        out_i[found] = min(i, j)
                        out_j[found] = max(i, j)
                        out_d[found] = count
                        found += 1
        return found, compared

    KERNEL = "numba"
except ImportError:
    _CHUNK = 32768

    def _hamming_one(query, filters, out):
        for s in range(0, len(filters), _CHUNK):
            part = np.bitwise_count(filters[s : s + _CHUNK] ^ query)
            out[s : s + _CHUNK] = part.sum(axis=1, dtype=np.uint16)

    def _hamming_block(a, b, out):
        for r in range(len(a)):
            _hamming_one(a[r], b, out[r])

    def _hamming_pairs(a, b, ii, jj, out):
        for s in range(0, len(ii), _CHUNK):
            part = np.bitwise_count(a[ii[s : s + _CHUNK]] ^ b[jj[s : s + _CHUNK]])
            out[s : s + _CHUNK] = part.sum(axis=1, dtype=np.uint16)

    def _buckets_within(filters, order, starts, ends, limit, out_i, out_j, out_d):
        found = compared = 0
        for b in range(len(starts)):
            rows = order[starts[b] : ends[b]]
            for x in range(len(rows) - 1):
                dist = np.bitwise_count(filters[rows[x + 1 :]] ^ filters[rows[x]]).sum(axis=1)
                compared += len(dist)
                for y in np.nonzero(dist <= limit)[0]:
                    if found < len(out_i):
                        i, j = rows[x], rows[x + 1 + y]
                        out_i[found], out_j[found] = min(i, j), max(i, j)
                        out_d[found] = dist[y]
                        found += 1
        return found, compared

    KERNEL = "numpy"


def as_words(filters: np.ndarray) -> np.ndarray:
    """Bit-packed filters ``(n, FILTER_BYTES)`` uint8 as ``(n, WORDS)`` uint64, contiguous."""
    filters = np.ascontiguousarray(filters, dtype=np.uint8).reshape(-1, FILTER_BYTES)
    return filters.view(np.uint64).reshape(-1, WORDS)


def max_distance(threshold: float) -> int:
    """The largest Hamming distance whose similarity is still ``>= threshold``."""
    return int(np.floor((1.0 - threshold) * FILTER_BITS + 1e-9))


def similarity(distance) -> np.ndarray:
    return 1.0 - np.asarray(distance, dtype=np.float64) / FILTER_BITS


def strength(score: float) -> str:
    """ "strong", "possible" or "" for a similarity."""
    if score >= STRONG:
        return "strong"
    if score >= POSSIBLE:
        return "possible"
    return ""


def distances_to(query: np.ndarray, filters: np.ndarray) -> np.ndarray:
    """Hamming distance of one filter (WORDS,) to each of ``filters`` (n, WORDS): uint16."""
    out = np.empty(len(filters), dtype=np.uint16)
    if len(filters):
        _hamming_one(np.ascontiguousarray(query, dtype=np.uint64), filters, out)
    return out


def scores_to(query: np.ndarray, filters: np.ndarray) -> np.ndarray:
    """Similarity of one filter to each of ``filters`` (both as words)."""
    return similarity(distances_to(query, filters))


@dataclass
class Pairs:
    """Pairs (left index, right index) with their similarity, best first."""

    left: np.ndarray
    right: np.ndarray
    score: np.ndarray

    def __len__(self) -> int:
        return len(self.left)

    @classmethod
    def empty(cls) -> Pairs:
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64))

    def sorted(self) -> Pairs:
        order = np.lexsort((self.right, self.left, -self.score))
        return Pairs(self.left[order], self.right[order], self.score[order])


def _exhaustive(a, b, limit, same, progress):
    rows = max(1, min(len(a), 16_000_000 // max(1, len(b))))
    lefts, rights, dists = [], [], []
    block = np.empty((rows, len(b)), dtype=np.uint16)
    for start in range(0, len(a), rows):
        part = a[start : start + rows]
        out = block[: len(part)]
        _hamming_block(part, b, out)
        r, c = np.nonzero(out <= limit)
        if same:
            keep = c > r + start
            r, c = r[keep], c[keep]
        lefts.append(r + start)
        rights.append(c)
        dists.append(out[r, c])
        if progress:
            progress(min(start + rows, len(a)), len(a))
    return np.concatenate(lefts), np.concatenate(rights), np.concatenate(dists)


def _lsh_positions() -> np.ndarray:
    # Fixed, public positions: they select bits, they reveal nothing the filter does not.
    rng = np.random.default_rng(20261129)
    return np.stack([rng.choice(FILTER_BITS, LSH_BITS, replace=False) for _ in range(LSH_TABLES)])


def lsh_keys(filters: np.ndarray) -> np.ndarray:
    """``(n, LSH_TABLES)`` uint64 bucket keys of filters given as words."""
    positions = _lsh_positions()
    raw = filters.view(np.uint8).reshape(len(filters), FILTER_BYTES)
    keys = np.zeros((len(filters), LSH_TABLES), dtype=np.uint64)
    for k in range(LSH_BITS):
        pos = positions[:, k]
        bits = (raw[:, pos // 8] >> (pos % 8).astype(np.uint8)) & 1
        keys |= bits.astype(np.uint64) << np.uint64(k)
    return keys


def _bucket_join(ka: np.ndarray, kb: np.ndarray, same: bool) -> np.ndarray:
    """Pair codes ``i * len(kb) + j`` of records sharing a key (one table)."""
    order = np.argsort(kb, kind="stable")
    sorted_b = kb[order]
    lo = np.searchsorted(sorted_b, ka, "left")
    hi = np.searchsorted(sorted_b, ka, "right")
    counts = hi - lo
    counts[counts > LSH_MAX_BUCKET] = 0
    total = int(counts.sum())
    if not total:
        return np.empty(0, np.int64)
    ii = np.repeat(np.arange(len(ka), dtype=np.int64), counts)
    starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    jj = order[np.arange(total) + starts].astype(np.int64)
    if same:
        keep = jj > ii
        ii, jj = ii[keep], jj[keep]
    return ii * len(kb) + jj


def candidates(a: np.ndarray, b: np.ndarray, *, same: bool = False) -> tuple[np.ndarray, ...]:
    """Candidate pairs (i, j) from Hamming LSH (see the module docstring)."""
    ka, kb = lsh_keys(a), (lsh_keys(b) if not same else None)
    codes = []
    for t in range(LSH_TABLES):
        codes.append(_bucket_join(ka[:, t], (ka if same else kb)[:, t], same))
    merged = np.unique(np.concatenate(codes)) if codes else np.empty(0, np.int64)
    return merged // len(b), merged % len(b)


def match(
    a: np.ndarray,
    b: np.ndarray | None = None,
    *,
    threshold: float = POSSIBLE,
    blocking: str = "auto",
    progress: Callable[[int, int], None] | None = None,
) -> Pairs:
    """Every pair with similarity ``>= threshold`` between ``a`` and ``b`` (filters as words).

    Without ``b``, the pairs within ``a`` (deduplication, i < j). ``blocking`` is "none",
    "lsh" or "auto" (LSH once there are more than EXHAUSTIVE_LIMIT pairs to compare).
    """
    same = b is None
    b = a if b is None else b
    if not len(a) or not len(b):
        return Pairs.empty()
    limit = max_distance(threshold)
    if blocking == "auto":
        blocking = "lsh" if len(a) * len(b) > EXHAUSTIVE_LIMIT else "none"
    if blocking == "none":
        ii, jj, dist = _exhaustive(a, b, limit, same, progress)
    else:
        ii, jj = candidates(a, b, same=same)
        dist = np.empty(len(ii), dtype=np.uint16)
        if len(ii):
            _hamming_pairs(a, b, ii, jj, dist)
        keep = dist <= limit
        ii, jj, dist = ii[keep], jj[keep], dist[keep]
        if progress:
            progress(len(a), len(a))
    return Pairs(ii.astype(np.int64), jj.astype(np.int64), similarity(dist)).sorted()


def one_to_one(pairs: Pairs) -> Pairs:
    """Greedy best match: each record in at most one pair, the most similar first."""
    pairs = pairs.sorted()
    used_left: set[int] = set()
    used_right: set[int] = set()
    keep = []
    for k, (i, j) in enumerate(zip(pairs.left.tolist(), pairs.right.tolist(), strict=True)):
        if i not in used_left and j not in used_right:
            used_left.add(i)
            used_right.add(j)
            keep.append(k)
    idx = np.array(keep, dtype=np.int64)
    return Pairs(pairs.left[idx], pairs.right[idx], pairs.score[idx])


def cluster(
    pairs: Iterable[tuple[float, Hashable, Hashable]],
    party_of: Callable[[Hashable], Hashable],
) -> list[list[Hashable]]:
    """Records grouped across parties: at most one record of each party per cluster.

    ``pairs`` are (similarity, record, record); a record is anything hashable and
    ``party_of(record)`` says which organisation holds it. Pairs are taken from the most
    similar down; a pair joins two clusters only if they have no party in common (anonlink's
    greedy solver). Records in no pair are not returned.
    """
    parent: dict[Hashable, Hashable] = {}
    parties: dict[Hashable, set] = {}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for _score, x, y in sorted(pairs, key=lambda p: -p[0]):
        for r in (x, y):
            if r not in parent:
                parent[r], parties[r] = r, {party_of(r)}
        rx, ry = find(x), find(y)
        if rx == ry or parties[rx] & parties[ry]:
            continue
        parent[ry] = rx
        parties[rx] |= parties.pop(ry)
    groups: dict[Hashable, list] = {}
    for r in parent:
        groups.setdefault(find(r), []).append(r)
    return [members for members in groups.values() if len(members) > 1]


@dataclass
class DedupStats:
    tables: int
    bits: int
    comparisons: int
    skipped_buckets: int


def deduplicate(
    filters: np.ndarray,
    *,
    threshold: float = POSSIBLE,
    bits: int = 24,
    tables: int = 64,
    max_bucket: int = LSH_MAX_BUCKET,
    seed: int = 20261130,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Pairs, DedupStats]:
    """Every pair within ``filters`` (words) with similarity ``>= threshold``, LSH-blocked,
    without ever holding the candidate pairs: table by table, the records are sorted by that
    table's key (``bits`` fixed bit positions) and each bucket is compared within itself by
    the compiled kernel; only the pairs found are kept (a pair found in several tables is
    reported once). Memory: the filters, one key and one order per record, and the pairs.
    This is how a million records are deduplicated (bench_linkage.py)."""
    n = len(filters)
    limit = max_distance(threshold)
    rng = np.random.default_rng(seed)
    raw = filters.view(np.uint8).reshape(n, FILTER_BYTES)
    found_i, found_j, found_d = [], [], []
    compared = skipped = 0
    cap = 4_000_000
    out_i, out_j = np.empty(cap, np.int64), np.empty(cap, np.int64)
    out_d = np.empty(cap, np.uint16)
    for t in range(tables):
        positions = rng.choice(FILTER_BITS, bits, replace=False)
        key = np.zeros(n, dtype=np.uint64)
        for k, pos in enumerate(positions):
            bit = (raw[:, pos // 8] >> np.uint8(pos % 8)) & np.uint8(1)
            key |= bit.astype(np.uint64) << np.uint64(k)
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        edges = np.flatnonzero(np.diff(sorted_key)) + 1
        starts = np.concatenate(([0], edges))
        ends = np.concatenate((edges, [n]))
        size = ends - starts
        keep = (size > 1) & (size <= max_bucket)
        skipped += int((size > max_bucket).sum())
        got, cmp_ = _buckets_within(
            filters, order, starts[keep], ends[keep], limit, out_i, out_j, out_d
        )
        compared += int(cmp_)
        found_i.append(out_i[:got].copy())
        found_j.append(out_j[:got].copy())
        found_d.append(out_d[:got].copy())
        if progress:
            progress(t + 1, tables)
    ii, jj, dd = np.concatenate(found_i), np.concatenate(found_j), np.concatenate(found_d)
    codes, first = np.unique(ii * n + jj, return_index=True)
    pairs = Pairs(codes // n, codes % n, similarity(dd[first])).sorted()
    return pairs, DedupStats(tables, bits, compared, skipped)
