"""A progress bar for long commands (seeding, imports) on the terminal.

On a terminal the bar is redrawn in place; into a file or a pipe (CI logs) it writes a
line each time another ``every`` items are done, and at the end, so logs stay short.
"""

from __future__ import annotations

import time
from typing import TextIO

WIDTH = 30


class ProgressBar:
    """Call it with (done, total); it shows the bar, the count, the rate and what is left.

    The rate counts from the first call, so a caller that starts part-way (topping up)
    calls it once with what is already there.
    """

    def __init__(self, stream: TextIO, unit: str = "", every: int = 500) -> None:
        self.stream = stream
        self.unit = f" {unit}" if unit else ""
        self.every = every
        self.started: float | None = None
        self.base = 0
        self.last_drawn = 0.0
        self.last_done = -1
        self.width = 0

    def __call__(self, done: int, total: int) -> None:
        tty = self.stream.isatty()
        now = time.perf_counter()
        if self.started is None:
            self.started, self.base = now, done
        finished = done >= total
        if tty and not finished and now - self.last_drawn < 0.1:
            return  # redrawing faster than the eye reads only costs time
        if not tty and not finished and done // self.every == self.last_done // self.every:
            return
        self.last_drawn, self.last_done = now, done
        line = self.line(done, total, done - self.base, now - self.started)
        if tty:
            # Spaces wipe what a longer line before it left on the screen.
            line, self.width = "\r" + line.ljust(self.width), max(self.width, len(line))
        self.stream.write(line)
        if finished or not tty:
            self.stream.write("\n")
        self.stream.flush()

    def line(self, done: int, total: int, counted: int, seconds: float) -> str:
        filled = WIDTH * done // total if total else WIDTH
        text = f"[{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total}{self.unit}"
        if seconds > 0 and counted:
            rate = counted / seconds
            text += f"  {rate:.0f}/s"
            if done < total:
                text += f"  {_duration((total - done) / rate)} left"
            else:
                text += f"  in {_duration(seconds)}"
        return text


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"
