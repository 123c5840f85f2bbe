import pytest

from payvand.core.permissions import (
    PLATFORM_PERMS,
    ROLE_PERMS,
    ROLES_SEEING_PERSONAL_DATA,
    Perm,
    Role,
    has_perm,
)
from payvand.testing.factories import MembershipFactory, UserFactory, member


def test_only_case_roles_can_see_case_data():
    """PRODUCT.md: organisation and platform admins and analysts never see a person."""
    assert {Role.CASEWORKER, Role.SUPERVISOR} == ROLES_SEEING_PERSONAL_DATA
    for role in (Role.ORG_ADMIN, Role.ANALYST, Role.PLATFORM_ADMIN):
        assert not any(p.value.startswith("case.") for p in ROLE_PERMS[role])


def test_every_role_has_a_row_and_every_permission_is_used():
    assert set(ROLE_PERMS) == set(Role.values)
    used = set().union(*ROLE_PERMS.values())
    assert used == set(Perm)


@pytest.mark.django_db
def test_org_scoped_permission_holds_only_in_that_organisation(org, other_org):
    supervisor = member(Role.SUPERVISOR, org)
    assert has_perm(supervisor, Perm.CASE_VIEW_ALL, org)
    assert not has_perm(supervisor, Perm.CASE_VIEW_ALL, other_org)
    assert not has_perm(supervisor, Perm.CASE_VIEW_ALL)  # no organisation, no right


@pytest.mark.django_db
def test_platform_permissions_need_no_organisation(org):
    assert Perm.STATS_REGIONAL in PLATFORM_PERMS
    analyst = member(Role.ANALYST, org)
    assert has_perm(analyst, Perm.STATS_REGIONAL)
    assert not has_perm(analyst, Perm.PLATFORM_ORGS_MANAGE)


@pytest.mark.django_db
def test_inactive_membership_user_or_organisation_grants_nothing(org):
    m = MembershipFactory(organisation=org, role=Role.SUPERVISOR, is_active=False)
    assert not has_perm(m.user, Perm.CASE_VIEW_ALL, org)
    user = member(Role.SUPERVISOR, org)
    user.is_active = False
    assert not has_perm(user, Perm.CASE_VIEW_ALL, org)
    fresh = UserFactory()
    assert not has_perm(fresh, Perm.ORG_VIEW, org)
