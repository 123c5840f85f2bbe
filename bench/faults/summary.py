"""Figures from the recorded requests: per page, counts by outcome and percentiles."""

import os
from collections import defaultdict

from bench.faults.client import Sample
from bench.harness import percentile


def load_average() -> str:
    return " / ".join(f"{load:.2f}" for load in os.getloadavg())


def by_label(samples: list[Sample]) -> list[dict]:
    """One row per page or form, in order of first appearance; times of answered requests."""
    groups: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        groups[sample.label].append(sample)
    rows = []
    for label, group in groups.items():
        answered = [s.ms for s in group if s.outcome == "ok"]
        counts = defaultdict(int)
        for s in group:
            counts[s.outcome] += 1
        rows.append(
            {
                "label": label,
                "n": len(group),
                "ok": counts["ok"],
                "unavailable": counts["unavailable"],
                "refused": counts["refused"],
                "errors": counts["error"],
                "p50": percentile(answered, 50) if answered else None,
                "p95": percentile(answered, 95) if answered else None,
                "p99": percentile(answered, 99) if answered else None,
                "max": max(answered) if answered else None,
            }
        )
    return rows


def problems(samples: list[Sample], outcomes=("error", "refused"), limit: int = 8) -> list[str]:
    """The first few failures, with what they were, for the report."""
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for s in samples:
        if s.outcome in outcomes:
            seen[(s.label, s.detail)] += 1
    return [f"{n}× {label}: {detail}" for (label, detail), n in list(seen.items())[:limit]]


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def table(rows: list[dict], with_unavailable: bool = False) -> list[str]:
    head = ["Page or form", "requests", "errors"]
    if with_unavailable:
        head.append("503")
    head += ["p50 ms", "p95 ms", "p99 ms", "max ms"]
    lines = ["| " + " | ".join(head) + " |", "|---" + "|--:" * (len(head) - 1) + "|"]
    for r in rows:
        cells = [r["label"], str(r["n"]), str(r["errors"] + r["refused"])]
        if with_unavailable:
            cells.append(str(r["unavailable"]))
        cells += [_ms(r[k]) for k in ("p50", "p95", "p99", "max")]
        lines.append("| " + " | ".join(cells) + " |")
    return lines
