"""Key life cycle: create, rotate (organisation or master), destroy (crypto-shredding)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from payvand.core import crypto, sealed
from payvand.core.audit.services import audit_record
from payvand.core.models import OrgKey

if TYPE_CHECKING:
    from payvand.orgs.models import Organisation


def org_key_create(org: Organisation) -> OrgKey:
    """A fresh data key for ``org`` (the first, or the next version when rotating)."""
    master = crypto.master_key()
    version = (OrgKey.objects.filter(organisation=org).aggregate(v=Max("version"))["v"] or 0) + 1
    dek = secrets.token_bytes(32)
    key = OrgKey.objects.create(
        organisation=org,
        version=version,
        wrapped=crypto.wrap(dek, master=master, org_public_id=org.public_id, version=version),
        master_key_id=crypto.key_fingerprint(master),
    )
    crypto.cache.hold(org.public_id, version, dek)  # cached once its transaction commits
    return key


def master_key_mismatch() -> str | None:
    """Why the configured master key cannot open this database's keys, or None if it can.

    Each wrapped key records the fingerprint of the master key that wrapped it; a server
    started with another key (a restore under a new key, a mistyped file) would otherwise
    fail only when the first identity is opened.
    """
    current = crypto.key_fingerprint(crypto.master_key())
    others = (
        OrgKey.objects.filter(destroyed_at__isnull=True)
        .exclude(master_key_id=current)
        .values_list("master_key_id", flat=True)
        .distinct()
    )
    others = sorted(others)
    if not others:
        return None
    return (
        f"The master key (id {current}) is not the one that wrapped this database's "
        f"organisation keys (id {', '.join(others)}): set the master key they were made with, "
        "or rotate to this one from it (`payvand keys rotate-master`)."
    )


@transaction.atomic(durable=True)
def org_keys_rotate(*, org: Organisation) -> int:
    """Re-seal everything of ``org`` under a new data key, then destroy the old ones.

    Returns the number of blobs re-sealed. All or nothing: a failure leaves the old key.
    On PostgreSQL it first takes the organisation's rotation lock exclusively: it waits for
    the transactions sealing under the old key to commit (so it re-seals what they wrote)
    and holds back new ones until the new key is in place (crypto._current_key_creating).
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s::int, %s::int)", crypto.rotation_lock_key(org)
            )
    old_versions = list(
        OrgKey.objects.select_for_update()
        .filter(organisation=org, destroyed_at__isnull=True)
        .values_list("version", flat=True)
    )
    plaintexts = []
    for column in sealed.COLUMNS:
        rows = column.model.objects.filter(**{column.org_field: org}).exclude(
            **{f"{column.field}__isnull": True}
        )
        for row in rows.iterator():
            context = sealed.context_for(row, column.field)
            blob = getattr(row, column.field)
            if blob and not crypto.is_erased(blob):
                plaintexts.append((column, row, crypto.unseal(org, blob, context=context)))
    now = timezone.now()
    OrgKey.objects.filter(organisation=org, version__in=old_versions).update(retired_at=now)
    new = org_key_create(org)
    for column, row, plaintext in plaintexts:
        context = sealed.context_for(row, column.field)
        column.model.objects.filter(pk=row.pk).update(
            **{column.field: crypto.seal(org, plaintext, context=context)}
        )
    files = sum(reseal(org) for reseal in sealed.RESEALERS)
    for reindex in sealed.REINDEXERS:
        reindex(org)
    OrgKey.objects.filter(organisation=org, version__in=old_versions).update(
        wrapped=b"", destroyed_at=now
    )
    crypto.cache.forget(org.public_id)
    audit_record(
        action="keys.rotate_org",
        actor=None,
        organisation=org,
        obj=org,
        details={"new_version": new.version, "resealed": len(plaintexts), "files": files},
    )
    return len(plaintexts) + files


@transaction.atomic(durable=True)
def master_key_rotate(*, new_master: bytes) -> int:
    """Re-wrap every live data key under ``new_master``; returns how many."""
    old_master = crypto.master_key()
    count = 0
    for key in (
        OrgKey.objects.select_for_update()
        .filter(destroyed_at__isnull=True)
        .select_related("organisation")
    ):
        org_id = key.organisation.public_id
        dek = crypto.unwrap(
            bytes(key.wrapped), master=old_master, org_public_id=org_id, version=key.version
        )
        key.wrapped = crypto.wrap(dek, master=new_master, org_public_id=org_id, version=key.version)
        key.master_key_id = crypto.key_fingerprint(new_master)
        key.save(update_fields=["wrapped", "master_key_id"])
        count += 1
    crypto.cache.forget()
    audit_record(
        action="keys.rotate_master",
        actor=None,
        details={"rewrapped": count, "new_master_id": crypto.key_fingerprint(new_master)},
    )
    return count


@transaction.atomic(durable=True)
def org_keys_destroy(*, org: Organisation) -> int:
    """Crypto-shredding: the organisation's personal data becomes unreadable everywhere."""
    destroyed = OrgKey.objects.filter(organisation=org, destroyed_at__isnull=True).update(
        wrapped=b"", destroyed_at=timezone.now()
    )
    crypto.cache.forget(org.public_id)
    for reindex in sealed.REINDEXERS:
        reindex(org)  # with the keys gone, re-indexing empties the blind index
    audit_record(
        action="org.purge", actor=None, organisation=org, obj=org, details={"keys": destroyed}
    )
    return destroyed
