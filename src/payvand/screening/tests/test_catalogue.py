"""The indicator catalogue: data file, validation, versions, import (command and page)."""

import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from payvand.core.audit.models import AuditEvent
from payvand.core.errors import PermissionDenied
from payvand.core.permissions import Role
from payvand.screening import catalogue, services
from payvand.screening.catalogue import labels
from payvand.screening.models import CatalogueVersion, Indicator
from payvand.screening.tests.helpers import catalogue_v1, record
from payvand.screening.vocab import Dimension, ExploitationList
from payvand.testing.factories import case, member

SHIPPED = catalogue.SHIPPED[0]


def _file(indicators, **top) -> bytes:
    doc = {"format": catalogue.FORMAT, "title": "Test catalogue", "source": "tests"} | top
    lines = [json.dumps({k: v for k, v in doc.items()})[:-1] + ', "indicators": [']
    lines.append(",\n".join(json.dumps(i) for i in indicators))
    lines.append("]}")
    return "\n".join(lines).encode()


def _ind(code, list_="adult-labour", dimension="deceptive-recruitment", strength="strong", **kw):
    return {
        "code": code,
        "list": list_,
        "dimension": dimension,
        "strength": strength,
        "label": f"Indicator {code}",
        "needs_review": False,
    } | kw


def _complete_list(prefix="T", list_="adult-labour"):
    """Two strong indicators in every dimension: a list that can meet the rule."""
    return [
        _ind(f"{prefix}{n}{k}", list_, dimension)
        for n, dimension in enumerate(Dimension.values)
        for k in "AB"
    ]


def _problems(raw) -> list[str]:
    with pytest.raises(catalogue.CatalogueError) as error:
        catalogue.parse(raw)
    return error.value.messages


# --- the shipped data --------------------------------------------------------------------


def test_the_shipped_catalogue_is_valid_and_has_all_four_lists():
    data = catalogue.parse(SHIPPED.read_bytes())
    by_list = {code: [i for i in data.indicators if i.list == code] for code in ExploitationList}
    assert {code: len(items) for code, items in by_list.items()} == {
        "adult-labour": 67,
        "adult-sexual": 67,
        "child-labour": 65,
        "child-sexual": 65,
    }
    # The ILO's per-dimension counts of the adult labour list.
    counts = [sum(i.dimension == d for i in by_list["adult-labour"]) for d in Dimension.values]
    assert counts == [10, 10, 16, 9, 15, 7]


def test_only_the_verified_adult_labour_items_are_shipped_without_needs_review():
    data = catalogue.parse(SHIPPED.read_bytes())
    verified = [i for i in data.indicators if not i.needs_review]
    assert {i.list for i in verified} == {"adult-labour"}
    assert len(verified) == 61
    review = {i.label for i in data.indicators if i.list == "adult-labour" and i.needs_review}
    assert review == {
        "Abuse of cultural/religious beliefs",
        "Difficulties in the past",
        "Difficulty to organise the travel",
        "General context",
        "Personal characteristics",
    }
    for other in ("adult-sexual", "child-labour", "child-sexual"):
        assert all(i.needs_review for i in data.indicators if i.list == other)


def test_the_migration_loaded_version_1_exactly_as_the_file_says(db):
    version = catalogue_v1()
    data = catalogue.parse(SHIPPED.read_bytes())
    stored = list(Indicator.objects.filter(version=version).order_by("order"))
    assert [(i.code, i.list, i.dimension, i.strength, i.label, i.needs_review) for i in stored] == [
        (i.code, i.list, i.dimension, i.strength, i.label, i.needs_review) for i in data.indicators
    ]
    assert version.sha256 == data.sha256


def test_every_shipped_label_is_marked_for_translation():
    """labels.py is generated from the shipped files; it must not fall behind them."""
    assert (catalogue.DIRECTORY / "labels.py").read_text() == catalogue.labels_module()
    data = catalogue.parse(SHIPPED.read_bytes())
    assert {i.label for i in data.indicators} <= labels.LABELS


def test_export_round_trips_through_the_validator(db):
    version = catalogue_v1()
    text = catalogue.export(
        version.title, version.source_note, version.indicators.order_by("order")
    )
    again = catalogue.parse(text)
    assert [(i.code, i.strength, i.needs_review) for i in again.indicators] == [
        (i.code, i.strength, i.needs_review) for i in version.indicators.order_by("order")
    ]


# --- validation: every problem named with its line and indicator ---------------------------


