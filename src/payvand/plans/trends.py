"""Trends a caseworker reads at a glance: risk over assessments, sustainability over visits.

Pure functions of codes and numbers, so they are tested as tables and never see a word
anyone typed. The sparkline is drawn on the server (no JavaScript) from numbers only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from payvand.plans.vocab import RISK_RANK, RiskLevel, Trend


@dataclass(frozen=True)
class RiskTrend:
    """The overall risk now, what it was before, and since when it is what it is."""

    current: str
    since: dt.date
    previous: str | None = None

    @property
    def direction(self) -> str:
        """raised / lowered / unchanged; "changed" when either side is unknown."""
        if self.previous is None:
            return "unchanged"
        if RiskLevel.UNKNOWN in (self.previous, self.current):
            return "changed"
        return "raised" if RISK_RANK[self.current] > RISK_RANK[self.previous] else "lowered"

    @property
    def current_label(self) -> str:
        return RiskLevel(self.current).label

    @property
    def previous_label(self) -> str:
        return RiskLevel(self.previous).label if self.previous else ""


def risk_trend(history: Sequence[tuple[dt.date, str]]) -> RiskTrend | None:
    """From (date, overall level) pairs, oldest first; None before a second assessment."""
    if len(history) < 2:
        return None
    current = history[-1][1]
    since = history[-1][0]
    for day, level in reversed(history[:-1]):
        if level != current:
            return RiskTrend(current=current, since=since, previous=level)
        since = day
    return RiskTrend(current=current, since=since)


Number = int | float | Decimal


def score_trend(values: Sequence[Number]) -> str | None:
    """improving / stable / worsening from the last two values; None with fewer than two."""
    if len(values) < 2:
        return None
    before, last = values[-2], values[-1]
    if last > before:
        return Trend.IMPROVING
    if last < before:
        return Trend.WORSENING
    return Trend.STABLE


def _number(value) -> float:
    # Only numbers are drawn: a string (anything a person typed) is refused, not escaped.
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise TypeError(f"A sparkline draws numbers only, not {type(value).__name__}.")
    return float(value)


def sparkline_svg(
    values: Sequence[Number],
    *,
    title: str,
    element_id: str,
    low: float = 1,
    high: float = 5,
    width: int = 160,
    height: int = 40,
) -> SafeString:
    """A small line chart of ``values`` as inline SVG, named by ``title`` for screen readers.

    ``title`` is our own translated sentence (escaped all the same); ``element_id`` names
    the <title> for aria-labelledby and must be a fixed identifier chosen in code.
    The page shows the same numbers in a table for anyone who cannot see the line.
    """
    numbers = [min(max(_number(v), low), high) for v in values]
    if not element_id.replace("-", "").isalnum():
        raise ValueError("element_id must be letters, digits and hyphens.")
    pad = 4.0
    inner_w, inner_h = width - 2 * pad, height - 2 * pad

    def x(i: int) -> float:
        return width / 2 if len(numbers) == 1 else pad + i * inner_w / (len(numbers) - 1)

    def y(v: float) -> float:
        return pad + (high - v) / (high - low) * inner_h

    mid = y((low + high) / 2)
    parts = [
        f'<svg class="sparkline" role="img" aria-labelledby="{element_id}-title" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" focusable="false">',
        f'<title id="{element_id}-title">{escape(title)}</title>',
        f'<line class="spark-mid" x1="{pad:.1f}" y1="{mid:.1f}" x2="{width - pad:.1f}" '
        f'y2="{mid:.1f}"/>',
    ]
    if len(numbers) > 1:
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(numbers))
        parts.append(f'<polyline class="spark-line" points="{points}"/>')
    if numbers:
        last = len(numbers) - 1
        parts.append(
            f'<circle class="spark-dot" cx="{x(last):.1f}" cy="{y(numbers[last]):.1f}" r="3"/>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
