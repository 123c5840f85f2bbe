"""CPU time spent by a process tree, from /proc: a figure that other work on the machine
does not inflate (wall times do), so it says what one request costs.

A process's own time plus what its children that already exited used (the kernel adds
those to the parent when it reaps them) plus its living children's.
"""

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces; everything after its ')' is plain.
    return text[text.rindex(")") + 2 :].split()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields and int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def tree_seconds(pid: int | None) -> float:
    """CPU seconds of ``pid``, its reaped children and its living children."""
    if pid is None:
        return 0.0
    fields = _stat(pid)
    if fields is None:
        return 0.0
    # After the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt
    # cmajflt utime stime cutime cstime → utime is index 11.
    own = sum(int(v) for v in fields[11:15])
    living = 0
    for child in _children(pid):
        child_fields = _stat(child)
        if child_fields:
            living += sum(int(v) for v in child_fields[11:15])
    return (own + living) / TICKS


def postmaster_pid(data_dir: Path) -> int | None:
    try:
        return int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