def test_bad_json_names_the_line():
    raw = b'{\n  "format": "payvand-screening-catalogue/1",\n  "title": "x",\n  "indicators": [\n  {"code": }\n]}'
    [message] = _problems(raw)
    assert message.startswith("Line 5, column")
    assert "not valid JSON" in message


def test_unknown_strength_names_the_line_and_indicator():
    raw = _file([*_complete_list(), _ind("X1", strength="very strong")])
    [message] = _problems(raw)
    assert message.startswith("Line 14, indicator X1: unknown strength “very strong”")
    assert "strong, medium, weak" in message


def test_unknown_list_and_dimension_are_named():
    raw = _file([*_complete_list(), _ind("X1", list_="adults"), _ind("X2", dimension="fraud")])
    problems = _problems(raw)
    assert any(p.startswith("Line 14, indicator X1: unknown list “adults”") for p in problems)
    assert any(p.startswith("Line 15, indicator X2: unknown dimension “fraud”") for p in problems)


def test_duplicate_code_names_both_lines():
    raw = _file([*_complete_list(), _ind("T0A")])
    assert _problems(raw) == ["Line 14, indicator T0A: the code T0A is already used on line 2."]


def test_missing_unknown_and_repeated_fields_are_named():
    bad = _ind("X1")
    del bad["needs_review"]
    bad["strenght"] = "weak"
    text = _file([*_complete_list(), bad]).decode()
    text = text.replace('"code": "T0B",', '"code": "T0B", "code": "T0C",')
    problems = _problems(text.encode())
    assert any(
        p.startswith('Line 3, indicator T0C: the field "code" is given twice') for p in problems
    )
    assert any(p.startswith('Line 14, indicator X1: unknown field "strenght"') for p in problems)
    assert 'Line 14, indicator X1: the field "needs_review" is missing.' in problems


def test_needs_review_must_be_a_boolean_and_labels_not_empty():
    raw = _file([*_complete_list(), _ind("X1", needs_review="no", label=" ")])
    problems = _problems(raw)
    assert any("needs_review must be true or false" in p for p in problems)
    assert any("the label must be a text" in p for p in problems)


def test_a_file_that_is_not_a_catalogue_is_refused():
    assert "format" in _problems(b'{"title": "x", "indicators": []}')[0]
    assert "one JSON object" in _problems(b"[1, 2]")[0]
    assert "UTF-8" in _problems("{}".encode("utf-16"))[0]
    assert "non-empty list" in _problems(_file([]))[-1]


def test_a_list_that_could_never_meet_the_rule_is_refused():
    items = [i for i in _complete_list() if i["dimension"] != "exploitative-conditions"]
    [message] = _problems(_file(items))
    assert "List adult-labour" in message and "could not be met" in message


# --- importing: a new version, atomically -------------------------------------------------


def _counts():
    return CatalogueVersion.objects.count(), Indicator.objects.count()


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        _file([*_complete_list(), _ind("X1", strength="strongish")]),
        _file([*_complete_list(), _ind("T0A")]),
    ],
    ids=["bad-json", "unknown-strength", "duplicate-code"],
)
def test_a_bad_file_creates_nothing_and_keeps_the_current_version(db, raw):
    current = catalogue_v1()
    before = _counts()
    with pytest.raises(ValidationError) as error:
        services.catalogue_import(raw=raw, by=None)
    assert error.value.message_dict["file"]
    assert _counts() == before
    assert CatalogueVersion.objects.get(is_current=True) == current


def test_import_adds_a_version_and_keeps_the_previous_ones(db, org):
    v1 = catalogue_v1()
    worker = member(Role.CASEWORKER, org)
    old = record(case(org, owner=worker), worker)
    admin = member(Role.PLATFORM_ADMIN)
    v2, created = services.catalogue_import(raw=_file(_complete_list()), by=admin)
    assert created and v2.number == v1.number + 1 and v2.is_current
    v1.refresh_from_db()
    assert not v1.is_current
    assert v1.indicators.count() == 264  # untouched
    old.refresh_from_db()
    assert old.catalogue_version == v1  # the old screening keeps its version
    event = AuditEvent.objects.filter(action="screening.catalogue_import").latest("seq")
    assert event.details["number"] == v2.number and event.details["indicators"] == 12
    assert event.actor_id == admin.public_id


def test_importing_the_same_file_twice_creates_one_version(db):
    catalogue_v1()
    raw = _file(_complete_list())
    first, created = services.catalogue_import(raw=raw, by=None)
    again, created_again = services.catalogue_import(raw=raw, by=None)
    assert created and not created_again and again == first


