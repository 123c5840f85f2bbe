"""Importing CTDC reference datasets: every row checked first, then one transaction.

The rows are parsed column by column (ctdc.parse) and written without model instances:
by COPY on PostgreSQL, by one prepared INSERT per batch elsewhere.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.db import connection, transaction

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


# CtdcRecord's columns after the dataset: the fields ctdc.parse fills.
RECORD_FIELDS = [
    f.name for f in CtdcRecord._meta.concrete_fields if not f.primary_key and f.name != "dataset"
]


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
    file_format, parsed = ctdc.read(data)
    report = CtdcImportReport(file_format=file_format, rows=len(parsed.lines))
    if ReferenceDataset.objects.filter(name=name).exists() and not replace:
        raise DatasetExists(f"A reference dataset named “{name}” exists; use --replace.")
    report.problems = parsed.problems
    if report.problems and not skip_bad_rows:
        return report
    total = report.rows - len(report.rejected_lines)
    with transaction.atomic(durable=True):
        ReferenceDataset.objects.filter(name=name).delete()
        dataset = ReferenceDataset.objects.create(
            name=name,
            file_format=file_format,
            rows=total,
            sha256=hashlib.sha256(data).hexdigest(),
        )
        records = parsed.records(RECORD_FIELDS)
        done = 0
        with connection.cursor() as cursor:
            while batch := list(islice(records, BATCH)):
                _write_batch(cursor, dataset.pk, batch)
                done += len(batch)
                progress(done, total)
        audit_record(
            action="stats.ctdc_import",
            actor=None,
            details={
                "dataset": name,
                "format": file_format,
                "rows": total,
                "rejected": len(report.rejected_lines),
            },
        )
    report.imported = total
    return report


def _write_batch(cursor, dataset_id: int, batch: list[tuple]) -> None:
    """Insert one batch of records (tuples of RECORD_FIELDS) into ``dataset_id``."""
    table = connection.ops.quote_name(CtdcRecord._meta.db_table)
    fields = [CtdcRecord._meta.get_field(f) for f in ("dataset", *RECORD_FIELDS)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    rows: Iterator[tuple] = ((dataset_id, *record) for record in batch)
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join(["%s"] * len(fields))
        # Names from the model, values as parameters.
        insert = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
        cursor.executemany(insert, list(rows))
