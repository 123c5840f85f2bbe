"""Duplicate detection: encoding rate, the matcher against a million filters, FEBRL quality.

The figures other than the organisations' depend on no database; they are measured again on
each. Run alone (``--only linkage``), it seeds 5,000 cases first.

- encoding: FEBRL 4's 10,000 records through the encoder (HMAC tokens, bit-packing,
  balancing) on one core; then one organisation's seeded survivors through the service
  (identity opened and audited, encoded, stored) — the only figure that touches the database.
- the matcher: one filter against ``BENCH_LINKAGE_FILTERS`` (default 1,000,000) filters held
  in memory, as `matches_elsewhere` holds them, with the numba kernel and, once, with the
  plain-numpy fallback; and `matches_elsewhere` itself on the organisations' stored encodings.
- quality: `payvand linkage evaluate` on FEBRL 1-4 and the cross-script set (precision,
  recall, F1 at the "possible" threshold, all pairs compared).
- deduplication: ``BENCH_LINKAGE_DEDUP`` (default 1,000,000; 0 skips) SYNTHETIC records
  (generated here from FEBRL's name columns, with planted perturbed copies) deduplicated
  with LSH blocking: time, pairs compared, precision/recall on the planted copies, peak
  memory (tracemalloc and ru_maxrss). Encoding them takes minutes: the heavy figure.
- clustering (``payvand linkage cluster``): the job on the organisations' stored encodings
  (database read, compare, consent check, keys written, audited); and its comparison and
  clustering steps on the deduplication's synthetic records spread over 20 organisations
  (each planted copy in another organisation than its original).
- anonlink: bench/anonlink_compare.py in its own venv (``BENCH_ANONLINK_PYTHON``, default
  /tmp/anonlink-venv/bin/python) when it exists; its output goes into the notes.
"""

import datetime as dt
import os
import random
import resource
import subprocess
import time
import tracemalloc
from pathlib import Path

import numpy as np

from bench.harness import Context, Figure
from payvand.cases.models import Case
from payvand.demo.seed import seed_cases
from payvand.linkage import clustering, encoding, evaluation, matching
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
    figures += _cluster_job(ctx)
    figures += _dedup(ctx)
    figures += _anonlink(ctx)
    return figures


def _dedup(ctx: Context) -> list[Figure]:
    n = int(os.environ.get("BENCH_LINKAGE_DEDUP", "1000000"))
    if n <= 0:
        return []
    figures, notes = dedup_figures(n, bits=16, tables=40)
    ctx.notes.extend(notes)
    return figures


def _cluster_job(ctx: Context) -> list[Figure]:
    """`payvand linkage cluster` on the encodings `_organisations` stored (a first run, then
    a second that finds nothing to change)."""
    figures = []
    for label in ("first run", "second run (nothing to change)"):
        start = time.perf_counter()
        summary = clustering.survivor_keys_refresh()
        seconds = time.perf_counter() - start
        figures.append(
            Figure(
                f"linkage cluster, {label}: {summary.encodings} encodings of "
                f"{summary.organisations} organisations",
                [seconds * 1000],
                {
                    "M pairs compared": round(summary.pairs_compared / 1e6, 1),
                    "shown": f"{summary.persons} keyed",
                },
            )
        )
    return figures


