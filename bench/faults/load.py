"""Load: simulated staff signed in (password and authenticator code) working for a while
against the production server on PostgreSQL; every request must succeed.

Each simulated person has her own account in a demo organisation and spends the time
as a day's work goes (client.DAY): dashboard, case list, searches by name and number,
case pages, referrals; notes, registrations, referrals and their messages. After each
action she pauses (``--think``) as a person reads or types.
"""

import threading
import time
from dataclasses import dataclass

from bench.faults import app, pg, summary
from bench.faults.client import Browser, Person, Recorder, SignInFailed, sign_in, working_day

SIGN_IN_LABELS = ("sign in page", "sign in", "second factor page", "second factor",
                  "sign in: landing page")  # fmt: skip


@dataclass
class Workload:
    users: int
    duration: float  # seconds of work after everyone has signed in
    ramp: float  # seconds over which people arrive
    think: tuple[float, float]
    seed: int = 7


def run_people(port, accounts, recorder, workload: Workload, stop: threading.Event):
    """Start one thread per person; returns the threads and the measured window."""
    import random

    started = time.monotonic()
    steady_from = started + workload.ramp
    until = steady_from + workload.duration
    failures: list[str] = []

    def one(i: int, account: dict) -> None:
        stop.wait(workload.ramp * i / max(1, len(accounts)))
        browser = Browser(port, recorder)
        try:
            sign_in(browser, account)
        except SignInFailed as error:
            failures.append(f"{account['email']}: {error}")
            return
        person = Person(account, browser, random.Random(workload.seed * 1000 + i))
        working_day(person, until, stop, workload.think)

    threads = [
        threading.Thread(target=one, args=(i, a), name=f"person-{i}", daemon=True)
        for i, a in enumerate(accounts[: workload.users])
    ]
    for thread in threads:
        thread.start()
    return threads, steady_from, until, failures


def run(*, users: int, duration: float, ramp: float, think, cases: int, workers: int) -> dict:
    workload = Workload(users=users, duration=duration, ramp=ramp, think=think)
    load_before = summary.load_average()
    with (
        pg.cluster() as cluster,
        app.prepared(cluster, cases=cases, users=users) as prep,
        app.server(prep, workers) as server,
    ):
        recorder = Recorder()
        stop = threading.Event()
        wall_start = time.time()
        threads, _steady_from, until, failures = run_people(
            server.port, prep.accounts, recorder, workload, stop
        )
        app.progress(f"{users} people at work for {ramp:.0f}+{duration:.0f}s")
        load_during = []
        while any(t.is_alive() for t in threads):
            time.sleep(5)
            load_during.append(summary.load_average())
            if time.monotonic() > until + 120:  # bounded: requests time out at 60s
                stop.set()
                break
        log_counts = server.log_counts()
    samples = recorder.samples
    # Throughput over the steady part: after the last person arrived.
    work = [
        s for s in samples
        if s.label not in SIGN_IN_LABELS and s.started >= wall_start + ramp
    ]  # fmt: skip
    answered = [s for s in work if s.outcome == "ok"]
    errors = [s for s in samples if s.outcome in ("error", "refused")]
    writes = {kind: sum(1 for a in recorder.acked if a["kind"] == kind)
              for kind in ("case", "note", "referral", "message")}  # fmt: skip
    return {
        "scenario": "load",
        "users": users,
        "duration_s": duration,
        "ramp_s": ramp,
        "think_s": list(think),
        "cases_seeded": cases,
        "workers": workers,
        "requests": len(samples),
        "requests_steady": len(work),
        "throughput_rps": len(answered) / duration if duration else 0.0,
        "errors": len(errors),
        "sign_in_failures": failures,
        "problems": summary.problems(samples),
        "writes_acknowledged": writes,
        "rows": summary.by_label(samples),
        "log": log_counts,
        "load_average_before": load_before,
        "load_average_during": load_during[len(load_during) // 2] if load_during else "",
        "passed": not errors and not failures and not log_counts["Internal Server Error"],
    }
