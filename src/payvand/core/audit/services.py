"""Writing the audit trail. Call inside the transaction of the change you record."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone

from payvand.core import request_context
from payvand.core.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent

if TYPE_CHECKING:
    from payvand.accounts.models import User
    from payvand.orgs.models import Organisation


@dataclass
class AuditEntry:
    """One event to append; ``obj`` gives object type and public id when it has one."""

    action: str
    actor: User | None
    organisation: Organisation | None = None
    obj: Any = None
    object_type: str = ""
    object_id: str = ""
    details: dict | None = field(default=None)


@dataclass
class _ReadBatch:
    depth: int  # how many atomic blocks were open when the batch began
    entries: list[AuditEntry] = field(default_factory=list)


_batch: ContextVar[_ReadBatch | None] = ContextVar("payvand_audit_batch", default=None)

# Actions that record a read (someone was shown personal data), by how their names end.
# The case timeline leaves them out unless asked; a transaction that appends nothing but
# such rows is committed without waiting for the disk (`audit_record_many`).
READ_ACTION_SUFFIXES = (".read", "_read", ".identity_list")


def is_read(action: str) -> bool:
    return action.endswith(READ_ACTION_SUFFIXES)


@contextmanager
def audit_reads_batched() -> Iterator[None]:
    """Append the rows recorded in the block together, once, when it ends.

    For a page that opens several kinds of sealed data (the case page's sections each
    name what they showed): every row is kept as it was recorded, in order, but the
    chain head is locked and the rows inserted once instead of once per row. Only rows
    recorded outside a transaction opened in the block are held back; one recorded
    inside a change's transaction is written with it, as always.
    """
    batch = _ReadBatch(depth=len(transaction.get_connection().atomic_blocks))
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
        audit_record_many(batch.entries)


def audit_record(
    *,
    action: str,
    actor: User | None,
    organisation: Organisation | None = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    details: dict | None = None,
) -> AuditEvent | None:
    """Append one event; ``obj`` gives object type and public id when it has one.

    An event about a case, or about anything that belongs to a case (``obj.case``),
    is also filed under that case for its timeline. Inside `audit_reads_batched`,
    and outside any transaction opened there, the event is appended when the block
    ends and None is returned.
    """
    entry = AuditEntry(action, actor, organisation, obj, object_type, object_id, details)
    batch = _batch.get()
    if batch is not None and len(transaction.get_connection().atomic_blocks) <= batch.depth:
        batch.entries.append(entry)
        return None
    return audit_record_many([entry])[0]


def audit_record_many(entries: Sequence[AuditEntry]) -> list[AuditEvent]:
    """Append ``entries`` in order, chained as if recorded one by one.

    The head row is locked once, the chain computed here and the rows inserted in
    one statement per batch, so a bulk write (seeding, an import) pays for the
    lock and the round trips once instead of once per row.

    Rows that only record reads, in a transaction of their own (a page that showed
    names), are committed on PostgreSQL without waiting for the disk
    (``synchronous_commit = off``): about 4 ms less per page, and the chain's lock is
    held that much shorter. A crash of the database server can lose the reads of the
    last fraction of a second, never a change's row (those are written in the change's
    transaction, which waits), and never a row in the middle: the log is replayed in
    order, so what survives is the chain up to some row, head included
    (docs/security.md, §9).
    """
    if not entries:
        return []
    context = request_context.current()
    reads_alone = connection.get_autocommit() and all(is_read(e.action) for e in entries)
    one_statement = connection.vendor == "postgresql" and len(entries) <= ONE_STATEMENT_ROWS
    with transaction.atomic():
        if reads_alone and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        head = _head_locked() if one_statement else None
        if head is None:
            head, _created = AuditChainHead.objects.select_for_update().get_or_create(
                id=1, defaults={"last_seq": 0, "last_hash": GENESIS_HASH}
            )
        occurred_at = timezone.now()
        seq, prev_hash = head.last_seq, head.last_hash
        events = []
        for entry in entries:
            seq += 1
            event = _event(entry, seq=seq, prev_hash=prev_hash, occurred_at=occurred_at)
            event.request_id, event.ip = context.request_id, context.ip
            event.hash = prev_hash = event.compute_hash()
            events.append(event)
        if one_statement:
            _insert_and_advance(events)
        else:
            AuditEvent.objects.bulk_create(events)
            head.last_seq, head.last_hash = seq, prev_hash
            head.save(update_fields=["last_seq", "last_hash"])
    return events


# A page's rows (a list, a case page's sections) are appended on PostgreSQL by two plain
# statements — lock and read the head; insert the rows and move the head — instead of the
# ORM's three, whose compiling cost about 1.3 ms of CPU per page. Larger batches (seeding,
# an import) go through bulk_create, which splits them within the parameter limits.
ONE_STATEMENT_ROWS = 50


def _head_locked() -> AuditChainHead | None:
    """The chain head, locked until the transaction ends; None before the first row."""
    table = connection.ops.quote_name(AuditChainHead._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_seq, last_hash FROM {table} WHERE id = 1 FOR UPDATE")  # noqa: S608
        row = cursor.fetchone()
    return None if row is None else AuditChainHead(id=1, last_seq=row[0], last_hash=row[1])


def _insert_and_advance(events: list[AuditEvent]) -> None:
    """Insert ``events`` and set the head to the last of them, in one statement."""
    quote = connection.ops.quote_name
    meta = AuditEvent._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    row = f"({', '.join(['%s'] * len(fields))})"
    last = events[-1]
    # Only quoted table and column names and placeholders are formatted in.
    sql = f"""
        WITH added AS (
            INSERT INTO {quote(meta.db_table)} ({", ".join(quote(f.column) for f in fields)})
            VALUES {", ".join([row] * len(events))}
            RETURNING {quote(meta.pk.column)}, {quote(meta.get_field("seq").column)}
        ), head AS (
            UPDATE {quote(AuditChainHead._meta.db_table)}
            SET last_seq = %s, last_hash = %s WHERE id = 1
        )
        SELECT * FROM added
    """  # noqa: S608
    params = [f.get_db_prep_save(getattr(e, f.attname), connection) for e in events for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, last.seq, last.hash])
        keys = dict((seq, pk) for pk, seq in cursor.fetchall())
    for event in events:
        event.pk = keys[event.seq]
        event._state.adding, event._state.db = False, connection.alias


def _event(entry: AuditEntry, *, seq: int, prev_hash: str, occurred_at) -> AuditEvent:
    object_type, object_id, case_id = entry.object_type, entry.object_id, None
    obj, actor, organisation = entry.obj, entry.actor, entry.organisation
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(getattr(obj, "public_id", obj.pk))
        case_id = _case_of(obj)
    return AuditEvent(
        seq=seq,
        occurred_at=occurred_at,
        actor_id=getattr(actor, "public_id", None) if actor and actor.is_authenticated else None,
        organisation_id=organisation.public_id if organisation is not None else None,
        action=entry.action,
        object_type=object_type,
        object_id=object_id,
        case_id=case_id,
        details=entry.details or {},
        prev_hash=prev_hash,
    )


def _case_of(obj: Any):
    if obj._meta.label_lower == "cases.case":
        return obj.public_id
    case = getattr(obj, "case", None)
    return getattr(case, "public_id", None)
