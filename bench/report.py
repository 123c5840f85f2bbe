"""The machine a run happened on, and the Markdown written to bench/RESULTS.md.

Figures mean little without the hardware and versions behind them, so every
report starts with those.
"""

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATABASE_TITLES = {
    "sqlite": "SQLite",
    "postgresql": "PostgreSQL",
    "postgres": "PostgreSQL",
    "mysql": "MySQL",
}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cores() -> int:
    """What `nproc` prints: the CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def memory_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError):
        pass
    return "unknown"


def git_revision() -> str:
    """The commit measured, flagged when the tree has uncommitted changes.

    --no-optional-locks: never take the index lock others may need meanwhile.
    """

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "--no-optional-locks", *args],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit} (with uncommitted changes)" if dirty else commit


def machine() -> dict[str, str]:
    import django

    return {
        "Date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "Commit": git_revision(),
        "CPU": f"{cpu_model()}, {cores()} cores",
        "Memory": memory_total(),
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "Django": django.get_version(),
        # Other work on the machine skews the figures; this says how busy it was.
        "Load average at start": " / ".join(f"{load:.2f}" for load in os.getloadavg()),
    }


def number(value) -> str:
    if isinstance(value, float):
        return f"{value:.1f}" if value < 100 else f"{value:.0f}"
    return str(value)


def table(figures: list[dict]) -> list[str]:
    """One row per figure; one extra column per heading any figure brought."""
    extras: list[str] = []
    for figure in figures:
        extras += [key for key in figure["extra"] if key not in extras]
    head = ["Figure", "n", "median ms", "p95 ms", *extras]
    lines = ["| " + " | ".join(head) + " |", "|---" + "|--:" * (len(head) - 1) + "|"]
    for figure in figures:
        cells = [
            figure["name"],
            str(figure["n"]),
            number(figure["median_ms"]),
            number(figure["p95_ms"]),
            *(number(figure["extra"].get(key, "")) for key in extras),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def section(name: str, result: dict) -> list[str]:
    """A database's heading, its table, then its notes and failures."""
    db = result.get("database") or {}
    title = DATABASE_TITLES.get(db.get("vendor"), name)
    lines = [f"## {title} {db.get('version', '')}".rstrip(), ""]
    if result.get("figures"):
        lines += [*table(result["figures"]), ""]
    for failure in result.get("failed", []):
        lines.append(f"- **Failed:** {failure}")
    for note in result.get("notes", []):
        lines.append(f"- {note}")
    if result.get("failed") or result.get("notes"):
        lines.append("")
    return lines


def render(info: dict[str, str], run: dict[str, str], results: dict[str, dict]) -> str:
    lines = [
        "# Payvand benchmarks",
        "",
        "Written by `make bench` (`python -m bench`); every run overwrites it. Each sample is",
        "the wall time of one request in milliseconds (`time.perf_counter`), taken after",
        "warm-up requests; p95 is the inclusive 95th percentile. *test client* is",
        "`django.test.Client` in-process; *live server* is `payvand serve` (gunicorn, 2",
        "workers) over loopback HTTP, one connection per request. KB is the response body.",
        "",
        *(f"- {key}: {value}" for key, value in {**info, **run}.items()),
        "",
    ]
    for name, result in results.items():
        lines += section(name, result)
    return "\n".join(lines).rstrip() + "\n"
