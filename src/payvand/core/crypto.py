"""Encryption of identities at rest: per-organisation data keys under one master key.

- Each organisation has a 256-bit *data key* (DEK), stored only wrapped (AES-256-GCM) by
  the platform's *master key*, which lives outside the database (PAYVAND_MASTER_KEY).
- Personal data is sealed with AES-256-GCM under the organisation's DEK. The additional
  authenticated data names the organisation and the record and field the blob belongs to,
  so a blob copied into another row or organisation does not open.
- Destroying an organisation's wrapped keys (`org purge`) makes all its personal data
  unreadable at once (crypto-shredding); backups hold only wrapped keys, so they forget too.
- Blind-index keys for searching names are derived from the DEK (HKDF), so they shred too.

Blob layout: b"\\x01" | key version (4 bytes, big-endian) | nonce (12 bytes) | ciphertext+tag.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import struct
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from payvand.orgs.models import Organisation

BLOB_FORMAT = 1
_HEADER = struct.Struct(">BI")
_NONCE_BYTES = 12
# How long a process may keep an unwrapped key before checking it was not shredded.
KEY_CACHE_SECONDS = 2.0


class KeyDestroyed(Exception):
    """The organisation's keys were destroyed: its personal data is gone for good."""


class Erased(KeyDestroyed):
    """This one record was erased (on the survivor's request): like a destroyed key, for
    one case only, so every page that handles a purge handles it too."""


# What an erased blob is replaced with: no ciphertext is left to decrypt, ever.
TOMBSTONE = b"\x00erased"


def is_erased(blob) -> bool:
    return blob is not None and bytes(blob[: len(TOMBSTONE)]) == TOMBSTONE


class KeyMissing(Exception):
    """The organisation has no data key yet."""


def _decode_key(raw: str) -> bytes:
    key = base64.urlsafe_b64decode(raw.strip() + "=" * (-len(raw.strip()) % 4))
    if len(key) != 32:
        raise ImproperlyConfigured("The master key must be 32 bytes, base64-encoded.")
    return key


def master_key() -> bytes:
    """The configured master key; in development and the demo, one kept under the data folder."""
    if settings.MASTER_KEY:
        return _decode_key(settings.MASTER_KEY)
    if settings.MASTER_KEY_FILE:
        return _decode_key(Path(settings.MASTER_KEY_FILE).read_text())
    path = Path(settings.DATA_DIR) / "master_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    return _decode_key(path.read_text())


def key_fingerprint(key: bytes) -> str:
    """Names a master key in the database without revealing it."""
    return hashlib.sha256(b"payvand-master-key-id|" + key).hexdigest()[:16]


def _wrap_aad(org_public_id: Any, version: int) -> bytes:
    return f"payvand-org-key|{org_public_id}|{version}".encode()


def wrap(dek: bytes, *, master: bytes, org_public_id: Any, version: int) -> bytes:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return nonce + AESGCM(master).encrypt(nonce, dek, _wrap_aad(org_public_id, version))


def unwrap(wrapped: bytes, *, master: bytes, org_public_id: Any, version: int) -> bytes:
    nonce, body = wrapped[:_NONCE_BYTES], wrapped[_NONCE_BYTES:]
    return AESGCM(master).decrypt(nonce, body, _wrap_aad(org_public_id, version))


def _still_pending(callback) -> bool:
    """Whether ``callback``, registered with transaction.on_commit, still waits for its
    transaction: Django drops it when that transaction (or the savepoint it was registered
    in) rolls back, and runs it on commit. So: the transaction that registered it lives."""
    from django.db import connection

    return any(entry[1] is callback for entry in connection.run_on_commit)


