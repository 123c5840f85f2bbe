import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from payvand.cases import selectors
from payvand.cases.importer import ImportFileError, import_cases
from payvand.cases.models import Case, NameToken, Person
from payvand.core.audit.models import AuditEvent
from payvand.core.permissions import Role
from payvand.testing.factories import member

pytestmark = pytest.mark.django_db
TEMPLATE = Path(__file__).resolve().parents[4] / "docs" / "import-template.csv"
HEADER = "id,given_name,family_name,father_name,birth_date,birth_year,gender,citizenship,place_of_origin,estimated_age,identification_date,identification_source,status\n"


def _counts():
    return Person.objects.count(), Case.objects.count(), NameToken.objects.count()


@pytest.fixture
def owner(org):
    return member(Role.CASEWORKER, org, email="owner@example.org")


def test_the_documented_template_imports_and_is_searchable_across_scripts(org, owner):
    report = import_cases(org=org, owner=owner, by=None, name="t.csv", data=TEMPLATE.read_bytes())
    assert report.ok and report.imported == 3
    supervisor = member(Role.SUPERVISOR, org)
    found = selectors.case_search(supervisor, selectors.CaseQuery(name="Zarina Ahmadi"))
    assert len(found) == 1
    assert {c.status for c in Case.objects.all()} == {"Active", "FollowUp"}
    assert AuditEvent.objects.filter(action="case.register").count() == 3
    assert AuditEvent.objects.filter(action="cases.import").count() == 1


def test_one_bad_row_imports_nothing_and_names_line_and_column(org, owner):
    data = (
        HEADER
        + "A1,Gulnora,Nazarova,,2001-05-04,,F,TJ,,,2026-10-02,Hotline,Active\n"
        + "A2,Farrukh,Karimov,,2031-01-01,,M,TJ,,,2026-10-02,Hotline,Active\n"
        + "A3,Zarina,,,,,Alien,XX,,,not a date,Rumour,Open\n"
        + "A1,Dup,Licate,,,,F,TJ,,,2026-10-02,,\n"
    ).encode()
    before = _counts()
    report = import_cases(org=org, owner=owner, by=None, name="bad.csv", data=data)
    assert not report.ok and report.imported == 0
    found = {(e.line, e.column) for e in report.errors}
    assert (3, "birth_date") in found
    assert {(4, "identification_date"), (4, "status")} <= found
    assert (5, "id") in found
    assert _counts() == before


def test_importing_the_same_file_twice_is_refused(org, owner):
    data = TEMPLATE.read_bytes()
    assert import_cases(org=org, owner=owner, by=None, name="t.csv", data=data).ok
    again = import_cases(org=org, owner=owner, by=None, name="t.csv", data=data)
    assert not again.ok and all("Already imported" in e.message for e in again.errors)
    assert Case.objects.count() == 3


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("x.csv", b"", "empty"),
        ("x.csv", b"given_name,family_name\nA,B\n", "Missing columns"),
        (
            "x.csv",
            b"id,given_name,family_name,gender,identification_date,colour\n",
            "Unknown columns",
        ),
        ("x.csv", "id,given_name\n\xff\xfe".encode("latin-1"), "not UTF-8"),
        ("x.pdf", b"%PDF-1.4", ".csv or .xlsx"),
        ("x.xlsx", b"not a zip", "cannot be read"),
        (
            "x.csv",
            b"id,given_name,family_name,gender,identification_date,family_name\n",
            "more than once: family_name",
        ),
    ],
)
def test_unreadable_files_get_a_clear_error(org, owner, name, data, message):
    with pytest.raises(ImportFileError, match=message):
        import_cases(org=org, owner=owner, by=None, name=name, data=data)
    assert _counts() == (0, 0, 0)


def test_xlsx_with_real_dates_and_solar_hijri_text(org, owner):
    import datetime as dt

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(
        [
            "X1",
            "زرینه",
            "احمدی",
            "کریم",
            None,
            2001,
            "Feminine",
            "AF",
            "Herat",
            None,
            "1405-08-10",
            "Shelter",
            "Active",
        ]
    )
    sheet.append(
        [
            "X2",
            "Malalai",
            "Safi",
            None,
            dt.datetime(1999, 2, 3),
            None,
            "F",
            "AF",
            None,
            None,
            "1405-08-11",
            None,
            None,
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    report = import_cases(
        org=org, owner=owner, by=None, name="c.xlsx", data=buffer.getvalue(), calendar="solar_hijri"
    )
    assert report.ok, [str(e) for e in report.errors]
    assert sorted(c.identified_on for c in Case.objects.all()) == [
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 2),
    ]


def test_imported_names_are_not_in_clear_in_the_database(org, owner):
    import_cases(org=org, owner=owner, by=None, name="t.csv", data=TEMPLATE.read_bytes())
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_person")
        dump = repr(cursor.fetchall())
        cursor.execute("SELECT * FROM cases_nametoken")
        dump += repr(cursor.fetchall())
    for name in ("Гулнора", "Назарова", "زرینه", "TJ-0001", "Kulob"):
        assert name not in dump


def test_command_reports_rows_and_exits_non_zero(org, owner, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "B1,,,,,,F,TJ,,,2026-10-02,,\n")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("cases", "import", str(bad), "--org", org.code, "--owner", owner.email)
    assert "line 2" in capsys.readouterr().err
    call_command("cases", "import", str(TEMPLATE), "--org", org.code, "--owner", owner.email)
    assert Case.objects.count() == 3
    with pytest.raises(CommandError, match="Cannot read"):
        call_command(
            "cases",
            "import",
            str(tmp_path / "missing.csv"),
            "--org",
            org.code,
            "--owner",
            owner.email,
        )


def test_org_admin_imports_through_the_web_page(org, owner, client):
    admin = member(Role.ORG_ADMIN, org)
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    upload = SimpleUploadedFile("t.csv", TEMPLATE.read_bytes(), content_type="text/csv")
    response = client.post(
        reverse("cases:import"),
        {
            "organisation": str(org.public_id),
            "owner": str(owner.public_id),
            "calendar": "gregorian",
            "file": upload,
        },
    )
    assert response.status_code == 302
    assert Case.objects.filter(owner=owner).count() == 3
    event = AuditEvent.objects.get(action="cases.import")
    assert event.actor_id == admin.public_id


def test_a_caseworker_cannot_import(org, owner, client):
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("cases:import")).status_code == 404


