"""No selector ever returns anything outside its caller's scope (issue 7 §3).

Hypothesis builds random worlds (testing/worlds.py) — organisations in several countries,
people with random roles in one or two of them, deactivated memberships, accounts and
organisations, cases with every kind of record, consents given and withdrawn, referrals and
transfers in every state, contact requests, a shredding drill — and then every person of
the world (and someone not signed in) asks every public selector for everything it would
give them (scoping_probes.py). Each object returned is checked against the scope the
permission table gives that person (testing/scope.py).

A selector added to any ``selectors.py`` fails ``test_every_selector_is_probed`` until it
has a probe or a reason to be exempt. And a selector that forgets its organisation filter
fails the property: ``test_a_selector_without_its_organisation_filter_fails_the_property``
proves it with a deliberately broken copy of ``cases_visible_to``.
"""

from __future__ import annotations

import importlib
import inspect
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, note, settings

import payvand
from payvand.cases.models import Case
from payvand.core.permissions import Perm, Role, orgs_where
from payvand.core.tests.scoping_probes import EXEMPT, PROBES, check_world
from payvand.testing.factories import OrganisationFactory, case, member
from payvand.testing.scope import ScopeLeak
from payvand.testing.worlds import build_world, world_specs

EXAMPLES = 25


@contextmanager
def rolled_back():
    """Undo everything done inside, the way Django's TestCase undoes a test: in a
    savepoint marked as the test case's, so that the services' durable transactions
    (``atomic(durable=True)``) run inside it as they do in every other test."""
    atomic = transaction.atomic()
    atomic._from_testcase = True
    with atomic:
        yield
        transaction.set_rollback(True)


def scoping_property(overrides=None, **options) -> None:
    """Build random worlds and check every selector for everyone in each."""

    options = {
        "max_examples": EXAMPLES,
        "deadline": None,
        "database": None,  # nothing written to the working tree; a failure prints its world
        # No shrinking: a leak's message names the selector, the caller and the object,
        # and shrinking a world costs minutes of building and checking smaller ones.
        "phases": [Phase.explicit, Phase.generate],
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    } | options

    @settings(**options)
    @given(spec=world_specs())
    def property_holds(spec) -> None:
        with rolled_back():
            world = build_world(spec)
            note(f"refused while building: {dict(world.refused)}")
            check_world(overrides)

    property_holds()


def selector_functions() -> set[str]:
    """Every public function defined in a ``selectors.py`` of the project."""
    root = Path(payvand.__file__).parent
    names = set()
    for path in sorted(root.rglob("selectors.py")):
        module = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        loaded = importlib.import_module(module)
        for name, fn in inspect.getmembers(loaded, inspect.isfunction):
            if fn.__module__ == module and not name.startswith("_"):
                names.add(f"{module.removeprefix('payvand.')}.{name}")
    return names


def test_every_selector_is_probed_or_exempt_with_a_reason():
    found = selector_functions()
    assert len(found) > 100  # the search itself works
    not_covered = found - set(PROBES) - set(EXEMPT)
    assert not not_covered, (
        f"Selectors with no probe in core/tests/scoping_probes.py: {sorted(not_covered)}. "
        "Add a probe that asks them for everything they would give a caller, or, if they "
        "read nothing scoped, a line in EXEMPT saying why."
    )
    gone = (set(PROBES) | set(EXEMPT)) - found
    assert not gone, f"Probes or exemptions of selectors that no longer exist: {sorted(gone)}"
    assert not set(PROBES) & set(EXEMPT)


@pytest.mark.django_db
def test_no_selector_returns_anything_outside_the_callers_scope():
    scoping_property()


# --- the proof that the property catches a leak ---------------------------------------


def cases_of_every_organisation(user):
    """``cases_visible_to`` as a slip would leave it: the rights checked, the
    organisation filter forgotten."""
    if not (orgs_where(user, Perm.CASE_VIEW_ALL) or orgs_where(user, Perm.CASE_VIEW_ASSIGNED)):
        return Case.objects.none()
    return Case.objects.all()


BROKEN = {"cases.selectors.cases_visible_to": cases_of_every_organisation}


@pytest.mark.django_db
def test_a_selector_without_its_organisation_filter_is_caught_in_a_small_world():
    dushanbe, kabul = OrganisationFactory(country="TJ"), OrganisationFactory(country="AF")
    case(dushanbe)
    member(Role.SUPERVISOR, kabul)
    check_world()  # the real selectors pass
    with pytest.raises(ScopeLeak, match=r"cases_visible_to gave user .* Case"):
        check_world(BROKEN)


@pytest.mark.django_db
def test_a_selector_without_its_organisation_filter_fails_the_property():
    # The same random worlds and checker as the property above, with the broken copy in
    # place of the real selector: the property must fail, with a leak.
    with pytest.raises(ScopeLeak):
        scoping_property(BROKEN, report_multiple_bugs=False)
