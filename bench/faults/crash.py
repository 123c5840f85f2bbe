"""Crash: SIGKILL to the gunicorn master and all its workers while clients write.

Each client is a signed-in supervisor who, without pause, registers a case, sends a
referral on it, posts a message on the referral and adds a note to the case. A form
that got no answer (the server died under it, or was down) is sent again, unchanged,
until the server answers: its one-time id (submission_id) makes that safe, and it is
what a person does. A write counts as acknowledged only when the client got the
redirect that follows a save (with the new record's id where the page gives one).

After the restart the clients carry on for a while; then every acknowledged write
must be in the database, whole, nothing anywhere may be half-written, and
`payvand audit verify` must say OK (bench/faults/django_steps.py).
"""

import random
import threading
import time

from bench.faults import app, pg, summary
from bench.faults.client import Browser, Person, Recorder, sign_in

RETRY_FOR = 90.0  # seconds a client keeps re-sending an unanswered form
JOIN_TIMEOUT = 150.0
KILL_AFTER = (15.0, 30.0)  # seconds of writing before the kill, drawn at random
AFTER_RESTART = 15.0  # seconds of writing after the server answers again


def write_loop(person: Person, stop: threading.Event) -> None:
    """One chain of writes after another, as fast as the server answers."""
    while not stop.is_set():
        retry_until = time.monotonic() + RETRY_FOR
        case = person.register_case(retry_until)
        if case is None:
            stop.wait(0.3)  # the form page itself got no answer: the server is down
            continue
        referral = person.send_referral(retry_until, case=case)
        if referral is not None:
            person.post_message(retry_until, referral=referral)
        person.add_note(retry_until, case=case)


def one_run(prep, people: list[Person], recorder: Recorder, workers: int, rng) -> dict:
    server = app.Server(prep, workers)
    try:
        app.migrate(prep)
        server.start()
        for person in people:
            person.browser.port = server.port
        stop = threading.Event()
        first_sample = len(recorder.samples)
        first_ack = len(recorder.acked)
        threads = [
            threading.Thread(target=write_loop, args=(p, stop), daemon=True, name=f"writer-{i}")
            for i, p in enumerate(people)
        ]
        for thread in threads:
            thread.start()
        time.sleep(rng.uniform(KILL_AFTER[0], KILL_AFTER[1]))
        load_average = summary.load_average()
        killed_at = time.time()
        acked_before_kill = len(recorder.acked) - first_ack
        killed = server.kill9()
        app.progress(f"killed {len(killed)} server processes (SIGKILL)")
        time.sleep(1.0)
        restart_s = server.start()
        ready_at = time.time()
        app.progress(f"server restarted in {restart_s:.1f}s")
        time.sleep(AFTER_RESTART)
        stop.set()
        deadline = time.monotonic() + JOIN_TIMEOUT
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        stuck = sum(t.is_alive() for t in threads)
    finally:
        server.stop()
    samples = recorder.samples[first_sample:]
    in_flight = [s for s in samples if s.started <= killed_at <= s.started + s.ms / 1000 + 0.5]
    # Failures outside the time the server was down (kill to healthy again) are real ones.
    outside = [
        s
        for s in samples
        if s.outcome in ("error", "refused", "unavailable")
        and not (killed_at - 0.5 <= s.started + s.ms / 1000 and s.started <= ready_at)
    ]
    verified = app.verify(prep, recorder.acked)
    sent_again = [a for a in recorder.acked[first_ack:] if a.get("attempts", 1) > 1]
    created = verified["sent_again_created"]
    saved_before_kill = sum(
        1 for a in sent_again if created.get(a["submission_id"], 1e18) < killed_at
    )
    passed = (
        not verified["missing"]
        and not verified["partial"]
        and verified["audit ok"]
        and not outside
        and not stuck
    )
    return {
        "acked_before_kill": acked_before_kill,
        "in_flight_at_kill": len([s for s in in_flight if s.outcome == "error"]),
        "killed_pids": killed,
        "restart_s": restart_s,
        "acked_this_run": len(recorder.acked) - first_ack,
        "sent_again": len(sent_again),
        "saved_before_kill_reply_lost": saved_before_kill,
        "requests": len(samples),
        "problems": summary.problems(outside, outcomes=("error", "refused", "unavailable")),
        "stuck_clients": stuck,
        "verify": verified,
        "load_average": load_average,
        "passed": passed,
    }


def run(*, runs: int, writers: int, cases: int, worked: int, workers: int) -> dict:
    rng = random.Random(11)
    results = []
    with (
        pg.cluster() as cluster,
        app.prepared(cluster, cases=cases, worked=worked, users=writers) as prep,
    ):
        app.progress(f"PostgreSQL cluster on 127.0.0.1:{cluster.port}")
        supervisors = [a for a in prep.accounts if a["role"] == "supervisor"]
        recorder = Recorder()
        # Signed in once: the sessions live in the database and outlast the server.
        with app.server(prep, workers) as first:
            people = []
            for i, account in enumerate(supervisors[:writers]):
                browser = Browser(first.port, recorder)
                sign_in(browser, account)
                people.append(Person(account, browser, random.Random(100 + i)))
        app.progress(f"{len(people)} writers signed in")
        for number in range(1, runs + 1):
            app.progress(f"crash run {number}/{runs}")
            result = one_run(prep, people, recorder, workers, rng)
            app.progress(
                f"run {number}: {'passed' if result['passed'] else 'FAILED'}; "
                f"{result['verify']['acknowledged']}; missing {len(result['verify']['missing'])}; "
                f"partial {result['verify']['partial']}; {result['verify']['audit verify']}"
            )
            results.append(result)
    return {
        "scenario": "crash",
        "writers": len(people),
        "runs": results,
        "passed": len(results) == runs and all(r["passed"] for r in results),
    }
