"""Duplicate detection: encoding rate, the matcher against a million filters, FEBRL quality.

The figures other than the organisations' depend on no database; they are measured again on
each. Run alone (``--only linkage``), it seeds 5,000 cases first.

- encoding: FEBRL 4's 10,000 records through the encoder (HMAC tokens, bit-packing,
  balancing) on one core; then one organisation's seeded survivors through the service
  (identity opened and audited, encoded, stored) — the only figure that touches the database.
- the matcher: one filter against ``BENCH_LINKAGE_FILTERS`` (default 1,000,000) filters held
  in memory, as `matches_elsewhere` holds them, with the numba kernel and, once, with the
  plain-numpy fallback; and `matches_elsewhere` itself on the organisations' stored encodings.
- quality: `payvand linkage evaluate` on FEBRL 1-4 (precision, recall, F1 at the "possible"
  threshold, all pairs compared).
"""

import os
import time

import numpy as np

from bench.harness import Context, Figure
from payvand.cases.models import Case
from payvand.demo.seed import seed_cases
from payvand.linkage import encoding, evaluation, matching
from payvand.linkage.models import Basis
from payvand.linkage.selectors import matches_elsewhere
from payvand.linkage.services import organisation_encode, participation_set
from payvand.orgs.models import Organisation

MIN_CASES = 5000
ORGS = ("DYU", "HWP")  # Dushanbe (Cyrillic names) and Kabul (Arabic script)


def run(ctx: Context) -> list[Figure]:
    figures = _encoding(ctx)
    figures += _organisations(ctx)
    figures += _matcher(ctx)
    figures += _quality(ctx)
    return figures


def _encoding(ctx: Context) -> list[Figure]:
    enc = encoding.Encoder(encoding.DEVELOPMENT_SECRET)  # a fresh one: no cached tokens
    _ids_a, rec_a = evaluation.febrl_records("dataset4a.csv")
    _ids_b, rec_b = evaluation.febrl_records("dataset4b.csv")
    records = rec_a + rec_b
    start = time.perf_counter()
    enc.encode(records)
    seconds = time.perf_counter() - start
    return [
        Figure(
            f"encode {len(records)} FEBRL 4 records (1 core)",
            [seconds * 1000],
            {"records/s": round(len(records) / seconds)},
        )
    ]


def _organisations(ctx: Context) -> list[Figure]:
    figures = []
    if Case.objects.count() < MIN_CASES:  # `--only linkage`: bench_cases seeded nothing
        seed_cases(MIN_CASES)
    orgs = list(Organisation.objects.filter(code__in=ORGS).order_by("code"))
    for org in orgs:
        participation_set(org=org, by=None, enabled=True, basis=Basis.LAWFUL_BASIS)
    for org in orgs:
        start = time.perf_counter()
        stored = organisation_encode(org=org)
        seconds = time.perf_counter() - start
        figures.append(
            Figure(
                f"encode organisation {org.code}: {stored} survivors (open, audit, store)",
                [seconds * 1000],
                {"records/s": round(stored / seconds) if seconds else ""},
            )
        )
    case = Case.objects.filter(organisation=orgs[0]).order_by("id").first() if orgs else None
    if case is not None:
        from payvand.accounts.models import User
        from payvand.demo.region import demo_email

        org = orgs[0]
        user = User.objects.get(
            email=demo_email(f"{org.country.lower()}-{org.code.lower()}-supervisor")
        )
        timings, shown = ctx.measure(lambda: matches_elsewhere(user, case))
        figures.append(
            Figure("matches_elsewhere (stored encodings, audited)", timings, {"shown": len(shown)})
        )
    return figures


def _matcher(ctx: Context) -> list[Figure]:
    n = int(os.environ.get("BENCH_LINKAGE_FILTERS", "1000000"))
    rng = np.random.default_rng(7)
    # Random bits: the kernel's cost does not depend on which bits are set.
    packed = rng.integers(0, 256, size=(n, encoding.FILTER_BYTES), dtype=np.uint8)
    words = matching.as_words(packed)
    query = words[n // 2].copy()
    timings, _ = ctx.measure(lambda: matching.distances_to(query, words))
    median = sorted(timings)[len(timings) // 2]
    figures = [
        Figure(
            f"one query against {n:,} filters ({matching.KERNEL}, 1 core)",
            timings,
            {"M comparisons/s": round(n / median / 1000, 1), "MB": round(words.nbytes / 2**20)},
        )
    ]
    start = time.perf_counter()
    np.bitwise_count(words[: n // 10] ^ query).sum(axis=1)
    numpy_ms = (time.perf_counter() - start) * 1000 * 10
    figures.append(
        Figure(
            f"one query against {n:,} filters (plain numpy, extrapolated from {n // 10:,})",
            [numpy_ms],
            {"M comparisons/s": round(n / numpy_ms / 1000, 1)},
        )
    )
    ctx.notes.append(
        f"Matcher: {n:,} filters of {encoding.FILTER_BITS} bits take "
        f"{words.nbytes / 2**20:.0f} MB in memory (stored balanced: twice that on disk)."
    )
    return figures


def _quality(ctx: Context) -> list[Figure]:
    enc = encoding.encoder_for(encoding.DEVELOPMENT_SECRET)
    figures = []
    for name in sorted(evaluation.DATASETS):
        q = evaluation.evaluate(name, enc, blocking="none")
        figures.append(
            Figure(
                f"{name}: {q.records} records, {q.true_pairs} true pairs (encode + match)",
                [q.seconds * 1000],
                {
                    "precision": f"{q.precision:.4f}",
                    "recall": f"{q.recall:.4f}",
                    "F1": f"{q.f1:.4f}",
                },
            )
        )
    return figures
