"""Public releases with differential privacy (OpenDP), their budget ledger and register.

A noisy release counts the survivors of one year by one to three fields over **public
keys** — the categories come from public lists (CTDC's picklists, the programme's and
partners' countries, everything else as "other"), never from the data — so an empty cell
is released as a noisy zero and no budget is spent discovering keys.

- Privacy unit: one survivor — a person, or the persons duplicate detection linked
  across organisations (linkage's SurvivorKey). She is one row, her earliest counted
  record (tables.survivor_facts: consent to statistics asked now), and belongs to that
  record's year, so the years' data are disjoint and their budgets compose in parallel:
  whatever is released, a survivor's loss is at most one year's budget. Her row touches
  one cell, or up to three when the table is by exploitation type (CTDC's three flags):
  that is the sensitivity (l1). The guarantee is about the data as they are when a
  table is released: records linked only later (or a withdrawal that moves her to a later
  record) were two survivors, or another year, for the releases made before.
- Mechanism: OpenDP's ``make_laplace`` on a vector of integer counts, which is the
  discrete Laplace (geometric) mechanism, with the scale OpenDP's binary search gives for
  the ε asked. OpenDP ships it behind the "contrib" feature flag (in 0.16 the
  measurements and the accuracy helpers are not yet in its vetted set), so this module,
  and only it, enables "contrib".
- 95 % error: the smallest whole number t such that the noise exceeds t with probability
  at most 5 % — for a cell from the discrete Laplace's closed form (it agrees with
  OpenDP's ``discrete_laplacian_scale_to_accuracy`` to within its rounding), for a total
  from the exact distribution of the sum of its cells' noises. Both depend only on the
  mechanism, never on the data.
- Post-processing (free under DP): each noisy cell is clamped at 0 (integers already);
  every total is then the sum of its published cells, so the table adds up. Clamping
  never moves a cell further from its true count, but where many true counts are near
  zero it biases totals upwards beyond their published error: release coarse tables.
- Ledger: ``PAYVAND_DP_EPSILON_PER_YEAR`` (default 1.0) per year of survivors; each
  release draws ε from its year and is refused when it would overdraw it.
- Register: the same cells are never released both exactly and noisily. A release is
  refused when a release of the other mode exists for the same year and filters whose
  fields are the same, a subset or a superset (a two-field table's totals are the
  one-field tables).
"""

from __future__ import annotations

import functools
import itertools
import math
import os
from dataclasses import dataclass, field

import numpy as np
import opendp.prelude as dp
from django.conf import settings
from django.db import transaction
from opendp.accuracy import discrete_laplacian_scale_to_accuracy

from payvand.core import countries
from payvand.core.audit.services import audit_record
from payvand.stats.models import PrivacyLedger, Release, ReleaseMode
from payvand.stats.suppression import ALL, Table
from payvand.stats.tables import EXPLOITATION_FLAGS, count_table, survivor_facts, table_rows
from payvand.stats.vocab import AGE_BANDS, CtdcGender, Datasource, ExploitationKind

dp.enable_features("contrib")

ALPHA = 0.05
MECHANISM = "discrete_laplace"
OTHER = "other"  # a country outside the public list
MISSING = ""
PUBLIC_COUNTRIES = (*countries.PROGRAMME_COUNTRIES, *countries.PARTNER_COUNTRIES)
PUBLIC_KEYS: dict[str, tuple[str, ...]] = {
    "gender": (*CtdcGender.values, MISSING),
    "age_band": (*AGE_BANDS, MISSING),
    "citizenship": (*PUBLIC_COUNTRIES, OTHER, MISSING),
    "country_of_exploitation": (*PUBLIC_COUNTRIES, OTHER, MISSING),
    "exploitation_type": tuple(ExploitationKind.values),
    "datasource": tuple(Datasource.values),
}
RELEASE_FIELDS = tuple(PUBLIC_KEYS)
MAX_FIELDS = 3


class ReleaseRefused(Exception):
    """A release that may not happen: bad spec, budget spent, or released the other way."""


def epsilon_per_year() -> float:
    value = getattr(settings, "PAYVAND_DP_EPSILON_PER_YEAR", None)
    if value is None:
        value = os.environ.get("PAYVAND_DP_EPSILON_PER_YEAR", "1.0")
    return float(value)


@dataclass
class NoisyTable:
    """A noisy release's figures, before or after it is recorded."""

    fields: list[str]
    year: int
    epsilon: float
    sensitivity: int
    scale: float
    cell_error: float
    cells: list[dict] = field(default_factory=list)  # {"key": [...], "value": n, "error95": e}
    totals: list[dict] = field(default_factory=list)  # "*" marks a summed field


def sensitivity_of(fields: list[str]) -> int:
    """How many cells one survivor's row can touch (her exploitation flags: up to 3)."""
    return len(ExploitationKind.values) if "exploitation_type" in fields else 1


def _measurement(scale: float):
    return dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=scale
    )


