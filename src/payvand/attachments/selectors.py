"""Reads of a case's attachments (the case comes already scoped from `case_get`)."""

from __future__ import annotations

from urllib.parse import quote

from django.db.models import QuerySet
from django.http import Http404

from payvand.accounts.models import User
from payvand.attachments.models import Attachment
from payvand.cases.models import Case
from payvand.core import crypto
from payvand.core.audit.services import audit_record
from payvand.core.sealed import open_from


def attachments_of(case: Case) -> QuerySet[Attachment]:
    return Attachment.objects.filter(case=case).select_related("uploaded_by")


def attachment_get(case: Case, public_id) -> Attachment:
    try:
        attachment = Attachment.objects.get(case=case, public_id=public_id)
    except Attachment.DoesNotExist:
        raise Http404 from None
    attachment.case = case
    return attachment


def open_meta(user: User, case: Case, attachments: list[Attachment]) -> None:
    """Each attachment's ``shown`` (file name and description; None when erased),
    with one audit row for the names shown."""
    opened = []
    for attachment in attachments:
        attachment.case = case
        try:
            attachment.shown = open_from(case.organisation, attachment, "meta", empty={})
        except crypto.KeyDestroyed:
            attachment.shown = None
            continue
        opened.append(str(attachment.public_id))
    if opened:
        audit_record(
            action="attachment.list_read",
            actor=user,
            organisation=case.organisation,
            obj=case,
            details={"attachments": opened},
        )


def content_disposition(filename: str) -> str:
    """Always a download; the name in ASCII for old browsers and UTF-8 (RFC 6266)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
