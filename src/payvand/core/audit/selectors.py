"""Reading the audit trail: for platform admins, and never personal data."""

from django.db.models import QuerySet
from django.http import Http404

from payvand.accounts.models import User
from payvand.core.audit.models import AuditEvent
from payvand.core.permissions import Perm, has_perm


def audit_recent(user: User, limit: int = 50) -> QuerySet[AuditEvent]:
    if not has_perm(user, Perm.PLATFORM_AUDIT_VERIFY):
        raise Http404
    return AuditEvent.objects.order_by("-seq")[:limit]
