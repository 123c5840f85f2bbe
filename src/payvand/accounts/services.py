"""Staff accounts: invitations, roles, deactivation, profile. One audited transaction each."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from payvand.accounts.models import Membership, User
from payvand.core.audit.services import audit_record
from payvand.core.errors import DomainError, PermissionDenied
from payvand.core.permissions import Perm, Role, has_perm
from payvand.orgs.models import Organisation

ORG_GRANTABLE_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.ORG_ADMIN)
PLATFORM_GRANTABLE_ROLES = (Role.ORG_ADMIN, Role.ANALYST, Role.PLATFORM_ADMIN)


def roles_grantable_by(user: User, org: Organisation) -> list[str]:
    roles: list[str] = []
    if has_perm(user, Perm.STAFF_MANAGE, org):
        roles += ORG_GRANTABLE_ROLES
    if has_perm(user, Perm.PLATFORM_ORGS_MANAGE):
        roles += [r for r in PLATFORM_GRANTABLE_ROLES if r not in roles]
    return roles


def membership_grant(
    *,
    org: Organisation,
    by: User | None,
    email: str,
    full_name: str,
    role: str,
    language: str = "en",
    base_url: str = "",
    invite: bool = True,
) -> Membership:
    """Give ``email`` a role in ``org``, creating and inviting the account if it is new.

    ``by`` None is the server operator (commands, seeding). Runs inside the caller's
    transaction; the invitation e-mail goes out only once it commits.
    """
    if by is not None and role not in roles_grantable_by(by, org):
        raise PermissionDenied(_("You cannot give this role in this organisation."))
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    email = User.objects.normalize_email(email).strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User(email=email, full_name=full_name.strip(), preferred_language=language)
        user.set_unusable_password()
        user.full_clean()
        user.save()
    membership, made = Membership.objects.get_or_create(user=user, organisation=org, role=role)
    if not made and membership.is_active:
        raise DomainError(
            _("%(email)s already has this role in %(org)s.") % {"email": email, "org": org.name}
        )
    if not made:
        membership.is_active, membership.deactivated_at = True, None
        membership.save(update_fields=["is_active", "deactivated_at"])
    audit_record(
        action="staff.grant",
        actor=by,
        organisation=org,
        obj=membership,
        details={"role": role, "user": str(user.public_id), "new_account": created},
    )
    if created and invite:
        transaction.on_commit(lambda: invitation_send(user=user, org=org, base_url=base_url))
    return membership


@transaction.atomic(durable=True)
def staff_invite(**kwargs) -> Membership:
    return membership_grant(**kwargs)


def invitation_send(*, user: User, org: Organisation, base_url: str = "") -> None:
    """E-mail a link to choose a password, in the invitee's language."""
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    base = base_url or settings.PAYVAND_BASE_URL
    with translation.override(user.preferred_language):
        context = {"user": user, "org": org, "link": base.rstrip("/") + path}
        subject = _("You are invited to Payvand")
        body = render_to_string("accounts/email/invitation.txt", context)
    send_mail(subject, body, None, [user.email])


def _active_admins(org: Organisation) -> int:
    return Membership.objects.filter(
        organisation=org, role=Role.ORG_ADMIN, is_active=True, user__is_active=True
    ).count()


def may_change_access(by: User, membership: Membership) -> bool:
    org = membership.organisation
    return has_perm(by, Perm.STAFF_MANAGE, org) or (
        has_perm(by, Perm.PLATFORM_ORGS_MANAGE) and membership.role in PLATFORM_GRANTABLE_ROLES
    )


@transaction.atomic(durable=True)
def membership_set_active(*, membership: Membership, by: User, active: bool) -> Membership:
    """Remove or restore a person's role; removal takes effect on their next request."""
    org = membership.organisation
    if not may_change_access(by, membership):
        raise PermissionDenied(_("You cannot change this person's access."))
    if membership.is_active == active:
        return membership
    if not active and membership.role == Role.ORG_ADMIN and _active_admins(org) <= 1:
        raise DomainError(
            _("This is the organisation's last admin. Make someone else an admin first.")
        )
    membership.is_active = active
    membership.deactivated_at = None if active else timezone.now()
    membership.save(update_fields=["is_active", "deactivated_at"])
    audit_record(
        action="staff.reactivate" if active else "staff.deactivate",
        actor=by,
        organisation=org,
        obj=membership,
        details={"role": membership.role, "user": str(membership.user.public_id)},
    )
    return membership


@transaction.atomic(durable=True)
def profile_update(
    *,
    user: User,
    full_name: str,
    preferred_language: str,
    calendar: str,
    time_zone: str,
) -> User:
    changed = []
    for name, value in (
        ("full_name", full_name.strip()),
        ("preferred_language", preferred_language),
        ("calendar", calendar),
        ("time_zone", time_zone),
    ):
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if changed:
        user.full_clean()
        user.save(update_fields=changed)
        audit_record(action="profile.update", actor=user, obj=user, details={"fields": changed})
    return user
