"""Every URL, every role, own organisation and another: the expected status.

A new URL pattern fails `test_every_url_pattern_is_in_the_matrix` until its row
is added here, so no page can ship without saying who may open it.
"""

import importlib

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from payvand.accounts.models import Membership
from payvand.core.permissions import Role
from payvand.testing.factories import MembershipFactory, OrganisationFactory, member
from payvand.testing.matrix import ALL_SIGNED_IN, ANON, OK_FOR, ROLES

# name: (method, {role: status in own org}, {role: status in another org}); anonymous
# users are sent to the login page (302) unless "anon" is given.
MATRIX = {
    "dashboard:home": ("GET", ALL_SIGNED_IN, None),
    "accounts:login": ("GET", {r: 302 for r in Role.values} | {ANON: 200}, None),
    "accounts:logout": ("POST", {r: 302 for r in Role.values} | {ANON: 302}, None),
    "accounts:profile": ("GET", ALL_SIGNED_IN, None),
    "accounts:password_change": ("GET", ALL_SIGNED_IN, None),
    # The test client has passed the second factor: the 2FA page sends it on.
    "accounts:two_factor": ("GET", {r: 302 for r in Role.values}, None),
    "accounts:two_factor_setup": ("GET", ALL_SIGNED_IN, None),
    "accounts:security": ("GET", ALL_SIGNED_IN, None),
    "accounts:recovery_codes": ("POST", ALL_SIGNED_IN, None),
    "accounts:sessions_end": ("POST", {r: 302 for r in Role.values} | {ANON: 302}, None),
    "accounts:password_reset": ("GET", ALL_SIGNED_IN | {ANON: 200}, None),
    "accounts:password_reset_done": ("GET", ALL_SIGNED_IN | {ANON: 200}, None),
    "accounts:password_reset_confirm": ("GET", ALL_SIGNED_IN | {ANON: 200}, None),
    "accounts:password_reset_complete": ("GET", ALL_SIGNED_IN | {ANON: 200}, None),
    "language_switch": ("POST", {r: 302 for r in ROLES}, None),
    "healthz": ("GET", {r: 200 for r in ROLES}, None),
    "audit_status": ("GET", OK_FOR(Role.PLATFORM_ADMIN), None),
    "orgs:list": ("GET", OK_FOR(Role.PLATFORM_ADMIN), None),
    "orgs:create": ("GET", OK_FOR(Role.PLATFORM_ADMIN), None),
    "orgs:subdivisions": ("GET", ALL_SIGNED_IN, None),
    "orgs:detail": ("GET", ALL_SIGNED_IN, OK_FOR(Role.PLATFORM_ADMIN)),
    "orgs:edit": (
        "GET",
        OK_FOR(Role.ORG_ADMIN, Role.PLATFORM_ADMIN),
        OK_FOR(Role.PLATFORM_ADMIN),
    ),
    "orgs:set_active": (
        "POST",
        {r: (302 if r == Role.PLATFORM_ADMIN else 404) for r in Role.values},
        {r: (302 if r == Role.PLATFORM_ADMIN else 404) for r in Role.values},
    ),
    "staff:list": (
        "GET",
        OK_FOR(Role.SUPERVISOR, Role.ORG_ADMIN, Role.PLATFORM_ADMIN),
        OK_FOR(Role.PLATFORM_ADMIN),
    ),
    "staff:invite": (
        "GET",
        OK_FOR(Role.ORG_ADMIN, Role.PLATFORM_ADMIN),
        OK_FOR(Role.PLATFORM_ADMIN),
    ),
    # A caseworker of the organisation: only its admins may end her sessions or reset
    # her second factor (platform admins act on the roles they grant: admins, analysts).
    "staff:sessions_end": (
        "POST",
        {r: (302 if r == Role.ORG_ADMIN else 404) for r in Role.values},
        {r: 404 for r in Role.values},
    ),
    "staff:two_factor_reset": (
        "POST",
        {r: (302 if r == Role.ORG_ADMIN else 404) for r in Role.values},
        {r: 404 for r in Role.values},
    ),
    "staff:set_active": (
        "POST",
        {r: (302 if r in (Role.ORG_ADMIN, Role.PLATFORM_ADMIN) else 404) for r in Role.values},
        {r: (302 if r == Role.PLATFORM_ADMIN else 404) for r in Role.values},
    ),
}


def _app_matrices():
    """Each app's `tests/url_matrix.py` module, when it has one."""
    for config in apps.get_app_configs():
        if not config.name.startswith("payvand."):
            continue
        try:
            yield importlib.import_module(f"{config.name}.tests.url_matrix")
        except ModuleNotFoundError:
            continue


