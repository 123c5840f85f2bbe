"""Database restart under load: the server keeps running while PostgreSQL goes away.

People work as in the load test. Part-way through, the cluster is stopped
(``pg_ctl stop -m fast``: sessions ended, as a restart or failover does; ``immediate``:
as a crash, the WAL replayed at the next start), left down for a while and started
again. Every request must be answered normally, or — while the database is away — with
the 503 page (Retry-After, its own text, nothing of the error); never a 500 or a
dropped connection. Once the database is back, the same gunicorn workers must answer
normally again by themselves: a failed connection is closed at the end of its request
and the next one connects afresh (CONN_HEALTH_CHECKS checks a kept one first).
"""

import threading
import time

from bench.faults import app, pg, summary
from bench.faults.client import Recorder
from bench.faults.load import SIGN_IN_LABELS, SIGN_IN_TIMEOUT, Workload, run_people

SETTLE = 5.0  # seconds after the restart in which a request begun before may still fail


def one_run(prep, cluster, workload: Workload, outage_at: float, outage: float, stop_mode, workers):
    recorder = Recorder()
    stop = threading.Event()
    with app.server(prep, workers) as server:
        threads, crowd = run_people(server.port, prep.accounts, recorder, workload, stop)
        if not crowd.everyone_in.wait(SIGN_IN_TIMEOUT):
            stop.set()
            raise RuntimeError(f"not everyone signed in within {SIGN_IN_TIMEOUT}s")
        time.sleep(outage_at)
        load_average = summary.load_average()
        stopped_at = time.time()
        stop_s = cluster.stop(stop_mode)
        app.progress(f"PostgreSQL stopped ({stop_mode}) in {stop_s:.1f}s")
        time.sleep(outage)
        start_s = cluster.start()
        ready_at = time.time()
        app.progress(f"PostgreSQL started again in {start_s:.1f}s")
        for thread in threads:
            thread.join(max(0.0, crowd.until + 90 - time.monotonic()))
        stop.set()
        log_counts = server.log_counts()
    samples = [s for s in recorder.samples if s.label not in SIGN_IN_LABELS]
    ok_after = [
        s.started - ready_at for s in samples if s.outcome == "ok" and s.started >= ready_at
    ]
    unavailable = [s for s in samples if s.outcome == "unavailable"]
    # A 503 is right for a request that overlapped the outage (stop to ready, plus what
    # was still connecting at that instant); any other is a failure to recover.
    outside = [
        s
        for s in unavailable
        if s.started + s.ms / 1000 < stopped_at or s.started > ready_at + SETTLE
    ]
    errors = [s for s in recorder.samples if s.outcome in ("error", "refused")]
    last_503 = max((s.started - ready_at for s in unavailable), default=None)
    return {
        "requests": len(samples),
        "ok": sum(1 for s in samples if s.outcome == "ok"),
        "unavailable": len(unavailable),
        "unavailable_outside": len(outside),
        "errors": len(errors),
        "sign_in_failures": crowd.failures,
        "problems": summary.problems(errors) + summary.problems(outside, outcomes=("unavailable",)),
        "stop_s": stop_s,
        "start_s": start_s,
        "first_ok_after_ready_s": min(ok_after, default=None),
        "last_503_after_ready_s": last_503 if last_503 is None or last_503 > 0 else 0.0,
        "rows": summary.by_label(samples),
        "log": log_counts,
        "load_average": load_average,
        "passed": not errors
        and not outside
        and not crowd.failures
        and bool(unavailable)
        and not log_counts["Internal Server Error"],
    }


def run(*, runs, users, duration, outage, stop_mode, think, cases, worked, workers) -> dict:
    outage_at = max(5.0, (duration - outage) / 3)  # seconds after everyone signed in
    results = []
    # Each run signs everyone in anew, and a TOTP code is accepted once per account:
    # the accounts of one run are not those of the next.
    with (
        pg.cluster() as cluster,
        app.prepared(cluster, cases=cases, worked=worked, users=users * runs) as prep,
    ):
        app.progress(f"PostgreSQL cluster on 127.0.0.1:{cluster.port}")
        accounts = prep.accounts
        for number in range(runs):
            prep.accounts = accounts[number * users : (number + 1) * users]
            workload = Workload(users=users, duration=duration, ramp=10, think=think, seed=number)
            app.progress(f"database restart run {number + 1}/{runs}")
            result = one_run(prep, cluster, workload, outage_at, outage, stop_mode, workers)
            app.progress(
                f"run {number + 1}: {'passed' if result['passed'] else 'FAILED'}; "
                f"{result['unavailable']} answered 503, {result['errors']} errors, "
                f"{result['unavailable_outside']} 503 outside the outage"
            )
            results.append(result)
        prep.accounts = accounts
    return {
        "scenario": "dbrestart",
        "users": users,
        "outage_at_s": outage_at,
        "outage_s": outage,
        "stop_mode": stop_mode,
        "runs": results,
        "passed": len(results) == runs and all(r["passed"] for r in results),
    }
