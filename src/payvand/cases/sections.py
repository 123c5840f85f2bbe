"""The case page is made of sections that capabilities contribute.

Each app registers its section in AppConfig.ready(); the case page shows them in
`order`. A section's context function gets the request and the (already scoped) case
and returns what its template needs — it reads through its own selectors, so every
section stays inside the caller's scope and writes its own audit rows.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CaseSection:
    key: str
    template: str
    order: int
    context: Callable = field(default=lambda request, case: {})


SECTIONS: dict[str, CaseSection] = {}


def register(section: CaseSection) -> None:
    SECTIONS[section.key] = section


def sections_for(request, case) -> list[tuple[CaseSection, dict]]:
    return [
        (section, section.context(request, case))
        for section in sorted(SECTIONS.values(), key=lambda s: s.order)
    ]
