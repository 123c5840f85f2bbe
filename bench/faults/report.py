"""The "Load and faults" section of bench/RESULTS.md.

`make bench` rewrites RESULTS.md from its own runs; this section sits between two
markers and is replaced only by `python -m bench.faults --write-results`.
"""

from pathlib import Path

from bench import report as bench_report
from bench.faults import summary

START = "<!-- faults:start -->"
END = "<!-- faults:end -->"


def _machine() -> list[str]:
    import platform
    from datetime import UTC, datetime

    return [
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Commit: {bench_report.git_revision()}",
        f"- CPU: {bench_report.cpu_model()}, {bench_report.cores()} cores "
        "(shared with other work: see the load averages)",
        f"- Memory: {bench_report.memory_total()}",
        f"- OS: {platform.platform()}; Python {platform.python_version()}",
    ]


def _load(r: dict) -> list[str]:
    verdict = "**passed**" if r["passed"] else "**FAILED**"
    think = r["think_s"]
    lines = [
        f"### Load: {r['users']} people for {r['duration_s']:.0f} s, pauses of "
        f"{think[0]:g}–{think[1]:g} s — {verdict}",
        "",
        f"`python -m bench.faults load`: `payvand serve` ({r['workers']} gunicorn workers) on "
        f"a PostgreSQL 15 cluster of its own, demo region with {r['cases_seeded']} cases "
        f"({r['cases_worked']} of them worked on: consents, screenings, plans …). Each "
        "simulated person has her own account, signs in through the login form and the "
        "second-factor page (the code computed from her authenticator's key), then works: "
        f"one action, a pause of {think[0]:g}–{think[1]:g} s, the next. People arrive over "
        f"{r['ramp_s']:.0f} s (all signed in after {r.get('sign_in_s', 0):.0f} s: Argon2 on busy "
        f"cores); then everyone works {r['duration_s']:.0f} s, which the throughput and the "
        "CPU figures count. Latency includes the wait in gunicorn's queue.",
        "",
        f"- Requests: {r['requests']} in all; {r['throughput_rps']:.1f} answered per second "
        f"in the steady part; errors: {r['errors']}; sign-in failures: "
        f"{len(r['sign_in_failures'])}",
        "- CPU per answered request (steady part; what other work on the machine does not "
        "inflate): "
        + ", ".join(f"{_ms(ms)} ms {who}" for who, ms in r["cpu_ms_per_request"].items())
        + f" — at most about {_capacity(r)} requests a second on these cores if the server "
        "had them to itself",
        "- Writes acknowledged: "
        + ", ".join(f"{n} {kind}s" for kind, n in r["writes_acknowledged"].items()),
        f"- Load average before: {r['load_average_before']}; during: {r['load_average_during']}",
        f"- Server log: {_log(r['log'])}",
        *(f"- Problem: {p}" for p in r["problems"]),
        *(f"- Sign-in failure: {p}" for p in r["sign_in_failures"][:5]),
        "",
        *summary.table(r["rows"]),
        "",
    ]
    return lines


def _ms(value) -> str:
    return "–" if value is None else f"{value:.0f}"


def _capacity(r: dict) -> str:
    used = r["cpu_ms_per_request"]
    per_request = (used.get("server") or 0) + (used.get("database") or 0)
    if not per_request:
        return "–"
    return f"{bench_report.cores() * 1000 / per_request:.0f}"


def _log(counts: dict) -> str:
    return ", ".join(f"{n} “{name}”" for name, n in counts.items())


def _crash(r: dict) -> list[str]:
    verdict = "**passed**" if r["passed"] else "**FAILED**"
    lines = [
        f"### Crash: kill -9 of the server under {r['writers']} writing clients, "
        f"{_runs(r)} — {verdict}",
        "",
        "`python -m bench.faults crash`: each run starts `payvand serve`, lets "
        f"{r['writers']} signed-in supervisors register cases, send referrals on them, post "
        "messages and add notes without pause, kills the gunicorn master and all its workers "
        "with SIGKILL at once, starts the server again, lets the clients carry on (a form "
        "that got no answer is sent again, with its one-time id), then compares what the "
        "clients were told with the database: every acknowledged write present and whole "
        "(case with its person, sealed identity, name tokens and audit row; referral with "
        "its first transition and audit row), no half-written record anywhere, and "
        "`payvand audit verify` OK.",
        "",
        "*Restart s* runs from the kill to `/healthz` answering again: `payvand serve` "
        "collects the static files and gunicorn imports Django, on the busy cores. "
        "*Sent again* counts the forms that got no answer and were sent again until "
        "acknowledged; *saved before the kill* those among them that the database already "
        "held from their first sending (the reply was lost, the second sending found the "
        "record instead of saving it twice). *Checked* is every write acknowledged so far "
        "(the runs share one database).",
        "",
        "| run | acknowledged (before the kill) | requests cut by the kill | processes killed "
        "| restart s | sent again | saved before the kill | checked | missing | partial "
        "| audit verify | load average |",
        "|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|---|---|",
    ]
    for i, run in enumerate(r["runs"], 1):
        lines.append(
            f"| {i} | {run['acked_this_run']} ({run['acked_before_kill']}) | "
            f"{run['in_flight_at_kill']} | "
            f"{len(run['killed_pids'])} | {run['restart_s']:.1f} | {run['sent_again']} | "
            f"{run['saved_before_kill_reply_lost']} | "
            f"{_acks(run['verify']['acknowledged'])} | {len(run['verify']['missing'])} | "
            f"{sum(run['verify']['partial'].values())} | "
            f"{' '.join(run['verify']['audit verify'])} | {run['load_average']} |"
        )
    lines.append("")
    for i, run in enumerate(r["runs"], 1):
        for line in run["verify"]["missing"][:5] + [
            f"{k}: {v}" for k, v in run["verify"]["partial"].items()
        ]:
            lines.append(f"- Run {i}: {line}")
        for problem in run["problems"]:
            lines.append(f"- Run {i}, outside the downtime: {problem}")
    lines.append("")
    return lines


