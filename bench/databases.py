"""Throwaway databases for one run, and the environment a worker runs with.

Never ./var: SQLite lives in a fresh temporary folder, PostgreSQL in a database
``payvand_bench_<pid>`` created for the run and dropped afterwards.
"""

import base64
import os
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


def master_key() -> str:
    """What `payvand keys generate-master` prints, without starting Django for it."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def worker_env(url: str, data_dir: Path) -> dict[str, str]:
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
            "PAYVAND_SECRET_KEY": secrets.token_urlsafe(50),
            "PAYVAND_MASTER_KEY": master_key(),
            "PAYVAND_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PAYVAND_HTTPS": "0",
            "DJANGO_SETTINGS_MODULE": "payvand.settings",
        }
    )
    return env
