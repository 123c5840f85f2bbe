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
import os
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

# Worlds per run: about a second each on two idle cores. A deeper search, by hand or at
# night: PAYVAND_SCOPING_EXAMPLES=500.
EXAMPLES = int(os.environ.get("PAYVAND_SCOPING_EXAMPLES", 25))


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


# --- what the property found, pinned --------------------------------------------------


def _transferred(sender_org, receiver_org):
    """A case of ``sender_org`` transferred to ``receiver_org`` and accepted there."""
    from payvand.referrals.services import referral_transition
    from payvand.referrals.tests.helpers import consent_to, send

    sender, receiver = member(Role.SUPERVISOR, sender_org), member(Role.SUPERVISOR, receiver_org)
    moved = case(sender_org, sender)
    consent_to(moved, sender, receiver_org)
    referral = send(moved, sender, receiver_org, kind="transfer")
    referral_transition(referral=referral, action="accept", by=receiver)
    return moved, referral


@pytest.mark.django_db
def test_referral_counts_count_every_referral_not_one_per_state():
    from payvand.referrals.selectors import counts_by_state
    from payvand.referrals.services import referral_transition
    from payvand.referrals.tests.helpers import consent_to, send

    dushanbe, kabul = OrganisationFactory(country="TJ"), OrganisationFactory(country="AF")
    sender, receiver = member(Role.SUPERVISOR, dushanbe), member(Role.SUPERVISOR, kabul)
    survivor = case(dushanbe, sender)
    consent_to(survivor, sender, kabul)
    for _ in range(3):
        referral = send(survivor, sender, kabul)
        referral_transition(referral=referral, action="decline", by=receiver, reason="NoCapacity")
    assert counts_by_state(sender) == {"declined": 3}


@pytest.mark.django_db
def test_the_sending_supervisors_still_find_a_transfer_once_the_case_has_moved():
    from payvand.referrals.selectors import counts_by_state, referral_get, referral_lists

    dushanbe, kabul = OrganisationFactory(country="TJ"), OrganisationFactory(country="AF")
    _moved, referral = _transferred(dushanbe, kabul)
    colleague = member(Role.SUPERVISOR, dushanbe)  # did not send it
    assert referral_get(colleague, referral.public_id)[1] == "sender"
    assert counts_by_state(colleague) == {"accepted": 1}
    assert [r.pk for r in referral_lists(colleague)["sent"]] == [referral.pk]
    assert counts_by_state(member(Role.CASEWORKER, dushanbe)) == {}


@pytest.mark.django_db
def test_the_contact_requests_page_names_no_case_of_another_organisation():
    from payvand.linkage.models import ContactRequest
    from payvand.linkage.selectors import case_of_person

    tashkent, dushanbe, kabul = (OrganisationFactory(country=c) for c in ("UZ", "TJ", "AF"))
    asking = case(tashkent)
    moved, _referral = _transferred(dushanbe, kabul)
    ContactRequest.objects.create(
        from_case=asking,
        from_org=tashkent,
        to_org=dushanbe,
        to_person=moved.person,
        strength="strong",
        asked_by=asking.owner,
    )
    supervisor = member(Role.SUPERVISOR, dushanbe)
    assert case_of_person(supervisor, moved.person_id) is None  # Kabul's case now
    assert case_of_person(member(Role.SUPERVISOR, kabul), moved.person_id).pk == moved.pk


@pytest.mark.django_db
def test_another_organisations_unpublished_services_are_not_offered():
    from payvand.directory.selectors import organisation_services
    from payvand.directory.tests.factories import service

    org = OrganisationFactory()
    published = service(org, name="Shelter")
    service(org, name="Draft", is_published=False)
    assert list(organisation_services(org)) == [published]


@pytest.mark.django_db
def test_a_deactivated_account_holds_no_role_for_the_dashboard_or_statistics():
    from django.http import Http404

    from payvand.accounts.models import User
    from payvand.dashboard.selectors import dashboard_for
    from payvand.stats.selectors import stats_scope

    supervisor = member(Role.SUPERVISOR, OrganisationFactory())
    User.objects.filter(pk=supervisor.pk).update(is_active=False)
    supervisor = User.objects.get(pk=supervisor.pk)
    assert dashboard_for(supervisor).org_panels == []
    with pytest.raises(Http404):
        stats_scope(supervisor)
