"""The parent process: one worker per database, then bench/RESULTS.md.

Each worker runs in its own process group, which holds everything it started
(collectstatic, gunicorn and its workers); if a worker overruns, that group is
killed, so no server outlives the run.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, suppress
from pathlib import Path

from bench import databases, report, worker

WORKER_TIMEOUT = 1200  # seconds per database; 100,000 cases need about six minutes


def chosen_databases(option: str | None, postgres_url: str) -> tuple[list[str], list[str]]:
    """The databases to run, and notes on any left out.

    By default PostgreSQL is included when it answers; named explicitly it must.
    """
    if option:
        names = [name.strip() for name in option.split(",") if name.strip()]
        unknown = [name for name in names if name not in databases.DATABASES]
        if unknown:
            raise SystemExit(f"unknown database(s) {', '.join(unknown)}")
        if "postgres" in names and not databases.postgres_available(postgres_url):
            raise SystemExit(f"PostgreSQL does not answer at {postgres_url}")
        return names, []
    if databases.postgres_available(postgres_url):
        return ["sqlite", "postgres"], []
    return ["sqlite"], [f"PostgreSQL (nothing answered at {postgres_url})."]


def worker_command(args, database: str, result_path: Path) -> list[str]:
    command = [sys.executable, "-m", "bench", "--worker", "--database", database]
    command += ["--result", str(result_path), "--samples", str(args.samples)]
    command += ["--warmup", str(args.warmup)]
    if args.only:
        command += ["--only", ",".join(args.only)]
    return command


def kill_group(process: subprocess.Popen) -> None:
    """End the worker's process group (it was started as a session of its own).

    Only called while the worker is still unreaped, so its id cannot have been
    reused by an unrelated process.
    """
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def run_worker(command: list[str], env: dict[str, str]) -> int:
    """Run a worker bounded in time; on overrun or Ctrl-C whatever it started dies too."""
    process = subprocess.Popen(command, env=env, cwd=report.REPO_ROOT, start_new_session=True)
    try:
        return process.wait(timeout=WORKER_TIMEOUT)
    except subprocess.TimeoutExpired:
        print(f"worker exceeded {WORKER_TIMEOUT}s; killing it", file=sys.stderr)
        kill_group(process)
        return -1
    except BaseException:
        kill_group(process)
        raise


def run_database(args, database: str) -> dict:
    """Provision an empty database, run the worker on it, clean up, return its summary."""
    with ExitStack() as stack:
        keys = None
        if args.reuse:
            data_dir = databases.reused_data_dir(database, args.reuse)
            keys = databases.reused_keys(data_dir)
            url = stack.enter_context(
                databases.reused_database_url(database, args.reuse, args.postgres_url)
            )
        else:
            data_dir = Path(tempfile.mkdtemp(prefix=f"payvand-bench-{database}-"))
            stack.callback(shutil.rmtree, data_dir, ignore_errors=True)
            url = stack.enter_context(databases.database_url(database, data_dir, args.postgres_url))
        result_path = data_dir / "result.json"
        result_path.unlink(missing_ok=True)
        code = run_worker(
            worker_command(args, database, result_path), databases.worker_env(url, data_dir, keys)
        )
        if not result_path.exists():
            return {"failed": [f"the worker exited with {code} before writing results"]}
        return json.loads(result_path.read_text())


def main(args) -> int:
    started = time.perf_counter()
    worker.select_modules(args.only)  # an unknown --only fails here, before any set-up
    names, skipped = chosen_databases(args.databases, args.postgres_url)
    info = report.machine()
    results = {}
    for database in names:
        print(f"[{database}] starting", file=sys.stderr, flush=True)
        results[database] = run_database(args, database)
    run = {
        "Run": (
            f"{args.samples} samples after {args.warmup} warm-up requests per figure; "
            f"{time.perf_counter() - started:.0f}s in all"
            + (f"; only {', '.join(args.only)}" if args.only else "")
            + (f"; databases kept between runs ({args.reuse})" if args.reuse else "")
        ),
        **({"Skipped": " ".join(skipped)} if skipped else {}),
    }
    text = report.render(info, run, results)
    Path(args.output).write_text(text)
    print(text)
    return 1 if any(result.get("failed") for result in results.values()) else 0
