import argparse
import csv
import sys
import time

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from payvand.core.progress import ProgressBar
from payvand.linkage import encoding, evaluation, matching
from payvand.linkage.csvinput import InputError, read_records
from payvand.linkage.models import Basis
from payvand.orgs.selectors import organisation_by_code

ENCODE_CHUNK = 2000


def _threshold(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0.0 < number <= 1.0:
        raise argparse.ArgumentTypeError("the threshold is a similarity between 0 and 1")
    return number


class Command(BaseCommand):
    help = (
        "Duplicate detection without names: `match` links two CSV files, `evaluate` measures "
        "quality on FEBRL 1-4, `participate` and `encode` manage an organisation's part, "
        "`cluster` links the survivors known to several organisations for statistics."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        match = sub.add_parser("match", help="Pairs of records of two CSV files (see README).")
        match.add_argument("--left", required=True, help="CSV file (UTF-8).")
        match.add_argument("--right", required=True, help="CSV file (UTF-8).")
        match.add_argument("--out", required=True, help="CSV written: left_id,right_id,score.")
        match.add_argument(
            "--threshold",
            type=_threshold,
            default=matching.POSSIBLE,
            help="smallest similarity written (default %(default)s; strong from "
            f"{matching.STRONG})",
        )
        match.add_argument(
            "--one-to-one", action="store_true", help="keep only each record's best pair"
        )
        evaluate = sub.add_parser(
            "evaluate", help="Precision, recall and F1 on FEBRL 1-4 and the cross-script set."
        )
        evaluate.add_argument(
            "--dataset", action="append", choices=sorted(evaluation.DATASETS), default=None
        )
        evaluate.add_argument("--threshold", type=_threshold, default=matching.POSSIBLE)
        evaluate.add_argument(
            "--blocking",
            choices=["none", "lsh", "both"],
            default="both",
            help="compare all pairs, LSH-blocked candidates, or both (shows recall lost)",
        )
        part = sub.add_parser("participate", help="Turn an organisation's part on or off.")
        part.add_argument("--org", required=True, help="Organisation short code.")
        part.add_argument("--off", action="store_true", help="stop and drop its encodings")
        part.add_argument("--basis", choices=Basis.values, default=Basis.CONSENT)
        enc = sub.add_parser("encode", help="(Re-)encode an organisation's survivors.")
        which = enc.add_mutually_exclusive_group(required=True)
        which.add_argument("--org", help="Organisation short code.")
        which.add_argument(
            "--all",
            dest="all_orgs",
            action="store_true",
            help="every organisation taking part (after an upgrade of the encoder)",
        )
        sub.add_parser(
            "cluster",
            help="Link strong matches across organisations into survivors (for statistics); "
            "run it nightly.",
        )

    def handle(self, *args, action, **options):
        try:
            return getattr(self, f"_{action}")(**options)
        except InputError as exc:
            raise CommandError(str(exc)) from None
        except encoding.LinkageSecretMissing as exc:
            raise CommandError(str(exc)) from None
        except evaluation.EvaluationUnavailable as exc:
            raise CommandError(str(exc)) from None

    def _encode_all(self, records, label):
        enc = encoding.default_encoder()
        bar = ProgressBar(sys.stderr, unit=f"{label} records", every=ENCODE_CHUNK * 5)
        chunks = []
        for start in range(0, len(records), ENCODE_CHUNK):
            chunks.append(enc.filters(records[start : start + ENCODE_CHUNK]))
            bar(min(start + ENCODE_CHUNK, len(records)), len(records))
        return matching.as_words(np.vstack(chunks))

    def _match(self, *, left, right, out, threshold, one_to_one, **_):
        left_ids, left_records = read_records(left, "The left")
        right_ids, right_records = read_records(right, "The right")
        started = time.perf_counter()
        a = self._encode_all(left_records, "left")
        b = self._encode_all(right_records, "right")
        bar = ProgressBar(sys.stderr, unit="left records compared", every=10000)
        pairs = matching.match(a, b, threshold=threshold, progress=bar)
        if one_to_one:
            pairs = matching.one_to_one(pairs)
        try:
            with open(out, "w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["left_id", "right_id", "score"])
                for i, j, s in zip(pairs.left, pairs.right, pairs.score, strict=True):
                    writer.writerow([left_ids[i], right_ids[j], f"{s:.4f}"])
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc.strerror}.") from None
        self.stdout.write(
            f"{len(pairs)} pairs with similarity >= {threshold} written to {out} "
            f"({len(left_ids)} x {len(right_ids)} records, {time.perf_counter() - started:.1f}s)"
        )

    def _evaluate(self, *, dataset, threshold, blocking, **_):
        # FEBRL is public synthetic data: the public development secret is enough.
        enc = encoding.encoder_for(encoding.DEVELOPMENT_SECRET)
        modes = ["none", "lsh"] if blocking == "both" else [blocking]
        self.stdout.write(
            f"threshold {threshold}; kernel {matching.KERNEL}; encoder {encoding.version()}"
        )
        self.stdout.write(
            f"{'data set':15} {'blocking':8} {'records':>7} {'true':>6} {'found':>6} "
            f"{'precision':>9} {'recall':>7} {'F1':>7} {'seconds':>7}"
        )
        for name in dataset or sorted(evaluation.DATASETS):
            for mode in modes:
                q = evaluation.evaluate(name, enc, threshold=threshold, blocking=mode)
                self.stdout.write(
                    f"{name:15} {mode:8} {q.records:7} {q.true_pairs:6} {q.found:6} "
                    f"{q.precision:9.4f} {q.recall:7.4f} {q.f1:7.4f} {q.seconds:7.2f}"
                )
                self.stdout.flush()

    def _org(self, code):
        org = organisation_by_code(code)
        if org is None:
            raise CommandError(f"No organisation with code {code}.")
        return org

    def _participate(self, *, org, off, basis, **_):
        from payvand.linkage.services import participation_set

        organisation = self._org(org)
        participation_set(org=organisation, by=None, enabled=not off, basis=basis)
        state = "off" if off else f"on ({basis})"
        self.stdout.write(f"Duplicate detection for {organisation.full_code}: {state}")

    def _encode(self, *, org, all_orgs, **_):
        from payvand.linkage.services import organisation_encode, participating_orgs

        for organisation in participating_orgs() if all_orgs else [self._org(org)]:
            bar = ProgressBar(sys.stderr, unit="persons", every=5000)
            count = organisation_encode(org=organisation, progress=bar)
            self.stdout.write(
                f"{count} encodings of {organisation.full_code} stored "
                f"(encoder {encoding.version()})"
            )

    def _cluster(self, **_):
        from payvand.linkage.clustering import survivor_keys_refresh

        bar = ProgressBar(sys.stderr, unit="% compared", every=10)
        s = survivor_keys_refresh(progress=lambda done, total: bar(done * 100 // total, 100))
        self.stdout.write(
            f"{s.encodings} encodings of {s.organisations} organisations compared "
            f"({s.pairs_compared} pairs); {s.links} strong links across organisations; "
            f"{s.persons} persons in {s.clusters} survivors known to more than one "
            f"organisation (keys: {s.created} added, {s.changed} changed, {s.deleted} "
            f"deleted; {s.seconds:.1f}s)"
        )
