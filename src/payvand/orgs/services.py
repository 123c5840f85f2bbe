"""Creating and changing organisations. Each function is one audited transaction."""

from django.db import transaction
from django.utils.translation import gettext as _

from payvand.accounts.models import User
from payvand.accounts.services import membership_grant
from payvand.core.audit.services import audit_record
from payvand.core.errors import PermissionDenied
from payvand.core.keys import org_key_create
from payvand.core.permissions import Perm, Role, has_perm
from payvand.orgs.models import Organisation

PROFILE_FIELDS = (
    "name",
    "org_type",
    "country",
    "subdivision",
    "address",
    "phone",
    "email",
    "website",
    "languages",
)


@transaction.atomic(durable=True)
def organisation_create(*, by: User | None, code: str, **fields) -> Organisation:
    """``by`` None means the server operator (seeding, commands)."""
    return _organisation_create(by=by, code=code, **fields)


def _organisation_create(*, by: User | None, code: str, **fields) -> Organisation:
    if by is not None and not has_perm(by, Perm.PLATFORM_ORGS_MANAGE):
        raise PermissionDenied(_("Only platform admins can create organisations."))
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown organisation fields: {sorted(unknown)}")
    org = Organisation(code=code.upper(), **fields)
    org.full_clean()
    org.save()
    org_key_create(org)
    audit_record(action="org.create", actor=by, organisation=org, obj=org)
    return org


@transaction.atomic(durable=True)
def organisation_create_with_admin(
    *,
    by: User | None,
    code: str,
    admin_email: str,
    admin_full_name: str,
    admin_language: str = "en",
    base_url: str = "",
    **fields,
) -> Organisation:
    """A new organisation and the invitation of its first admin, all or nothing."""
    org = _organisation_create(by=by, code=code, **fields)
    membership_grant(
        org=org,
        by=by,
        email=admin_email,
        full_name=admin_full_name,
        role=Role.ORG_ADMIN,
        language=admin_language,
        base_url=base_url,
    )
    return org


@transaction.atomic(durable=True)
def organisation_update(*, org: Organisation, by: User, **fields) -> Organisation:
    if not (has_perm(by, Perm.ORG_EDIT_PROFILE, org) or has_perm(by, Perm.PLATFORM_ORGS_MANAGE)):
        raise PermissionDenied(_("You cannot change this organisation's profile."))
    changed = []
    for name, value in fields.items():
        if name not in PROFILE_FIELDS:
            raise TypeError(f"Not an editable organisation field: {name}")
        if getattr(org, name) != value:
            setattr(org, name, value)
            changed.append(name)
    if not changed:
        return org
    org.full_clean()
    org.save(update_fields=[*changed, "updated_at"])
    audit_record(
        action="org.update", actor=by, organisation=org, obj=org, details={"fields": changed}
    )
    return org


@transaction.atomic(durable=True)
def organisation_set_active(*, org: Organisation, by: User, active: bool) -> Organisation:
    if not has_perm(by, Perm.PLATFORM_ORGS_MANAGE):
        raise PermissionDenied(_("Only platform admins can activate or deactivate organisations."))
    if org.is_active != active:
        org.is_active = active
        org.save(update_fields=["is_active", "updated_at"])
        audit_record(
            action="org.activate" if active else "org.deactivate",
            actor=by,
            organisation=org,
            obj=org,
        )
    return org
