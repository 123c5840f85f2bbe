"""``python -m bench`` (what `make bench` runs); see bench/__init__.py.

Without ``--worker`` this is the runner (one worker per database, then
bench/RESULTS.md); ``--worker`` is how the runner starts itself per database.
"""

import argparse
import sys
from pathlib import Path

from bench import databases, harness

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def names(value: str) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--only",
        type=names,
        metavar="NAME[,NAME]",
        help="run only these benchmark modules (bench/bench_NAME.py), e.g. --only pages",
    )
    parser.add_argument(
        "--databases",
        metavar="sqlite,postgres",
        help="databases to run on (default: SQLite, and PostgreSQL when it answers)",
    )
    parser.add_argument(
        "--postgres-url",
        default=databases.POSTGRES_URL,
        help="PostgreSQL server, without a database name (PAYVAND_BENCH_POSTGRES_URL; "
        "default %(default)s)",
    )
    parser.add_argument(
        "--reuse",
        metavar="NAME",
        help="keep the seeded databases between runs (PostgreSQL: database NAME; data and "
        "keys in var/bench/NAME/); the first run seeds them, later runs only top up",
    )
    parser.add_argument("--samples", type=int, default=harness.SAMPLES, help="timed requests")
    parser.add_argument("--warmup", type=int, default=harness.WARMUP, help="untimed requests")
    parser.add_argument("--output", default=str(RESULTS), help="default bench/RESULTS.md")
    # The runner's own way of starting a worker; not for people.
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.reuse and not databases.REUSE_NAME.fullmatch(args.reuse):
        parser.error("--reuse takes a lower-case name: letters, digits and _")
    if args.samples < 1 or args.warmup < 0:
        parser.error("--samples must be at least 1 and --warmup at least 0")
    return args


def main() -> int:
    args = parse_args()
    if args.worker:
        from bench import worker

        return worker.main(args)
    from bench import runner

    return runner.main(args)


if __name__ == "__main__":
    sys.exit(main())
