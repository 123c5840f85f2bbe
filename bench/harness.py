"""What every benchmark module shares: its context, its figures and the timing loop.

A benchmark module is ``bench/bench_<name>.py`` exposing
``run(ctx: Context) -> list[Figure]``. It runs inside a worker process where
Django is set up against a freshly migrated database seeded with the demo region
(every demo login's password is ``payvand.demo.region.DEMO_PASSWORD``).
"""

import statistics
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from bench.live import LiveServer

SAMPLES = 200
WARMUP = 10

T = TypeVar("T")


def percentile(samples_ms: list[float], q: int) -> float:
    """The q-th percentile, interpolated like a spreadsheet's PERCENTILE.INC.

    The inclusive method never reports a value outside the measured range, which
    matters for p95 over a couple of hundred samples.
    """
    if len(samples_ms) == 1:
        return samples_ms[0]
    return statistics.quantiles(samples_ms, n=100, method="inclusive")[q - 1]


@dataclass
class Figure:
    """One measured quantity: wall times in milliseconds and any extra columns.

    ``extra`` maps a column heading (e.g. ``"KB"``) to a value; the report adds
    one column per heading seen, so figures only carry what they mean.
    """

    name: str
    samples_ms: list[float]
    extra: dict[str, str | int | float] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.samples_ms)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95_ms(self) -> float:
        return percentile(self.samples_ms, 95)

    def summary(self) -> dict:
        """What crosses from the worker to the runner (JSON): no raw samples."""
        return {
            "name": self.name,
            "n": self.n,
            "median_ms": self.median_ms,
            "p95_ms": self.p95_ms,
            "extra": self.extra,
        }


def measure(action: Callable[[], T], *, samples: int, warmup: int) -> tuple[list[float], T]:
    """Time ``action`` ``samples`` times after ``warmup`` untimed calls.

    The warm-up fills caches (templates, translations, connections, lazy imports)
    so the figures describe a running server, not a cold start. Returns the wall
    times in ms (``time.perf_counter``) and the last call's result, so a
    benchmark can report e.g. the response size without one more request.
    """
    result = None
    for _ in range(warmup):
        result = action()
    timings = []
    for _ in range(samples):
        start = time.perf_counter()
        result = action()
        timings.append((time.perf_counter() - start) * 1000)
    return timings, result


@dataclass
class Context:
    """What a benchmark gets: the database, the environment and shared services.

    ``env`` is the worker's environment (database URL, data folder, keys); pass
    it to any subprocess so it sees the same database. ``notes`` ends up under
    the database's table in RESULTS.md: add anything a reader should know.
    """

    database: str
    data_dir: Path
    env: dict[str, str]
    samples: int = SAMPLES
    warmup: int = WARMUP
    notes: list[str] = field(default_factory=list)
    _stack: ExitStack = field(default_factory=ExitStack, repr=False)
    _server: "LiveServer | None" = field(default=None, repr=False)

    def measure(self, action: Callable[[], T]) -> tuple[list[float], T]:
        """`measure` with this run's sample and warm-up counts."""
        return measure(action, samples=self.samples, warmup=self.warmup)

    def live_server(self) -> "LiveServer":
        """The production server (`payvand serve`), started on first use.

        Started once per database and shared by every benchmark module, because
        collectstatic and gunicorn's start cost seconds; stopped by `close`.
        """
        if self._server is None:
            from bench.live import serve

            self._server = self._stack.enter_context(serve(self))
        return self._server

    def close(self) -> None:
        """Stop whatever `live_server` started (the worker calls this in a finally)."""
        self._stack.close()
        self._server = None
