"""The audit trail: append-only rows chained by SHA-256.

Each row stores the hash of its own content together with the previous row's
hash, so altering, removing or reordering a row breaks the chain from there on
(`payvand audit verify`). Actors and organisations are recorded by public id,
not by foreign key, so that nothing elsewhere can ever cascade into this table.
"""

import hashlib
import json

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    pass


class AuditEvent(models.Model):
    seq = models.PositiveBigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    actor_id = models.UUIDField(null=True, blank=True, db_index=True)
    organisation_id = models.UUIDField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    # The case an event concerns (for the case timeline), when there is one.
    case_id = models.UUIDField(null=True, blank=True, db_index=True)
    request_id = models.CharField(max_length=32, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    # Never personal data: codes, field names and public ids only.
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events cannot be deleted.")

    def content(self) -> dict:
        """The fields the hash covers, in a form that survives a database round trip."""
        return {
            "seq": self.seq,
            "occurred_at": self.occurred_at.isoformat(timespec="microseconds"),
            "actor_id": str(self.actor_id) if self.actor_id else None,
            "organisation_id": str(self.organisation_id) if self.organisation_id else None,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            **({"case_id": str(self.case_id)} if self.case_id else {}),
            "request_id": self.request_id,
            "ip": self.ip,
            "details": self.details,
        }

    def compute_hash(self) -> str:
        payload = json.dumps(
            {"prev": self.prev_hash, "content": self.content()},
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


class AuditChainHead(models.Model):
    """A single row holding the chain's last sequence number and hash.

    Writers lock it (SELECT … FOR UPDATE) so concurrent transactions append one
    after another instead of forking the chain; it also lets `verify` notice
    rows removed from the end.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"audit head #{self.last_seq}"
