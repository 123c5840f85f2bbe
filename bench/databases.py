"""Throwaway databases for one run, and the environment a worker runs with.

Never ./var/payvand.sqlite3: SQLite lives in a fresh temporary folder, PostgreSQL in a
database ``payvand_bench_<pid>`` created for the run and dropped afterwards. With
``--reuse NAME`` (a developer profiling one page) the database, its data folder and its
keys are kept under ``var/bench/NAME/<database>/`` (PostgreSQL: the database NAME), so a
second run skips the seeding: the seed tops up to ``BENCH_CASES`` and adds nothing more.
"""

import base64
import json
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DATABASES = ["sqlite", "postgres"]
POSTGRES_URL = os.environ.get("PAYVAND_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/")
CONNECT_TIMEOUT = 3


def postgres_admin_url(server_url: str) -> str:
    """The maintenance database on the server, where CREATE/DROP DATABASE run."""
    return server_url.rstrip("/") + "/postgres"


def postgres_available(server_url: str) -> bool:
    """Does a PostgreSQL server answer (so the default run includes it)?"""
    import psycopg

    try:
        with psycopg.connect(postgres_admin_url(server_url), connect_timeout=CONNECT_TIMEOUT):
            return True
    except psycopg.OperationalError:
        return False


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """Create ``payvand_bench_<pid>`` for the block and drop it afterwards.

    WITH (FORCE) ends connections a killed server may have left behind.
    """
    import psycopg
    from psycopg import sql

    name = f"payvand_bench_{os.getpid()}"
    admin = postgres_admin_url(server_url)
    with psycopg.connect(admin, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server_url.rstrip("/") + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextmanager
def database_url(database: str, data_dir: Path, postgres_url: str) -> Iterator[str]:
    """A DATABASE_URL for an empty database of the given kind, gone after the block."""
    if database == "sqlite":
        yield f"sqlite:///{data_dir / 'payvand.sqlite3'}"  # removed with data_dir
    elif database == "postgres":
        with postgres_database(postgres_url) as url:
            yield url
    else:
        raise ValueError(f"unknown database {database!r}; choose from {', '.join(DATABASES)}")


@contextmanager
def reused_database_url(database: str, name: str, postgres_url: str) -> Iterator[str]:
    """A DATABASE_URL for the kept database ``name``, created the first time, never dropped."""
    if database == "sqlite":
        yield f"sqlite:///{reused_data_dir(database, name) / 'payvand.sqlite3'}"
    elif database == "postgres":
        import psycopg
        from psycopg import sql

        admin = postgres_admin_url(postgres_url)
        with psycopg.connect(admin, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        yield postgres_url.rstrip("/") + "/" + name
    else:
        raise ValueError(f"unknown database {database!r}; choose from {', '.join(DATABASES)}")


REUSE_ROOT = Path(__file__).resolve().parent.parent / "var" / "bench"
REUSE_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")


def reused_data_dir(database: str, name: str) -> Path:
    """``var/bench/NAME/<database>/``: the kept data folder (and SQLite file)."""
    path = REUSE_ROOT / name / database
    path.mkdir(parents=True, exist_ok=True)
    return path


def reused_keys(data_dir: Path) -> dict[str, str]:
    """The kept database's secret and master key, made the first time: sealed data is
    unreadable under any other master key."""
    path = data_dir / "keys.json"
    if not path.exists():
        keys = {"secret": secrets.token_urlsafe(50), "master": master_key()}
        path.touch(mode=0o600)
        path.write_text(json.dumps(keys))
    return json.loads(path.read_text())


def master_key() -> str:
    """What `payvand keys generate-master` prints, without starting Django for it."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def worker_env(url: str, data_dir: Path, keys: dict[str, str] | None = None) -> dict[str, str]:
    """The caller's environment minus any Payvand settings, plus production-like ones.

    Inherited PAYVAND_* (say PAYVAND_DEBUG or PAYVAND_DEMO from a developer's
    shell) would silently change what is measured, so they are dropped. HTTPS is
    off because the live server is plain http on loopback.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PAYVAND_") and key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        {
            "DATABASE_URL": url,
            "PAYVAND_DATA_DIR": str(data_dir),
            "PAYVAND_SECRET_KEY": keys["secret"] if keys else secrets.token_urlsafe(50),
            "PAYVAND_MASTER_KEY": keys["master"] if keys else master_key(),
            "PAYVAND_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PAYVAND_HTTPS": "0",
            "DJANGO_SETTINGS_MODULE": "payvand.settings",
        }
    )
    return env
