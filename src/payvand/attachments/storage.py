"""Sealed files on disk. Each file is one AES-256-GCM blob under the organisation's data
key, bound to its attachment (core/crypto.py), written atomically (temporary file,
fsync, rename) so a crash leaves the old file or the new one, never half of one."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings

from payvand.core import crypto
from payvand.core.sealed import context_for


def _folder(org) -> Path:
    return Path(settings.ATTACHMENTS_DIR) / str(org.public_id)


def path_of(org, stored_name: str) -> Path:
    return _folder(org) / stored_name


def write(org, attachment, data: bytes) -> str:
    """Seal ``data`` for ``attachment`` into a new file; returns its stored name."""
    blob = crypto.seal(org, data, context=context_for(attachment, "file"))
    folder = _folder(org)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"{attachment.public_id}.{secrets.token_hex(4)}.sealed"
    temporary = folder / f".{name}.tmp"
    with open(temporary, "wb") as handle:
        handle.write(blob)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, folder / name)
    return name


def read(org, attachment) -> bytes:
    """The file in clear. Raises crypto.KeyDestroyed when the keys were destroyed and
    FileNotFoundError when the file is gone (erased)."""
    blob = path_of(org, attachment.stored_name).read_bytes()
    return crypto.unseal(org, blob, context=context_for(attachment, "file"))


def remove(org, stored_name: str) -> None:
    """Delete a sealed file (after the transaction that stopped pointing to it)."""
    if stored_name:
        path_of(org, stored_name).unlink(missing_ok=True)
