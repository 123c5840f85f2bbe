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


def register(section: CaseSection) -> None:
    SECTIONS[section.key] = section


def sections_for(request, case) -> list[tuple[CaseSection, dict]]:
    ordered = sorted(SECTIONS.values(), key=lambda s: s.order)
    _probe_rows(request, case, ordered)
    return [(section, section.context(request, case)) for section in ordered]


def _probe_rows(request, case, sections: list[CaseSection]) -> None:
    """Which kinds of rows the case has, for every section at once (one query)."""
    kinds = [
        (section.key, kind, rows) for section in sections for kind, rows in section.rows.items()
    ]
    found: dict[tuple[str, str], bool] = {}
    if kinds:
        from payvand.cases.models import Case

        checks = {
            f"has_{i}": Exists(rows(OuterRef("pk"))) for i, (_s, _k, rows) in enumerate(kinds)
        }
        values = Case.objects.filter(pk=case.pk).values(**checks).get()
        found = {(key, kind): values[f"has_{i}"] for i, (key, kind, _r) in enumerate(kinds)}
    request._payvand_case_rows = (case.pk, found)


def has_rows(request, case, section: str, kind: str) -> bool:
    """Whether the case has rows of ``kind`` in ``section``, as the page found before
    its sections ran. True when it was not asked (a context called on its own)."""
    probed = getattr(request, "_payvand_case_rows", None)
    if probed is None or probed[0] != case.pk:
        return True
    return probed[1].get((section, kind), True)