@functools.lru_cache(maxsize=64)
def scale_for(epsilon: float, sensitivity: int) -> float:
    """The smallest scale whose discrete Laplace spends at most ``epsilon`` (OpenDP)."""
    return dp.binary_search_param(_measurement, d_in=sensitivity, d_out=epsilon)


def cell_error(scale: float) -> float:
    return sum_error(scale, 1)


def opendp_cell_error(scale: float) -> float:
    """OpenDP's accuracy for one cell: the real t with P(|noise| ≥ t) = α. Published
    figures use the integer form (``sum_error``), which is at most this and at least
    this minus one; the tests check that they agree."""
    return discrete_laplacian_scale_to_accuracy(scale, ALPHA)


@functools.lru_cache(maxsize=256)
def sum_error(scale: float, cells: int) -> float:
    """95 % error of one noisy cell, or of the sum of ``cells`` independent noises: the
    smallest integer t with P(|noise| > t) ≤ α, from the exact distribution (the discrete
    Laplace's probabilities, convolved ``cells`` times through one FFT)."""
    a = math.exp(-1 / scale)
    variance = 2 * a / (1 - a) ** 2
    # Wide enough that the mass outside is negligible, for one noise and for their sum.
    reach = int(max(40 * scale, 12 * math.sqrt(cells * variance))) + 10
    size = 1 << (2 * reach + 1).bit_length()
    values = np.arange(size)
    values = np.where(values < size // 2, values, values - size)  # circular: 0, 1, …, -1
    pmf = (1 - a) / (1 + a) * a ** np.abs(values)
    total = np.clip(np.real(np.fft.ifft(np.fft.fft(pmf) ** cells)), 0, None)
    inside, t = total[0], 0
    while 1 - inside > ALPHA:
        t += 1
        inside += total[t] + total[-t]
    return float(t)


def _key_of(field_name: str, value) -> str:
    value = MISSING if value is None else str(value)
    if field_name in ("citizenship", "country_of_exploitation") and value:
        return value if value in PUBLIC_COUNTRIES else OTHER
    return value


def survivor_rows(year: int) -> list[dict]:
    """One row per survivor whose earliest counted record is of ``year``."""
    facts = (
        survivor_facts()
        .filter(year=year)
        .values(
            "gender",
            "age_band",
            "citizenship",
            "country_of_exploitation",
            "datasource",
            *(flag for _kind, flag in EXPLOITATION_FLAGS),
        )
    )
    return list(facts.iterator(chunk_size=5000))


def true_counts(fields: list[str], year: int) -> dict[tuple, int]:
    """Survivors of ``year`` per cell over the public keys (every key, zeros included)."""
    counts = {key: 0 for key in itertools.product(*(PUBLIC_KEYS[f] for f in fields))}
    for row in survivor_rows(year):
        choices = []
        for f in fields:
            if f == "exploitation_type":
                choices.append([str(kind) for kind, flag in EXPLOITATION_FLAGS if row[flag]])
            else:
                choices.append([_key_of(f, row[f])])
        for key in itertools.product(*choices):
            counts[key] += 1
    return counts


def _check_spec(fields: list[str], epsilon: float | None) -> None:
    unknown = [f for f in fields if f not in RELEASE_FIELDS]
    if not fields or unknown:
        raise ReleaseRefused(
            f"Unknown field: {', '.join(unknown) or '(none)'}. "
            f"A release is by {', '.join(RELEASE_FIELDS)} (one year at a time)."
        )
    if len(set(fields)) != len(fields) or len(fields) > MAX_FIELDS:
        raise ReleaseRefused(f"Give one to {MAX_FIELDS} different fields.")
    if epsilon is not None and not (0 < epsilon <= epsilon_per_year()):
        raise ReleaseRefused(
            f"ε must be more than 0 and at most the year's budget ({epsilon_per_year():g})."
        )


def conflicting_release(mode: str, fields: list[str], year: int, filters: dict) -> Release | None:
    """A release of the other mode that shares cells with this one, if any."""
    other = ReleaseMode.EXACT if mode == ReleaseMode.NOISY else ReleaseMode.NOISY
    mine = set(fields)
    for release in Release.objects.filter(mode=other, year=year):
        theirs = set(release.fields)
        if (release.filters or {}) == (filters or {}) and (mine <= theirs or theirs <= mine):
            return release
    return None


def _margins(fields: list[str], cells: dict[tuple, int]) -> dict[tuple, tuple[int, int]]:
    """Every total (``ALL`` in the summed fields) → (its sum, how many cells it sums)."""
    totals: dict[tuple, list[int]] = {}
    n = len(fields)
    for summed in range(1, n + 1):
        for dims in itertools.combinations(range(n), summed):
            for key, value in cells.items():
                total = tuple(ALL if d in dims else v for d, v in enumerate(key))
                entry = totals.setdefault(total, [0, 0])
                entry[0] += value
                entry[1] += 1
    return {k: (v[0], v[1]) for k, v in totals.items()}


def ledger(year: int) -> dict:
    row = PrivacyLedger.objects.filter(year=year).first()
    spent = row.spent if row else 0.0
    budget = epsilon_per_year()
    return {
        "year": year,
        "budget": budget,
        "spent": spent,
        "remaining": max(0.0, budget - spent),
        "releases": row.releases if row else 0,
    }


def ledgers() -> list[dict]:
    return [ledger(y) for y in PrivacyLedger.objects.values_list("year", flat=True)]


def plan_noisy(fields: list[str], year: int, epsilon: float) -> NoisyTable:
    """What a release would spend and how precise it would be — computed without the
    data, so a dry run reveals nothing and spends nothing."""
    _check_spec(fields, epsilon)
    sensitivity = sensitivity_of(fields)
    scale = scale_for(epsilon, sensitivity)
    return NoisyTable(
        fields=list(fields),
        year=year,
        epsilon=epsilon,
        sensitivity=sensitivity,
        scale=scale,
        cell_error=cell_error(scale),
    )


def noisy_figures(plan: NoisyTable, counts: dict[tuple, int]) -> NoisyTable:
    """Noise, clamping and totals for ``counts`` (the true counts over the public keys)."""
    keys = list(counts)
    measurement = _measurement(plan.scale)
    assert measurement.map(plan.sensitivity) <= plan.epsilon + 1e-12
    noisy = measurement([counts[k] for k in keys])
    published = {k: max(0, int(v)) for k, v in zip(keys, noisy, strict=True)}
    plan.cells = [
        {"key": list(k), "value": published[k], "error95": round(plan.cell_error, 1)} for k in keys
    ]
    errors: dict[int, float] = {}
    plan.totals = []
    for key, (value, n) in _margins(plan.fields, published).items():
        if n not in errors:
            errors[n] = sum_error(plan.scale, n)
        plan.totals.append({"key": list(key), "value": value, "error95": round(errors[n], 1)})
    return plan


def release_noisy(*, fields: list[str], year: int, epsilon: float, by=None) -> Release:
    """Publish the noisy table of ``year``'s survivors by ``fields``, drawing ε from the
    year's ledger; refused if the budget is short or the cells were released exactly."""
    plan = plan_noisy(fields, year, epsilon)
    filters: dict = {}
    with transaction.atomic(durable=True):
        entry, _created = PrivacyLedger.objects.select_for_update().get_or_create(year=year)
        budget = epsilon_per_year()
        if entry.spent + epsilon > budget + 1e-9:
            raise ReleaseRefused(
                f"The privacy budget of {year} is spent: ε {entry.spent:g} of {budget:g} used, "
                f"{max(0.0, budget - entry.spent):g} left, {epsilon:g} asked."
            )
        conflict = conflicting_release(ReleaseMode.NOISY, fields, year, filters)
        if conflict is not None:
            raise ReleaseRefused(
                f"These cells were released exactly ({', '.join(conflict.fields)}, {year}, "
                f"release {conflict.public_id}); they cannot also be released with noise."
            )
        noisy_figures(plan, true_counts(fields, year))
        entry.spent += epsilon
        entry.releases += 1
        entry.save(update_fields=["spent", "releases", "updated_at"])
        release = Release.objects.create(
            mode=ReleaseMode.NOISY,
            year=year,
            fields=list(fields),
            filters=filters,
            mechanism=MECHANISM,
            sensitivity=plan.sensitivity,
            scale=plan.scale,
            epsilon=epsilon,
            figures={"cells": plan.cells, "totals": plan.totals},
            created_by=by,
        )
        audit_record(
            action="stats.release",
            actor=by,
            obj=release,
            details={"mode": "noisy", "fields": fields, "year": year, "epsilon": epsilon},
        )
    return release


def release_exact(*, fields: list[str], year: int, k: int = 11, by=None) -> Release:
    """Publish the small-cell-suppressed table of ``year``; registered so that the same
    cells are never also released with noise."""
    _check_spec(fields, None)
    filters: dict = {}
    with transaction.atomic(durable=True):
        PrivacyLedger.objects.select_for_update().get_or_create(year=year)  # one at a time
        conflict = conflicting_release(ReleaseMode.EXACT, fields, year, filters)
        if conflict is not None:
            raise ReleaseRefused(
                f"These cells were released with noise ({', '.join(conflict.fields)}, {year}, "
                f"release {conflict.public_id}); they cannot also be released exactly."
            )
        table = count_table(source="cases", by=fields, k=k, year_from=year, year_to=year)
        release = Release.objects.create(
            mode=ReleaseMode.EXACT,
            year=year,
            fields=list(fields),
            filters=filters,
            mechanism="small-cell suppression",
            k=k,
            figures={"cells": _exact_cells(table), "totals": _exact_totals(table)},
            created_by=by,
        )
        audit_record(
            action="stats.release",
            actor=by,
            obj=release,
            details={"mode": "exact", "fields": fields, "year": year, "k": k},
        )
    return release


def _exact_cells(table: Table) -> list[dict]:
    return [{"key": list(cell), "value": value} for cell, value in table_rows(table)]


def _exact_totals(table: Table) -> list[dict]:
    return [{"key": list(key), "value": table.released_total(key)} for key in sorted(table.totals)]
