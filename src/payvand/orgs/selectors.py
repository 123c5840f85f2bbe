"""Reading organisations, always within what the caller may see."""

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from payvand.accounts.models import User
from payvand.core.permissions import Perm, has_perm, orgs_where
from payvand.orgs.models import Organisation


def organisations_visible_to(user: User, perm: Perm = Perm.ORG_VIEW) -> QuerySet[Organisation]:
    """Platform admins see every organisation; everyone else those they hold ``perm`` in."""
    if has_perm(user, Perm.PLATFORM_ORGS_MANAGE):
        return Organisation.objects.all()
    return Organisation.objects.filter(pk__in=orgs_where(user, perm))


def organisation_get(user: User, public_id, perm: Perm = Perm.ORG_VIEW) -> Organisation:
    """The organisation if ``user`` holds ``perm`` there (or manages the platform), else 404."""
    org = Organisation.objects.filter(public_id=public_id).first()
    if org is None:
        raise Http404
    if has_perm(user, perm, org):
        return org
    if has_perm(user, Perm.PLATFORM_ORGS_MANAGE) and perm in (
        Perm.ORG_VIEW,
        Perm.ORG_EDIT_PROFILE,
        Perm.STAFF_VIEW,
    ):
        return org
    raise Http404


def organisation_list_with_staff_counts(user: User) -> QuerySet[Organisation]:
    return organisations_visible_to(user).annotate(
        staff_count=Count("memberships__user", filter=Q(memberships__is_active=True), distinct=True)
    )


def organisation_by_code(code: str) -> Organisation | None:
    """For commands run by the operator on the server (no user scope there)."""
    return Organisation.objects.filter(code__iexact=code).first()
