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

from bench.faults import app, cpu, pg, summary
from bench.faults.client import (
    Browser,
    Crowd,
    Person,
    Recorder,
    SignInFailed,
    sign_in,
    working_day,
)

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
    """One thread per person, arriving over the ramp; returns the threads and the crowd."""
    import random

    people = accounts[: workload.users]
    crowd = Crowd(len(people), workload.duration)

    def one(i: int, account: dict) -> None:
        stop.wait(workload.ramp * i / max(1, len(people)))
        browser = Browser(port, recorder)
        try:
            sign_in(browser, account)
        except SignInFailed as error:
            crowd.arrived(f"{account['email']}: {error}")
            return
        crowd.arrived()
        person = Person(account, browser, random.Random(workload.seed * 1000 + i))
        working_day(person, crowd, stop, workload.think)

    threads = [
        threading.Thread(target=one, args=(i, a), name=f"person-{i}", daemon=True)
        for i, a in enumerate(people)
    ]
    for thread in threads:
        thread.start()
    return threads, crowd


SIGN_IN_TIMEOUT = 600  # seconds for everyone to sign in (Argon2 on two busy cores)


def _cpu(server: app.Server, cluster: pg.Cluster) -> dict[str, float]:
    return {
        "server": cpu.tree_seconds(server.process.pid if server.process else None),
        "database": cpu.tree_seconds(cpu.postmaster_pid(cluster.data)),
        "client": time.process_time(),
    }


def run(
    *, users: int, duration: float, ramp: float, think, cases: int, worked: int, workers: int
) -> dict:
    workload = Workload(users=users, duration=duration, ramp=ramp, think=think)
    load_before = summary.load_average()
    with (
        pg.cluster() as cluster,
        app.prepared(cluster, cases=cases, worked=worked, users=users) as prep,
        app.server(prep, workers) as server,
    ):
        recorder = Recorder()
        stop = threading.Event()
        wall_start, mono_start = time.time(), time.monotonic()
        threads, crowd = run_people(server.port, prep.accounts, recorder, workload, stop)
        app.progress(f"{users} people arriving over {ramp:.0f}s")
        if not crowd.everyone_in.wait(SIGN_IN_TIMEOUT):
            stop.set()
            raise RuntimeError(f"not everyone signed in within {SIGN_IN_TIMEOUT}s")
        app.progress(f"everyone signed in; {duration:.0f}s of work")
        cpu_before = _cpu(server, cluster)
        load_during = []
        while any(t.is_alive() for t in threads):
            time.sleep(5)
            load_during.append(summary.load_average())
            if time.monotonic() > crowd.until + 120:  # bounded: requests time out at 60s
                stop.set()
                break
        cpu_used = {k: v - cpu_before[k] for k, v in _cpu(server, cluster).items()}
        log_counts = server.log_counts()
    samples = recorder.samples
    # Throughput over the steady part: everyone signed in, until the end.
    steady_start = wall_start + (crowd.steady_from - mono_start)
    steady_end = wall_start + (crowd.until - mono_start)
    work = [s for s in samples if steady_start <= s.started <= steady_end]
    answered = [s for s in work if s.outcome == "ok"]
    errors = [s for s in samples if s.outcome in ("error", "refused")]
    writes = {kind: sum(1 for a in recorder.acked if a["kind"] == kind)
              for kind in ("case", "note", "referral", "message")}  # fmt: skip
    # CPU per answered request: what one costs, however busy the machine was.
    cpu_ms = {k: 1000 * v / len(answered) if answered else None for k, v in cpu_used.items()}
    return {
        "scenario": "load",
        "users": users,
        "duration_s": duration,
        "ramp_s": ramp,
        "think_s": list(think),
        "cases_seeded": cases,
        "cases_worked": min(worked, cases),
        "workers": workers,
        "requests": len(samples),
        "requests_steady": len(work),
        "throughput_rps": len(answered) / duration if duration else 0.0,
        "cpu_ms_per_request": cpu_ms,
        "errors": len(errors),
        "sign_in_failures": crowd.failures,
        "sign_in_s": crowd.steady_from - mono_start,
        "problems": summary.problems(samples),
        "writes_acknowledged": writes,
        "rows": summary.by_label(samples),
        "log": log_counts,
        "load_average_before": load_before,
        "load_average_during": load_during[len(load_during) // 2] if load_during else "",
        "passed": not errors and not crowd.failures and not log_counts["Internal Server Error"],
    }
