"""`payvand backup` and `payvand restore`: the whole database and the sealed files, in one
encrypted file (archive.py).

Why Django's own reading and writing rather than pg_dump and SQLite's backup API: one
code path for both engines, no external program whose version must match the server,
a file that restores on either engine (a SQLite office's backup can move to a PostgreSQL
hub), and rows read and written exactly — every column by its field, binary blobs as
they are, times to the microsecond (the audit chain hashes them). The snapshot is one
read transaction: REPEATABLE READ, READ ONLY on PostgreSQL; on SQLite a deferred
transaction in WAL mode, which reads one snapshot without blocking writers. The price
is speed: pg_dump would be faster on a very large hub; figures are in the README.

Restoring writes nothing until the whole file has been checked (every chunk's tag and
the SHA-256 of the contents). It needs an empty database (no tables, or only what
`payvand migrate` puts there) and an empty attachments folder. The schema is brought to
the backup's migrations, the rows are loaded in one transaction with the models of that
schema, and newer migrations then run on them: a backup made by an older version
restores into a newer one. The files are written to a folder beside the attachments
folder and moved into place once the rows are committed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.apps import apps as global_apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.duration import duration_string

from payvand.protection import archive
from payvand.protection.archive import BackupError

BATCH = 1000
# Rows that `payvand migrate` itself writes into a new database; a database holding only
# these is empty. The restore replaces them with the backup's.
MIGRATION_ROWS = {
    "contenttypes.contenttype",
    "auth.permission",
    "screening.catalogueversion",
    "screening.indicator",
}


@dataclass
class BackupSummary:
    path: Path
    bytes: int
    rows: int
    tables: int
    files: int
    file_bytes: int
    files_missing: list[str]
    seconds: float


@dataclass
class RestoreSummary:
    rows: int
    tables: int
    files: int
    migrated_after: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _models(registry=global_apps):
    """Every table Django manages (many-to-many tables included), in a stable order."""
    models = [
        m
        for m in registry.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    ]
    return sorted(models, key=lambda m: m._meta.label_lower)


def _encode(field, value):
    if value is None or field.get_internal_type() == "JSONField":
        return value
    if isinstance(value, bytes | memoryview):
        return archive.b64(bytes(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return duration_string(value)
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    return value


def _decode(field, value):
    if value is None or field.get_internal_type() == "JSONField":
        return value
    if field.get_internal_type() == "BinaryField":
        return archive.unb64(value)
    return field.to_python(value)


@contextmanager
def _snapshot(alias: str):
    """One consistent read of the whole database."""
    connection = connections[alias]
    if connection.in_atomic_block:
        raise BackupError("A backup must run in its own transaction.")
    if connection.vendor == "postgresql":
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        mode = connection.transaction_mode
        # IMMEDIATE (the app's mode) would take the write lock for the whole backup.
        connection.transaction_mode = "DEFERRED"
        try:
            with transaction.atomic(using=alias):
                yield
        finally:
            connection.transaction_mode = mode
    else:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")


def _referenced_files(registry, alias: str) -> set[str]:
    """The sealed files the database points to (to name any that are missing)."""
    try:
        Attachment = registry.get_model("attachments", "Attachment")
    except LookupError:
        return set()
    rows = (
        Attachment.objects.using(alias)
        .exclude(stored_name="")
        .values_list("case__organisation__public_id", "stored_name")
    )
    return {f"{org}/{name}" for org, name in rows}


def _files(root: Path) -> Iterator[tuple[str, Path]]:
    if not root.exists():
        return
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        # ".name.tmp" files are being written (storage.write renames them when done).
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            yield relative.as_posix(), path


def backup_write(
    out: Path,
    *,
    passphrase: bytes | None = None,
    alias: str = DEFAULT_DB_ALIAS,
    progress: Callable[[str], None] = lambda _msg: None,
) -> BackupSummary:
    """Write the database and the attachments folder into ``out``, encrypted.

    Written to ``out.partial`` and renamed when complete: a failed or interrupted backup
    never leaves a file under the final name.
    """
    started = time.perf_counter()
    out = Path(out)
    connection = connections[alias]
    kdf, key = archive.new_keying(passphrase)
    stream_id = archive.new_stream_id()
    public = {
        "format": archive.FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "vendor": connection.vendor,
        "kdf": kdf,
        "stream_id": archive.b64(stream_id),
        "chunk": archive.CHUNK,
    }
    partial = out.with_name(out.name + ".partial")
    counts: dict[str, int] = {}
    files = file_bytes = 0
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(b"\x00" * archive.HEADER_SPACE)
            writer = archive.SealedWriter(handle, key, stream_id)
            with _snapshot(alias):
                # The tables as the applied migrations made them: a database not yet
                # migrated to this version (a backup before an upgrade) is read as it is.
                migrations = sorted(MigrationRecorder(connection).applied_migrations())
                registry = _state_of(connection, set(migrations)).apps
                for model in _models(registry):
                    counts[model._meta.label_lower] = _write_table(writer, model, alias)
                    progress(f"{model._meta.label_lower}: {counts[model._meta.label_lower]}")
                expected = _referenced_files(registry, alias)
                found = set()
                for relative, path in _files(Path(settings.ATTACHMENTS_DIR)):
                    size = _write_file(writer, relative, path)
                    if size is None:
                        continue  # removed while we walked (an erasure committed)
                    found.add(relative)
                    files += 1
                    file_bytes += size
            missing = sorted(expected - found)
            writer.write(archive.record_head(b"E", {}, 0))
            writer.close()
            summary = {
                "row_counts": counts,
                "rows": sum(counts.values()),
                "tables": len(counts),
                "files": files,
                "file_bytes": file_bytes,
                "files_missing": missing,
                "content_sha256": writer.sha256.hexdigest(),
                "content_bytes": writer.size,
                "chunks": writer.chunks,
                "migrations": [list(m) for m in migrations],
            }
            archive.write_header(handle, public, summary, key)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupSummary(
        path=out,
        bytes=out.stat().st_size,
        rows=sum(counts.values()),
        tables=len(counts),
        files=files,
        file_bytes=file_bytes,
        files_missing=missing,
        seconds=time.perf_counter() - started,
    )


def _write_table(writer: archive.SealedWriter, model, alias: str) -> int:
    fields = model._meta.local_concrete_fields
    names = [f.attname for f in fields]
    rows = (
        model._base_manager.using(alias)
        .order_by(model._meta.pk.attname)
        .values_list(*names)
        .iterator(chunk_size=2000)
    )
    meta = {"model": model._meta.label_lower, "fields": names}
    count = 0
    batch: list[str] = []

    def flush() -> None:
        data = ("\n".join(batch)).encode()
        writer.write(archive.record_head(b"T", meta, len(data)))
        writer.write(data)
        batch.clear()

    for row in rows:
        batch.append(
            json.dumps(
                [_encode(f, v) for f, v in zip(fields, row, strict=True)],
                ensure_ascii=False,
                separators=(",", ":"),
            )
        )
        count += 1
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    return count


def _write_file(writer: archive.SealedWriter, relative: str, path: Path) -> int | None:
    try:
        handle = open(path, "rb")  # noqa: SIM115 (closed below, after the stream)
    except FileNotFoundError:
        return None
    with handle:
        size = os.fstat(handle.fileno()).st_size
        writer.write(archive.record_head(b"F", {"path": relative, "size": size}, size))
        left = size
        while left:
            piece = handle.read(min(left, archive.CHUNK))
            if not piece:
                raise BackupError(f"The file {relative} shrank while it was backed up.")
            writer.write(piece)
            left -= len(piece)
    return size


# ---------------------------------------------------------------------------- restore


def backup_inspect(path: Path, *, passphrase: bytes | None = None) -> archive.Header:
    with open(path, "rb") as handle:
        return archive.read_header(handle, passphrase)


def backup_verify(path: Path, *, passphrase: bytes | None = None) -> archive.Header:
    """Open every chunk and compare the contents' SHA-256 with the header's."""
    import hashlib

    with open(path, "rb") as handle:
        header = archive.read_header(handle, passphrase)
        sha, size, chunks = hashlib.sha256(), 0, 0
        stream_id = archive.unb64(header.public["stream_id"])
        for chunk in archive.opened_chunks(handle, header.key, stream_id):
            sha.update(chunk)
            size += len(chunk)
            chunks += 1
    summary = header.summary
    if (sha.hexdigest(), size, chunks) != (
        summary["content_sha256"],
        summary["content_bytes"],
        summary["chunks"],
    ):
        raise BackupError("The backup's contents do not match its header: it was altered.")
    return header


def database_emptiness(alias: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Tables (by model) that hold rows beyond what `payvand migrate` writes."""
    connection = connections[alias]
    tables = set(connection.introspection.table_names())
    full = {}
    for model in _models():
        label = model._meta.label_lower
        if model._meta.db_table in tables and label not in MIGRATION_ROWS:
            count = model._base_manager.using(alias).count()
            if count:
                full[label] = count
    return full


