"""Small-cell suppression with complementary suppression, audited by linear programming.

A table has one, two or more dimensions. Tables of one or two dimensions are released
with their totals (each row's, each column's and the grand total), as the dashboard
shows them; tables of three or more are released as cells only.

1. Primary suppression: every released number — cell or total — between 1 and k − 1 is
   withheld. Zeros are shown: they name nobody (CTDC shows them too).
2. Complementary suppression: a withheld number must not be recomputable from what is
   released. For each withheld cell or total the audit solves two linear programmes —
   the smallest and the largest value it can take, given every released number and
   that a withheld cell holds at least 1 — and when both are equal, one more number is
   withheld (the smallest non-zero one that shares a row or a column with it), until no
   withheld number is determined. This is exact for what a reader can compute by sums
   and differences of released figures, and for any combination of them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog


@dataclass
class Table:
    """Counts over the product of ``categories`` (one list of values per dimension)."""

    dims: list[str]
    categories: list[list[str]]
    counts: dict[tuple, int]
    k: int
    suppressed: set[tuple] = field(default_factory=set)  # cell keys withheld
    totals: dict[tuple, int] = field(default_factory=dict)  # total key → value
    suppressed_totals: set[tuple] = field(default_factory=set)

    @property
    def with_totals(self) -> bool:
        return len(self.dims) <= 2

    def cells(self):
        return itertools.product(*self.categories)

    def value(self, key: tuple) -> int:
        return self.counts.get(key, 0)

    def released(self, key: tuple) -> int | None:
        """A cell's released count; None when withheld."""
        return None if key in self.suppressed else self.value(key)

    def released_total(self, key: tuple) -> int | None:
        return None if key in self.suppressed_totals else self.totals.get(key, 0)


ALL = "*"


def _total_members(table: Table) -> dict[tuple, list[tuple]]:
    """Each released total (a key with ALL in the summed dimensions) → its cells."""
    members: dict[tuple, list[tuple]] = {}
    cells = list(table.cells())
    n = len(table.dims)
    for summed in range(1, n + 1):
        for dims_summed in itertools.combinations(range(n), summed):
            for cell in cells:
                key = tuple(ALL if d in dims_summed else v for d, v in enumerate(cell))
                members.setdefault(key, []).append(cell)
    return members


def _smallest_neighbour(table: Table, cell: tuple) -> tuple | None:
    """The smallest released non-zero cell sharing all but one coordinate with ``cell``."""
    best = None
    for d, values in enumerate(table.categories):
        for v in values:
            other = (*cell[:d], v, *cell[d + 1 :])
            if other == cell or other in table.suppressed or not table.value(other):
                continue
            if best is None or table.value(other) < table.value(best):
                best = other
    return best


def _smallest_sibling_total(table: Table, total: tuple) -> tuple | None:
    """The smallest released non-zero total at the same level differing in one place."""
    best = None
    for d, value in enumerate(total):
        if value == ALL:
            continue
        for v in table.categories[d]:
            other = (*total[:d], v, *total[d + 1 :])
            if other == total or other in table.suppressed_totals:
                continue
            if not table.totals.get(other) or other not in table.totals:
                continue
            if best is None or table.totals[other] < table.totals[best]:
                best = other
    return best


