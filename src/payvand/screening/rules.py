"""The ILO/EC decision rule (Operational indicators of trafficking in human beings, 2009).

Pure functions, no database: the same answers always give the same result, so a result
stored with a screening can be recomputed and explained years later.

Dimension rule (only "observed" answers count):
    met  ⇔  ≥2 strong, or 1 strong + ≥1 medium/weak, or ≥3 medium, or 2 medium + ≥1 weak.
Presumption:
    adult ⇔ (deceptive ∨ coercive ∨ abuse-of-vulnerability recruitment)
            ∧ exploitative conditions
            ∧ (coercion at destination ∨ abuse of vulnerability at destination)
    child ⇔ (any recruitment dimension) ∧ exploitative conditions
            (for children the means need not be shown).

"Unknown" answers make results three-valued: a dimension is *undecided* when it is not
met now but would be if its unknown indicators were observed. The presumption combines
dimensions with Kleene's three-valued logic (met / not met / undecided), so it is
undecided exactly when the unknown answers could still go either way.

Grading under review: an indicator flagged ``needs_review`` has a strength that could
not be verified against the ILO source. The result *relies on unverified grading* when
it differs between reading every observed needs-review indicator as weak and as strong
(the rule is monotone in strength, so these are its two extremes).

Presumptive status (documented mapping; the caseworker always decides):
    rule met       → suggest PossibleVictimOfTrafficking; confirming as Possible or
                     Actual (e.g. after formal identification) agrees with the indicators.
    rule undecided → suggest PossibleVictimOfTrafficking: trafficking is not excluded,
                     so she or he is treated as a possible victim (and assisted) until
                     the unknown answers are clarified. Only Possible agrees.
    rule not met   → suggest NotAVictimOfTrafficking. Only NotAVictim agrees.
Any other status is an override and needs a reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from payvand.screening.vocab import (
    CHILD_LISTS,
    DIMENSION_ORDER,
    MEANS_AT_DESTINATION,
    RECRUITMENT_DIMENSIONS,
    Answer,
    Dimension,
    RuleResult,
    Strength,
    TraffickingStatus,
)

MET, NOT_MET, UNDECIDED = RuleResult.MET, RuleResult.NOT_MET, RuleResult.UNDECIDED


@dataclass(frozen=True)
class Counts:
    strong: int = 0
    medium: int = 0
    weak: int = 0

    def plus(self, strength: str) -> Counts:
        return Counts(
            self.strong + (strength == Strength.STRONG),
            self.medium + (strength == Strength.MEDIUM),
            self.weak + (strength == Strength.WEAK),
        )

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.strong + other.strong, self.medium + other.medium, self.weak + other.weak
        )

    def as_list(self) -> list[int]:
        return [self.strong, self.medium, self.weak]


def dimension_met(c: Counts) -> bool:
    """The ILO/EC threshold for one dimension, on the observed indicators."""
    return (
        c.strong >= 2
        or (c.strong >= 1 and c.medium + c.weak >= 1)
        or c.medium >= 3
        or (c.medium >= 2 and c.weak >= 1)
    )


def dimension_state(observed: Counts, unknown: Counts) -> str:
    if dimension_met(observed):
        return MET
    if dimension_met(observed + unknown):
        return UNDECIDED
    return NOT_MET


def _and(*values: str) -> str:
    if any(v == NOT_MET for v in values):
        return NOT_MET
    return MET if all(v == MET for v in values) else UNDECIDED


def _or(*values: str) -> str:
    if any(v == MET for v in values):
        return MET
    return NOT_MET if all(v == NOT_MET for v in values) else UNDECIDED


def presumption(dimensions: Mapping[str, str], *, child: bool) -> str:
    """Combine the six dimension results (met / not_met / undecided) into the rule's result."""
    recruitment = _or(*(dimensions[d] for d in RECRUITMENT_DIMENSIONS))
    exploitation = dimensions[Dimension.EXPLOITATIVE_CONDITIONS]
    if child:
        return _and(recruitment, exploitation)
    means = _or(*(dimensions[d] for d in MEANS_AT_DESTINATION))
    return _and(recruitment, exploitation, means)


