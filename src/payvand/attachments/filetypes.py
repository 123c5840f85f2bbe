"""What a file really is, from its first bytes: the name and the browser's word are not
trusted. Only document and image types a caseworker needs are accepted; anything that
can run (programs, scripts, macros, HTML, SVG) is refused with a reason."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class FileType:
    key: str
    content_type: str
    extension: str
    label: str


PDF = FileType("pdf", "application/pdf", "pdf", gettext_lazy("PDF document"))
JPEG = FileType("jpeg", "image/jpeg", "jpg", gettext_lazy("JPEG photo"))
PNG = FileType("png", "image/png", "png", gettext_lazy("PNG image"))
WEBP = FileType("webp", "image/webp", "webp", gettext_lazy("WebP image"))
DOCX = FileType(
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "docx",
    gettext_lazy("Word document"),
)
XLSX = FileType(
    "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xlsx",
    gettext_lazy("Excel workbook"),
)
ODT = FileType(
    "odt", "application/vnd.oasis.opendocument.text", "odt", gettext_lazy("Text document")
)
TEXT = FileType("text", "text/plain", "txt", gettext_lazy("Plain text"))
ACCEPTED = (PDF, JPEG, PNG, WEBP, DOCX, XLSX, ODT, TEXT)
BY_KEY = {t.key: t for t in ACCEPTED}

# Signatures of things that run, with the name people know them by.
_RUNNABLE = (
    (b"MZ", "Windows program"),
    (b"\x7fELF", "Linux program"),
    (b"\xcf\xfa\xed\xfe", "macOS program"),
    (b"\xca\xfe\xba\xbe", "macOS or Java program"),
    (b"#!", "script"),
    (b"dex\n", "Android program"),
)
_RUNNABLE_EXTENSIONS = {
    "exe", "dll", "com", "bat", "cmd", "msi", "scr", "ps1", "vbs", "js", "jar", "apk",
    "sh", "py", "html", "htm", "svg", "hta", "lnk", "docm", "xlsm", "pptm",
}  # fmt: skip


class RefusedFile(ValueError):
    """The file may not be attached; the message says why, for the person uploading."""


def _zip_type(data: bytes) -> FileType | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "mimetype" in names:
        mimetype = archive.read("mimetype").strip()
        if mimetype == ODT.content_type.encode():
            return ODT
        return None
    if "[Content_Types].xml" not in names:
        return None
    types = archive.read("[Content_Types].xml")
    if b"macroEnabled" in types or any(n.lower().endswith("vbaproject.bin") for n in names):
        raise RefusedFile(_("This document contains macros (programs). Save it without them."))
    if b"wordprocessingml.document.main" in types:
        return DOCX
    if b"spreadsheetml.sheet.main" in types:
        return XLSX
    return None


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    head = text[:2048].lstrip().lower()
    # A web page or an SVG can carry scripts that run when opened.
    return not head.startswith(("<!doctype html", "<html", "<svg", "<?xml", "<script"))


def detect(data: bytes, filename: str) -> FileType:
    """The accepted type of ``data``, or RefusedFile naming what is wrong."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    for signature, name in _RUNNABLE:
        if data.startswith(signature):
            raise RefusedFile(
                _("This file is a program (%(kind)s), not a document. It cannot be attached.")
                % {"kind": name}
            )
    if extension in _RUNNABLE_EXTENSIONS:
        raise RefusedFile(
            _("Files ending in .%(ext)s can run code when opened. They cannot be attached.")
            % {"ext": extension}
        )
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"PK\x03\x04"):
        found = _zip_type(data)
        if found:
            return found
    elif _is_text(data):
        return TEXT
    raise RefusedFile(
        _(
            "This kind of file is not accepted. Attach a PDF, a photo (JPEG, PNG, WebP), "
            "a Word, Excel or OpenDocument file, or plain text."
        )
    )
