"""Reading screenings and catalogues, always scoped to the caller."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Window
from django.http import Http404

from payvand.accounts.models import User
from payvand.cases.models import Case
from payvand.cases.selectors import case_get
from payvand.core import crypto
from payvand.core.audit.services import audit_record
from payvand.core.permissions import Perm, has_perm
from payvand.core.sealed import context_for
from payvand.screening import rules
from payvand.screening.models import CatalogueVersion, Indicator, Screening, ScreeningAnswer
from payvand.screening.vocab import CHILD_LISTS, DIMENSION_ORDER, Dimension, ExploitationList

# --- catalogue ---------------------------------------------------------------------------


def catalogue_current() -> CatalogueVersion | None:
    return CatalogueVersion.objects.filter(is_current=True).first()


def catalogue_indicators(version: CatalogueVersion, exploitation_list: str) -> list[Indicator]:
    return list(
        Indicator.objects.filter(version=version, exploitation_list=exploitation_list).order_by(
            "order"
        )
    )


@dataclass
class ListSummary:
    code: str
    label: str
    indicators: int
    needs_review: int


def catalogue_lists(version: CatalogueVersion) -> list[ListSummary]:
    """The lists a version offers, with how many of their indicators need review."""
    rows = (
        Indicator.objects.filter(version=version)
        .values("exploitation_list")
        .annotate(n=Count("id"), review=Count("id", filter=Q(needs_review=True)))
    )
    counts = {r["exploitation_list"]: r for r in rows}
    return [
        ListSummary(code, str(label), counts[code]["n"], counts[code]["review"])
        for code, label in ExploitationList.choices
        if code in counts
    ]


def _require_catalogue_editor(user: User) -> None:
    if not has_perm(user, Perm.PLATFORM_CATALOGUE_EDIT):
        raise Http404


def catalogue_versions(user: User) -> QuerySet[CatalogueVersion]:
    _require_catalogue_editor(user)
    return catalogue_versions_for_operator()


def catalogue_versions_for_operator() -> QuerySet[CatalogueVersion]:
    """Every version with its counts (the command line; pages go through the permission)."""
    return (
        CatalogueVersion.objects.select_related("created_by")
        .annotate(
            indicator_count=Count("indicators", distinct=True),
            review_count=Count(
                "indicators", filter=Q(indicators__needs_review=True), distinct=True
            ),
            screening_count=Count("screenings", distinct=True),
        )
        .order_by("-number")
    )


def catalogue_version_get(user: User, number: int) -> CatalogueVersion:
    _require_catalogue_editor(user)
    version = CatalogueVersion.objects.select_related("created_by").filter(number=number).first()
    if version is None:
        raise Http404
    return version


@dataclass
class IndicatorGroup:
    dimension: str
    label: str
    indicators: list


def catalogue_version_lists(version: CatalogueVersion) -> list[tuple[ListSummary, list]]:
    """Per list, its indicators grouped by dimension (for the catalogue page)."""
    indicators = list(Indicator.objects.filter(version=version).order_by("order"))
    result = []
    for summary in catalogue_lists(version):
        mine = [i for i in indicators if i.exploitation_list == summary.code]
        result.append((summary, group_by_dimension(mine, key=lambda i: i)))
    return result


def catalogue_version_indicators(version: CatalogueVersion) -> list[Indicator]:
    return list(Indicator.objects.filter(version=version).order_by("order"))


def group_by_dimension(items, key) -> list[IndicatorGroup]:
    """``items`` grouped under the six dimensions in the ILO order; ``key`` gives the indicator."""
    labels = dict(Dimension.choices)
    groups = {d: IndicatorGroup(d, str(labels[d]), []) for d in DIMENSION_ORDER}
    for item in items:
        groups[key(item).dimension].indicators.append(item)
    return [g for g in groups.values() if g.indicators]


# --- screenings ----------------------------------------------------------------------------


def screening_get(user: User, case_public_id, screening_public_id) -> tuple[Case, Screening]:
    """A screening of a case the caller may see; 404 for anything else."""
    case = case_get(user, case_public_id)
    screening = (
        Screening.objects.select_related(
            "catalogue_version", "screened_by", "decided_by", "case__organisation"
        )
        .filter(case=case, public_id=screening_public_id)
        .first()
    )
    if screening is None:
        raise Http404
    return case, screening


def screenings_of_case(case: Case) -> QuerySet[Screening]:
    """Every screening of an (already scoped) case, newest first."""
    return (
        Screening.objects.filter(case=case)
        .select_related("catalogue_version", "screened_by", "decided_by")
        .order_by("-screened_on", "-id")
    )


def screening_latest(case: Case) -> tuple[Screening | None, int]:
    """The newest screening of an (already scoped) case, and how many there are.

    One query: the count is a window over every screening of the case, taken before
    the LIMIT.
    """
    latest = screenings_of_case(case).annotate(n_screenings=Window(Count("pk"))).first()
    return latest, (latest.n_screenings if latest else 0)


@dataclass
class DimensionView:
    dimension: str
    label: str
    result: str
    observed: list[int]
    unknown: list[int]
    unverified: bool
    required: bool
    answers: list


def screening_dimensions(screening: Screening) -> list[DimensionView]:
    """The stored dimension results with the answers behind them, in the ILO order."""
    answers = list(
        ScreeningAnswer.objects.filter(screening=screening)
        .select_related("indicator")
        .order_by("indicator__order")
    )
    required = set(rules.dimensions_required(child=screening.exploitation_list in CHILD_LISTS))
    labels = dict(Dimension.choices)
    views = []
    for dimension in DIMENSION_ORDER:
        stored = screening.dimension_results.get(dimension)
        if stored is None:
            continue
        views.append(
            DimensionView(
                dimension=dimension,
                label=str(labels[dimension]),
                result=stored["result"],
                observed=stored["observed"],
                unknown=stored["unknown"],
                unverified=stored["unverified"],
                required=dimension in required,
                answers=[a for a in answers if a.indicator.dimension == dimension],
            )
        )
    return views


def screening_reason(user: User, screening: Screening) -> str | None:
    """The sealed reason of a decision ("" when none; None when erased); opening it is audited."""
    if not screening.decision_reason:
        return ""
    org = screening.case.organisation
    try:
        reason = crypto.unseal_json(
            org, screening.decision_reason, context=context_for(screening, "decision_reason")
        )
    except crypto.KeyDestroyed:
        return None
    audit_record(
        action="screening.reason_read",
        actor=user,
        organisation=org,
        obj=screening,
        details={"case": str(screening.case.public_id)},
    )
    return reason
