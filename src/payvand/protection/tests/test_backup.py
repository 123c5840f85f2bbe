"""Backups: a demo region with an attachment, backed up and restored into a fresh database
in another process, is identical — every table's rows, every sealed field's plaintext,
the attachment's bytes, the audit chain; a damaged or altered file is refused before
anything is written."""

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from payvand.attachments.services import attachment_add
from payvand.cases.models import Case
from payvand.demo.seed import seed_demo
from payvand.protection import archive
from payvand.protection.archive import BackupError
from payvand.protection.backup import backup_inspect, backup_restore, backup_verify, backup_write
from payvand.protection.fingerprint import fingerprint

TODAY = dt.date(2026, 3, 11)
PDF = b"%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\nPassport of Gulnora Nazarova\n%%EOF\n"


@pytest.fixture
def region(transactional_db, monkeypatch, settings, tmp_path):
    settings.ATTACHMENTS_DIR = tmp_path / "attachments"
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    seed_demo(cases=8)
    case = Case.objects.select_related("owner").order_by("number").first()
    attachment_add(
        case=case, by=case.owner, category="IdentityDocument", filename="passport.pdf", data=PDF
    )
    return case


def _postgres_admin_dsn() -> str | None:
    """Where to create a throwaway PostgreSQL database, if a server answers."""
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        return (
            f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
        )
    url = os.environ.get("PAYVAND_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    try:
        import psycopg

        psycopg.connect(url + "/postgres", connect_timeout=2).close()
    except Exception:  # any failure means: no server to test with
        return None
    return url


@pytest.fixture
def target(tmp_path):
    """Run `payvand …` against a fresh database of the engine asked for."""
    made = []

    def make(vendor: str):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "payvand.settings",
            "PAYVAND_DATA_DIR": str(tmp_path / f"target-{vendor}"),
            "PAYVAND_ATTACHMENTS_DIR": str(tmp_path / f"target-{vendor}" / "attachments"),
            "PAYVAND_SECRET_KEY": "test-only-" + "y" * 50,
        }
        Path(env["PAYVAND_DATA_DIR"]).mkdir()
        if vendor == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{tmp_path}/target.sqlite3"
        else:
            dsn = _postgres_admin_dsn()
            if dsn is None:
                pytest.skip("no PostgreSQL server answers")
            import psycopg

            name = f"payvand_protect_rt_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(dsn + "/postgres", autocommit=True) as admin:
                admin.execute(f"CREATE DATABASE {name}")
            made.append((dsn, name))
            env["DATABASE_URL"] = f"{dsn}/{name}"

        def run(*args, check=True):
            done = subprocess.run(
                [sys.executable, *args], env=env, capture_output=True, text=True, timeout=300
            )
            if check:
                assert done.returncode == 0, done.stderr[-3000:]
            return done

        return run

    yield make
    import psycopg

    for dsn, name in made:
        with psycopg.connect(dsn + "/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _round_trip(region, tmp_path, target, vendor):
    before = fingerprint()
    assert before["audit"]["ok"] and before["files"] and before["sealed"]
    assert all(digest not in ("KeyDestroyed", "Erased") for digest in before["files"].values())
    summary = backup_write(tmp_path / "region.pvb")
    assert summary.files == 1 and summary.rows > 1000 and not summary.files_missing
    run = target(vendor)
    restored = run("-m", "payvand", "restore", str(tmp_path / "region.pvb"))
    assert "Restored" in restored.stdout
    assert run("-m", "payvand", "audit", "verify").stdout.startswith("OK ")
    after = json.loads(run("-m", "payvand.protection.fingerprint").stdout)
    assert after["tables"] == before["tables"]
    assert after["sealed"] == before["sealed"]
    assert after["files"] == before["files"]
    assert after["audit"] == before["audit"]


def test_a_restored_backup_is_identical_to_its_source(region, tmp_path, target):
    _round_trip(region, tmp_path, target, connection.vendor)


def test_a_backup_restores_on_the_other_engine(region, tmp_path, target):
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    _round_trip(region, tmp_path, target, other)


def test_an_altered_backup_is_refused_before_anything_is_written(region, tmp_path, target):
    path = tmp_path / "region.pvb"
    backup_write(path)
    data = bytearray(path.read_bytes())
    data[archive.HEADER_SPACE + 5000] ^= 0x01  # one bit, in the middle of the rows
    path.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="altered or damaged"):
        backup_verify(path)
    run = target("sqlite")
    refused = run("-m", "payvand", "restore", str(path), check=False)
    assert refused.returncode != 0 and "altered or damaged" in refused.stderr
    tables = run(
        "-c",
        "import django; django.setup(); from django.db import connection; "
        "print(len(connection.introspection.table_names()))",
    )
    assert tables.stdout.strip() == "0", "nothing was written"


def test_a_cut_short_or_lengthened_backup_is_refused(region, tmp_path):
    path = tmp_path / "region.pvb"
    backup_write(path)
    whole = path.read_bytes()
    path.write_bytes(whole[:-100])
    with pytest.raises(BackupError, match="cut short"):
        backup_verify(path)
    path.write_bytes(whole + b"more")
    with pytest.raises(BackupError, match="after its end"):
        backup_verify(path)
    path.write_bytes(whole)
    backup_verify(path)


def test_an_altered_header_does_not_open(region, tmp_path):
    path = tmp_path / "region.pvb"
    backup_write(path)
    data = path.read_bytes()
    assert b'"created_at": "20' in data
    path.write_bytes(data.replace(b'"created_at": "20', b'"created_at": "19', 1))  # same length
    with pytest.raises(BackupError, match="does not open"):
        backup_inspect(path)


def test_the_file_names_no_one_and_hides_its_counts(region, tmp_path):
    path = tmp_path / "region.pvb"
    backup_write(path)
    data = path.read_bytes()
    assert b"Gulnora" not in data and b"%PDF" not in data
    assert b"cases.case" not in data and b"demo.example" not in data
    header = backup_inspect(path)
    assert header.public["vendor"] == connection.vendor
    assert header.summary["row_counts"]["cases.case"] == 8
    assert len(header.summary["content_sha256"]) == 64


def test_a_passphrase_backup_needs_that_passphrase(region, tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "SCRYPT_N", 2**12)
    path = tmp_path / "region.pvb"
    backup_write(path, passphrase=b"correct horse battery staple")
    assert backup_verify(path, passphrase=b"correct horse battery staple").summary["files"] == 1
    with pytest.raises(BackupError, match="does not open"):
        backup_inspect(path, passphrase=b"wrong horse battery staple")
    with pytest.raises(BackupError, match="give --passphrase-file"):
        backup_inspect(path)


def test_a_database_in_use_is_not_overwritten(region, tmp_path):
    path = tmp_path / "region.pvb"
    backup_write(path)
    cases = Case.objects.count()
    with pytest.raises(BackupError, match="not empty"):
        backup_restore(path)
    assert Case.objects.count() == cases
