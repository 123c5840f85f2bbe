"""Adding, opening and removing attachments; re-sealing their files when keys rotate.

The file is checked (size, real type) before anything is written. The row, the sealed
file and the audit row go together: if the transaction fails, the new file is removed;
a removed attachment's file is deleted only once the removal is committed.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from payvand.accounts.models import User
from payvand.attachments import filetypes, storage
from payvand.attachments.models import Attachment, Category
from payvand.cases.guards import already_submitted, clean_texts, require_case_perm
from payvand.cases.models import Case
from payvand.core.audit.services import audit_record
from payvand.core.db import insert_once
from payvand.core.permissions import Perm
from payvand.core.sealed import open_from, seal_into

MAX_DESCRIPTION = 1000
MAX_FILENAME = 150


def clean_filename(name: str) -> str:
    """The name without folders, control or bidi characters, at most 150 characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(name) > MAX_FILENAME:
        stem, dot, extension = name.rpartition(".")
        keep = MAX_FILENAME - len(extension) - 1
        name = f"{stem[:keep]}.{extension}" if dot and len(extension) <= 8 else name[:MAX_FILENAME]
    return name or "file"


def too_large_message(size: int | None = None) -> str:
    limit = filesizeformat(settings.ATTACHMENT_MAX_BYTES)
    if size is None:
        return _("The file is larger than %(limit)s. Attach a smaller one.") % {"limit": limit}
    return _("The file is %(size)s; at most %(limit)s can be attached.") % {
        "size": filesizeformat(size),
        "limit": limit,
    }


@transaction.atomic(durable=True)
def attachment_add(
    *,
    case: Case,
    by: User,
    category: str,
    filename: str,
    data: bytes,
    description: str = "",
    submission_id: uuid.UUID | None = None,
) -> Attachment:
    require_case_perm(by, case)
    existing = already_submitted(Attachment, case, submission_id)
    if existing is not None:
        return existing
    errors: dict = {}
    texts = clean_texts(errors, limits=MAX_DESCRIPTION, description=description)
    if category not in Category.values:
        errors["category"] = _("Choose what the file is.")
    file_type = None
    if not data:
        errors["file"] = _("The file is empty.")
    elif len(data) > settings.ATTACHMENT_MAX_BYTES:
        errors["file"] = too_large_message(len(data))
    else:
        try:
            file_type = filetypes.detect(data, filename)
        except filetypes.RefusedFile as refused:
            errors["file"] = str(refused)
    if errors:
        raise ValidationError(errors)
    attachment = Attachment(
        case=case,
        category=category,
        file_type=file_type.key,
        size=len(data),
        uploaded_by=by,
        submission_id=submission_id,
    )
    org = case.organisation
    attachment.stored_name = storage.write(org, attachment, data)
    try:
        insert_once(attachment)
        seal_into(
            org,
            attachment,
            "meta",
            {"filename": clean_filename(filename), "description": texts["description"]},
        )
        audit_record(
            action="attachment.add",
            actor=by,
            organisation=org,
            obj=attachment,
            details={"category": category, "file_type": file_type.key, "size": len(data)},
        )
    except BaseException:
        storage.remove(org, attachment.stored_name)
        raise
    return attachment


@dataclass(frozen=True)
class OpenedFile:
    data: bytes
    filename: str
    content_type: str


@transaction.atomic(durable=True)
def attachment_open(*, attachment: Attachment, by: User) -> OpenedFile:
    """The file in clear for ``by`` to download; audited. Raises crypto.KeyDestroyed
    when the organisation's keys are gone."""
    case = attachment.case
    require_case_perm(by, case, Perm.CASE_VIEW_ASSIGNED)
    org = case.organisation
    meta = open_from(org, attachment, "meta", empty={})
    data = storage.read(org, attachment)
    audit_record(
        action="attachment.download",
        actor=by,
        organisation=org,
        obj=attachment,
        details={"category": attachment.category, "size": attachment.size},
    )
    file_type = filetypes.BY_KEY[attachment.file_type]
    return OpenedFile(
        data, meta.get("filename") or f"file.{file_type.extension}", file_type.content_type
    )


@transaction.atomic(durable=True)
def attachment_remove(*, attachment: Attachment, by: User) -> None:
    case = attachment.case
    require_case_perm(by, case)
    org = case.organisation
    audit_record(
        action="attachment.remove",
        actor=by,
        organisation=org,
        obj=attachment,
        details={"category": attachment.category, "size": attachment.size},
    )
    stored = attachment.stored_name
    attachment.delete()
    transaction.on_commit(lambda: storage.remove(org, stored))


def attachments_reseal(org) -> int:
    """Re-seal every file of ``org`` under its current key (inside a key rotation's
    transaction). Old files are deleted only when the rotation commits; if it fails, the
    new files are removed and the rows still name the old ones."""
    written: list[str] = []
    replaced: list[str] = []
    try:
        files = Attachment.objects.filter(case__organisation=org).exclude(stored_name="")
        for attachment in files.iterator():
            try:
                data = storage.read(org, attachment)
            except FileNotFoundError:
                continue
            new_name = storage.write(org, attachment, data)
            written.append(new_name)
            replaced.append(attachment.stored_name)
            Attachment.objects.filter(pk=attachment.pk).update(stored_name=new_name)
    except BaseException:
        for name in written:
            storage.remove(org, name)
        raise

    def _drop_old() -> None:
        for name in replaced:
            storage.remove(org, name)

    transaction.on_commit(_drop_old)
    return len(written)


def attachments_erase(cases) -> int:
    """Forget the files of ``cases`` (a survivor's erasure); deleted once committed.
    Their metadata is erased with every other sealed column."""
    files = Attachment.objects.filter(case__in=cases).exclude(stored_name="")
    doomed = [
        (a.case.organisation, a.stored_name) for a in files.select_related("case__organisation")
    ]
    files.update(stored_name="")

    def _delete() -> None:
        for org, name in doomed:
            storage.remove(org, name)

    transaction.on_commit(_delete)
    return len(doomed)


def attachments_move(case, old, new) -> int:
    """Re-seal a moving case's files under the new organisation (inside the move's
    transaction); the old files go once it commits, the new ones if it fails."""
    written: list[tuple] = []
    replaced: list[str] = []
    try:
        for attachment in Attachment.objects.filter(case=case).exclude(stored_name=""):
            data = storage.read(old, attachment)
            name = storage.write(new, attachment, data)
            written.append(name)
            replaced.append(attachment.stored_name)
            Attachment.objects.filter(pk=attachment.pk).update(stored_name=name)
    except BaseException:
        for name in written:
            storage.remove(new, name)
        raise
    transaction.on_commit(lambda: [storage.remove(old, name) for name in replaced])
    return len(written)
