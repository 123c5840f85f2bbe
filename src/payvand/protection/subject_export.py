"""Subject access: a survivor's own data, for her, as JSON and her files in one ZIP.

What is in it: her identity and the clear facts about her (gender, birth year,
citizenship); each of her cases in the organisation with every record that belongs to
it — consents, screenings, risk assessments and plans, assistance, notes, tasks, what
happened to her, referrals and their messages, status changes — each record's clear
fields and its sealed content opened; the list of her attachments and the files
themselves. What is not: who among the staff recorded what (staff are at risk too),
internal row numbers, and the details of alleged perpetrators (other people's data,
which could put her or them in danger). Every export is audited.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

from django.db import models, transaction
from django.utils import timezone

from payvand.accounts.models import User
from payvand.attachments import storage
from payvand.attachments.models import Attachment
from payvand.cases.models import Case, Person
from payvand.core import crypto, sealed
from payvand.core.audit.services import audit_record
from payvand.protection.backup import _encode

# Sealed columns left out: someone else's data.
THIRD_PARTY = {"trafficking.perpetrator"}


def _clear_fields(row: models.Model) -> dict:
    out = {}
    for f in row._meta.concrete_fields:
        if f.primary_key or f.is_relation or f.get_internal_type() == "BinaryField":
            continue
        if f.name in {"submission_id"}:
            continue
        out[f.name] = _encode(f, getattr(row, f.attname))
    return out


def _opened(org, row, field: str):
    blob = getattr(row, field)
    if blob is None:
        return None
    try:
        return json.loads(crypto.unseal(org, blob, context=sealed.context_for(row, field)))
    except crypto.Erased:
        return "erased"
    except ValueError:
        return None


def subject_data(case: Case) -> tuple[dict, list[tuple[Attachment, dict]]]:
    org = case.organisation
    person = Person.objects.get(pk=case.person_id)
    cases = list(Case.objects.filter(person=person).order_by("number"))
    data: dict = {
        "exported_at": timezone.now().isoformat(),
        "organisation": {"code": org.full_code, "name": org.name},
        "person": _clear_fields(person) | {"identity": _opened(org, person, "identity")},
        "cases": [],
    }
    attachments = []
    for each in cases:
        records: dict[str, list] = {}
        for column in sealed.COLUMNS:
            label = column.model._meta.label_lower
            path = column.case_path
            if path is None or column.model in (Person, Attachment) or label in THIRD_PARTY:
                continue
            for row in column.model.objects.filter(**{path: each}).order_by("pk"):
                item = next(
                    (r for r in records.get(label, []) if r["public_id"] == str(row.public_id)),
                    None,
                )
                if item is None:
                    item = _clear_fields(row)
                    records.setdefault(label, []).append(item)
                item[column.field] = _opened(org, row, column.field)
        for attachment in Attachment.objects.filter(case=each).order_by("created_at"):
            meta = _opened(org, attachment, "meta") or {}
            attachments.append((attachment, meta))
        data["cases"].append(_clear_fields(each) | {"records": records})
    data["attachments"] = [
        _clear_fields(a) | {"file": _zip_name(a, meta) if a.stored_name else None} | meta
        for a, meta in attachments
    ]
    return data, attachments


def _zip_name(attachment: Attachment, meta: dict) -> str:
    name = Path(str(meta.get("filename") or "file")).name or "file"
    return f"attachments/{attachment.public_id}-{name}"


@transaction.atomic
def subject_export(*, case: Case, out: Path, by: User | None = None) -> dict:
    """Write the survivor's data into the ZIP ``out``; ``by`` None is the server
    operator. Returns counts (also in the audit row)."""
    data, attachments = subject_data(case)
    files = 0
    out = Path(out)
    # Readable by its owner only, from the first byte: the file holds her identity in clear.
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with (
        os.fdopen(descriptor, "wb") as handle,
        zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        archive.writestr(
            "data.json", json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
        )
        for attachment, meta in attachments:
            if not attachment.stored_name:
                continue
            try:
                content = storage.read(case.organisation, attachment)
            except (FileNotFoundError, crypto.KeyDestroyed):
                continue
            archive.writestr(_zip_name(attachment, meta), content)
            files += 1
    counts = {
        "cases": len(data["cases"]),
        "records": sum(len(v) for c in data["cases"] for v in c["records"].values()),
        "files": files,
    }
    audit_record(
        action="person.subject_export",
        actor=by,
        organisation=case.organisation,
        obj=case,
        details=counts,
    )
    return counts
