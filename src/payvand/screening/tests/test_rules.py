"""The ILO/EC decision rule, table-driven and exhaustive. No database."""

import itertools

import pytest

from payvand.screening import rules
from payvand.screening.rules import AnsweredIndicator as A
from payvand.screening.rules import Counts
from payvand.screening.vocab import DIMENSION_ORDER, Dimension, TraffickingStatus

MET, NOT, UND = "met", "not_met", "undecided"
DR, CR, VR, EX, CD, VD = DIMENSION_ORDER
OBS, NO, UNK = "observed", "not_observed", "unknown"
S, M, W = "strong", "medium", "weak"

# --- one dimension -------------------------------------------------------------------------

# (strong, medium, weak) observed → met? One row per clause and each boundary around it.
DIMENSION_TABLE = [
    ((0, 0, 0), False),
    ((1, 0, 0), False),  # one strong alone is not enough
    ((2, 0, 0), True),  # ≥2 strong
    ((3, 0, 0), True),
    ((1, 1, 0), True),  # 1 strong + 1 medium
    ((1, 0, 1), True),  # 1 strong + 1 weak
    ((0, 1, 0), False),
    ((0, 2, 0), False),
    ((0, 3, 0), True),  # ≥3 medium
    ((0, 4, 0), True),
    ((0, 2, 1), True),  # 2 medium + 1 weak
    ((0, 1, 1), False),
    ((0, 1, 2), False),  # 1 medium + 2 weak is not enough
    ((0, 1, 5), False),
    ((0, 0, 1), False),
    ((0, 0, 3), False),  # weak indicators alone never meet a dimension
    ((0, 0, 10), False),
    ((1, 3, 2), True),
]


@pytest.mark.parametrize(("counts", "met"), DIMENSION_TABLE)
def test_dimension_threshold_table(counts, met):
    assert rules.dimension_met(Counts(*counts)) is met


# The rule as its minimal satisfying combinations: met ⇔ at least one of them is covered.
MINIMAL = [(2, 0, 0), (1, 1, 0), (1, 0, 1), (0, 3, 0), (0, 2, 1)]


def test_dimension_threshold_exhaustively_equals_its_minimal_combinations():
    for s, m, w in itertools.product(range(6), repeat=3):
        covered = any(s >= a and m >= b and w >= c for a, b, c in MINIMAL)
        assert rules.dimension_met(Counts(s, m, w)) is covered, (s, m, w)


def test_only_observed_answers_count_and_unknowns_leave_a_dimension_undecided():
    def state(*items):
        return rules.evaluate("adult-labour", [A(DR, s, a) for s, a in items]).dimensions[DR]

    assert state((S, OBS), (S, OBS)).result == MET
    assert state((S, OBS), (S, NO)).result == NOT  # "not observed" never counts
    assert state((S, OBS), (S, UNK)).result == UND  # would be met if observed
    assert state((W, OBS), (W, UNK), (W, UNK)).result == NOT  # cannot be met even so
    assert state((M, OBS), (M, OBS), (W, UNK)).result == UND
    assert state((M, OBS), (M, OBS), (W, OBS), (S, UNK)).result == MET  # met whatever the rest
    result = state((S, OBS), (M, UNK), (W, NO))
    assert result.observed == Counts(1, 0, 0) and result.unknown == Counts(0, 1, 0)


@pytest.mark.parametrize(
    ("observed", "unknown", "expected"),
    [
        ((0, 0, 0), (0, 0, 0), NOT),
        ((0, 0, 0), (2, 0, 0), UND),
        ((1, 0, 0), (0, 0, 1), UND),
        ((0, 2, 0), (0, 0, 1), UND),
        ((0, 1, 0), (0, 0, 9), NOT),
        ((2, 0, 0), (0, 0, 0), MET),
        ((2, 0, 0), (5, 5, 5), MET),
        ((0, 0, 0), (0, 3, 0), UND),
    ],
)
def test_dimension_state_table(observed, unknown, expected):
    assert rules.dimension_state(Counts(*observed), Counts(*unknown)) == expected