def _runs(r: dict) -> str:
    n = len(r["runs"])
    return f"{n} run in a row" if n == 1 else f"{n} runs in a row"


def _acks(counts: dict) -> str:
    return ", ".join(f"{n} {kind}s" for kind, n in counts.items())


def _dbrestart(r: dict) -> list[str]:
    verdict = "**passed**" if r["passed"] else "**FAILED**"
    lines = [
        f"### Database restart under load, `pg_ctl stop -m {r['stop_mode']}`"
        + (" (as a crash)" if r["stop_mode"] == "immediate" else "")
        + f", {_runs(r)} — {verdict}",
        "",
        f"`python -m bench.faults dbrestart`: {r['users']} people working as in the load "
        f"test; {r['outage_at_s']:.0f} s after everyone signed in the cluster is stopped "
        f"(`pg_ctl stop -m {r['stop_mode']}`), left down {r['outage_s']:.0f} s and started "
        "again; the server is not touched. Every request must be answered either normally "
        "or, while the database is away, with the 503 page (its `Retry-After` header, its "
        "own text, no trace of the error); no 500, no other error, and normal answers "
        "again right after the database is back.",
        "",
        "| run | requests | normal | 503 (page checked) | errors | 503 outside the outage "
        "| stop s | start s | first normal answer after restart s | last 503 after restart s "
        "| load average |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for i, run in enumerate(r["runs"], 1):
        lines.append(
            f"| {i} | {run['requests']} | {run['ok']} | {run['unavailable']} | "
            f"{run['errors']} | {run['unavailable_outside']} | {run['stop_s']:.1f} | "
            f"{run['start_s']:.1f} | "
            f"{_s(run['first_ok_after_ready_s'])} | {_s(run['last_503_after_ready_s'])} | "
            f"{run['load_average']} |"
        )
    lines.append("")
    for i, run in enumerate(r["runs"], 1):
        for problem in run["problems"]:
            lines.append(f"- Run {i}: {problem}")
        lines.append(f"- Run {i}: server log {_log(run['log'])}")
    lines.append("")
    return lines


def _s(value) -> str:
    return "–" if value is None else f"{value:.1f}"


def render(results: dict) -> str:
    lines = [START, "## Load and faults (`python -m bench.faults`, `make faults`)", ""]
    lines += [*_machine(), ""]
    # Keys are a scenario's name, or its name and a variant ("dbrestart-immediate").
    for name, render_one in (("load", _load), ("crash", _crash), ("dbrestart", _dbrestart)):
        for key in sorted(k for k in results if _scenario(k) == name):
            part = render_one(results[key])
            if results[key].get("started"):
                part[2:2] = [f"Run started {results[key]['started']}.", ""]
            lines += part
    lines.append(END)
    return "\n".join(lines) + "\n"


def _scenario(key: str) -> str:
    return key.split("-", 1)[0]


def write_section(path: Path, results: dict) -> None:
    """Replace the section (or add it at the end); keep the scenarios not run this time."""
    text = path.read_text() if path.exists() else ""
    new = render(results)
    if START in text and END in text:
        before, rest = text.split(START, 1)
        old, after = rest.split(END, 1)
        new = _keep_other_scenarios(START + old + END, new, results)
        text = before + new.rstrip("\n") + after
    else:
        text = text.rstrip("\n") + "\n\n" + new
    path.write_text(text)


def _keep_other_scenarios(old: str, new: str, results: dict) -> str:
    """A run of one scenario keeps the other scenarios' subsections as they were."""
    headings = {"load": "### Load", "crash": "### Crash", "dbrestart": "### Database restart"}
    kept = []
    for name, heading in headings.items():
        if name in {_scenario(k) for k in results} or heading not in old:
            continue
        part = old.split(heading, 1)[1]
        ends = [part.find(h) for h in [*headings.values(), END] if part.find(h) > 0]
        kept.append(heading + part[: min(ends)] if ends else heading + part)
    if not kept:
        return new
    body = new.rstrip("\n").removesuffix(END)
    return body + "".join(kept) + END + "\n"
