"""The encrypted backup file: a small header, then a stream of AES-256-GCM chunks.

Layout::

    MAGIC (16 bytes) | header length (4) | header JSON | zeros up to HEADER_SPACE
    chunk* : ciphertext length (4) | AES-256-GCM(chunk of at most CHUNK bytes)

The key is derived afresh for every backup (a random salt): HKDF-SHA256 from the master
key, or scrypt from a passphrase. Chunk i is sealed with the nonce i (11 bytes) and a last
byte that says whether it is the final chunk, and with the backup's random id as
additional data, so chunks cannot be reordered, dropped, cut off at the end or moved into
another backup without the reader noticing (the STREAM construction of Hoang, Reyhanitabar,
Rogaway and Vizár, as used by age and Tink).

The header is plain JSON so that a file can be recognised without the key — but what it
says about the contents (row counts, the SHA-256 of the plaintext stream, migrations) is
itself sealed with the backup key, with the plain part as additional data: an altered
header does not open. A seized backup therefore shows when it was made and from which
database engine, and nothing about how many survivors it holds.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import secrets
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from payvand.core import crypto

MAGIC = b"PAYVAND-BACKUP\x00\x01"
FORMAT_VERSION = 1
HEADER_SPACE = 64 * 1024
CHUNK = 1 << 20
_LEN = struct.Struct(">I")
_SUMMARY_NONCE = b"\xff" * 12  # chunk nonces end in 0 or 1, never in 0xff
# scrypt's cost: 2**17 × 8 × 128 bytes = 128 MiB and about half a second; tests lower it.
SCRYPT_N = 2**17


class BackupError(Exception):
    """The backup cannot be written, read or restored; the message says why."""


@dataclass
class Header:
    public: dict
    summary: dict
    key: bytes


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def new_keying(passphrase: bytes | None) -> tuple[dict, bytes]:
    """The ``kdf`` part of a new header and the key it gives."""
    salt = secrets.token_bytes(32)
    if passphrase is None:
        master = crypto.master_key()
        kdf = {"method": "hkdf-sha256-master", "salt": _b64(salt)}
        kdf["master_key_id"] = crypto.key_fingerprint(master)
    else:
        kdf = {"method": "scrypt", "salt": _b64(salt), "n": SCRYPT_N, "r": 8, "p": 1}
    return kdf, derive_key(kdf, passphrase)


def derive_key(kdf: dict, passphrase: bytes | None) -> bytes:
    salt = _unb64(kdf["salt"])
    if kdf["method"] == "hkdf-sha256-master":
        if passphrase is not None:
            raise BackupError(
                "This backup is encrypted with the master key, not a passphrase: "
                "leave out --passphrase-file."
            )
        master = crypto.master_key()
        if crypto.key_fingerprint(master) != kdf["master_key_id"]:
            raise BackupError(
                f"This backup was encrypted with another master key (id {kdf['master_key_id']}; "
                f"this installation's is {crypto.key_fingerprint(master)}). Set "
                f"PAYVAND_MASTER_KEY to the key it was made with."
            )
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"payvand-backup-v1")
        return hkdf.derive(master)
    if kdf["method"] == "scrypt":
        if passphrase is None:
            raise BackupError("This backup is encrypted with a passphrase: give --passphrase-file.")
        return Scrypt(salt=salt, length=32, n=kdf["n"], r=kdf["r"], p=kdf["p"]).derive(passphrase)
    raise BackupError(f"Unknown key derivation {kdf['method']!r}.")


def _public_bytes(public: dict) -> bytes:
    return json.dumps(public, sort_keys=True, separators=(",", ":")).encode()


def write_header(handle: BinaryIO, public: dict, summary: dict, key: bytes) -> None:
    sealed = AESGCM(key).encrypt(
        _SUMMARY_NONCE, json.dumps(summary, sort_keys=True).encode(), _public_bytes(public)
    )
    body = json.dumps({**public, "summary": _b64(sealed)}, sort_keys=True).encode()
    if len(MAGIC) + _LEN.size + len(body) > HEADER_SPACE:
        raise BackupError("The backup's header is too large.")
    handle.seek(0)
    handle.write(MAGIC + _LEN.pack(len(body)) + body)
    handle.write(b"\x00" * (HEADER_SPACE - len(MAGIC) - _LEN.size - len(body)))


def read_public_header(handle: BinaryIO) -> dict:
    start = handle.read(len(MAGIC) + _LEN.size)
    if len(start) < len(MAGIC) + _LEN.size or not start.startswith(MAGIC):
        raise BackupError("This is not a Payvand backup (or its first bytes were damaged).")
    (length,) = _LEN.unpack(start[len(MAGIC) :])
    if length > HEADER_SPACE:
        raise BackupError("The backup's header is damaged.")
    try:
        header = json.loads(handle.read(length))
    except ValueError as exc:
        raise BackupError("The backup's header is damaged.") from exc
    if header.get("format") != FORMAT_VERSION:
        raise BackupError(
            f"This backup has format {header.get('format')}; this version reads format "
            f"{FORMAT_VERSION}."
        )
    handle.seek(HEADER_SPACE)
    return header


def read_header(handle: BinaryIO, passphrase: bytes | None) -> Header:
    """The header, its sealed summary opened: refuses a wrong key or an altered header."""
    header = read_public_header(handle)
    sealed = _unb64(header.pop("summary"))
    key = derive_key(header["kdf"], passphrase)
    try:
        summary = json.loads(AESGCM(key).decrypt(_SUMMARY_NONCE, sealed, _public_bytes(header)))
    except InvalidTag as exc:
        raise BackupError(
            "The backup's header does not open: wrong passphrase, or the file was altered."
        ) from exc
    return Header(public=header, summary=summary, key=key)


def _nonce(index: int, final: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


class SealedWriter:
    """A write-only stream that seals what it is given, CHUNK bytes at a time."""

    def __init__(self, handle: BinaryIO, key: bytes, stream_id: bytes) -> None:
        self.handle, self.aead, self.aad = handle, AESGCM(key), b"payvand-backup|" + stream_id
        self.buffer = bytearray()
        self.chunks = 0
        self.size = 0
        self.sha256 = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.sha256.update(data)
        self.size += len(data)
        self.buffer += data
        while len(self.buffer) >= CHUNK:
            self._emit(bytes(self.buffer[:CHUNK]), final=False)
            del self.buffer[:CHUNK]

    def _emit(self, plain: bytes, *, final: bool) -> None:
        sealed = self.aead.encrypt(_nonce(self.chunks, final), plain, self.aad)
        self.handle.write(_LEN.pack(len(sealed)) + sealed)
        self.chunks += 1

    def close(self) -> None:
        self._emit(bytes(self.buffer), final=True)
        self.buffer.clear()


def opened_chunks(handle: BinaryIO, key: bytes, stream_id: bytes) -> Iterator[bytes]:
    """The plaintext chunks after the header, each checked; raises BackupError at the
    first altered, missing, reordered or extra byte."""
    aead, aad = AESGCM(key), b"payvand-backup|" + stream_id
    index = 0
    while True:
        prefix = handle.read(_LEN.size)
        if len(prefix) < _LEN.size:
            raise BackupError("The backup is cut short: its last part is missing.")
        (length,) = _LEN.unpack(prefix)
        sealed = handle.read(length)
        if len(sealed) < length or length > CHUNK + 16:
            raise BackupError("The backup is cut short: its last part is missing.")
        for final in (False, True):
            try:
                plain = aead.decrypt(_nonce(index, final), sealed, aad)
                break
            except InvalidTag:
                continue
        else:
            raise BackupError(
                f"The backup was altered or damaged (part {index + 1} does not open)."
            )
        yield plain
        index += 1
        if final:
            if handle.read(1):
                raise BackupError("The backup has data after its end: it was altered.")
            return


class ChunkReader(io.RawIOBase):
    """``read(n)`` over the opened chunks, so records can be parsed as they stream."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.buffer = b""
        self.offset = 0

    def readable(self) -> bool:
        return True

    def read_exactly(self, n: int) -> bytes:
        parts, wanted = [], n
        while wanted:
            if self.offset >= len(self.buffer):
                self.buffer, self.offset = next(self.chunks, b""), 0
                if not self.buffer:
                    raise BackupError("The backup ends in the middle of a record.")
            piece = self.buffer[self.offset : self.offset + wanted]
            self.offset += len(piece)
            wanted -= len(piece)
            parts.append(piece)
        return b"".join(parts)


# Records of the plaintext stream: kind (1 byte) | meta length (4) | meta JSON |
# data length (8) | data.
_RECORD = struct.Struct(">cI")
_DATA = struct.Struct(">Q")


def record_head(kind: bytes, meta: dict, size: int) -> bytes:
    raw = json.dumps(meta, separators=(",", ":")).encode()
    return _RECORD.pack(kind, len(raw)) + raw + _DATA.pack(size)


def read_record_head(reader: ChunkReader) -> tuple[bytes, dict, int]:
    kind, length = _RECORD.unpack(reader.read_exactly(_RECORD.size))
    meta = json.loads(reader.read_exactly(length))
    (size,) = _DATA.unpack(reader.read_exactly(_DATA.size))
    return kind, meta, size


def new_stream_id() -> bytes:
    return secrets.token_bytes(16)


def b64(data: bytes) -> str:
    return _b64(data)


def unb64(text: str) -> bytes:
    return _unb64(text)
