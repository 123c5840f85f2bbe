"""What a database holds, reduced to hashes, to prove a restore identical to its source:
every table's rows, every sealed field opened, every attachment's bytes, the audit chain.

`python -m payvand.protection.fingerprint` prints it as JSON (the round-trip tests run
it against the restored database, in another process)."""

from __future__ import annotations

import hashlib
import json

from payvand.protection.backup import _encode, _models


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def tables() -> dict[str, str]:
    result = {}
    for model in _models():
        fields = sorted(model._meta.local_concrete_fields, key=lambda f: f.attname)
        sha = hashlib.sha256()
        rows = (
            model._base_manager.order_by(model._meta.pk.attname)
            .values_list(*[f.attname for f in fields])
            .iterator()
        )
        count = 0
        for row in rows:
            sha.update(
                _canonical([_encode(f, v) for f, v in zip(fields, row, strict=True)]).encode()
            )
            count += 1
        result[model._meta.label_lower] = f"{count}:{sha.hexdigest()}"
    return result


def sealed_plaintexts() -> dict[str, str]:
    from payvand.core import crypto, sealed
    from payvand.orgs.models import Organisation

    orgs = {o.pk: o for o in Organisation.objects.all()}
    result = {}
    for column in sealed.COLUMNS:
        rows = column.model.objects.exclude(**{f"{column.field}__isnull": True}).values_list(
            "public_id", column.org_field, column.field
        )
        for public_id, org_pk, blob in rows:
            context = f"{column.model._meta.label_lower}:{public_id}:{column.field}"
            try:
                plain = crypto.unseal(orgs[org_pk], bytes(blob), context=context)
                digest = hashlib.sha256(plain).hexdigest()
            except crypto.KeyDestroyed as gone:
                digest = type(gone).__name__
            result[context] = digest
    return result


def attachment_files() -> dict[str, str]:
    from payvand.attachments import storage
    from payvand.attachments.models import Attachment
    from payvand.core import crypto

    result = {}
    for attachment in Attachment.objects.exclude(stored_name="").select_related(
        "case__organisation"
    ):
        try:
            data = storage.read(attachment.case.organisation, attachment)
            result[str(attachment.public_id)] = hashlib.sha256(data).hexdigest()
        except (FileNotFoundError, crypto.KeyDestroyed) as gone:
            result[str(attachment.public_id)] = type(gone).__name__
    return result


def fingerprint() -> dict:
    from payvand.core.audit.verify import audit_chain_verify

    report = audit_chain_verify()
    return {
        "tables": tables(),
        "sealed": sealed_plaintexts(),
        "files": attachment_files(),
        "audit": {"ok": report.ok, "rows": report.rows},
    }


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(fingerprint(), sort_keys=True))