def test_only_a_catalogue_editor_may_import(db, org):
    catalogue_v1()
    before = _counts()
    with pytest.raises(PermissionDenied):
        services.catalogue_import(raw=_file(_complete_list()), by=member(Role.SUPERVISOR, org))
    assert _counts() == before


def test_a_used_version_cannot_change(db, org):
    version = catalogue_v1()
    worker = member(Role.CASEWORKER, org)
    record(case(org, owner=worker), worker)
    version.title = "Edited"
    with pytest.raises(ValidationError):
        version.save()
    indicator = version.indicators.first()
    indicator.strength = "weak"
    with pytest.raises(ValidationError):
        indicator.save()
    version.refresh_from_db()
    version.is_current = False
    version.save(update_fields=["is_current"])  # only "current" may move


# --- the command line ---------------------------------------------------------------------


def test_command_imports_and_lists(db, tmp_path):
    catalogue_v1()
    path = tmp_path / "v2.json"
    path.write_bytes(_file(_complete_list()))
    out = StringIO()
    call_command("screening", "catalogue", "import", str(path), stdout=out)
    assert "as version 2 (now current): 12 indicators, 0 marked needs review" in out.getvalue()
    listing = StringIO()
    call_command("screening", "catalogue", "list", stdout=listing)
    lines = listing.getvalue().splitlines()
    assert lines[0].startswith("  v1") and "264 indicators (203 need review)" in lines[0]
    assert lines[1].startswith("* v2")


def test_command_reports_every_problem_and_changes_nothing(db, tmp_path):
    catalogue_v1()
    path = tmp_path / "bad.json"
    path.write_bytes(_file([*_complete_list(), _ind("X1", strength="strongish"), _ind("T0A")]))
    before = _counts()
    err = StringIO()
    with pytest.raises(CommandError, match="not imported"):
        call_command("screening", "catalogue", "import", str(path), stderr=err)
    assert "Line 14, indicator X1: unknown strength" in err.getvalue()
    assert "Line 15, indicator T0A: the code T0A is already used on line 2" in err.getvalue()
    assert _counts() == before
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("screening", "catalogue", "import", str(tmp_path / "missing.json"))


# --- the catalogue pages --------------------------------------------------------------------


def test_platform_admin_uploads_a_new_version_through_the_page(db, login):
    catalogue_v1()
    admin = member(Role.PLATFORM_ADMIN)
    client = login(admin)
    page = client.get(reverse("screening:catalogue"))
    assert page.status_code == 200 and "ILO/EC operational indicators" in page.content.decode()
    upload = SimpleUploadedFile("v2.json", _file(_complete_list()), "application/json")
    response = client.post(reverse("screening:catalogue"), {"file": upload})
    version = CatalogueVersion.objects.get(is_current=True)
    assert response.status_code == 302
    assert response["Location"] == reverse("screening:catalogue_version", args=[version.number])
    shown = client.get(response["Location"]).content.decode()
    assert "Indicator T0A" in shown and "untranslated" in shown


def test_a_bad_upload_shows_the_problems_on_the_file_field_and_saves_nothing(db, login):
    catalogue_v1()
    client = login(member(Role.PLATFORM_ADMIN))
    before = _counts()
    raw = _file([*_complete_list(), _ind("T0A")])
    response = client.post(
        reverse("screening:catalogue"), {"file": SimpleUploadedFile("x.json", raw)}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "Line 14, indicator T0A: the code T0A is already used on line 2."
    ]
    assert _counts() == before


def test_version_page_marks_needs_review_and_exports_the_json(db, login):
    version = catalogue_v1()
    client = login(member(Role.PLATFORM_ADMIN))
    page = client.get(reverse("screening:catalogue_version", args=[version.number]))
    html = page.content.decode()
    assert "needs review" in html and "AL-DR-01" in html and "untranslated" not in html
    export = client.get(reverse("screening:catalogue_export", args=[version.number]))
    assert export["Content-Type"].startswith("application/json")
    assert catalogue.parse(export.content).sha256  # a valid catalogue file


def test_catalogue_pages_are_hidden_from_case_workers(db, login, org):
    version = catalogue_v1()
    client = login(member(Role.SUPERVISOR, org))
    assert client.get(reverse("screening:catalogue")).status_code == 404
    assert (
        client.get(reverse("screening:catalogue_version", args=[version.number])).status_code == 404
    )
    upload = SimpleUploadedFile("v2.json", _file(_complete_list()))
    assert client.post(reverse("screening:catalogue"), {"file": upload}).status_code == 404
    assert CatalogueVersion.objects.filter(is_current=True).get() == version