def test_the_template_records_what_happened(org, owner):
    from payvand.trafficking.models import TraffickingEvent, VictimContext

    report = import_cases(org=org, owner=owner, by=None, name="t.csv", data=TEMPLATE.read_bytes())
    assert report.ok, [str(e) for e in report.errors]
    controls = sorted(tuple(c.control_methods) for c in VictimContext.objects.all())
    assert controls == [
        ("DebtBondage", "WithholdsDocuments"),
        ("PhysicalAbuse",),
        ("RestrictsMovement",),
    ]
    assert VictimContext.objects.filter(trafficking_status="ActualVictimOfTrafficking").count() == 1
    assert sorted(TraffickingEvent.objects.values_list("country", flat=True)) == ["AE", "RU"]
    assert AuditEvent.objects.filter(action="victim.update").count() == 3


def test_wrong_codes_of_what_happened_name_line_and_column(org, owner):
    header = HEADER.strip() + ",trafficking_status,status_decided_by,exploitation_types,"
    header += "control_methods,migration_status,country_of_exploitation\n"
    data = (
        header
        + "B1,Gulnora,Nazarova,,,,F,TJ,,,2026-10-02,Hotline,Active,"
        + "ActualVictimOfTrafficking,,ForcedLabor,Beating,,ZZ\n"
    )
    report = import_cases(org=org, owner=owner, by=None, name="t.csv", data=data.encode())
    assert not report.ok and report.imported == 0
    problems = {(e.line, e.column) for e in report.errors}
    assert {
        (2, "status_decided_by"),
        (2, "exploitation_types"),
        (2, "control_methods"),
        (2, "country_of_exploitation"),
    } <= problems
    assert "ForcedLabor" in " ".join(e.message for e in report.errors)
    assert Case.objects.count() == 0


def test_control_characters_and_values_outside_the_columns_are_refused(org, owner):
    data = (
        HEADER
        + "B1,Gul\x00nora,Nazarova,,,,F,TJ,,,2026-10-02,Hotline,Active\n"
        + "B2,Farrukh,Karimov,,,,M,TJ,Khujand\x1b,,2026-10-02,Hotline,Active\n"
        + "B3,Zarina,Ahmadi,,,,F,TJ,,,2026-10-02,Hotline,Active,forgotten column\n"
        + 'B4,Malika,Usmonova,,,,F,TJ,"Line one\nline two",,2026-10-02,Hotline,Active\n'
    ).encode()
    report = import_cases(org=org, owner=owner, by=None, name="ctl.csv", data=data)
    assert not report.ok and report.imported == 0
    found = {(e.line, e.column): e.message for e in report.errors}
    assert "U+0000" in found[(2, "given_name")]
    assert "U+001B" in found[(3, "place_of_origin")]
    assert "column 14" in found[(4, "")]
    assert not any(line == 5 for line, _column in found)  # a line break in a place is text
    assert _counts() == (0, 0, 0)


def test_every_problem_of_a_row_is_named_at_once_by_its_column(org, owner):
    data = (HEADER + "r1,Али,Каримов,,1990-13-45,,X,ZZ,,-5,3000-01-01,Nope,Weird\n").encode()
    report = import_cases(org=org, owner=owner, by=None, name="r.csv", data=data)
    columns = {e.column for e in report.errors}
    assert {"birth_date", "status", "gender", "citizenship", "identification_date"} <= columns
    assert "identification_source" in columns
    assert "identified_on" not in columns


def test_one_imported_case_is_one_case(org, owner, client):
    admin = member(Role.ORG_ADMIN, org)
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    data = HEADER + "s1,Zarina,Ahmadi,,,,F,TJ,,30,2026-10-02,Hotline,Active\n"
    response = client.post(
        reverse("cases:import"),
        {
            "organisation": str(org.public_id),
            "owner": str(owner.public_id),
            "calendar": "gregorian",
            "file": SimpleUploadedFile("one.csv", data.encode(), content_type="text/csv"),
        },
        follow=True,
    )
    assert "1 case was imported." in response.content.decode()