def _folder_is_empty(path: Path) -> bool:
    return not path.exists() or not any(path.iterdir())


def _state_of(connection, applied: set[tuple[str, str]]):
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    targets = _targets(loader, applied)
    return loader.project_state([t for t in targets if t[1] is not None])


def _targets(loader: MigrationLoader, applied: set[tuple[str, str]]) -> list:
    graph = loader.graph
    unknown = sorted(applied - set(graph.nodes))
    if unknown:
        raise BackupError(
            "This backup was made by a newer version of Payvand (it has migrations this "
            f"version does not know, e.g. {unknown[0][0]}.{unknown[0][1]}). Install that "
            "version or a later one to restore it."
        )
    targets = []
    for app in sorted({app for app, _name in graph.nodes}):
        mine = {node for node in applied if node[0] == app}
        leaves = [
            node
            for node in mine
            if not any(child in mine for child in graph.node_map[node].children)
        ]
        if len(leaves) > 1:
            raise BackupError(f"The backup's migrations of {app} are not in one line.")
        targets.append(leaves[0] if leaves else (app, None))
    return targets


def backup_restore(
    path: Path,
    *,
    passphrase: bytes | None = None,
    alias: str = DEFAULT_DB_ALIAS,
    progress: Callable[[str], None] = lambda _msg: None,
) -> RestoreSummary:
    started = time.perf_counter()
    path = Path(path)
    connection = connections[alias]
    full = database_emptiness(alias)
    if full:
        some = ", ".join(f"{label} ({n})" for label, n in sorted(full.items())[:3])
        raise BackupError(
            f"The database is not empty (it holds {some} …). Restore into a new, empty "
            f"database: nothing was changed."
        )
    root = Path(settings.ATTACHMENTS_DIR)
    if not _folder_is_empty(root):
        raise BackupError(
            f"The attachments folder {root} is not empty. Restore into an empty folder: "
            f"nothing was changed."
        )
    progress("checking the backup")
    header = backup_verify(path, passphrase=passphrase)
    summary = header.summary
    applied = {tuple(m) for m in summary["migrations"]}
    executor = MigrationExecutor(connection)
    targets = _targets(executor.loader, applied)

    progress("creating the tables of the backup's version")
    executor.migrate(targets)
    state = executor.loader.project_state([t for t in targets if t[1] is not None])
    models = {m._meta.label_lower: m for m in _models(state.apps)}

    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.restoring-", dir=root.parent))
    try:
        rows, tables = _load(path, header, models, staging, alias, progress)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if root.exists():
        root.rmdir()  # empty, checked above
    os.replace(staging, root)
    root.chmod(0o700)

    later = [
        f"{app}.{name}"
        for app, name in executor.loader.graph.leaf_nodes()
        if (app, name) not in applied
    ]
    if later:
        progress("applying this version's newer migrations")
        call_command("migrate", database=alias, interactive=False, verbosity=0)
    return RestoreSummary(
        rows=rows,
        tables=tables,
        files=summary["files"],
        migrated_after=later,
        seconds=time.perf_counter() - started,
    )


