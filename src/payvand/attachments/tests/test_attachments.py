"""Attachments: checked for size and real type, sealed on disk, downloaded only as files,
audited, re-sealed by key rotation, unreadable after a purge."""

import io
import uuid
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from payvand.attachments import services, storage
from payvand.attachments.models import Attachment
from payvand.core import crypto
from payvand.core.audit.models import AuditEvent
from payvand.core.keys import org_keys_destroy, org_keys_rotate
from payvand.core.permissions import Role
from payvand.testing.factories import case, member

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
PDF = b"%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\nPassport of Gulnora Nazarova\n%%EOF\n"


@pytest.fixture
def worker(org):
    return member(Role.CASEWORKER, org)


@pytest.fixture
def the_case(org, worker):
    return case(org, owner=worker)


def _upload(client, c, name, data, **extra):
    url = reverse("attachments:add", args=[c.public_id])
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(
        url,
        {"file": upload, "category": "IdentityDocument", "submission_id": str(uuid.uuid4())}
        | extra,
    )


def _files(org) -> list[Path]:
    folder = Path(settings.ATTACHMENTS_DIR) / str(org.public_id)
    return sorted(folder.iterdir()) if folder.exists() else []


def _docx(content_types: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_a_caseworker_attaches_a_pdf_that_is_sealed_on_disk_and_downloads_it(
    client, org, worker, the_case
):
    client.force_login(worker, backend=BACKEND)
    response = _upload(client, the_case, "Паспорт Гулноры.pdf", PDF, description="Скан")
    assert response.status_code == 302, response.content.decode()[:2000]
    attachment = Attachment.objects.get()
    assert (attachment.file_type, attachment.size) == ("pdf", len(PDF))
    (stored,) = _files(org)
    assert b"Gulnora" not in stored.read_bytes() and b"%PDF" not in stored.read_bytes()
    page = client.get(reverse("cases:detail", args=[the_case.public_id])).content.decode()
    assert "Паспорт Гулноры.pdf" in page and "Скан" in page
    download = client.get(
        reverse("attachments:download", args=[the_case.public_id, attachment.public_id])
    )
    assert download.status_code == 200
    assert download.content == PDF
    assert download["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%D0%9F" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "attachment.add" in actions and "attachment.download" in actions
    assert "Гулноры" not in str(list(AuditEvent.objects.values_list("details", flat=True)))


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("photo.jpg", b"MZ\x90\x00\x03" + b"\x00" * 100, "program (Windows program)"),
        ("run.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "program (Linux program)"),
        ("page.html", b"<html><script>alert(1)</script></html>", "can run code"),
        ("notes.txt", b"<!DOCTYPE html><script>alert(1)</script>", "not accepted"),
        ("image.svg", b"<svg onload=alert(1)>", "can run code"),
        ("data.bin", bytes(range(256)) * 4, "not accepted"),
        ("empty.pdf", b"", "empty"),
        ("letter.docx", _docx(b"application/vnd.ms-word.document.macroEnabled.main+xml"), "macros"),
    ],
)
def test_refused_files_get_a_clear_error_and_nothing_is_stored(
    client, org, worker, the_case, name, data, message
):
    client.force_login(worker, backend=BACKEND)
    response = _upload(client, the_case, name, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Attachment.objects.exists()
    assert _files(org) == []


def test_accepted_types_are_recognised_by_content_not_name(worker, the_case):
    docx = _docx(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    )
    cases = [
        ("scan", b"\xff\xd8\xff\xe0" + b"\x00" * 50, "jpeg"),
        ("scan.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "png"),
        ("letter.docx", docx, "docx"),
        ("заметка.txt", "Ҷумъа: позвонить".encode(), "text"),
    ]
    for name, data, kind in cases:
        attachment = services.attachment_add(
            case=the_case, by=worker, category="Other", filename=name, data=data
        )
        assert attachment.file_type == kind


@pytest.mark.parametrize("size", [150 * 1024, 400 * 1024])
def test_a_file_over_the_limit_is_refused_without_being_stored(
    client, org, worker, the_case, settings, size
):
    """150 KB passes the declared-length check and is stopped while read; 400 KB is
    refused from its declared length before any of it is read."""
    settings.ATTACHMENT_MAX_BYTES = 100 * 1024
    client.force_login(worker, backend=BACKEND)
    response = _upload(client, the_case, "big.pdf", b"%PDF-" + b"x" * size)
    assert response.status_code == 413
    assert "larger than 100.0" in response.content.decode()
    assert not Attachment.objects.exists() and _files(org) == []


def test_the_same_upload_submitted_twice_is_attached_once(worker, the_case):
    once = uuid.uuid4()
    for _ in range(2):
        services.attachment_add(
            case=the_case, by=worker, category="Other", filename="a.pdf", data=PDF,
            submission_id=once,
        )  # fmt: skip
    assert Attachment.objects.count() == 1


def test_a_description_too_long_is_a_field_error(worker, the_case, org):
    with pytest.raises(ValidationError) as error:
        services.attachment_add(
            case=the_case, by=worker, category="Other", filename="a.pdf", data=PDF,
            description="x" * 1001,
        )  # fmt: skip
    assert "description" in error.value.message_dict
    assert _files(org) == []


def test_key_rotation_reseals_the_file_and_drops_the_old_one(
    org, worker, the_case, django_capture_on_commit_callbacks
):
    attachment = services.attachment_add(
        case=the_case, by=worker, category="Other", filename="a.pdf", data=PDF
    )
    old_name = attachment.stored_name
    with django_capture_on_commit_callbacks(execute=True):
        org_keys_rotate(org=org)
    attachment.refresh_from_db()
    assert attachment.stored_name != old_name
    assert [p.name for p in _files(org)] == [attachment.stored_name]
    blob = storage.path_of(org, attachment.stored_name).read_bytes()
    assert crypto.blob_version(blob) == 2
    assert storage.read(org, attachment) == PDF


def test_after_a_purge_the_file_cannot_be_opened(client, org, worker, the_case):
    attachment = services.attachment_add(
        case=the_case, by=worker, category="Other", filename="a.pdf", data=PDF
    )
    org_keys_destroy(org=org)
    client.force_login(worker, backend=BACKEND)
    response = client.get(
        reverse("attachments:download", args=[the_case.public_id, attachment.public_id])
    )
    assert response.status_code == 410
    page = client.get(reverse("cases:detail", args=[the_case.public_id])).content.decode()
    assert "erased" in page


def test_removing_deletes_the_file_once_committed(
    client, org, worker, the_case, django_capture_on_commit_callbacks
):
    attachment = services.attachment_add(
        case=the_case, by=worker, category="Other", filename="a.pdf", data=PDF
    )
    client.force_login(worker, backend=BACKEND)
    url = reverse("attachments:remove", args=[the_case.public_id, attachment.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    assert not Attachment.objects.exists() and _files(org) == []
    assert AuditEvent.objects.filter(action="attachment.remove").exists()


def test_a_file_name_is_cleaned_of_folders_and_control_characters():
    assert services.clean_filename("C:\\Users\\x\\..\\passport.pdf") == "passport.pdf"
    assert services.clean_filename("a\u202egnp.exe") == "agnp.exe"
    assert len(services.clean_filename("n" * 400 + ".pdf")) == 150
    assert services.clean_filename("...") == "file"


def test_a_200_mb_upload_is_refused_from_its_declared_size(client, org, worker, the_case):
    """Under the default limit; the body is never read, so nothing of it is stored."""
    client.force_login(worker, backend=BACKEND)
    url = reverse("attachments:add", args=[the_case.public_id])
    upload = io.BytesIO(b"%PDF-" + b"x" * 1000)
    upload.name = "huge.pdf"
    response = client.post(
        url, {"file": upload, "category": "Other"}, CONTENT_LENGTH=str(200 * 1024 * 1024)
    )
    assert response.status_code == 413
    assert "larger than 10.0" in response.content.decode()
    assert not Attachment.objects.exists() and _files(org) == []
