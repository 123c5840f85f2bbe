"""Writing the audit trail. Call inside the transaction of the change you record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from payvand.core import request_context
from payvand.core.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent

if TYPE_CHECKING:
    from payvand.accounts.models import User
    from payvand.orgs.models import Organisation


def audit_record(
    *,
    action: str,
    actor: User | None,
    organisation: Organisation | None = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    details: dict | None = None,
) -> AuditEvent:
    """Append one event; ``obj`` gives object type and public id when it has one.

    An event about a case, or about anything that belongs to a case (``obj.case``),
    is also filed under that case for its timeline.
    """
    case_id = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(getattr(obj, "public_id", obj.pk))
        case_id = _case_of(obj)
    context = request_context.current()
    with transaction.atomic():
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(
            id=1, defaults={"last_seq": 0, "last_hash": GENESIS_HASH}
        )
        event = AuditEvent(
            seq=head.last_seq + 1,
            occurred_at=timezone.now(),
            actor_id=getattr(actor, "public_id", None)
            if actor and actor.is_authenticated
            else None,
            organisation_id=organisation.public_id if organisation is not None else None,
            action=action,
            object_type=object_type,
            object_id=object_id,
            case_id=case_id,
            request_id=context.request_id,
            ip=context.ip,
            details=details or {},
            prev_hash=head.last_hash,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
        head.last_seq, head.last_hash = event.seq, event.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return event


def _case_of(obj: Any):
    if obj._meta.label_lower == "cases.case":
        return obj.public_id
    case = getattr(obj, "case", None)
    return getattr(case, "public_id", None)