for _module in _app_matrices():
    MATRIX.update(_module.ROWS)


def _kwargs_from_apps(name, converters, org, target):
    for module in _app_matrices():
        build = getattr(module, "url_kwargs", None)
        made = build(name, converters, org, target) if build else None
        if made is not None:
            return made
    return None


def _core_kwargs(converters, org, target) -> dict:
    kwargs = {}
    if "public_id" in converters:
        kwargs["public_id"] = org.public_id
    if "org_id" in converters:
        kwargs["org_id"] = org.public_id
    if "membership_id" in converters:
        kwargs["membership_id"] = target.public_id
    if "uidb64" in converters:
        kwargs |= {"uidb64": "MQ", "token": "set-password"}
    return kwargs


def _names(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            yield from _names(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield prefix + p.name, sorted(p.pattern.converters)


def test_every_url_pattern_is_in_the_matrix():
    names = {name for name, _ in _names(get_resolver().url_patterns)}
    assert names - set(MATRIX) == set(), "add these URL names to MATRIX"
    assert set(MATRIX) - names == set(), "these MATRIX rows have no URL any more"


CASES = [
    (name, role, scope)
    for name, (_method, own, other) in MATRIX.items()
    for role in ROLES
    for scope in (["own", "other"] if other is not None else ["own"])
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role", "scope"), CASES)
def test_status_by_role_and_organisation(client, name, role, scope):
    own, other = OrganisationFactory(), OrganisationFactory(country="AF", subdivision="AF-KAB")
    target_org = own if scope == "own" else other
    # Someone to act on in each organisation (a caseworker, plus a second admin
    # so that removing one is allowed).
    target = MembershipFactory(organisation=target_org, role=Role.CASEWORKER)
    MembershipFactory(organisation=target_org, role=Role.ORG_ADMIN)
    if role != ANON:
        user = member(role, own)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    converters = dict(_names(get_resolver().url_patterns))[name]
    kwargs = _kwargs_from_apps(name, converters, target_org, target)
    if kwargs is None:
        kwargs = _core_kwargs(converters, target_org, target)
    method, own_expect, other_expect = MATRIX[name]
    expected_table = own_expect if scope == "own" else other_expect
    expected = expected_table.get(role, 302 if role == ANON else None)
    url = reverse(name, kwargs=kwargs)
    response = client.post(url) if method == "POST" else client.get(url)
    assert response.status_code == expected, f"{role} {method} {url} ({scope})"
    if (
        role == ANON
        and expected == 302
        and name
        not in (
            "accounts:logout",
            "language_switch",
            "accounts:sessions_end",
        )
    ):
        assert response["Location"].startswith(reverse("accounts:login"))
    if name == "staff:set_active" and expected == 404:
        assert Membership.objects.get(pk=target.pk).is_active, "refused, so nothing changed"


BEFORE_SECOND_FACTOR = [
    (name, role) for name in MATRIX for role in (Role.CASEWORKER, Role.PLATFORM_ADMIN)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), BEFORE_SECOND_FACTOR)
def test_before_the_second_factor_a_session_opens_no_more_than_an_anonymous_one(name, role):
    """Password typed, code not yet: every page that needs a signed-in user sends her to
    the code page (a write changes nothing), whatever her role."""
    from django.test import Client

    from payvand.core.audit.models import AuditEvent
    from payvand.testing.twofactor import authenticator_for

    own = OrganisationFactory()
    target = MembershipFactory(organisation=own, role=Role.CASEWORKER)
    MembershipFactory(organisation=own, role=Role.ORG_ADMIN)
    user = member(role, own)
    authenticator_for(user)
    client = Client()  # not the verifying test client
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    converters = dict(_names(get_resolver().url_patterns))[name]
    kwargs = _kwargs_from_apps(name, converters, own, target)
    if kwargs is None:
        kwargs = _core_kwargs(converters, own, target)
    method, own_expect, _other = MATRIX[name]
    url = reverse(name, kwargs=kwargs)
    events = AuditEvent.objects.count()
    response = client.post(url) if method == "POST" else client.get(url)
    if own_expect.get(ANON) == 200 or name in ("accounts:logout", "language_switch"):
        return  # open to anyone: nothing to hold back
    if name in ("accounts:two_factor", "accounts:two_factor_setup"):
        assert response.status_code in (200, 302)
        return
    assert response.status_code == 302, f"{method} {url}"
    assert response["Location"].startswith(reverse("accounts:two_factor")), f"{method} {url}"
    assert AuditEvent.objects.count() == events, f"{method} {url} wrote something"