def dimensions_required(*, child: bool) -> list[str]:
    """The dimensions the rule looks at for this kind of list."""
    if child:
        return [d for d in DIMENSION_ORDER if d not in MEANS_AT_DESTINATION]
    return list(DIMENSION_ORDER)


SUGGESTION = {
    MET: TraffickingStatus.POSSIBLE,
    UNDECIDED: TraffickingStatus.POSSIBLE,
    NOT_MET: TraffickingStatus.NOT_A_VICTIM,
}
AGREEING = {
    MET: frozenset({TraffickingStatus.POSSIBLE, TraffickingStatus.ACTUAL}),
    UNDECIDED: frozenset({TraffickingStatus.POSSIBLE}),
    NOT_MET: frozenset({TraffickingStatus.NOT_A_VICTIM}),
}


def is_override(rule_result: str, status: str) -> bool:
    """Whether deciding ``status`` departs from what the indicators say (needs a reason)."""
    return status not in AGREEING[rule_result]


@dataclass(frozen=True)
class AnsweredIndicator:
    dimension: str
    strength: str
    answer: str
    needs_review: bool = False


@dataclass(frozen=True)
class DimensionResult:
    dimension: str
    result: str
    observed: Counts
    unknown: Counts
    unverified: bool  # the result depends on grading under review

    def to_json(self) -> dict:
        return {
            "result": str(self.result),
            "observed": self.observed.as_list(),
            "unknown": self.unknown.as_list(),
            "unverified": self.unverified,
        }


@dataclass(frozen=True)
class Evaluation:
    child: bool
    dimensions: dict[str, DimensionResult]
    result: str
    relies_on_unverified: bool
    could_still_be_met: list[str] = field(default_factory=list)

    @property
    def suggested_status(self) -> str:
        return SUGGESTION[self.result]

    def dimensions_json(self) -> dict:
        return {d: r.to_json() for d, r in self.dimensions.items()}


def _tally(items: list[AnsweredIndicator], review_as: str | None) -> tuple[Counts, Counts]:
    """Observed and unknown counts; ``review_as`` regrades needs-review indicators."""
    observed, unknown = Counts(), Counts()
    for item in items:
        strength = review_as if (review_as and item.needs_review) else item.strength
        if item.answer == Answer.OBSERVED:
            observed = observed.plus(strength)
        elif item.answer == Answer.UNKNOWN:
            unknown = unknown.plus(strength)
    return observed, unknown


def evaluate(exploitation_list: str, answered: Iterable[AnsweredIndicator]) -> Evaluation:
    """Every dimension's result and the presumption, for one screening's answers."""
    child = exploitation_list in CHILD_LISTS
    by_dimension: dict[str, list[AnsweredIndicator]] = {d: [] for d in DIMENSION_ORDER}
    for item in answered:
        by_dimension[item.dimension].append(item)
    results: dict[str, DimensionResult] = {}
    low: dict[str, str] = {}
    high: dict[str, str] = {}
    for dimension, items in by_dimension.items():
        observed, unknown = _tally(items, None)
        low[dimension] = dimension_state(*_tally(items, Strength.WEAK))
        high[dimension] = dimension_state(*_tally(items, Strength.STRONG))
        results[dimension] = DimensionResult(
            dimension=dimension,
            result=dimension_state(observed, unknown),
            observed=observed,
            unknown=unknown,
            unverified=low[dimension] != high[dimension],
        )
    result = presumption({d: r.result for d, r in results.items()}, child=child)
    relies = presumption(low, child=child) != presumption(high, child=child)
    undecided = [d for d in dimensions_required(child=child) if results[d].result == UNDECIDED]
    return Evaluation(child, results, result, relies, undecided)


def rule_can_be_met(exploitation_list: str, strengths: Iterable[tuple[str, str]]) -> bool:
    """Whether a list's indicators (dimension, strength) could ever meet the rule.

    Used to refuse a catalogue in which a list lacks a dimension the rule needs.
    """
    items = [AnsweredIndicator(d, s, Answer.OBSERVED) for d, s in strengths]
    return evaluate(exploitation_list, items).result == MET
