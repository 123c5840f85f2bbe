"""Importing a caseload from a spreadsheet (CSV or XLSX): validate every row, then all or nothing.

The template (docs/import-template.csv) has the person columns
``id,given_name,family_name,father_name,birth_date,birth_year,gender,citizenship,place_of_origin``
followed by the case columns ``estimated_age,identification_date,identification_source,status``
and, optionally, what happened: ``trafficking_status,status_decided_by,exploitation_types,
control_methods,migration_status,country_of_exploitation`` (HTCDS codes; several codes in
one cell separated by ``;``). What happened is recorded through the trafficking services.
Names may be in any script. ``id`` is the organisation's own reference, kept (sealed) as
an external id: importing the same row twice is refused. Every row goes through the
same validation and the same registration service as the web form, so imported cases
are sealed, indexed and audited exactly like the others.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from payvand.accounts.models import User
from payvand.cases import name_index
from payvand.cases.services import (
    Identity,
    Registration,
    register_in_transaction,
    registration_validate,
)
from payvand.cases.vocab import BirthPrecision, CaseStatus, Gender, IdentificationSource
from payvand.core import countries
from payvand.core.audit.services import audit_record
from payvand.core.calendars import Calendar, from_solar_hijri
from payvand.core.errors import PermissionDenied
from payvand.core.permissions import Perm, has_perm
from payvand.orgs.models import Organisation
from payvand.trafficking.services import (
    CODE_FIELDS,
    event_import,
    victim_context_import,
    victim_fields_check,
)
from payvand.trafficking.vocab import EventType

PERSON_COLUMNS = [
    "id",
    "given_name",
    "family_name",
    "father_name",
    "birth_date",
    "birth_year",
    "gender",
    "citizenship",
    "place_of_origin",
]
CASE_COLUMNS = ["estimated_age", "identification_date", "identification_source", "status"]
# Optional: what happened (column → victim context field); codes as HTCDS names them.
VICTIM_COLUMNS = {
    "trafficking_status": "trafficking_status",
    "status_decided_by": "status_decided_by",
    "exploitation_types": "exploitation_types",
    "control_methods": "control_methods",
    "migration_status": "migration_statuses",
}
EVENT_COLUMNS = ["country_of_exploitation"]
ALL_COLUMNS = PERSON_COLUMNS + CASE_COLUMNS + list(VICTIM_COLUMNS) + EVENT_COLUMNS
REQUIRED = {"id", "given_name", "family_name", "gender", "identification_date"}
MAX_ROWS = 50_000
GREGORIAN_MARK = "\x00G"  # prefixes dates read from Excel date cells
STRAY_CELLS = "\x00stray"  # a row's key for values in columns without a name
MAX_BYTES = 20 * 1024 * 1024
# Common spellings people type for the HTCDS gender codes.
GENDER_ALIASES = {
    "f": Gender.FEMININE,
    "female": Gender.FEMININE,
    "woman": Gender.FEMININE,
    "m": Gender.MASCULINE,
    "male": Gender.MASCULINE,
    "man": Gender.MASCULINE,
    "": Gender.UNKNOWN,
    "unknown": Gender.UNKNOWN,
}


# The registration's fields (cases/services.py) that the template names otherwise.
COLUMN_OF_FIELD = {
    "identified_on": "identification_date",
    "birth_precision": "birth_date",
    "external_id": "id",
}


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, header, size)."""


@dataclass
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = _("line %(line)s") % {"line": self.line}
        return (
            f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _read_rows(name: str, data: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {column: text}) for every non-empty row; the header is line 1."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 20 MB; split it."))
    if name.lower().endswith((".xlsx", ".xlsm")):
        yield from _read_xlsx(data)
        return
    if not name.lower().endswith((".csv", ".txt")):
        raise ImportFileError(_("Use a .csv or .xlsx file."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("The file is not UTF-8 text (byte %(pos)s). Save it as “CSV UTF-8”.")
            % {"pos": exc.start}
        ) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader, None)
        yield from _rows(header, enumerate(reader, start=2))
    except csv.Error as exc:  # a cell past csv's field size limit (128 KB), for one
        raise ImportFileError(
            _("Line %(line)s cannot be read: %(error)s.") % {"line": reader.line_num, "error": exc}
        ) from None


