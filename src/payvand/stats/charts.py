"""Charts drawn on the server as SVG: no script, no CDN, readable by a screen reader.

Each SVG is ``role="img"`` with a ``<title>`` and a ``<desc>`` that says the figures in
words; its data table sits beside it. Sizes are in the viewBox only, so the chart shrinks
to a 360-pixel screen. Right to left, bars grow from the right and labels sit on the
right, and years run from right to left. A withheld figure is drawn as "<11", never as a
bar or a number.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from payvand.core import countries
from payvand.stats.suppression import Table
from payvand.stats.tables import MISSING, OTHER
from payvand.stats.vocab import CtdcGender, Datasource, ExploitationKind

WIDTH = 640
BAR = "#2f6f8f"
WITHHELD = "#767676"


def label(field: str, value: str) -> str:
    if value == MISSING:
        return _("not recorded")
    if value == OTHER:
        return _("other countries")
    if field == "gender":
        return str(CtdcGender(value).label) if value in CtdcGender.values else value
    if field == "exploitation_type":
        return str(ExploitationKind(value).label) if value in ExploitationKind.values else value
    if field == "datasource":
        return str(Datasource(value).label) if value in Datasource.values else value
    if field in ("citizenship", "country_of_exploitation"):
        return countries.country_name(value) or value
    if field == "age_band":
        return value.replace("--", "–")
    return value


@dataclass
class Bar:
    label: str
    value: int | None  # None: withheld


def shown(value: int | None, k: int) -> str:
    return f"<{k}" if value is None else str(value)


def _frame(title: str, desc: str, height: int, body: str, rtl: bool) -> SafeString:
    direction = ' direction="rtl"' if rtl else ""
    return format_html(
        '<svg class="chart" role="img" viewBox="0 0 {} {}" width="100%" '
        'preserveAspectRatio="xMidYMin meet" xmlns="http://www.w3.org/2000/svg"{}>'
        "<title>{}</title><desc>{}</desc>{}</svg>",
        WIDTH,
        height,
        mark_safe(direction),  # a constant
        title,
        desc,
        mark_safe(body),  # built from escaped parts
    )


def description(bars: list[Bar], k: int) -> str:
    return "; ".join(f"{b.label}: {shown(b.value, k)}" for b in bars)


def horizontal_bars(title: str, bars: list[Bar], k: int, rtl: bool = False) -> SafeString:
    row, top, label_width, value_width = 30, 8, 190, 60
    width = WIDTH - label_width - value_width
    top_value = max([b.value for b in bars if b.value] or [1])
    parts = []
    for i, bar in enumerate(bars):
        y = top + i * row
        length = 0 if not bar.value else max(2, round(width * bar.value / top_value))
        if rtl:
            label_x, anchor = WIDTH - 4, "start"
            bar_x = WIDTH - label_width - length
            value_x = bar_x - 6
        else:
            label_x, anchor = 4, "start"
            bar_x = label_width
            value_x = bar_x + length + 6
        parts.append(
            f'<text x="{label_x}" y="{y + 19}" font-size="14" text-anchor="{anchor}">'
            f"{escape(bar.label)}</text>"
        )
        if length:
            parts.append(
                f'<rect x="{bar_x}" y="{y + 4}" width="{length}" height="{row - 8}" fill="{BAR}"/>'
            )
        colour = WITHHELD if bar.value is None else "#1a1a1a"
        parts.append(
            f'<text x="{value_x}" y="{y + 19}" font-size="14" fill="{colour}">'
            f"{escape(shown(bar.value, k))}</text>"
        )
    height = top * 2 + row * len(bars)
    return _frame(title, description(bars, k), height, "".join(parts), rtl)


def vertical_bars(title: str, bars: list[Bar], k: int, rtl: bool = False) -> SafeString:
    height, bottom, top = 260, 40, 24
    slot = (WIDTH - 20) / max(1, len(bars))
    top_value = max([b.value for b in bars if b.value] or [1])
    area = height - bottom - top
    ordered = list(reversed(bars)) if rtl else bars
    parts = [
        f'<line x1="10" y1="{height - bottom}" x2="{WIDTH - 10}" y2="{height - bottom}" '
        f'stroke="#999"/>'
    ]
    for i, bar in enumerate(ordered):
        x = 10 + i * slot
        middle = x + slot / 2
        length = 0 if not bar.value else max(2, round(area * bar.value / top_value))
        if length:
            parts.append(
                f'<rect x="{x + slot * 0.15:.1f}" y="{height - bottom - length}" '
                f'width="{slot * 0.7:.1f}" height="{length}" fill="{BAR}"/>'
            )
        colour = WITHHELD if bar.value is None else "#1a1a1a"
        parts.append(
            f'<text x="{middle:.1f}" y="{height - bottom - length - 6}" font-size="12" '
            f'text-anchor="middle" fill="{colour}">{escape(shown(bar.value, k))}</text>'
        )
        parts.append(
            f'<text x="{middle:.1f}" y="{height - bottom + 18}" font-size="12" '
            f'text-anchor="middle">{escape(bar.label)}</text>'
        )
    return _frame(title, description(bars, k), height, "".join(parts), rtl)


def matrix(
    title: str, table: Table, row_labels: list[str], col_labels: list[str], rtl: bool = False
) -> SafeString:
    """A grid of cells shaded by their count (withheld cells grey, "<11")."""
    rows, cols = table.categories
    head, cell_w, cell_h, label_w = 90, 44, 26, 150
    width = label_w + cell_w * len(cols) + 10
    height = head + cell_h * len(rows) + 10
    top_value = max([table.value(c) for c in table.cells() if table.released(c)] or [1])
    parts, words = [], []

    def x_of(j: int) -> float:
        x = label_w + j * cell_w
        return width - x - cell_w if rtl else x

    for j, name in enumerate(col_labels):
        cx = x_of(j) + cell_w / 2
        parts.append(
            f'<text transform="translate({cx:.0f},{head - 6}) rotate(-50)" font-size="11">'
            f"{escape(name)}</text>"
        )
    for i, name in enumerate(row_labels):
        y = head + i * cell_h
        lx = width - 4 if rtl else 4
        parts.append(f'<text x="{lx}" y="{y + 17}" font-size="12">{escape(name)}</text>')
        for j, _col in enumerate(cols):
            cell = (rows[i], cols[j])
            value = table.released(cell)
            x = x_of(j)
            if value is None:
                fill, opacity, text = "#d0d0d0", 1, f"<{table.k}"
            else:
                fill, opacity, text = BAR, 0.1 + 0.9 * value / top_value, str(value)
            if value is None or value:
                words.append(f"{name} → {col_labels[j]}: {text}")
            parts.append(
                f'<rect x="{x:.0f}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="{fill}" fill-opacity="{opacity:.2f}"/>'
            )
            colour = "#fff" if value and opacity > 0.55 else "#1a1a1a"
            parts.append(
                f'<text x="{x + cell_w / 2 - 1:.0f}" y="{y + 17}" font-size="11" '
                f'text-anchor="middle" fill="{colour}">{escape(text)}</text>'
            )
    svg = format_html(
        '<svg class="chart" role="img" viewBox="0 0 {} {}" width="100%" '
        'xmlns="http://www.w3.org/2000/svg"{}><title>{}</title><desc>{}</desc>{}</svg>',
        width,
        height,
        mark_safe(' direction="rtl"' if rtl else ""),  # a constant
        title,
        "; ".join(words),
        mark_safe("".join(parts)),  # built from escaped parts
    )
    return svg
