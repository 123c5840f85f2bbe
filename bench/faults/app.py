"""The application under test: a seeded database on our own cluster, and the production
server (`payvand serve`, gunicorn) in a process group of its own so it can be killed whole.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from bench import databases
from bench.faults.pg import Cluster
from bench.live import HOST, LiveServer, free_port, payvand_executable, wait_until_healthy

REPO_ROOT = Path(__file__).resolve().parents[2]
STEP_TIMEOUT = 1500  # one step: seeding on two cores shared with other work
STOP_TIMEOUT = 20


def progress(message: str) -> None:
    print(f"[faults {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Prepared:
    env: dict[str, str]
    data_dir: Path
    accounts: list[dict]


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    started = time.monotonic()
    done = subprocess.run(
        command, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=STEP_TIMEOUT
    )
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    progress(f"{what}: {time.monotonic() - started:.0f}s")


@contextmanager
def prepared(cluster: Cluster, *, cases: int, worked: int, users: int) -> Iterator[Prepared]:
    """Migrate, seed the demo region and make ``users`` accounts.

    ``worked`` cases get the demo's whole journeys (consents, screenings, plans …: about
    a second each on a busy machine), the rest up to ``cases`` are registrations only
    (bulk, a few seconds for thousands).
    """
    data_dir = Path(tempfile.mkdtemp(prefix="payvand-faults-data-"))
    try:
        env = databases.worker_env(cluster.url, data_dir)
        payvand = payvand_executable()
        _run([payvand, "migrate", "--no-input", "-v", "0"], env, "migrate")
        worked = min(worked, cases)
        _run(
            [payvand, "seed-demo", "--cases", str(worked), "--quiet-logins"],
            env,
            f"seed-demo --cases {worked}",
        )
        if cases > worked:
            _run(
                [payvand, "seed-demo", "--cases", str(cases), "--registrations-only",
                 "--quiet-logins"],
                env,
                f"seed-demo --cases {cases} --registrations-only",
            )  # fmt: skip
        accounts_path = data_dir / "accounts.json"
        _run(
            [sys.executable, "-m", "bench.faults.django_steps", "users", "--count", str(users),
             "--out", str(accounts_path)],
            env,
            f"{users} staff accounts with an authenticator",
        )  # fmt: skip
        yield Prepared(env, data_dir, json.loads(accounts_path.read_text()))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def migrate(prep: Prepared) -> None:
    """Apply migrations that appeared since (a working tree being edited meanwhile):
    `payvand serve` refuses to start with any unapplied."""
    _run([payvand_executable(), "migrate", "--no-input", "-v", "0"], prep.env, "migrate")


def verify(prep: Prepared, acked: list[dict]) -> dict:
    """What django_steps.verify finds, and what `payvand audit verify` says."""
    acked_path = prep.data_dir / "acked.json"
    result_path = prep.data_dir / "verify.json"
    acked_path.write_text(json.dumps(acked))
    _run(
        [sys.executable, "-m", "bench.faults.django_steps", "verify", "--acked", str(acked_path),
         "--out", str(result_path)],
        prep.env,
        "verify",
    )  # fmt: skip
    result = json.loads(result_path.read_text())
    audit = subprocess.run(
        [payvand_executable(), "audit", "verify"],
        env=prep.env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
    )
    result["audit verify"] = (audit.stdout or audit.stderr).strip().splitlines()[-1:]
    result["audit ok"] = audit.returncode == 0 and audit.stdout.startswith("OK")
    return result


class Server:
    """`payvand serve` (collectstatic, then exec gunicorn: the process is the master)."""

    def __init__(self, prep: Prepared, workers: int, port: int | None = None) -> None:
        self.prep = prep
        self.workers = workers
        self.port = port or free_port()
        self.log_path = prep.data_dir / "serve.log"
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        self.process: subprocess.Popen | None = None

    def start(self) -> float:
        """Start and wait for /healthz; returns the seconds until it answered."""
        started = time.monotonic()
        command = [payvand_executable(), "serve", "--bind", f"{HOST}:{self.port}",
                   "--workers", str(self.workers)]  # fmt: skip
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                env=self.prep.env,
                cwd=self.prep.data_dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: master and workers
            )
        wait_until_healthy(LiveServer(HOST, self.port, self.log_path), self.process)
        return time.monotonic() - started

    def pids(self) -> list[int]:
        """The master and its workers (every process of the group)."""
        if self.process is None:
            return []
        group = self.process.pid
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with suppress(OSError, ValueError, IndexError):
                    if os.getpgid(int(entry.name)) == group:
                        found.append(int(entry.name))
        return sorted(found)

    def kill9(self) -> list[int]:
        """SIGKILL to the master and every worker at once: nothing gets to clean up."""
        assert self.process is not None
        pids = self.pids()
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT)
        self._wait_group_gone()
        return pids

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=STOP_TIMEOUT)
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # workers that outlived the master
        with suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=STOP_TIMEOUT)
        self._wait_group_gone()

    def _wait_group_gone(self) -> None:
        deadline = time.monotonic() + STOP_TIMEOUT
        while self.pids() and time.monotonic() < deadline:
            time.sleep(0.1)

    def log_counts(self) -> dict[str, int]:
        """Lines of this server's log (since this object was made) a reader must know about.

        ``worker boots`` beyond the workers asked for at each start are workers gunicorn
        had to replace (one that died or hung).
        """
        text = self._log_since_created()
        return {
            "Internal Server Error": text.count("Internal Server Error:"),
            "Service Unavailable": text.count("Service Unavailable:"),
            "Bad Request": text.count("Bad Request:"),
            # The session's save failed (answered 503 when the database was away).
            "session save failed": text.count("session was deleted before the request"),
            "WORKER TIMEOUT": text.count("WORKER TIMEOUT"),
            "worker boots": text.count("Booting worker"),
        }

    def _log_since_created(self) -> str:
        if not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as log:
            log.seek(self._log_offset)
            return log.read().decode(errors="replace")


@contextmanager
def server(prep: Prepared, workers: int) -> Iterator[Server]:
    running = Server(prep, workers)
    try:
        migrate(prep)
        took = running.start()
        progress(f"payvand serve on {HOST}:{running.port} ({workers} workers) in {took:.0f}s")
        yield running
    finally:
        running.stop()