def _read_xlsx(data: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError(
            _("The Excel file cannot be read: %(error)s") % {"error": exc}
        ) from None
    sheet = book.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    header = next(values, None)

    def text(cell) -> str:
        if cell is None:
            return ""
        # A real date cell is Gregorian whatever calendar the typed dates use.
        if isinstance(cell, dt.datetime):
            return GREGORIAN_MARK + cell.date().isoformat()
        if isinstance(cell, dt.date):
            return GREGORIAN_MARK + cell.isoformat()
        if isinstance(cell, float) and cell.is_integer():
            return str(int(cell))
        return str(cell)

    rows = ((n, [text(c) for c in row]) for n, row in enumerate(values, start=2))
    yield from _rows([text(c) for c in header] if header else None, rows)
    book.close()


def _rows(header, rows) -> Iterator[tuple[int, dict[str, str]]]:
    if not header:
        raise ImportFileError(_("The file is empty."))
    names = [str(h or "").strip().lower() for h in header]
    missing = REQUIRED - set(names)
    if missing:
        raise ImportFileError(
            _("Missing columns: %(columns)s. The template's columns are: %(template)s.")
            % {
                "columns": ", ".join(sorted(missing)),
                "template": ",".join(ALL_COLUMNS),
            }
        )
    unknown = [n for n in names if n and n not in ALL_COLUMNS]
    if unknown:
        raise ImportFileError(_("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)})
    twice = sorted({n for n in names if n and names.count(n) > 1})
    if twice:
        raise ImportFileError(
            _("These columns appear more than once: %(columns)s.") % {"columns": ", ".join(twice)}
        )
    for line, values in rows:
        if line - 1 > MAX_ROWS:
            raise ImportFileError(_("More than %(n)s rows; split the file.") % {"n": MAX_ROWS})
        if not any(str(v).strip() for v in values):
            continue
        row = {
            name: str(values[i]).strip() if i < len(values) else "" for i, name in enumerate(names)
        }
        # A value in a column without a name (or past the last one) would be dropped.
        row.pop("", None)
        stray = [
            i + 1
            for i, v in enumerate(values)
            if str(v or "").strip() and (i >= len(names) or not names[i])
        ]
        if stray:
            row[STRAY_CELLS] = ", ".join(str(i) for i in stray)
        yield line, row


def _date(value: str, calendar: str) -> dt.date:
    if value.startswith(GREGORIAN_MARK):
        value, calendar = value[len(GREGORIAN_MARK) :], Calendar.GREGORIAN
    year, month, day = (int(p) for p in value.replace("/", "-").replace(".", "-").split("-"))
    if calendar == Calendar.SOLAR_HIJRI:
        return from_solar_hijri(year, month, day)
    return dt.date(year, month, day)


def _registration(row: dict[str, str], calendar: str) -> tuple[Registration, str, list[RowError]]:
    """The registration a row describes, its status, and the errors only a row can have."""
    problems: list[tuple[str, str]] = []

    def date_of(column: str) -> dt.date | None:
        if not row.get(column):
            return None
        try:
            return _date(row[column], calendar)
        except ValueError:
            problems.append(
                (column, _("“%(value)s” is not a date (year-month-day).") % {"value": row[column]})
            )
            return None

    def int_of(column: str) -> int | None:
        if not row.get(column):
            return None
        try:
            return int(row[column])
        except ValueError:
            problems.append(
                (column, _("“%(value)s” is not a whole number.") % {"value": row[column]})
            )
            return None

    birth_date, birth_year, age = (
        date_of("birth_date"),
        int_of("birth_year"),
        int_of("estimated_age"),
    )
    if row.get("birth_date"):
        precision = BirthPrecision.EXACT
    elif birth_year is not None:
        precision = BirthPrecision.YEAR
    elif age is not None:
        precision = BirthPrecision.ESTIMATED
    else:
        precision = BirthPrecision.UNKNOWN
    gender = row.get("gender", "")
    gender = GENDER_ALIASES.get(gender.lower(), gender)
    status = row.get("status") or CaseStatus.ACTIVE
    if status not in CaseStatus.values:
        problems.append(("status", _("Unknown status code %(code)s.") % {"code": status}))
    source = row.get("identification_source") or IdentificationSource.REFERRAL
    registration = Registration(
        identity=Identity(
            given_name=row.get("given_name", ""),
            family_name=row.get("family_name", ""),
            father_name=row.get("father_name", ""),
            birth_date=birth_date,
            external_id=row.get("id", ""),
            place_of_origin=row.get("place_of_origin", ""),
        ),
        gender=gender,
        birth_precision=precision,
        birth_year=birth_year,
        estimated_age=age,
        citizenship=[
            c.upper()
            for c in row.get("citizenship", "").replace(";", " ").replace(",", " ").split()
        ],
        identification_source=source,
        identified_on=date_of("identification_date"),
    )
    if not row.get("id"):
        problems.append(("id", _("Every row needs your own reference in “id”.")))
    if row.get(STRAY_CELLS):
        problems.append(
            (
                "",
                _(
                    "Values in columns without a name in the header (column %(columns)s): name "
                    "the column or remove the values."
                )
                % {"columns": row[STRAY_CELLS]},
            )
        )
    return registration, status, [RowError(0, c, m) for c, m in problems]


@dataclass
class WhatHappened:
    """The optional victim-context columns of a row, checked before anything is written."""

    fields: dict = field(default_factory=dict)
    country_of_exploitation: str = ""

    def __bool__(self) -> bool:
        return bool(self.fields or self.country_of_exploitation)


def _codes(cell: str) -> list[str]:
    return [c for c in cell.replace(",", ";").replace("|", ";").split(";") if c.strip()]


def _what_happened(row: dict[str, str], birth_year: int | None) -> tuple[WhatHappened, list]:
    problems: list[RowError] = []
    fields: dict = {}
    for column, name in VICTIM_COLUMNS.items():
        cell = row.get(column, "")
        if not cell:
            continue
        fields[name] = [c.strip() for c in _codes(cell)] if name in CODE_FIELDS else cell
    if fields:
        try:
            victim_fields_check(fields, birth_year=birth_year)
        except ValidationError as exc:
            column_of = {name: column for column, name in VICTIM_COLUMNS.items()}
            for name, messages in exc.message_dict.items():
                problems.extend(RowError(0, column_of.get(name, name), m) for m in messages)
    country = row.get("country_of_exploitation", "").upper()
    if country and not countries.is_country(country):
        problems.append(
            RowError(
                0,
                "country_of_exploitation",
                _("Unknown country code %(code)s (use ISO 3166 alpha-2, e.g. RU).")
                % {"code": country},
            )
        )
    return WhatHappened(fields, country), problems


def import_cases(
    *,
    org: Organisation,
    owner: User,
    by: User | None,
    name: str,
    data: bytes,
    calendar: str = Calendar.GREGORIAN,
    progress: Callable[[int, int], None] = lambda _done, _total: None,
) -> ImportReport:
    """Validate every row; if all are valid, import them in one transaction.

    ``by`` None is the server operator; a person needs to be a supervisor or an
    organisation admin of ``org``.
    """
    if by is not None and not (
        has_perm(by, Perm.CASE_APPROVE, org) or has_perm(by, Perm.STAFF_MANAGE, org)
    ):
        raise PermissionDenied(_("Only supervisors and organisation admins can import cases."))
    if not has_perm(owner, Perm.CASE_EDIT, org):
        raise ImportFileError(
            _("The caseworker responsible must work on cases in this organisation.")
        )
    report = ImportReport()
    parsed: list[tuple[int, Registration, str, WhatHappened]] = []
    seen: dict[str, int] = {}
    today = timezone.localdate()
    for line, row in _read_rows(name, data):
        report.rows += 1
        registration, status, errors = _registration(row, calendar)
        happened, happened_errors = _what_happened(row, registration.birth_year)
        errors.extend(happened_errors)
        for error in errors:
            error.line = line
        report.errors.extend(errors)
        ext = registration.identity.external_id
        if ext and ext in seen:
            report.errors.append(
                RowError(line, "id", _("The same id as line %(line)s.") % {"line": seen[ext]})
            )
        seen.setdefault(ext, line)
        try:
            registration_validate(org, registration, today)
        except ValidationError as exc:
            # Every problem of the row at once, named by its column; one already named
            # (a date that could not be read, say) is not named again.
            named = {error.column for error in errors}
            for field, messages in exc.message_dict.items():
                column = COLUMN_OF_FIELD.get(field, field)
                if column not in named:
                    report.errors.extend(RowError(line, column, m) for m in messages)
            continue
        if not errors:
            parsed.append((line, registration, status, happened))
    known = name_index.external_ids_known(org, [p[1].identity.external_id for p in parsed])
    for line, registration, _status, _happened in parsed:
        if registration.identity.external_id in known:
            report.errors.append(
                RowError(line, "id", _("Already imported: a case with this id exists."))
            )
    if report.errors or not parsed:
        if not parsed and not report.errors:
            report.errors.append(RowError(1, "", _("The file has no rows to import.")))
        return report
    with transaction.atomic(durable=True):
        for done, (_line, registration, status, happened) in enumerate(parsed, start=1):
            case = register_in_transaction(
                org=org,
                by=by,
                registration=registration,
                owner=owner,
                status=status,
                check_perm=False,
            )
            if happened.fields:
                victim_context_import(case=case, by=by, fields=happened.fields)
            if happened.country_of_exploitation:
                event_import(
                    case=case,
                    by=by or owner,
                    event_type=EventType.EXPLOITATION,
                    country=happened.country_of_exploitation,
                )
            progress(done, len(parsed))
        audit_record(
            action="cases.import",
            actor=by,
            organisation=org,
            details={"rows": len(parsed), "file": Path(name).suffix.lower()},
        )
    report.imported = len(parsed)
    return report