# --- the presumption -------------------------------------------------------------------------


def _adult_oracle(met: set) -> bool:
    recruitment = bool(met & {DR, CR, VR})
    means = bool(met & {CD, VD})
    return recruitment and EX in met and means


def _child_oracle(met: set) -> bool:
    return bool(met & {DR, CR, VR}) and EX in met


# Hand-written rows: (dimensions met, adult presumed?, child presumed?)
PRESUMPTION_TABLE = [
    (set(), False, False),
    ({DR, CR, VR, EX, CD, VD}, True, True),
    ({DR, EX, CD}, True, True),
    ({CR, EX, VD}, True, True),
    ({VR, EX, CD}, True, True),
    ({DR, EX}, False, True),  # children: means at destination not needed
    ({VR, EX}, False, True),
    ({DR, CR, VR, CD, VD}, False, False),  # no exploitation, no trafficking
    ({EX, CD, VD}, False, False),  # no recruitment dimension
    ({DR, CD, VD}, False, False),
    ({EX}, False, False),
]


@pytest.mark.parametrize(("met", "adult", "child"), PRESUMPTION_TABLE)
def test_presumption_table(met, adult, child):
    dims = {d: (MET if d in met else NOT) for d in DIMENSION_ORDER}
    assert rules.presumption(dims, child=False) == (MET if adult else NOT)
    assert rules.presumption(dims, child=True) == (MET if child else NOT)


def test_presumption_exhaustively_over_every_combination_of_met_dimensions():
    for flags in itertools.product((False, True), repeat=6):
        met = {d for d, f in zip(DIMENSION_ORDER, flags, strict=True) if f}
        dims = {d: (MET if d in met else NOT) for d in DIMENSION_ORDER}
        assert rules.presumption(dims, child=False) == (MET if _adult_oracle(met) else NOT)
        assert rules.presumption(dims, child=True) == (MET if _child_oracle(met) else NOT)


def test_undecided_dimensions_make_the_presumption_undecided_exactly_when_they_could_tip_it():
    """All 3⁶ combinations: met if every way of settling the undecided dimensions meets the
    rule, not met if none does, undecided otherwise."""
    for child, oracle in ((False, _adult_oracle), (True, _child_oracle)):
        for states in itertools.product((MET, NOT, UND), repeat=6):
            dims = dict(zip(DIMENSION_ORDER, states, strict=True))
            open_ = [d for d, s in dims.items() if s == UND]
            outcomes = set()
            for settled in itertools.product((True, False), repeat=len(open_)):
                met = {d for d, s in dims.items() if s == MET}
                met |= {d for d, yes in zip(open_, settled, strict=True) if yes}
                outcomes.add(oracle(met))
            expected = MET if outcomes == {True} else NOT if outcomes == {False} else UND
            assert rules.presumption(dims, child=child) == expected, (child, dims)


# --- evaluation of a whole screening -------------------------------------------------------


def _items(spec: dict[str, list[tuple[str, str]]], review=False):
    return [A(d, s, a, needs_review=review) for d, pairs in spec.items() for s, a in pairs]


VICTIM = {DR: [(S, OBS), (M, OBS)], EX: [(S, OBS), (M, OBS)], CD: [(S, OBS), (S, OBS)]}


def test_an_adult_with_recruitment_exploitation_and_coercion_is_presumed_a_victim():
    evaluation = rules.evaluate("adult-labour", _items(VICTIM))
    assert evaluation.result == MET
    assert evaluation.suggested_status == TraffickingStatus.POSSIBLE
    assert evaluation.could_still_be_met == []
    assert not evaluation.relies_on_unverified
    assert {d for d, r in evaluation.dimensions.items() if r.result == MET} == {DR, EX, CD}


