"""Walking the chain to prove nobody altered, removed or reordered an audit row."""

from dataclasses import dataclass

from payvand.core.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows: int
    broken_seq: int | None = None
    reason: str = ""


def audit_chain_verify(batch_size: int = 5000) -> ChainReport:
    expected_prev = GENESIS_HASH
    expected_seq = 1
    rows = 0
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(seq__gt=last_id).order_by("seq")[:batch_size])
        if not batch:
            break
        for event in batch:
            if event.seq != expected_seq:
                return ChainReport(
                    False,
                    rows,
                    expected_seq,
                    f"row {expected_seq} is missing (next is {event.seq})",
                )
            if event.prev_hash != expected_prev:
                return ChainReport(
                    False, rows, event.seq, "its link to the previous row does not match"
                )
            if event.compute_hash() != event.hash:
                return ChainReport(False, rows, event.seq, "its content does not match its hash")
            expected_prev = event.hash
            expected_seq += 1
            rows += 1
        last_id = batch[-1].seq
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and (head.last_seq != rows or head.last_hash != expected_prev):
        return ChainReport(
            False, rows, rows + 1, f"the chain should end at row {head.last_seq}; rows were removed"
        )
    return ChainReport(True, rows)
