"""``python -m bench.faults load|crash|dbrestart`` (``make faults`` runs all three).

Each scenario starts its own throwaway PostgreSQL cluster (never the shared server),
seeds the demo region, runs `payvand serve` on loopback, and removes everything at
the end. ``--write-results`` puts the figures into bench/RESULTS.md (section
"Load and faults"), otherwise they are printed only.
"""

import argparse
import json
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench.faults import report

RESULTS = Path(__file__).resolve().parents[1] / "RESULTS.md"


def think(value: str) -> tuple[float, float]:
    low, _, high = value.partition(",")
    return float(low), float(high or low)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__)
    parser.add_argument("scenario", choices=["load", "crash", "dbrestart", "all"])
    parser.add_argument("--users", type=int, help="simulated people (load 50, dbrestart 30)")
    parser.add_argument("--duration", type=float, help="seconds of work (load 300, dbrestart 90)")
    parser.add_argument("--ramp", type=float, default=20, help="seconds over which people sign in")
    parser.add_argument("--think", type=think, default=(1.0, 3.0), metavar="MIN,MAX",
                        help="pause after each action, seconds (default 1,3)")  # fmt: skip
    parser.add_argument("--cases", type=int, help="demo cases seeded (load 2000, others 300)")
    parser.add_argument(
        "--worked",
        type=int,
        help="of those, cases with the demo's whole journeys (load 300, others 100); the "
        "rest are registrations only",
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (README: 3)")
    parser.add_argument("--runs", type=int, default=3, help="crash/dbrestart: runs in a row")
    parser.add_argument("--writers", type=int, default=20, help="crash: clients writing")
    parser.add_argument("--outage", type=float, default=15, help="dbrestart: seconds down")
    parser.add_argument(
        "--stop-mode",
        choices=["fast", "immediate"],
        default="fast",
        help="dbrestart: pg_ctl stop mode (immediate = a database crash)",
    )
    parser.add_argument("--timeout", type=int, default=3600, help="whole run bounded (s)")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument(
        "--write-results",
        action="store_true",
        help="update the 'Load and faults' section of bench/RESULTS.md",
    )
    return parser.parse_args(argv)


def _timeout(signum, frame):
    raise TimeoutError("the fault run exceeded --timeout")


def main(argv=None) -> int:
    args = parse_args(argv)
    # Bounded in time: the alarm raises in the main thread, whose finally blocks stop the
    # server and remove the cluster.
    signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(args.timeout)
    results = {}
    scenarios = ["load", "crash", "dbrestart"] if args.scenario == "all" else [args.scenario]
    try:
        for name in scenarios:
            started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
            results[name] = {**run(name, args), "started": started}
    finally:
        signal.alarm(0)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    text = report.render(results)
    print(text)
    if args.write_results:
        report.write_section(RESULTS, results)
    return 0 if all(r.get("passed") for r in results.values()) else 1


def run(name: str, args) -> dict:
    if name == "load":
        from bench.faults import load

        return load.run(
            users=args.users or 50,
            duration=args.duration or 300,
            ramp=args.ramp,
            think=args.think,
            cases=args.cases or 2000,
            worked=args.worked or 300,
            workers=args.workers,
        )
    if name == "crash":
        from bench.faults import crash

        return crash.run(
            runs=args.runs,
            writers=args.writers,
            cases=args.cases or 300,
            worked=args.worked or 100,
            workers=args.workers,
        )
    from bench.faults import dbrestart

    return dbrestart.run(
        runs=args.runs,
        users=args.users or 30,
        duration=args.duration or 90,
        outage=args.outage,
        stop_mode=args.stop_mode,
        think=args.think,
        cases=args.cases or 300,
        worked=args.worked or 100,
        workers=args.workers,
    )


if __name__ == "__main__":
    sys.exit(main())