def _anonlink(ctx: Context) -> list[Figure]:
    """anonlink/clkhash in their own virtual environment (bench/anonlink_compare.py)."""
    python = os.environ.get("BENCH_ANONLINK_PYTHON", "/tmp/anonlink-venv/bin/python")  # noqa: S108
    if not Path(python).exists():
        ctx.notes.append(
            f"anonlink: no virtual environment at {python} (see bench/anonlink_compare.py)."
        )
        return []
    script = Path(__file__).with_name("anonlink_compare.py")
    done = subprocess.run(
        [python, str(script), str(evaluation.febrl_dir())],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        ctx.notes.append(f"anonlink: failed: {done.stderr.strip().splitlines()[-1:]}")
        return []
    import json

    result = json.loads(done.stdout)
    ctx.notes.append(f"anonlink side by side (its own venv): {result}")
    return []


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
        figures += _store()
    return figures


def _store() -> list[Figure]:
    """A process's in-memory store of encodings: read whole, then brought up to date after
    one encoding is written again (as a registration elsewhere does between two queries)."""
    from payvand.linkage.models import Encoding
    from payvand.linkage.selectors import _Store
    from payvand.linkage.services import _changes_log

    secret = encoding.linkage_secret()
    encoder = encoding.encoder_for(secret)
    store = _Store()
    start = time.perf_counter()
    store.current(encoder, secret)
    full = (time.perf_counter() - start) * 1000
    n = len(store.ids)
    catch_up = []
    for row in Encoding.objects.order_by("-id")[:20]:
        row.save(update_fields=["bits", "updated_at"])
        _changes_log([row.pk])  # as services.person_encode does
        start = time.perf_counter()
        store.current(encoder, secret)
        catch_up.append((time.perf_counter() - start) * 1000)
    return [
        Figure(f"encoding store, read whole ({n:,} encodings)", [full], {}),
        Figure(
            f"encoding store, up to date after one encoding rewritten ({n:,} encodings)",
            catch_up,
            {"full reads": store.full_loads},
        ),
    ]


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


def synthetic_people(n: int, seed: int = 11, duplicates: float = 0.1):
    """SYNTHETIC records for the deduplication benchmark (not real people, not FEBRL's):
    given, family and father's names drawn from FEBRL 1-4's name columns, a birth year
    (half with a full date), gender, citizenship and a place from the cross-script set's
    places in a random script. ``duplicates`` of them are perturbed copies of an earlier
    record: one letter dropped from one name, the birth year up to two years off, the place
    in another script. Returns the records and, for each, the index it copies (or -1)."""
    rng = random.Random(seed)
    given, family = set(), set()
    for name in ("dataset1.csv", "dataset2.csv", "dataset3.csv", "dataset4a.csv"):
        for rec in evaluation.febrl_records(name)[1]:
            given.add(rec.given_name), family.add(rec.family_name)
    given, family = sorted(given - {""}), sorted(family - {""})
    records, copies = [], []
    for k in range(n):
        if k > 1000 and rng.random() < duplicates:
            src = rng.randrange(k)
            while copies[src] != -1:
                src = rng.randrange(k)
            base = records[src]
            field = rng.choice(("given_name", "family_name", "father_name"))
            value = getattr(base, field)
            if len(value) > 3:
                cut = rng.randrange(1, len(value) - 1)
                value = value[:cut] + value[cut + 1 :]
            place = next(p for p in evaluation.PLACES if base.place_of_origin in p)
            records.append(
                encoding.LinkageRecord(
                    **{
                        **base.__dict__,
                        field: value,
                        "birth_date": None,
                        "birth_year": (base.birth_year or base.birth_date.year)
                        + rng.choice((-2, -1, 0, 0, 1, 2)),
                        "place_of_origin": rng.choice(place),
                    }
                )
            )
            copies.append(src)
            continue
        year = rng.randrange(1945, 2012)
        exact = rng.random() < 0.5
        records.append(
            encoding.LinkageRecord(
                given_name=rng.choice(given),
                family_name=rng.choice(family),
                father_name=rng.choice(given),
                birth_date=dt.date(year, rng.randrange(1, 13), rng.randrange(1, 29))
                if exact
                else None,
                birth_year=None if exact else year,
                gender=rng.choice("fm"),
                citizenship=(rng.choice(("AF", "TJ", "UZ", "PK", "TM")),),
                place_of_origin=rng.choice(rng.choice(evaluation.PLACES)),
            )
        )
        copies.append(-1)
    return records, copies


def encode_words(records, chunk=20000):
    enc = encoding.encoder_for(encoding.DEVELOPMENT_SECRET)
    out = np.empty((len(records), encoding.FILTER_BYTES), dtype=np.uint8)
    for start in range(0, len(records), chunk):
        out[start : start + chunk] = enc.filters(records[start : start + chunk])
    return matching.as_words(out)


def dedup_figures(n: int, *, bits: int, tables: int) -> tuple[list[Figure], list[str]]:
    """Full LSH-blocked deduplication of ``n`` synthetic records: time, pairs compared,
    the duplicates found, peak memory."""
    records, copies = synthetic_people(n)
    start = time.perf_counter()
    words = encode_words(records)
    encode_s = time.perf_counter() - start
    del records
    tracemalloc.start()
    start = time.perf_counter()
    pairs, stats = matching.deduplicate(words, bits=bits, tables=tables)
    seconds = time.perf_counter() - start
    _current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB
    groups: dict[int, list[int]] = {}
    for i, src in enumerate(copies):
        groups.setdefault(i if src < 0 else src, []).append(i)
    truth = {(a, b) for g in groups.values() if len(g) > 1 for a in g for b in g if a < b}
    found = set(zip(pairs.left.tolist(), pairs.right.tolist(), strict=True))
    # what comparing all pairs would find among the true pairs: their own scores
    true_scores = matching.similarity(
        [matching.distances_to(words[i], words[j : j + 1])[0] for i, j in truth]
    )
    reachable = int((true_scores >= matching.POSSIBLE).sum())
    correct = len(found & truth)
    figures = [
        Figure(
            f"deduplicate {n:,} SYNTHETIC records, LSH {tables} tables x {bits} bits "
            f"(1 core, encoding {encode_s:.0f} s apart)",
            [seconds * 1000],
            {
                "M pairs compared": round(stats.comparisons / 1e6, 1),
                "MB": round(traced_peak / 2**20),
                "precision": f"{correct / len(found):.4f}" if found else "",
                "recall": f"{correct / len(truth):.4f}",
            },
        )
    ]
    cluster_figure, cluster_note = cluster_figures(words, copies)
    figures.append(cluster_figure)
    notes = [
        cluster_note,
        f"Deduplication of {n:,} synthetic records ({len(truth):,} planted duplicates): "
        f"{stats.comparisons:,} pairs compared of {n * (n - 1) // 2:,} "
        f"({stats.comparisons / (n * (n - 1) / 2):.2e}), {len(found):,} pairs >= "
        f"{matching.POSSIBLE} found, {correct:,} of them planted (copies of one record, "
        f"also of each other); of the planted pairs "
        f"{reachable:,} score >= {matching.POSSIBLE} at all (what comparing every pair would "
        f"find), LSH found {correct:,}; {stats.skipped_buckets} buckets over "
        f"{matching.LSH_MAX_BUCKET} skipped. Peak memory: {traced_peak / 2**20:.0f} MB traced "
        f"(numpy arrays, tracemalloc) during the deduplication, {rss_peak:.0f} MB resident for "
        f"the whole process (ru_maxrss, includes encoding {n:,} records).",
    ]
    return figures, notes


def cluster_figures(words: np.ndarray, copies: list[int]) -> tuple[Figure, str]:
    """The clustering job's comparison and clustering on synthetic records spread over 20
    organisations, each planted copy in another organisation than its original."""
    n = len(words)
    rng = np.random.default_rng(20)
    orgs = rng.integers(0, 20, n)
    for i, src in enumerate(copies):
        while src >= 0 and orgs[i] == orgs[src]:
            orgs[i] = rng.integers(0, 20)
    start = time.perf_counter()
    pairs, compared = clustering.strong_pairs(words, orgs)
    compare_s = time.perf_counter() - start
    groups = matching.cluster(
        zip(pairs.score.tolist(), pairs.left.tolist(), pairs.right.tolist(), strict=True),
        party_of=lambda i: int(orgs[i]),
    )
    seconds = time.perf_counter() - start
    planted = {(src, i) for i, src in enumerate(copies) if src >= 0}
    found = set(zip(pairs.left.tolist(), pairs.right.tolist(), strict=True))
    figure = Figure(
        f"cluster {n:,} SYNTHETIC encodings of 20 organisations (strong pairs, "
        f"{'LSH' if compared < n * (n - 1) // 2 else 'all pairs'}, greedy union-find; 1 core)",
        [seconds * 1000],
        {
            "M pairs compared": round(compared / 1e6, 1),
            "recall": f"{len(planted & found) / len(planted):.4f}" if planted else "",
        },
    )
    note = (
        f"Clustering {n:,} synthetic encodings: {compared:,} pairs compared in {compare_s:.0f} s "
        f"(LSH {clustering.LSH_TABLES} tables x {clustering.LSH_BITS} bits above "
        f"{matching.EXHAUSTIVE_LIMIT:,} pairs), {len(pairs):,} strong links across "
        f"organisations, {len(groups):,} clusters in {seconds - compare_s:.1f} s; "
        f"{len(planted & found):,} of {len(planted):,} planted copies linked."
    )
    return figure, note
