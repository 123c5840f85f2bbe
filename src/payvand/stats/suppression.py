"""Small-cell suppression with complementary suppression, audited by linear programming.

A table has one, two or more dimensions. Tables of one or two dimensions are released
with their totals (each row's, each column's and the grand total), as the dashboard
shows them; tables of three or more are released as cells only.

1. Primary suppression: every released number — cell or total — between 1 and k − 1 is
   withheld. Zeros are shown: they name nobody (CTDC shows them too).
2. Complementary suppression: a withheld number must not be recomputable from what is
   released. The audit asks, for each withheld cell or total, the smallest and the
   largest value it can take, given every released number and that a withheld cell
   holds at least 1 (a linear programme; ``determined`` answers most of them without
   one); when both are equal, a partner is withheld — a non-zero released cell sharing a
   row or a column with it, preferably one that closes a cycle of withheld cells, else
   the smallest — and the audit runs again, until no withheld number is determined.
   Partners are chosen for several exposed cells at once only where they touch
   different rows and columns: two partners for one pinned pair withhold far more than
   needed. This is exact for what a reader can compute by sums and differences of
   released figures, and for any combination of them.
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
    it another value. Linear algebra settles most figures first: one whose value the
    released totals fix whatever the bounds (it is a sum and difference of them: no
    direction that keeps every total moves it) is pinned; one that moves along such a
    direction far enough within the bounds is free. A few programmes over all the rest at
    once (push every one up, then down, then those still undecided) set most of those
    free; only the last get their own two programmes.
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
        return bool(unpinned([(None, objective)], since)[0])

    def unpinned(group: list, since: int = 0) -> np.ndarray:
        """For each (key, objective) of ``group``: does a solution found since the
        ``since``-th give it another value?"""
        if len(solutions) <= since or not group:
            return np.zeros(len(group), dtype=bool)
        shifts = np.array(solutions[since:]) - truth
        objectives = np.array([objective for _key, objective in group])
        return (np.abs(objectives @ shifts.T) >= 0.5).any(axis=1)

    def keep_pinned(group: list, since: int = 0) -> list:
        return [t for t, moved in zip(group, unpinned(group, since), strict=True) if not moved]

    # The directions that keep every released total: the null space of the equations.
    if a_eq is None:
        keep = np.eye(len(unknown))
    else:
        _u, singular, vt = np.linalg.svd(a_eq)
        rank = int((singular > 1e-9 * max(1.0, singular.max())).sum())
        keep = vt[rank:].T
    undecided = []
    for key, objective in targets:
        moves = keep.T @ objective
        if not moves.size or np.abs(moves).max() < 1e-9:
            pinned.add(key)  # a sum and difference of released figures
            continue
        undecided.append((key, objective))
        along = keep @ moves  # the direction in which its value grows fastest
        for way in (along, -along):
            down, up = way < -1e-9, way > 1e-9
            room = np.concatenate([(truth - 1)[down] / -way[down], (ceiling - truth)[up] / way[up]])
            step = room.min() if room.size else 0.0
            if step > 0:
                solutions.append(truth + step * way)
    undecided = keep_pinned(undecided)
    direction = -1.0  # linprog minimises: -1 pushes the figures up
    stalled = 0
    while undecided and stalled < 2:
        since = len(solutions)
        solve(direction * sum(objective for _key, objective in undecided))
        still = keep_pinned(undecided, since)
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
        # A partner for each exposed cell, the best first, then audit again — but only
        # where no line through either was touched this round: two partners hidden for
        # the same pinned pair withhold far more than needed (each pair exposes the
        # next). The partner of choice closes a cycle of withheld cells — it shares a
        # line with the exposed cell and another with a figure already withheld — so
        # values can move around the cycle and none is pinned; else the smallest.
        partners = sorted(
            (p, key) for key in exposed if ALL not in key and (p := _partner(table, key))
        )
        touched: set[tuple] = set()
        for (_rank, _value, partner), key in partners:
            lines = _lines(key) | _lines(partner)
            if lines & touched:
                continue
            table.suppressed.add(partner)
            touched |= lines
        if not touched:
            _hide_one_more(table, members, exposed[0])
    raise RuntimeError("suppression did not converge")  # pragma: no cover


def _lines(cell: tuple) -> set[tuple]:
    """The rows, columns … through ``cell``: its key with one coordinate summed."""
    return {(*cell[:d], ALL, *cell[d + 1 :]) for d in range(len(cell))}


def _partner(table: Table, cell: tuple) -> tuple | None:
    """(rank, partner): the released non-zero cell to withhold with exposed ``cell``,
    sharing all but one coordinate with it — in a line where ``cell`` is the only figure
    withheld, if it has one (that line's total gives it away); cells closing a cycle rank
    first, then the smallest."""
    alone = [d for d in range(len(table.categories)) if _alone_in_line(table, cell, d)]
    best = None
    for d in alone or range(len(table.categories)):
        for v in table.categories[d]:
            other = (*cell[:d], v, *cell[d + 1 :])
            if other == cell or other in table.suppressed or not table.value(other):
                continue
            choice = (not _beside_withheld(table, other, apart_from=d), table.value(other), other)
            if best is None or choice < best:
                best = choice
    return best


def _alone_in_line(table: Table, cell: tuple, d: int) -> bool:
    """Is ``cell`` the only withheld figure of its line along dimension ``d``, the line's
    total released?"""
    if (*cell[:d], ALL, *cell[d + 1 :]) in table.suppressed_totals:
        return False
    return not any(
        (*cell[:d], v, *cell[d + 1 :]) in table.suppressed
        for v in table.categories[d]
        if v != cell[d]
    )


def _beside_withheld(table: Table, cell: tuple, *, apart_from: int) -> bool:
    """Does a line through ``cell``, other than the one along ``apart_from``, hold a
    withheld cell?"""
    for d, values in enumerate(table.categories):
        if d == apart_from:
            continue
        for v in values:
            other = (*cell[:d], v, *cell[d + 1 :])
            if other != cell and other in table.suppressed:
                return True
    return False


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
