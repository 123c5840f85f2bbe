"""The HSDS data package: export, import into an empty database, export again: the same."""

import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from payvand.core.audit.models import AuditEvent
from payvand.demo.seed import seed_demo
from payvand.directory import hsds
from payvand.directory.models import Location, OrganisationProfile, Service
from payvand.directory.selectors import services_accepting_referrals
from payvand.directory.tests.factories import service

pytestmark = pytest.mark.django_db


def _tables(path) -> dict:
    descriptor = json.loads(path.read_text())
    return {r["name"]: r["data"] for r in descriptor["resources"]}


def test_export_writes_every_hsds_table_with_the_demo_directory(tmp_path):
    seed_demo()
    call_command("directory", "export", "--out", str(tmp_path / "package"))
    descriptor = json.loads((tmp_path / "package" / "datapackage.json").read_text())
    assert descriptor["hsds_version"] == "3.0"
    names = [r["name"] for r in descriptor["resources"]]
    assert {"organization", "service", "location", "service_at_location", "service_area",
            "phone", "contact", "schedule", "language", "attribute"} <= set(names)  # fmt: skip
    services = json.loads((tmp_path / "package" / "service.json").read_text())
    assert len(services) == Service.objects.count() > 20
    areas = json.loads((tmp_path / "package" / "service_area.json").read_text())
    assert any(a["uri"].endswith(":3166:AF-KAB") for a in areas)
    contacts = json.loads((tmp_path / "package" / "contact.json").read_text())
    assert all(c["name"] is None for c in contacts), "desks, never a person"


def test_import_after_wiping_the_directory_reproduces_it(tmp_path):
    seed_demo()
    first = tmp_path / "first.json"
    call_command("directory", "export", "--out", str(first))
    Service.objects.all().delete()
    Location.objects.all().delete()
    OrganisationProfile.objects.all().delete()
    call_command("directory", "import", str(first))
    second = tmp_path / "second.json"
    call_command("directory", "export", "--out", str(second))
    assert _tables(first) == _tables(second)
    assert AuditEvent.objects.filter(action="directory.import").count() == 8


def test_import_into_an_empty_database_reproduces_the_directory(tmp_path):
    """The real thing: a fresh SQLite database, the `payvand` command, nothing shared."""
    seed_demo()
    first = tmp_path / "first"
    call_command("directory", "export", "--out", str(first))
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "payvand.testing.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "PAYVAND_DATA_DIR": str(tmp_path),
    }

    def payvand(*args):
        done = subprocess.run(
            [sys.executable, "-m", "payvand", *args], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    payvand("migrate", "-v", "0")
    out = payvand("directory", "import", str(first / "datapackage.json"))
    assert "Imported 8 organisations (8 new)" in out
    payvand("directory", "export", "--out", str(tmp_path / "second"))
    for name in hsds.TABLES:
        before = json.loads((first / f"{name}.json").read_text())
        after = json.loads((tmp_path / "second" / f"{name}.json").read_text())
        assert before == after, name


def test_referral_selector_finds_imported_services(tmp_path, org):
    service(org, name="Cross-border shelter", accepts_cross_border=True)
    path = tmp_path / "p.json"
    call_command("directory", "export", "--out", str(path))
    Service.objects.all().delete()
    call_command("directory", "import", str(path))
    found = services_accepting_referrals(country="TJ", cross_border=True, service_type="shelter")
    assert [s.name for s in found] == ["Cross-border shelter"]


def _package(tmp_path, tables: dict) -> str:
    resources = [{"name": name, "data": rows} for name, rows in tables.items()]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"resources": resources}))
    return str(path)


def _exported(tmp_path, org) -> dict:
    service(org)
    path = tmp_path / "good.json"
    call_command("directory", "export", "--out", str(path))
    return _tables(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"name": "x"}', "not a data package"),
        ('{"resources": [{"name": "organization", "data": [{"id": "7"}]}]}', "must be a UUID"),
        ('{"resources": [{"name": "service", "data": []}]}', "has no organization"),
        ('{"resources": [{"name": "organization", "path": "../../etc/passwd"}]}', "beside it"),
    ],
)
def test_unreadable_files_are_a_clear_command_error(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("directory", "import", str(path))


def test_a_missing_file_is_a_clear_command_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("directory", "import", str(tmp_path / "nowhere.json"))


def test_a_bad_service_names_itself_and_nothing_is_imported(tmp_path, org):
    tables = _exported(tmp_path, org)
    tables["service_area"][0]["uri"] = "https://www.iso.org/obp/ui/#iso:code:3166:TJ-ZZ"
    Service.objects.all().delete()
    with pytest.raises(CommandError, match=r"service .* \(Safe shelter for women\): areas"):
        call_command("directory", "import", _package(tmp_path, tables))
    assert not Service.objects.exists()
    assert Location.objects.exists(), "the earlier directory is still there (rolled back)"


def test_a_bad_contact_phone_is_refused(tmp_path, org):
    tables = _exported(tmp_path, org)
    tables["phone"] = [dict(p, number="12345") for p in tables["phone"]]
    with pytest.raises(CommandError, match="contacts"):
        call_command("directory", "import", _package(tmp_path, tables))


def test_an_unknown_service_type_is_refused(tmp_path, org):
    tables = _exported(tmp_path, org)
    tables["attribute"] = [a for a in tables["attribute"] if a["link_type"] != "service_type"]
    with pytest.raises(CommandError, match="no known service type"):
        call_command("directory", "import", _package(tmp_path, tables))


def test_a_new_organisation_without_a_short_code_is_refused(tmp_path, org):
    tables = _exported(tmp_path, org)
    tables["organization_identifier"] = []
    # The same organisation as a stranger to this platform: another id everywhere.
    tables = json.loads(
        json.dumps(tables).replace(str(org.public_id), "00000000-0000-4000-8000-000000000001")
    )
    with pytest.raises(CommandError, match="no Payvand short code"):
        call_command("directory", "import", _package(tmp_path, tables))
