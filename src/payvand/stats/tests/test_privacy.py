"""Public releases with differential privacy: the ledger, the published error, the
post-processing and the register that keeps exact and noisy releases apart."""

import datetime as dt
import io
import itertools

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from payvand.consent.services import consent_record
from payvand.core.permissions import Role
from payvand.stats import privacy
from payvand.stats.models import PrivacyLedger, Release
from payvand.stats.suppression import ALL
from payvand.testing.factories import case, member
from payvand.trafficking import services as trafficking

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _budget(settings):
    settings.PAYVAND_DP_EPSILON_PER_YEAR = 1.0


def _survivors(org, n, *, citizenship="TJ", types=("ForcedLabour",)):
    worker = member(Role.CASEWORKER, org)
    made = []
    for _ in range(n):
        c = case(org, owner=worker, citizenship=[citizenship], gender="Feminine", estimated_age=30)
        consent_record(
            case=c,
            by=worker,
            purpose="statistics",
            given_on=dt.date(2026, 11, 2),
            recorded_how="written_signed",
        )
        trafficking.victim_context_update(case=c, by=worker, version=0, exploitation_types=types)
        made.append(c)
    return made


def _year(cases) -> int:
    return cases[0].identified_on.year


def test_releases_draw_down_the_ledger_and_are_refused_when_it_is_spent(org):
    year = _year(_survivors(org, 3))
    privacy.release_noisy(fields=["gender"], year=year, epsilon=0.4)
    privacy.release_noisy(fields=["age_band"], year=year, epsilon=0.4)
    assert privacy.ledger(year) | {"spent": round(privacy.ledger(year)["spent"], 6)} == {
        "year": year, "budget": 1.0, "spent": 0.8, "remaining": pytest.approx(0.2),
        "releases": 2,
    }  # fmt: skip
    with pytest.raises(privacy.ReleaseRefused, match=f"The privacy budget of {year} is spent"):
        privacy.release_noisy(fields=["citizenship"], year=year, epsilon=0.4)
    assert Release.objects.count() == 2, "a refused release records nothing"
    privacy.release_noisy(fields=["citizenship"], year=year, epsilon=0.2)
    with pytest.raises(CommandError, match=r"budget .* is spent"):
        call_command(
            "stats", "release", "--by", "gender", "--year", str(year), "--epsilon", "0.01",
            stdout=io.StringIO(),
        )  # fmt: skip
    out = io.StringIO()
    call_command("stats", "ledger", stdout=out)
    assert f"{year}  spent 1  left 0  releases 3" in out.getvalue()


def test_a_dry_run_spends_nothing_and_shows_no_figure(org):
    year = _year(_survivors(org, 2))
    out = io.StringIO()
    call_command(
        "stats", "release", "--by", "gender,exploitation_type", "--year", str(year),
        "--epsilon", "0.5", "--dry-run", stdout=out,
    )  # fmt: skip
    assert "Would spend ε 0.5" in out.getvalue() and "sensitivity 3" in out.getvalue()
    assert not Release.objects.exists() and not PrivacyLedger.objects.exists()


def test_figures_are_non_negative_integers_over_the_public_keys_with_consistent_totals(org):
    year = _year(_survivors(org, 4, citizenship="RU") + _survivors(org, 2, citizenship="BR"))
    release = privacy.release_noisy(
        fields=["citizenship", "exploitation_type"], year=year, epsilon=0.5
    )
    cells = {tuple(c["key"]): c["value"] for c in release.figures["cells"]}
    assert set(cells) == set(
        itertools.product(
            privacy.PUBLIC_KEYS["citizenship"], privacy.PUBLIC_KEYS["exploitation_type"]
        )
    ), "every public key, whatever the data holds; Brazil is 'other'"
    assert all(isinstance(v, int) and v >= 0 for v in cells.values())
    for total in release.figures["totals"]:
        members = [
            v for key, v in cells.items()
            if all(t in (ALL, part) for t, part in zip(total["key"], key, strict=True))
        ]  # fmt: skip
        assert total["value"] == sum(members) and total["value"] >= 0
    assert release.sensitivity == 3 and release.scale == pytest.approx(6.0)


def test_the_published_error_matches_1000_simulated_releases_within_ten_percent():
    # True counts far from zero so that clamping never moves a figure; OpenDP draws its
    # noise from its own cryptographic generator (it cannot be seeded), so the check pools
    # every cell and margin of 1,000 releases: thousands of draws per figure kind.
    fields = ["gender", "age_band"]
    keys = list(itertools.product(privacy.PUBLIC_KEYS["gender"], privacy.PUBLIC_KEYS["age_band"]))
    truth = {key: 500 + 7 * i for i, key in enumerate(keys)}
    true_totals = privacy._margins(fields, truth)
    errors: dict[str, list[int]] = {}
    published: dict[str, float] = {}
    for _ in range(1000):
        plan = privacy.noisy_figures(privacy.plan_noisy(fields, 2025, 0.1), dict(truth))
        for cell in plan.cells:
            errors.setdefault("cell", []).append(abs(cell["value"] - truth[tuple(cell["key"])]))
            published["cell"] = cell["error95"]
        for total in plan.totals:
            key = tuple(total["key"])
            kind = f"sum of {true_totals[key][1]}"
            errors.setdefault(kind, []).append(abs(total["value"] - true_totals[key][0]))
            published[kind] = total["error95"]
    assert set(errors) == {"cell", "sum of 4", "sum of 10", "sum of 40"}
    for kind, observed in errors.items():
        if len(observed) < 4000:
            continue  # the grand total: 1,000 draws only, too few for a 10 % check
        empirical = float(np.quantile(observed, 0.95))
        assert abs(empirical - published[kind]) <= 0.1 * published[kind], kind
    scale = privacy.scale_for(0.1, 1)
    assert scale == pytest.approx(10.0)
    opendp = privacy.opendp_cell_error(scale)
    assert opendp - 1 <= privacy.cell_error(scale) <= opendp, "agrees with OpenDP's accuracy"


def test_the_same_cells_are_never_released_both_exactly_and_noisily(org):
    year = _year(_survivors(org, 12))
    exact = privacy.release_exact(fields=["gender"], year=year, k=11)
    assert exact.figures["cells"] == [{"key": ["Woman"], "value": 12}]
    with pytest.raises(privacy.ReleaseRefused, match="released exactly"):
        privacy.release_noisy(fields=["gender", "age_band"], year=year, epsilon=0.5)
    assert privacy.ledger(year)["spent"] == 0, "refused before any ε is spent"
    privacy.release_noisy(fields=["age_band"], year=year, epsilon=0.5)
    with pytest.raises(privacy.ReleaseRefused, match="released with noise"):
        privacy.release_exact(fields=["age_band", "citizenship"], year=year)
    privacy.release_noisy(fields=["age_band"], year=year + 1, epsilon=0.5)  # another year


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--by", "colour", "--epsilon", "0.5"], "Unknown field: colour"),
        (["--by", "year", "--epsilon", "0.5"], "Unknown field: year"),
        (["--by", "gender", "--epsilon", "2"], "at most the year's budget"),
        (["--by", "gender"], "Give --epsilon"),
        (["--by", "gender", "--exact", "--epsilon", "1"], "spend no ε"),
    ],
)
def test_bad_release_arguments_get_a_clear_error(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("stats", "release", "--year", "2025", *args, stdout=io.StringIO())
