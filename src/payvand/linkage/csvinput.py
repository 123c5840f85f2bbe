"""Reading the CSV files of `payvand linkage match`: every problem named, none a traceback.

Columns: ``id,given_name,family_name,father_name,birth_date,birth_year,gender,citizenship,
place_of_origin`` (any value may be empty, names in any script). ``birth_date`` is
YYYY-MM-DD (also YYYY/MM/DD, YYYYMMDD or DD.MM.YYYY); a year from 1280 to 1450 is Solar
Hijri and converted. ``citizenship`` holds ISO alpha-2 codes separated by spaces, commas or
semicolons.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

from payvand.core import calendars
from payvand.linkage.encoding import LinkageRecord, gregorian_date

COLUMNS = (
    "id", "given_name", "family_name", "father_name", "birth_date", "birth_year",
    "gender", "citizenship", "place_of_origin",
)  # fmt: skip
MAX_VALUE = 1000  # characters; a longer "name" is not a name
MAX_LINE = 64 * 1024
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%d.%m.%Y")
_CODES = re.compile(r"[\s,;]+")


class InputError(Exception):
    """A problem with an input file, said so that a person can fix it."""


def _parse_date(value: str) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        return gregorian_date(parsed)
    return None


def _solar_hijri_date(value: str) -> dt.date | None:
    """1380-12-30 is a Solar Hijri date that no Gregorian parser accepts as written."""
    found = re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})", value)
    if not found or not 1280 <= int(found.group(1)) <= 1450:
        return None
    try:
        return calendars.from_solar_hijri(*(int(g) for g in found.groups()))
    except ValueError:
        return None


def read_records(path: str | Path, label: str) -> tuple[list[str], list[LinkageRecord]]:
    """The ids and records of one CSV file, or InputError naming the file, line and column."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{label} file {path} does not exist.")
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(f"{label} file {path} is empty.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{label} file {path} is not UTF-8 text (line {line}, byte {exc.start}); "
            "save it as CSV UTF-8."
        ) from None
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE:
            raise InputError(
                f"{label} file {path}, line {number}: the line is {len(line):,} characters "
                f"long; a record is at most {MAX_LINE:,}."
            )
    reader = csv.DictReader(lines)
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InputError(
            f"{label} file {path} lacks the column(s) {', '.join(missing)}; the first line "
            f"must name {','.join(COLUMNS)}."
        )
    reader.fieldnames = header
    ids, records = [], []
    try:
        for row in reader:
            ids_value, record = _record(row, path, label, reader.line_num)
            ids.append(ids_value)
            records.append(record)
    except csv.Error as exc:
        raise InputError(f"{label} file {path}, line {reader.line_num}: {exc}.") from None
    if not records:
        raise InputError(f"{label} file {path} has a header but no records.")
    return ids, records


def _record(row: dict, path: Path, label: str, line: int) -> tuple[str, LinkageRecord]:
    if None in row:
        raise InputError(f"{label} file {path}, line {line}: more values than columns.")
    values = {k: (row.get(k) or "").strip() for k in COLUMNS}
    for column, value in values.items():
        if len(value) > MAX_VALUE:
            raise InputError(
                f"{label} file {path}, line {line}, column {column}: {len(value):,} "
                f"characters; at most {MAX_VALUE:,}."
            )
    if not values["id"]:
        raise InputError(f"{label} file {path}, line {line}: the id is empty.")
    birth_date = None
    if values["birth_date"]:
        birth_date = _solar_hijri_date(values["birth_date"]) or _parse_date(values["birth_date"])
        if birth_date is None:
            raise InputError(
                f"{label} file {path}, line {line}, column birth_date: "
                f"{values['birth_date'][:40]!r} is not a date (YYYY-MM-DD)."
            )
    birth_year = None
    if values["birth_year"]:
        if not values["birth_year"].isdecimal() or len(values["birth_year"]) != 4:
            raise InputError(
                f"{label} file {path}, line {line}, column birth_year: "
                f"{values['birth_year'][:40]!r} is not a four-digit year."
            )
        birth_year = int(values["birth_year"])
    return values["id"], LinkageRecord(
        given_name=values["given_name"],
        family_name=values["family_name"],
        father_name=values["father_name"],
        birth_date=birth_date,
        birth_year=birth_year,
        gender=values["gender"],
        citizenship=tuple(c for c in _CODES.split(values["citizenship"]) if c),
        place_of_origin=values["place_of_origin"],
    )
