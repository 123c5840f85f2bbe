"""Small-cell suppression: no released figure between 1 and k − 1, and no withheld one
that the released figures pin down — checked against an independent integer programme."""

import itertools
import random

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from payvand.stats.suppression import ALL, Table, _total_members, determined, suppress

K = 11


def _table(counts, rows, cols):
    return suppress(Table(dims=["a", "b"], categories=[rows, cols], counts=counts, k=K))


def _integer_range(table: Table, target) -> tuple[int, float]:
    """The smallest and largest integer value ``target`` (a cell or a total key) can take,
    given everything released and that a withheld cell is at least 1."""
    cells = list(table.cells())
    unknown = [c for c in cells if c in table.suppressed]
    index = {c: i for i, c in enumerate(unknown)}
    constraints = []
    for key, value in table.totals.items():
        if key in table.suppressed_totals:
            continue
        members = [c for c in cells if all(k in (ALL, v) for k, v in zip(key, c, strict=True))]
        row = np.zeros(len(unknown))
        known = 0
        for c in members:
            if c in index:
                row[index[c]] = 1
            else:
                known += table.value(c)
        if row.any():
            constraints.append(LinearConstraint(row, value - known, value - known))
    objective = np.zeros(len(unknown))
    members = [c for c in cells if all(k in (ALL, v) for k, v in zip(target, c, strict=True))]
    for c in members:
        if c in index:
            objective[index[c]] = 1
    if not objective.any():
        fixed = sum(table.value(c) for c in members)
        return fixed, fixed
    bounds = Bounds(np.ones(len(unknown)), np.full(len(unknown), np.inf))
    integral = np.ones(len(unknown))
    low = milp(objective, constraints=constraints, bounds=bounds, integrality=integral)
    high = milp(-objective, constraints=constraints, bounds=bounds, integrality=integral)
    assert low.status == 0, "what is released must be consistent"
    # The low end exists, so a failed maximum means no upper bound at all.
    return round(low.fun), (round(-high.fun) if high.status == 0 else float("inf"))


def _check(table: Table) -> None:
    for cell in table.cells():
        shown = table.released(cell)
        assert shown is None or shown == 0 or shown >= K, (cell, shown)
    for key in table.totals:
        shown = table.released_total(key)
        assert shown is None or shown == 0 or shown >= K, (key, shown)
    for target in [*table.suppressed, *table.suppressed_totals]:
        low, high = _integer_range(table, target)
        assert low < high, f"{target} is pinned to {low} by the released figures"


@pytest.mark.parametrize("seed", range(40))
def test_random_tables_release_no_small_cell_and_no_recomputable_one(seed):
    rng = random.Random(seed)
    rows = [f"r{i}" for i in range(rng.randint(1, 4))]
    cols = [f"c{j}" for j in range(rng.randint(1, 4))]
    values = [0, 0, 1, 2, 3, 5, 8, 10, 11, 12, 20, 45, 130]
    counts = {(r, c): rng.choice(values) for r in rows for c in cols}
    _check(_table(counts, rows, cols))


def test_one_small_cell_in_a_row_hides_a_partner_in_its_row_and_column():
    rows, cols = ["AF", "TJ"], ["2024", "2025"]
    counts = {("AF", "2024"): 4, ("AF", "2025"): 30, ("TJ", "2024"): 25, ("TJ", "2025"): 40}
    table = _table(counts, rows, cols)
    assert ("AF", "2024") in table.suppressed
    # Row AF's total (34) and column 2024's (29) are released: the four cells must hide.
    assert len(table.suppressed) == 4
    _check(table)


def test_a_one_dimensional_table_never_hides_a_single_cell_alone():
    cats = [["AF", "TJ", "TM", "UZ"]]
    counts = {("AF",): 239, ("TJ",): 77, ("TM",): 6, ("UZ",): 253}
    table = suppress(Table(dims=["citizenship"], categories=cats, counts=counts, k=K))
    assert ("TM",) in table.suppressed and len(table.suppressed) == 2
    assert ("TJ",) in table.suppressed, "the smallest other cell hides with it"
    _check(table)


def test_three_dimensions_release_cells_only_and_hide_the_small_ones():
    cats = [["AF", "TJ"], ["2024", "2025"], ["Man", "Woman"]]
    counts = {key: 5 if key[0] == "AF" else 20 for key in itertools.product(*cats)}
    table = suppress(Table(dims=["c", "y", "g"], categories=cats, counts=counts, k=K))
    assert not table.with_totals
    assert table.suppressed == {k for k in counts if k[0] == "AF"}


def _pinned_one_by_one(table: Table, members) -> list:
    """The audit without shortcuts: for every withheld figure, its own two programmes."""
    unknown = sorted(table.suppressed)
    index = {c: i for i, c in enumerate(unknown)}
    rows, rhs = [], []
    for key, cells in members.items():
        if key in table.suppressed_totals:
            continue
        row = np.zeros(len(unknown))
        for c in cells:
            if c in index:
                row[index[c]] = 1
        if row.any():
            rows.append(row)
            rhs.append(table.totals[key] - sum(table.value(c) for c in cells if c not in index))
    pinned = []
    for key in [*unknown, *sorted(table.suppressed_totals, key=str)]:
        objective = np.zeros(len(unknown))
        for c in members.get(key, [key]):
            if c in index:
                objective[index[c]] = 1
        if not objective.any():
            pinned.append(key)
            continue
        spans = [
            linprog(sign * objective, A_eq=np.array(rows) if rows else None,
                    b_eq=np.array(rhs) if rows else None, bounds=[(1, None)] * len(unknown))
            for sign in (1, -1)
        ]  # fmt: skip
        if all(r.status == 0 for r in spans) and -spans[1].fun - spans[0].fun < 0.5:
            pinned.append(key)
    return pinned


@pytest.mark.parametrize("seed", range(30))
def test_the_audit_finds_what_one_programme_per_figure_finds(seed):
    """The audit sets most figures free with a few programmes over all of them; it must
    name exactly the figures that their own programmes pin down."""
    rng = random.Random(1000 + seed)
    rows = [f"r{i}" for i in range(rng.randint(1, 7))]
    cols = [f"c{j}" for j in range(rng.randint(1, 7))]
    values = rng.choice([[0, 1, 2, 3, 11, 12, 40], [1, 1, 2, 30, 200], [0, 5, 9, 13, 400]])
    counts = {(r, c): rng.choice(values) for r in rows for c in cols}
    table = Table(dims=["a", "b"], categories=[rows, cols], counts=counts, k=K)
    members = _total_members(table)
    table.totals = {key: sum(table.value(c) for c in cells) for key, cells in members.items()}
    table.suppressed = {c for c in table.cells() if 0 < table.value(c) < K}
    table.suppressed_totals = {t for t, v in table.totals.items() if 0 < v < K}
    assert determined(table, members) == _pinned_one_by_one(table, members)


def test_one_small_cell_withholds_a_rectangle_not_the_whole_table():
    """Year × gender with one cell of 3: that cell, a partner in its row and the two cells
    that close the rectangle are withheld; the other years are released (hiding a partner
    for every pinned cell at once withheld all eight)."""
    years = ["2023", "2024", "2025", "2026"]
    counts = dict(
        zip(
            itertools.product(years, ["Man", "Woman"]),
            [3, 40, 32, 68, 35, 58, 29, 70],
            strict=True,
        )
    )
    table = _table(counts, years, ["Man", "Woman"])
    assert ("2023", "Man") in table.suppressed and len(table.suppressed) == 4
    assert len({year for year, _g in table.suppressed}) == 2, "two years, both genders"
    _check(table)
