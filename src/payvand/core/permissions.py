"""Roles and what each may do: the one place where rights are declared.

A permission is either *organisation-scoped* (held in one organisation, checked
against it) or *platform-scoped* (regional work that belongs to no single
organisation). ``has_perm`` is the only check; views and selectors call it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from payvand.accounts.models import User
    from payvand.orgs.models import Organisation


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    SUPERVISOR = "supervisor", _("Case supervisor")
    ORG_ADMIN = "org_admin", _("Organisation admin")
    ANALYST = "analyst", _("Regional analyst")
    PLATFORM_ADMIN = "platform_admin", _("Platform admin")


class Perm(StrEnum):
    # organisation-scoped
    ORG_VIEW = "org.view"
    ORG_EDIT_PROFILE = "org.edit_profile"
    STAFF_VIEW = "org.staff_view"
    STAFF_MANAGE = "org.staff_manage"
    CASE_VIEW_ASSIGNED = "case.view_assigned"
    CASE_VIEW_ALL = "case.view_all"
    CASE_EDIT = "case.edit"
    CASE_ASSIGN = "case.assign"
    CASE_APPROVE = "case.approve"
    REFERRAL_SEND = "referral.send"
    REFERRAL_ANSWER = "referral.answer"
    REFERRAL_OVERRIDE_CONSENT = "referral.override_consent"
    # platform-scoped
    PLATFORM_ORGS_MANAGE = "platform.orgs_manage"
    PLATFORM_AUDIT_VERIFY = "platform.audit_verify"
    PLATFORM_CATALOGUE_EDIT = "platform.catalogue_edit"
    STATS_REGIONAL = "stats.regional"
    PRACTICE_HUB = "practice.hub"


PLATFORM_PERMS = frozenset(
    {
        Perm.PLATFORM_ORGS_MANAGE,
        Perm.PLATFORM_AUDIT_VERIFY,
        Perm.PLATFORM_CATALOGUE_EDIT,
        Perm.STATS_REGIONAL,
        Perm.PRACTICE_HUB,
    }
)

# PRODUCT.md, "Who uses it". Nobody outside case work gets a CASE_* right:
# organisation and platform admins run the system without seeing survivors.
ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.CASEWORKER: frozenset(
        {
            Perm.ORG_VIEW,
            Perm.CASE_VIEW_ASSIGNED,
            Perm.CASE_EDIT,
            Perm.REFERRAL_SEND,
            Perm.REFERRAL_ANSWER,
            Perm.PRACTICE_HUB,
        }
    ),
    Role.SUPERVISOR: frozenset(
        {
            Perm.ORG_VIEW,
            Perm.STAFF_VIEW,
            Perm.CASE_VIEW_ASSIGNED,
            Perm.CASE_VIEW_ALL,
            Perm.CASE_EDIT,
            Perm.CASE_ASSIGN,
            Perm.CASE_APPROVE,
            Perm.REFERRAL_SEND,
            Perm.REFERRAL_ANSWER,
            Perm.REFERRAL_OVERRIDE_CONSENT,
            Perm.PRACTICE_HUB,
        }
    ),
    Role.ORG_ADMIN: frozenset(
        {
            Perm.ORG_VIEW,
            Perm.ORG_EDIT_PROFILE,
            Perm.STAFF_VIEW,
            Perm.STAFF_MANAGE,
            Perm.PRACTICE_HUB,
        }
    ),
    Role.ANALYST: frozenset({Perm.ORG_VIEW, Perm.STATS_REGIONAL, Perm.PRACTICE_HUB}),
    Role.PLATFORM_ADMIN: frozenset(
        {
            Perm.ORG_VIEW,
            Perm.PLATFORM_ORGS_MANAGE,
            Perm.PLATFORM_AUDIT_VERIFY,
            Perm.PLATFORM_CATALOGUE_EDIT,
            Perm.PRACTICE_HUB,
        }
    ),
}

# Roles whose holders can see personal data (two-factor will be required of them).
ROLES_SEEING_PERSONAL_DATA = frozenset(
    role for role, perms in ROLE_PERMS.items() if any(p.startswith("case.") for p in perms)
)


def roles_with(perm: Perm) -> list[str]:
    """The roles that hold ``perm`` (for queries over memberships)."""
    return [role for role, perms in ROLE_PERMS.items() if perm in perms]


def perms_of_role(role: str) -> frozenset[Perm]:
    return ROLE_PERMS.get(role, frozenset())


def has_perm(user: User, perm: Perm, org: Organisation | None = None) -> bool:
    """Whether ``user`` holds ``perm``; organisation-scoped perms need ``org``.

    Only active memberships of active organisations count.
    """
    if not (user and user.is_authenticated and user.is_active):
        return False
    memberships = user.active_memberships()
    if perm in PLATFORM_PERMS:
        return any(perm in perms_of_role(m.role) for m in memberships)
    if org is None:
        return False
    return any(m.organisation_id == org.pk and perm in perms_of_role(m.role) for m in memberships)


def orgs_where(user: User, perm: Perm) -> list[int]:
    """Primary keys of the organisations in which ``user`` holds ``perm``."""
    if not (user and user.is_authenticated and user.is_active):
        return []
    return sorted(
        {m.organisation_id for m in user.active_memberships() if perm in perms_of_role(m.role)}
    )