class _KeyCache:
    """Unwrapped data keys of this process, re-checked every KEY_CACHE_SECONDS.

    Keyed by the organisation's public id, never its primary key: a rolled-back
    organisation's primary key can be issued again to another one.

    A key made inside a transaction is not cached until that transaction commits
    (``hold``): were it rolled back, its row would be gone and its number reused for
    another key, and whatever the cache sealed with the first could never be opened.
    Until then it is kept for this thread only, and used only while the transaction (or
    savepoint) that made it is alive: Django drops the hold's commit callback when that
    transaction or savepoint rolls back, and so does this check.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[tuple[Any, int], tuple[bytes, float]] = {}
        self._current: dict[Any, tuple[int, float]] = {}
        self._held = threading.local()

    def _holds(self) -> dict:
        if not hasattr(self._held, "keys"):
            self._held.keys = {}
        return self._held.keys

    def hold(self, org_id: Any, version: int, dek: bytes) -> None:
        """``org_id``'s new current key, made in the current transaction (outside one, it
        is simply cached)."""
        from django.db import connection, transaction

        self.forget(org_id)
        if not connection.in_atomic_block:
            self.put(org_id, version, dek)
            self.set_current_version(org_id, version)
            return

        def committed() -> None:
            self._holds().pop(org_id, None)
            self.put(org_id, version, dek)
            self.set_current_version(org_id, version)

        self._holds()[org_id] = (committed, version, dek)
        transaction.on_commit(committed)

    def held(self, org_id: Any) -> tuple[int, bytes] | None:
        """(version, DEK) of a key this thread made in a transaction still alive."""
        holds = self._holds()
        hold = holds.get(org_id)
        if hold is None:
            return None
        callback, version, dek = hold
        if _still_pending(callback):
            return version, dek
        holds.pop(org_id, None)  # rolled back: the key never existed
        return None

    def get(self, org_id: Any, version: int) -> bytes | None:
        with self._lock:
            hit = self._keys.get((org_id, version))
        if hit and time.monotonic() - hit[1] < KEY_CACHE_SECONDS:
            return hit[0]
        return None

    def put(self, org_id: Any, version: int, dek: bytes) -> None:
        with self._lock:
            self._keys[(org_id, version)] = (dek, time.monotonic())

    def current_version(self, org_id: Any) -> int | None:
        with self._lock:
            hit = self._current.get(org_id)
        if hit and time.monotonic() - hit[1] < KEY_CACHE_SECONDS:
            return hit[0]
        return None

    def set_current_version(self, org_id: Any, version: int) -> None:
        with self._lock:
            self._current[org_id] = (version, time.monotonic())

    def forget_current(self, org_id: Any) -> None:
        """Forget which version is current (the keys themselves stay cached)."""
        with self._lock:
            self._current.pop(org_id, None)

    def forget(self, org_id: Any = None) -> None:
        """Drop cached keys (and this thread's holds): of ``org_id``, or all."""
        holds = self._holds()
        if org_id is None:
            holds.clear()
        else:
            holds.pop(org_id, None)
        with self._lock:
            if org_id is None:
                self._keys.clear()
                self._current.clear()
            else:
                self._keys = {k: v for k, v in self._keys.items() if k[0] != org_id}
                self._current.pop(org_id, None)


cache = _KeyCache()


def data_key(org: Organisation, version: int | None = None) -> tuple[int, bytes]:
    """(version, DEK) of ``org``: the current version unless one is asked for."""
    from payvand.core.models import OrgKey

    held = cache.held(org.public_id)
    if held is not None and version in (None, held[0]):
        return held
    if version is None:
        version = cache.current_version(org.public_id)
    if version is not None:
        dek = cache.get(org.public_id, version)
        if dek is not None:
            return version, dek
    keys = OrgKey.objects.filter(organisation_id=org.pk)
    row = (
        keys.filter(version=version).first()
        if version is not None
        else keys.filter(retired_at__isnull=True).order_by("-version").first()
    )
    if row is None:
        if keys.filter(destroyed_at__isnull=False).exists():
            raise KeyDestroyed(f"The keys of organisation {org.pk} were destroyed.")
        raise KeyMissing(f"Organisation {org.pk} has no data key.")
    if row.destroyed_at is not None or not row.wrapped:
        raise KeyDestroyed(f"The keys of organisation {org.pk} were destroyed.")
    dek = unwrap(
        bytes(row.wrapped), master=master_key(), org_public_id=org.public_id, version=row.version
    )
    cache.put(org.public_id, row.version, dek)
    if row.retired_at is None:
        cache.set_current_version(org.public_id, row.version)
    return row.version, dek


def _aad(org: Organisation, context: str) -> bytes:
    return f"payvand-data|{org.public_id}|{context}".encode()


# Writers and a rotation of the same organisation's key exclude each other (PostgreSQL):
# each transaction that seals takes this lock shared once, and `payvand keys rotate-org`
# takes it exclusively (core/keys.py), so a rotation waits for the transactions sealing
# under the old key to commit, re-seals what they wrote, and holds new ones back until the
# new key is in place. SQLite needs no lock: its write transactions run one at a time.
_ROTATION_LOCK_CLASS = 0x50_56_4B  # "PVK": the advisory lock's first key


def rotation_lock_key(org: Organisation) -> tuple[int, int]:
    """The advisory lock of ``org``'s keys: (class, a 31-bit number of its public id)."""
    return _ROTATION_LOCK_CLASS, int.from_bytes(org.public_id.bytes[:4], "big") & 0x7FFFFFFF


class _SealingTransactions:
    """Which organisations' keys this thread's current transaction already took for sealing:
    the first seal of an organisation in a transaction takes the rotation lock and reads the
    current key version again (a rotation may have committed since the cache read it)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def first_in_transaction(self, org: Organisation) -> bool:
        from django.db import connection, transaction

        if not connection.in_atomic_block:
            return False
        marks = self._local.__dict__.setdefault("marks", {})
        mark = marks.get(org.public_id)
        if mark is not None and _still_pending(mark):
            return False

        def done() -> None:
            marks.pop(org.public_id, None)

        marks[org.public_id] = done
        transaction.on_commit(done)
        return True


_sealing = _SealingTransactions()


def _current_key_creating(org: Organisation) -> tuple[int, bytes]:
    """The current data key; an organisation made before keys existed gets its first.

    In a transaction, the first call for ``org`` waits for a rotation of its key in
    progress and then reads the current version afresh (_SealingTransactions).
    """
    if _sealing.first_in_transaction(org):
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock_shared(%s::int, %s::int)", rotation_lock_key(org)
                )
        if cache.held(org.public_id) is None:
            cache.forget_current(org.public_id)
    try:
        return data_key(org)
    except KeyMissing:
        from payvand.core.keys import org_key_create

        org_key_create(org)
        return data_key(org)


def seal(org: Organisation, plaintext: bytes, *, context: str) -> bytes:
    version, dek = _current_key_creating(org)
    nonce = secrets.token_bytes(_NONCE_BYTES)
    header = _HEADER.pack(BLOB_FORMAT, version)
    return header + nonce + AESGCM(dek).encrypt(nonce, plaintext, header + _aad(org, context))


def blob_version(blob: bytes) -> int:
    fmt, version = _HEADER.unpack(bytes(blob[: _HEADER.size]))
    if fmt != BLOB_FORMAT:
        raise ValueError(f"Unknown sealed blob format {fmt}.")
    return version


def unseal(org: Organisation, blob: bytes, *, context: str) -> bytes:
    blob = bytes(blob)
    if is_erased(blob):
        raise Erased(f"A record of organisation {org.pk} was erased.")
    version = blob_version(blob)
    _version, dek = data_key(org, version)
    header = blob[: _HEADER.size]
    nonce = blob[_HEADER.size : _HEADER.size + _NONCE_BYTES]
    body = blob[_HEADER.size + _NONCE_BYTES :]
    return AESGCM(dek).decrypt(nonce, body, header + _aad(org, context))


def seal_json(org: Organisation, data: Any, *, context: str) -> bytes:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return seal(org, payload.encode(), context=context)


def unseal_json(org: Organisation, blob: bytes, *, context: str) -> Any:
    return json.loads(unseal(org, blob, context=context))


def index_key(org: Organisation, *, create: bool = False) -> bytes:
    """The key of the organisation's blind index (names searched without plaintext).

    Raises KeyMissing (nothing indexed yet) unless ``create``, and KeyDestroyed.
    """
    _version, dek = _current_key_creating(org) if create else data_key(org)
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"payvand-blind-index-v1"
    ).derive(dek)