def determined(table: Table, members: dict[tuple, list[tuple]]) -> list[tuple]:
    """Withheld cells and totals whose value the released figures pin down exactly: the
    smallest and the largest value the linear programme allows are equal.

    The true counts are one solution, so a figure is free as soon as any solution gives
    it another value. A few programmes over all the figures at once (push every one up,
    then down, then those still undecided) set most of them free; only the rest get
    their own two programmes.
    """
    unknown = sorted(table.suppressed)
    if not unknown:
        return []
    index = {cell: i for i, cell in enumerate(unknown)}
    rows, rhs = [], []
    if table.with_totals:
        for key, cells in members.items():
            if key in table.suppressed_totals:
                continue
            row = np.zeros(len(unknown))
            known = 0
            for cell in cells:
                if cell in index:
                    row[index[cell]] = 1
                else:
                    known += table.value(cell)
            if row.any():
                rows.append(row)
                rhs.append(table.totals[key] - known)
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    truth = np.array([table.value(cell) for cell in unknown], dtype=float)
    # A withheld cell holds at least 1. The ceiling far above the truth changes nothing
    # that is decided (a figure free below it is free) but keeps every programme bounded.
    ceiling = truth + max(1.0, float(sum(table.counts.values())))
    bounds = list(zip(np.ones(len(unknown)), ceiling, strict=True))
    targets: list[tuple[tuple, np.ndarray]] = []
    pinned = set()
    order = [*unknown, *sorted(table.suppressed_totals, key=str)]
    for cell in unknown:
        objective = np.zeros(len(unknown))
        objective[index[cell]] = 1
        targets.append((cell, objective))
    for key in sorted(table.suppressed_totals, key=str):
        objective = np.zeros(len(unknown))
        for cell in members[key]:
            if cell in index:
                objective[index[cell]] = 1
        if objective.any():
            targets.append((key, objective))
        else:
            pinned.add(key)  # every cell of it is released: it is their sum

    solutions: list[np.ndarray] = []  # every solution found: each may set figures free

    def solve(objective: np.ndarray) -> None:
        result = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if result.status == 0:
            solutions.append(result.x)

    def free(objective: np.ndarray, since: int = 0) -> bool:
        """Does a solution (found since the ``since``-th) give it another value?"""
        return any(abs(objective @ (x - truth)) >= 0.5 for x in solutions[since:])

    undecided = targets
    direction = -1.0  # linprog minimises: -1 pushes the figures up
    stalled = 0
    while undecided and stalled < 2:
        since = len(solutions)
        solve(direction * sum(objective for _key, objective in undecided))
        still = [(key, objective) for key, objective in undecided if not free(objective, since)]
        stalled = stalled + 1 if len(still) == len(undecided) else 0
        undecided, direction = still, -direction
    batches = len(solutions)  # the undecided are not moved by these
    for key, objective in undecided:
        if free(objective, batches):  # by another figure's own programme
            continue
        solve(-objective)
        if not free(objective, batches):
            solve(objective)
            if not free(objective, batches):
                pinned.add(key)
    return [key for key in order if key in pinned]


def suppress(table: Table) -> Table:
    """Withhold the small numbers of ``table`` and whatever would give them away."""
    k = table.k
    members = _total_members(table) if table.with_totals else {}
    if table.with_totals:
        table.totals = {key: sum(table.value(c) for c in cells) for key, cells in members.items()}
    table.suppressed = {c for c in table.cells() if 0 < table.value(c) < k}
    table.suppressed_totals = {t for t, v in table.totals.items() if 0 < v < k}
    if not table.with_totals:
        return table
    for _round in range(10_000):
        exposed = determined(table, members)
        if not exposed:
            return table
        # Hide one more figure for each exposed one, then audit again: one round of
        # linear programmes per batch, not per figure.
        for key in exposed:
            _hide_one_more(table, members, key)
    raise RuntimeError("suppression did not converge")  # pragma: no cover


def _hide_one_more(table: Table, members: dict, key: tuple) -> None:
    """Withhold one released figure so that ``key`` (exposed) is no longer pinned down."""
    if ALL in key:
        sibling = _smallest_sibling_total(table, key)
        if sibling is not None:
            table.suppressed_totals.add(sibling)
            return
        # No sibling total to hide: hide a cell inside it instead.
        inside = [c for c in members[key] if c not in table.suppressed and table.value(c)]
        if inside:
            table.suppressed.add(min(inside, key=table.value))
            return
    else:
        neighbour = _smallest_neighbour(table, key)
        if neighbour is not None:
            table.suppressed.add(neighbour)
            return
    # Nothing next to it to hide: a total it is part of, or else the smallest released
    # figure anywhere (each step hides one more, so this ends; with everything hidden
    # nothing can be recomputed).
    cells_of_key = members.get(key, [key])
    containing = [
        t
        for t, cells in members.items()
        if t != key and set(cells_of_key) <= set(cells) and t not in table.suppressed_totals
    ]
    if containing:
        table.suppressed_totals.add(min(containing, key=lambda t: table.totals[t]))
        return
    released_totals = [t for t, v in table.totals.items() if v and t not in table.suppressed_totals]
    if released_totals:
        table.suppressed_totals.add(min(released_totals, key=lambda t: table.totals[t]))
        return
    cells = [c for c in table.cells() if c not in table.suppressed and table.value(c)]
    if cells:
        table.suppressed.add(min(cells, key=table.value))
