"""A throwaway PostgreSQL cluster of our own, which the fault scripts may stop and kill.

Never the shared server on 5432: ``initdb`` into a temporary folder, listening on
127.0.0.1 only (a free port) and on a Unix socket inside that folder, trust
authentication (nobody else can reach it), ``fsync`` and ``synchronous_commit`` on —
an acknowledged commit must be on disk, which is what the crash script checks.
Stopped and removed when the block ends, on failure too, and at interpreter exit as a
last resort. PostgreSQL refuses to run as root, so as root it runs as ``postgres``.
"""

import atexit
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from bench.live import free_port

PG_BIN = Path(os.environ.get("PAYVAND_FAULTS_PG_BIN", "/usr/lib/postgresql/15/bin"))
START_TIMEOUT = 60  # seconds; crash recovery after an immediate stop replays the WAL
STOP_TIMEOUT = 60
DATABASE = "payvand"


class ClusterError(RuntimeError):
    pass


def _as_postgres() -> list[str]:
    """The prefix that runs a server program as an unprivileged user."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


@dataclass
class Cluster:
    root: Path  # the temporary folder: data/, the socket, the server's log
    port: int

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _pg_ctl(self, *args: str, timeout: float) -> subprocess.CompletedProcess:
        command = [*_as_postgres(), str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout + 10)

    def start(self) -> float:
        """Start and wait until it accepts connections; returns the seconds it took."""
        started = time.monotonic()
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=on -c synchronous_commit=on -c full_page_writes=on "
            "-c max_connections=100 -c shared_buffers=64MB"
        )
        done = self._pg_ctl(
            "-l", str(self.log), "-o", options, "-w", "-t", str(START_TIMEOUT), "start",
            timeout=START_TIMEOUT,
        )  # fmt: skip
        if done.returncode != 0:
            raise ClusterError(f"pg_ctl start failed: {done.stderr or done.stdout}\n{self.tail()}")
        return time.monotonic() - started

    def stop(self, mode: str = "fast") -> float:
        """``fast``: end sessions, checkpoint, exit (a restart); ``immediate``: exit at once,
        no checkpoint, WAL replayed at the next start (a crash)."""
        started = time.monotonic()
        done = self._pg_ctl("-m", mode, "-w", "-t", str(STOP_TIMEOUT), "stop", timeout=STOP_TIMEOUT)
        if done.returncode != 0 and self.running():
            raise ClusterError(f"pg_ctl stop failed: {done.stderr or done.stdout}")
        return time.monotonic() - started

    def running(self) -> bool:
        return self._pg_ctl("status", timeout=10).returncode == 0

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def psql(self, sql: str) -> str:
        command = [
            str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
            "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-tAc", sql,
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise ClusterError(f"psql failed: {done.stderr}")
        return done.stdout.strip()


def _initdb(root: Path) -> None:
    if os.geteuid() == 0:
        postgres = pwd.getpwnam("postgres")
        os.chown(root, postgres.pw_uid, postgres.pw_gid)
    command = [
        *_as_postgres(), str(PG_BIN / "initdb"), "-D", str(root / "data"), "-U", "postgres",
        "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise ClusterError(f"initdb failed: {done.stderr or done.stdout}")


@contextmanager
def cluster() -> Iterator[Cluster]:
    """A running cluster with an empty database ``payvand``; gone after the block."""
    if not (PG_BIN / "initdb").exists():
        raise ClusterError(f"no PostgreSQL server programs in {PG_BIN} (PAYVAND_FAULTS_PG_BIN)")
    root = Path(tempfile.mkdtemp(prefix="payvand-faults-pg-"))
    pg = Cluster(root=root, port=free_port())

    def remove() -> None:
        with suppress(Exception):
            if pg.running():
                pg.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)

    atexit.register(remove)  # if the block below is never left normally
    try:
        _initdb(root)
        pg.start()
        pg.psql(f"CREATE DATABASE {DATABASE}")
        yield pg
    finally:
        remove()
        atexit.unregister(remove)
