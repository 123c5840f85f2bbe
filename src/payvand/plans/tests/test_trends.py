"""Trend computations as tables, and the sparkline that draws numbers only."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from payvand.plans.models import FollowUpVisit, SupportPlanItem
from payvand.plans.trends import risk_trend, score_trend, sparkline_svg

D = dt.date


@pytest.mark.parametrize(
    ("history", "previous", "current", "since", "direction"),
    [
        # The example of the issue: high → medium since the first "medium".
        ([(D(2026, 9, 1), "high"), (D(2026, 10, 1), "medium"), (D(2026, 11, 1), "medium")],
         "high", "medium", D(2026, 10, 1), "lowered"),
        ([(D(2026, 9, 1), "low"), (D(2026, 10, 1), "high")], "low", "high", D(2026, 10, 1), "raised"),
        ([(D(2026, 9, 1), "medium"), (D(2026, 10, 1), "medium")], None, "medium", D(2026, 9, 1), "unchanged"),
        ([(D(2026, 8, 1), "high"), (D(2026, 9, 1), "low"), (D(2026, 10, 1), "high")],
         "low", "high", D(2026, 10, 1), "raised"),
        ([(D(2026, 9, 1), "unknown"), (D(2026, 10, 1), "medium")], "unknown", "medium", D(2026, 10, 1), "changed"),
    ],
)  # fmt: skip
def test_risk_trend_names_the_change_and_since_when(history, previous, current, since, direction):
    trend = risk_trend(history)
    assert (trend.previous, trend.current, trend.since, trend.direction) == (
        previous, current, since, direction,
    )  # fmt: skip


@pytest.mark.parametrize("history", [[], [(D(2026, 9, 1), "high")]])
def test_no_risk_trend_before_a_second_assessment(history):
    assert risk_trend(history) is None


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], None),
        ([Decimal("3.0")], None),
        ([Decimal("2.3"), Decimal("3.0")], "improving"),
        ([Decimal("3.0"), Decimal("2.7")], "worsening"),
        ([Decimal("3.3"), Decimal("3.3")], "stable"),
        # Only the last two visits count.
        ([Decimal("1.0"), Decimal("4.0"), Decimal("3.7")], "worsening"),
        ([Decimal("5.0"), Decimal("1.0"), Decimal("1.0")], "stable"),
        ([1, 2], "improving"),
    ],
)
def test_sustainability_trend_from_the_last_two_visits(values, expected):
    assert score_trend(values) == expected


@pytest.mark.parametrize(
    ("scores", "overall"),
    [
        ((1, 1, 1), Decimal("1.0")),
        ((3, 3, 4), Decimal("3.3")),
        ((3, 4, 4), Decimal("3.7")),
        ((5, 5, 5), Decimal("5.0")),
        ((2, 3, 5), Decimal("3.3")),
    ],
)
def test_overall_sustainability_is_the_mean_to_one_decimal(scores, overall):
    economic, social, psychosocial = scores
    visit = FollowUpVisit(economic=economic, social=social, psychosocial=psychosocial)
    assert visit.overall == overall


@pytest.mark.parametrize(
    ("actual_end", "planned_end", "status"),
    [
        (None, D(2026, 12, 1), "open"),
        (None, D(2026, 11, 29), "open"),  # due today is not late yet
        (None, D(2026, 11, 28), "overdue"),
        (D(2026, 11, 1), D(2026, 10, 1), "done"),  # late but achieved
        (D(2026, 11, 1), D(2026, 12, 1), "done"),
    ],
)
def test_support_item_status_is_derived_from_its_dates(actual_end, planned_end, status):
    item = SupportPlanItem(
        start_on=D(2026, 9, 1), planned_end_on=planned_end, actual_end_on=actual_end
    )
    assert item.status_on(D(2026, 11, 29)) == status


def _attribute_values(svg: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for name, value in re.findall(r'([a-z-]+)="([^"]*)"', svg):
        values.setdefault(name, []).append(value)
    return values


def test_sparkline_is_an_accessible_image_drawn_from_numbers_only():
    svg = str(
        sparkline_svg(
            [Decimal("2.3"), Decimal("3.0"), 4], title="Score from 2.3 to 4", element_id="s-1"
        )
    )
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert '<title id="s-1-title">Score from 2.3 to 4</title>' in svg
    assert 'aria-labelledby="s-1-title"' in svg
    fixed = {"class", "role", "aria-labelledby", "id", "focusable"}
    for name, values in _attribute_values(svg).items():
        if name in fixed:
            continue
        for value in values:
            assert re.fullmatch(r"[0-9., ]+", value), (name, value)
    # Higher scores are drawn higher (smaller y).
    points = re.search(r'points="([^"]+)"', svg).group(1).split()
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[0] > ys[1] > ys[2]


@pytest.mark.parametrize("bad", ["3", "<script>alert(1)</script>", None, True])
def test_sparkline_refuses_anything_but_numbers(bad):
    with pytest.raises(TypeError):
        sparkline_svg([1, bad], title="t", element_id="s")


def test_sparkline_title_is_escaped_and_the_id_is_fixed():
    svg = str(sparkline_svg([1, 2], title='<b>"x"</b>', element_id="s"))
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    with pytest.raises(ValueError):
        sparkline_svg([1], title="t", element_id='x" onload="alert(1)')


def test_sparkline_of_one_visit_is_a_dot():
    svg = str(sparkline_svg([3], title="t", element_id="s"))
    assert "<polyline" not in svg and "<circle" in svg
