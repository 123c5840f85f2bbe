"""Importing CTDC reference datasets: every row checked first, then one transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from payvand.core.audit.services import audit_record
from payvand.stats import ctdc
from payvand.stats.models import CtdcRecord, ReferenceDataset

BATCH = 5000


@dataclass
class CtdcImportReport:
    file_format: str = ""
    rows: int = 0
    imported: int = 0
    problems: list[ctdc.RowProblem] = field(default_factory=list)

    @property
    def rejected_lines(self) -> list[int]:
        return sorted({p.line for p in self.problems})


class DatasetExists(Exception):
    pass


def ctdc_import(
    *,
    data: bytes,
    name: str,
    replace: bool = False,
    skip_bad_rows: bool = False,
    progress: Callable[[int, int], None] = lambda _done, _total: None,
) -> CtdcImportReport:
    """Import a CTDC file as the reference dataset ``name``.

    All or nothing: if a row cannot be read, nothing is imported and the report names
    every such line, unless ``skip_bad_rows`` (then the others are). An interrupted
    import leaves nothing (one transaction). ``replace`` swaps an existing dataset of
    the same name inside that transaction.
    """
    file_format, total, rows = ctdc.read(data)
    report = CtdcImportReport(file_format=file_format, rows=total)
    if ReferenceDataset.objects.filter(name=name).exists() and not replace:
        raise DatasetExists(f"A reference dataset named “{name}” exists; use --replace.")
    records: list[dict] = []
    for line, row in rows:
        record, problems = ctdc.parse_row(row, file_format, line)
        if problems:
            report.problems.extend(problems)
        else:
            records.append(record)
    report.rows = len(records) + len(report.rejected_lines)
    if report.problems and not skip_bad_rows:
        return report
    with transaction.atomic(durable=True):
        ReferenceDataset.objects.filter(name=name).delete()
        dataset = ReferenceDataset.objects.create(
            name=name,
            file_format=file_format,
            rows=len(records),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        for start in range(0, len(records), BATCH):
            CtdcRecord.objects.bulk_create(
                CtdcRecord(dataset=dataset, **r) for r in records[start : start + BATCH]
            )
            progress(min(start + BATCH, len(records)), len(records))
        audit_record(
            action="stats.ctdc_import",
            actor=None,
            details={
                "dataset": name,
                "format": file_format,
                "rows": len(records),
                "rejected": len(report.rejected_lines),
            },
        )
    report.imported = len(records)
    return report
