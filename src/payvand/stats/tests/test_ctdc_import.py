"""CTDC import: both formats, every bad row named, all or nothing, the real 2017 file."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from payvand.core.audit.models import AuditEvent
from payvand.stats import ctdc, services
from payvand.stats.ctdc import CtdcFileError
from payvand.stats.models import CtdcRecord, ReferenceDataset
from payvand.stats.tables import count_table, table_rows
from payvand.stats.tests import ctdc_samples

pytestmark = pytest.mark.django_db

SAMPLES = {
    "global-2017-synthetic.csv": ctdc_samples.global_2017,
    "synthetic-2024.csv": ctdc_samples.synthetic_2024,
}
REAL_2017 = (
    Path(__file__).resolve().parents[5] / "shared" / "data" / "ctdc-2017" / "ctdc_global_2017.csv"
)


def _import(name, data=None, **kw):
    data = data if data is not None else SAMPLES[name]()
    return services.ctdc_import(data=data, name=name, **kw)


def test_the_2017_global_format_is_read_and_normalised():
    report = _import("global-2017-synthetic.csv")
    assert (report.file_format, report.imported, report.problems) == ("global-2017", 60, [])
    records = CtdcRecord.objects.all()
    assert set(records.values_list("gender", flat=True)) <= {"Woman", "Man", ""}
    assert set(records.values_list("citizenship", flat=True)) == {"UZ", "TJ", "AF", ""}
    assert records.filter(means_debt_bondage_earnings=True).exists()
    assert AuditEvent.objects.filter(action="stats.ctdc_import").count() == 1


def test_the_2024_synthetic_format_with_sector_columns_and_alpha3_is_read():
    report = _import("synthetic-2024.csv")
    assert (report.file_format, report.imported) == ("synthetic-2024", 40)
    records = CtdcRecord.objects.all()
    assert set(records.values_list("citizenship", flat=True)) <= {"UZ", "TJ", "AF", "KG", ""}
    assert "9--17" in set(records.values_list("age_band", flat=True)), "09--17 is 9--17"
    assert records.filter(labour_construction=True).exists()
    assert set(records.values_list("traffick_months", flat=True)) <= {"0--12", "13--24", "25+", ""}


def test_bad_rows_are_named_by_line_and_nothing_is_imported():
    text = ctdc_samples.synthetic_2024().decode().splitlines()
    header, rows = text[0], text[1:]
    rows[2] = "20x9" + rows[2][4:]
    fields = rows[7].split(",")
    fields[3] = "QQQ"
    rows[7] = ",".join(fields)
    data = "\n".join([header, *rows]).encode()
    report = _import("bad.csv", data)
    assert report.imported == 0 and not CtdcRecord.objects.exists()
    assert report.rejected_lines == [4, 9]
    messages = [str(p) for p in report.problems]
    assert any("line 4, yearOfRegistration" in m for m in messages)
    assert any("line 9, citizenship" in m and "QQQ" in m for m in messages)
    skipped = _import("bad.csv", data, skip_bad_rows=True)
    assert skipped.imported == 38


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"name,age\nA,3\n", "not a CTDC file"),
        ("yearOfRegistration".encode("utf-16"), "not UTF-8"),
    ],
)
def test_unreadable_files_get_a_clear_error(data, message):
    with pytest.raises(CtdcFileError, match=message):
        _import("x.csv", data)


def test_an_interrupted_import_leaves_nothing(monkeypatch):
    monkeypatch.setattr(services, "BATCH", 10)
    real = services._write_batch
    calls = []

    def interrupted(*args):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(services, "_write_batch", interrupted)
    progress = []
    with pytest.raises(KeyboardInterrupt):
        _import("global-2017-synthetic.csv", progress=lambda done, total: progress.append(done))
    assert progress == [10, 20], "the progress bar moved until the interruption"
    assert not CtdcRecord.objects.exists() and not ReferenceDataset.objects.exists()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_value_read_is_stored_as_read(name):
    """COPY on PostgreSQL, INSERT elsewhere: the records in the database are the rows as
    parsed, value for value (flags True, False or None; years numbers; codes strings)."""
    data = SAMPLES[name]()
    _format, parsed = ctdc.read(data)
    _import(name, data)
    stored = list(CtdcRecord.objects.order_by("pk").values_list(*services.RECORD_FIELDS))
    assert stored == list(parsed.records(services.RECORD_FIELDS))
    assert {None, True} <= {v for row in stored for v in row[-10:]}


def test_the_command_reports_and_refuses_a_second_import_of_the_same_name(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    path = tmp_path / "synthetic-2024.csv"
    path.write_bytes(ctdc_samples.synthetic_2024())
    call_command("ctdc", "import", str(path), "--name", "v2024", stdout=out, stderr=err)
    assert "Imported 40 rows (synthetic-2024)" in out.getvalue()
    with pytest.raises(CommandError, match="exists; use --replace"):
        call_command("ctdc", "import", str(path), "--name", "v2024", stdout=out, stderr=err)
    call_command("ctdc", "import", str(path), "--name", "v2024", "--replace", stdout=out)
    assert ReferenceDataset.objects.count() == 1 and CtdcRecord.objects.count() == 40
    bad = tmp_path / "bad.csv"
    bad.write_text(path.read_text().replace("2021,", "1800,", 1))
    with pytest.raises(CommandError, match="Nothing was imported: 1 of 40 rows"):
        call_command("ctdc", "import", str(bad), "--name", "bad", stdout=out, stderr=err)
    assert "yearOfRegistration" in err.getvalue()


@pytest.mark.skipif(
    not REAL_2017.exists(), reason=f"the real CTDC 2017 file is absent ({REAL_2017})"
)
def test_the_real_2017_dataset_imports_completely_and_counts_match():
    report = services.ctdc_import(data=REAL_2017.read_bytes(), name="ctdc-2017")
    assert (report.imported, report.problems) == (47_102, [])
    table = count_table(source="ctdc", by=["citizenship"], k=11)
    counts = dict((cell[0], n) for cell, n in table_rows(table))
    assert (counts["UZ"], counts["AF"], counts["TJ"], counts["TM"]) == (253, 239, 77, 26)
    assert "PK" not in counts
