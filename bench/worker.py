"""One database's run: set Django up, migrate, seed the demo region, run the modules.

Runs as ``python -m bench --worker`` in a process whose environment the runner
prepared (Django reads its settings from the environment once, at import).
Writes a JSON summary for the runner; progress goes to stderr.
"""

import importlib
import json
import os
import pkgutil
import sys
import time
import traceback
from pathlib import Path
from types import ModuleType

import bench
from bench.harness import Context

PREFIX = "bench_"


def progress(database: str, message: str) -> None:
    print(f"[{database}] {message}", file=sys.stderr, flush=True)


def module_names() -> list[str]:
    """Every ``bench/bench_*.py``, by the name after the prefix (``pages``)."""
    return sorted(
        info.name.removeprefix(PREFIX)
        for info in pkgutil.iter_modules(bench.__path__)
        if info.name.startswith(PREFIX)
    )


def select_modules(only: list[str] | None) -> list[str]:
    """The modules ``--only`` names (``pages`` or ``bench_pages``), else all of them."""
    available = module_names()
    if not only:
        return available
    wanted = [name.removeprefix(PREFIX) for name in only]
    unknown = [name for name in wanted if name not in available]
    if unknown:
        raise SystemExit(
            f"unknown benchmark(s) {', '.join(unknown)}; available: {', '.join(available)}"
        )
    return [name for name in available if name in wanted]


def prepare_database(database: str) -> dict[str, str]:
    """Migrate and seed the empty database; return its vendor and server version."""
    from django.core.management import call_command
    from django.db import connection

    from payvand.demo.seed import seed_demo

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    logins = seed_demo()
    progress(
        database,
        f"migrated and seeded {len(logins)} demo logins in {time.perf_counter() - started:.1f}s",
    )
    return {"vendor": connection.vendor, "version": server_version(connection)}


def server_version(connection) -> str:
    """The database server's own version string (not the client library's)."""
    query = {
        "postgresql": "SHOW server_version",
        "sqlite": "SELECT sqlite_version()",
        "mysql": "SELECT VERSION()",
    }.get(connection.vendor)
    if query is None:
        return "unknown"
    with connection.cursor() as cursor:
        cursor.execute(query)
        return str(cursor.fetchone()[0])


def run_module(ctx: Context, name: str) -> tuple[list[dict], str | None]:
    """Run one module; a failure is reported, not fatal, so the others still run."""
    started = time.perf_counter()
    try:
        module: ModuleType = importlib.import_module(f"bench.{PREFIX}{name}")
        figures = module.run(ctx)
    except Exception as error:
        traceback.print_exc()
        return [], f"{PREFIX}{name} failed: {type(error).__name__}: {error}"
    progress(
        ctx.database,
        f"{PREFIX}{name}: {len(figures)} figures in {time.perf_counter() - started:.1f}s",
    )
    return [figure.summary() for figure in figures], None


def main(args) -> int:
    import django

    django.setup()
    names = select_modules(args.only)
    result = {"database": {}, "figures": [], "notes": [], "failed": []}
    try:
        result["database"] = prepare_database(args.database)
    except Exception as error:
        # Say why in RESULTS.md: a database the app cannot migrate is a finding too.
        traceback.print_exc()
        result["failed"].append(f"migrate/seed failed: {type(error).__name__}: {error}")
    else:
        run_modules(args, names, result)
    Path(args.result).write_text(json.dumps(result, indent=2))
    return 1 if result["failed"] else 0


def run_modules(args, names: list[str], result: dict) -> None:
    """Run the chosen modules against the prepared database, filling in ``result``."""
    ctx = Context(
        database=args.database,
        data_dir=Path(os.environ["PAYVAND_DATA_DIR"]),
        env=dict(os.environ),
        samples=args.samples,
        warmup=args.warmup,
    )
    try:
        for name in names:
            figures, failure = run_module(ctx, name)
            result["figures"].extend(figures)
            if failure:
                result["failed"].append(failure)
    finally:
        ctx.close()
        result["notes"] = ctx.notes