def _load(path, header, models, staging: Path, alias: str, progress) -> tuple[int, int]:
    connection = connections[alias]
    summary = header.summary
    stream_id = archive.unb64(header.public["stream_id"])
    rows = 0
    loaded: dict[str, int] = {}
    with transaction.atomic(using=alias), open(path, "rb") as handle:
        for model in models.values():  # what `migrate` wrote gives way to the backup's rows
            model._base_manager.using(alias).all()._raw_delete(alias)
        archive.read_public_header(handle)
        reader = archive.ChunkReader(archive.opened_chunks(handle, header.key, stream_id))
        while True:
            kind, meta, size = archive.read_record_head(reader)
            if kind == b"E":
                break
            if kind == b"T":
                n = _insert_batch(models, meta, reader.read_exactly(size), alias)
                loaded[meta["model"]] = loaded.get(meta["model"], 0) + n
                rows += n
            elif kind == b"F":
                _restore_file(staging, meta["path"], size, reader)
            else:
                raise BackupError(f"Unknown record {kind!r} in the backup.")
        if loaded != {k: v for k, v in summary["row_counts"].items() if v}:
            raise BackupError("The rows read do not match the backup's counts.")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), list(models.values())):
                    cursor.execute(sql)
        progress(f"{rows} rows loaded; committing")
    return rows, len(summary["row_counts"])


def _insert_batch(models: dict, meta: dict, data: bytes, alias: str) -> int:
    model = models.get(meta["model"])
    if model is None:
        raise BackupError(f"The backup holds a table {meta['model']} this schema lacks.")
    by_name = {f.attname: f for f in model._meta.local_concrete_fields}
    if set(by_name) != set(meta["fields"]):
        raise BackupError(f"The columns of {meta['model']} differ from the backup's.")
    fields = [by_name[name] for name in meta["fields"]]
    objects = []
    for line in data.decode().split("\n"):
        values = json.loads(line)
        obj = model()
        for f, value in zip(fields, values, strict=True):
            setattr(obj, f.attname, _decode(f, value))
        objects.append(obj)
    connection = connections[alias]
    size = max(1, connection.ops.bulk_batch_size(fields, objects) or len(objects))
    manager = model._base_manager.using(alias)
    for start in range(0, len(objects), size):
        manager._insert(objects[start : start + size], fields=fields, raw=True, using=alias)
    return len(objects)


def _restore_file(staging: Path, relative: str, size: int, reader) -> None:
    target = (staging / relative).resolve()
    if staging.resolve() not in target.parents:
        raise BackupError(f"The backup names a file outside the attachments folder: {relative}")
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        left = size
        while left:
            piece = reader.read_exactly(min(left, archive.CHUNK))
            handle.write(piece)
            left -= len(piece)
        handle.flush()
        os.fsync(handle.fileno())
