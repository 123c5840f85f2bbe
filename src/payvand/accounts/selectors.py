"""Reading staff lists, scoped to the caller."""

from django.db.models import QuerySet
from django.http import Http404

from payvand.accounts.models import KnownDevice, Membership, User
from payvand.core.permissions import Perm, has_perm
from payvand.orgs.models import Organisation


def staff_of(org: Organisation, *, by: User) -> QuerySet[Membership]:
    """Memberships of ``org``: for its supervisors and admins, and for platform admins."""
    if not (has_perm(by, Perm.STAFF_VIEW, org) or has_perm(by, Perm.PLATFORM_ORGS_MANAGE)):
        raise Http404
    return (
        Membership.objects.filter(organisation=org)
        .select_related("user")
        .order_by("-is_active", "user__full_name", "role")
    )


def membership_get(org: Organisation, public_id, *, by: User) -> Membership:
    membership = staff_of(org, by=by).filter(public_id=public_id).first()
    if membership is None:
        raise Http404
    return membership


def known_devices(user: User) -> QuerySet[KnownDevice]:
    """The browsers ``user`` has signed in from (her own; nobody else's)."""
    return KnownDevice.objects.filter(user=user).order_by("-last_seen")[:20]
