"""The case page is made of sections that capabilities contribute.

Each app registers its section in AppConfig.ready(); the case page shows them in
`order`. A section's context function gets the request and the (already scoped) case
and returns what its template needs — it reads through its own selectors, so every
section stays inside the caller's scope and writes its own audit rows.

Most cases have nothing yet in most sections, and asking each section's tables in turn
costs a round trip each (about fifteen on a case page). So a section also names the
kinds of rows it shows (`rows`), and before any context runs the page asks the
database once, in one query, which of them the case has; a context then skips the
query for a kind the case has none of (`has_rows`).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet

# A kind of rows: given the case (an expression standing for its primary key), the rows
# of that kind the section would show. Never narrower than the section's own query.
Rows = Callable[[OuterRef], QuerySet]


@dataclass(frozen=True)
class CaseSection:
    key: str
    template: str
    order: int
    context: Callable = field(default=lambda request, case: {})
    rows: Mapping[str, Rows] = field(default_factory=dict)


SECTIONS: dict[str, CaseSection] = {}
# Kinds of rows the case page itself shows outside any section (asked in the same probe,
# under the section key "case"; cases/apps.py).
PAGE_ROWS: dict[str, Rows] = {}


def register(section: CaseSection) -> None:
    SECTIONS[section.key] = section


def sections_for(request, case) -> list[tuple[CaseSection, dict]]:
    ordered = sorted(SECTIONS.values(), key=lambda s: s.order)
    _probe_rows(request, case, ordered, PAGE_ROWS)
    return [(section, section.context(request, case)) for section in ordered]


def _probe_rows(
    request, case, sections: list[CaseSection], page_rows: Mapping[str, Rows] | None = None
) -> None:
    """Which kinds of rows the case has, for every section at once (one query)."""
    kinds = [(s.key, kind, rows) for s in sections for kind, rows in s.rows.items()]
    kinds += [("case", kind, rows) for kind, rows in (page_rows or {}).items()]
    found: dict[tuple[str, str], bool] = {}
    if kinds:
        sql, params = _probe_statement(kinds)
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, case.pk])
            values = dict(zip((c[0] for c in cursor.description), cursor.fetchone(), strict=True))
        found = {(key, kind): bool(values[f"has_{i}"]) for i, (key, kind, _r) in enumerate(kinds)}
    request._payvand_case_rows = (case.pk, found)


# Compiling a dozen EXISTS subqueries costs more Python than the page's own work on
# them, and the statement is the same for every case but for its key: compiled once.
_PROBES: dict[tuple, tuple[str, tuple]] = {}
_ANY_CASE = -918_273_645  # no case's key: stands for it while compiling


def _probe_statement(kinds: list[tuple[str, str, Rows]]) -> tuple[str, tuple]:
    """The probe's SQL and its parameters but the case's key (which comes last)."""
    from payvand.cases.models import Case

    key = (connection.vendor, tuple((section, kind, id(rows)) for section, kind, rows in kinds))
    if key not in _PROBES:
        checks = {f"has_{i}": Exists(rows(OuterRef("pk"))) for i, (*_, rows) in enumerate(kinds)}
        probe = Case.objects.filter(pk=_ANY_CASE).values(**checks)
        sql, params = probe.query.sql_with_params()
        if params[-1:] != (_ANY_CASE,) or _ANY_CASE in params[:-1]:
            raise RuntimeError("The case page's probe no longer takes the case's key last.")
        _PROBES[key] = (sql, params[:-1])
    return _PROBES[key]


def has_rows(request, case, section: str, kind: str) -> bool:
    """Whether the case has rows of ``kind`` in ``section``, as the page found before
    its sections ran. True when it was not asked (a context called on its own)."""
    probed = getattr(request, "_payvand_case_rows", None)
    if probed is None or probed[0] != case.pk:
        return True
    return probed[1].get((section, kind), True)