def test_a_child_needs_no_means_at_destination_but_an_adult_does():
    spec = {DR: [(S, OBS), (M, OBS)], EX: [(S, OBS), (M, OBS)]}
    assert rules.evaluate("child-labour", _items(spec)).result == MET
    assert rules.evaluate("child-sexual", _items(spec)).result == MET
    assert rules.evaluate("adult-labour", _items(spec)).result == NOT
    assert rules.evaluate("adult-sexual", _items(spec)).result == NOT


def test_unknowns_show_which_dimensions_could_still_be_met():
    spec = {
        DR: [(S, OBS), (M, OBS)],
        EX: [(S, OBS), (M, UNK)],
        CD: [(S, UNK), (S, UNK)],
        VD: [(M, NO)],
    }
    evaluation = rules.evaluate("adult-labour", _items(spec))
    assert evaluation.result == UND
    assert evaluation.suggested_status == TraffickingStatus.POSSIBLE
    assert evaluation.could_still_be_met == [EX, CD]
    # For a child the means are not required, so they are not listed.
    child = rules.evaluate("child-labour", _items(spec))
    assert child.result == UND and child.could_still_be_met == [EX]


def test_not_met_suggests_not_a_victim():
    evaluation = rules.evaluate("adult-labour", _items({DR: [(S, OBS)], EX: [(M, OBS)]}))
    assert evaluation.result == NOT
    assert evaluation.suggested_status == TraffickingStatus.NOT_A_VICTIM


def test_a_result_resting_on_grading_under_review_says_so():
    # Two observed "weak" indicators under review: as strong they would meet CD.
    spec = dict(VICTIM) | {CD: [(W, OBS), (W, OBS)]}
    items = [i for i in _items(spec) if i.dimension != CD] + _items({CD: spec[CD]}, review=True)
    evaluation = rules.evaluate("adult-labour", items)
    assert evaluation.result == NOT
    assert evaluation.relies_on_unverified
    assert evaluation.dimensions[CD].unverified
    assert not evaluation.dimensions[DR].unverified
    # Met whatever their grading: two strong verified indicators carry CD.
    robust = _items(VICTIM) + _items({CD: [(W, OBS)]}, review=True)
    assert not rules.evaluate("adult-labour", robust).relies_on_unverified


# (rule result, decided status, is it an override?)
OVERRIDE_TABLE = [
    (MET, TraffickingStatus.POSSIBLE, False),
    (MET, TraffickingStatus.ACTUAL, False),
    (MET, TraffickingStatus.NOT_A_VICTIM, True),
    (UND, TraffickingStatus.POSSIBLE, False),
    (UND, TraffickingStatus.ACTUAL, True),
    (UND, TraffickingStatus.NOT_A_VICTIM, True),
    (NOT, TraffickingStatus.NOT_A_VICTIM, False),
    (NOT, TraffickingStatus.POSSIBLE, True),
    (NOT, TraffickingStatus.ACTUAL, True),
]


@pytest.mark.parametrize(("rule", "status", "override"), OVERRIDE_TABLE)
def test_which_decisions_agree_with_the_indicators(rule, status, override):
    assert rules.is_override(rule, status) is override


def test_every_suggestion_agrees_with_its_own_rule_result():
    for result in (MET, NOT, UND):
        assert not rules.is_override(result, rules.SUGGESTION[result])


def test_a_list_missing_a_needed_dimension_can_never_meet_the_rule():
    full = [(d, S) for d in DIMENSION_ORDER for _ in range(2)]
    assert rules.rule_can_be_met("adult-labour", full)
    no_means = [(d, s) for d, s in full if d not in (CD, VD)]
    assert not rules.rule_can_be_met("adult-labour", no_means)
    assert rules.rule_can_be_met("child-labour", no_means)
    only_weak_exploitation = [(d, s) for d, s in full if d != EX] + [(EX, W)] * 5
    assert not rules.rule_can_be_met("child-sexual", only_weak_exploitation)
    assert Dimension.EXPLOITATIVE_CONDITIONS == EX
