"""Reading CTDC's public files: the 2017–2020 global dataset (58–63 columns, alpha-2,
``-99``) and the 2024/2025 synthetic dataset (27 columns, alpha-3, ``typeOf*`` or, in
later files, ``sectorOf*``). Every row becomes the same normalised record (models.py);
a row that cannot be read is reported with its line number and reason, never guessed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import pycountry

from payvand.stats.vocab import (
    AGE_BANDS,
    LABOUR_SECTORS,
    MEANS_2024_COLUMNS,
    MEANS_FROM_2017,
    RECRUITER_RELATIONS,
    SEX_SECTORS,
    TRAFFICK_MONTHS,
    CtdcGender,
    Datasource,
)

GLOBAL_2017 = "global-2017"
SYNTHETIC_2024 = "synthetic-2024"
MISSING = {"", "-99", "missing", "unknown", "null", "na", "zz", "not specified"}
YEARS = range(1990, 2100)
GENDERS = {
    "female": CtdcGender.WOMAN,
    "woman": CtdcGender.WOMAN,
    "male": CtdcGender.MAN,
    "man": CtdcGender.MAN,
    "transgender/nonconforming": CtdcGender.TRANS,
    "trans/transgender/nonconforming": CtdcGender.TRANS,
}
# Codes outside ISO 3166-1 that CTDC uses: Kosovo (user-assigned); LT stands for CTDC's Y1.
EXTRA_ALPHA2 = {"XK"}
EXTRA_ALPHA3 = {"XKX": "XK"}


class CtdcFileError(Exception):
    """The file as a whole cannot be read: not CSV, not UTF-8, not a CTDC header."""


@dataclass
class RowProblem:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.column}: {self.message}"


def detect_format(header: list[str]) -> str:
    names = set(header)
    if {"yearOfRegistration", "Datasource", "citizenship", "CountryOfExploitation"} <= names:
        return GLOBAL_2017
    if {"yearOfRegistration", "citizenship", "CountryOfExploitation", "isForcedLabour"} <= names:
        return SYNTHETIC_2024
    raise CtdcFileError(
        "This is not a CTDC file: the header lacks yearOfRegistration, citizenship and "
        "CountryOfExploitation."
    )


def _missing(value: str) -> bool:
    return value.strip().lower() in MISSING


def _flag(value: str, line: int, column: str, problems: list) -> bool | None:
    value = value.strip()
    if value in ("1", "1.0", "True", "true"):
        return True
    if value in ("0", "0.0", "False", "false"):
        return False
    if _missing(value):
        return None
    problems.append(RowProblem(line, column, f"“{value}” is not a flag (1, 0 or empty)"))
    return None


def _any(flags: list[bool | None]) -> bool | None:
    if any(flags):
        return True
    if any(f is False for f in flags):
        return False
    return None


def _country(value: str, line: int, column: str, problems: list, alpha: int) -> str:
    value = value.strip().upper()
    if _missing(value):
        return ""
    if alpha == 2:
        if value in EXTRA_ALPHA2 or pycountry.countries.get(alpha_2=value):
            return value
    else:
        if value in EXTRA_ALPHA3:
            return EXTRA_ALPHA3[value]
        country = pycountry.countries.get(alpha_3=value)
        if country is not None:
            return country.alpha_2
    problems.append(
        RowProblem(line, column, f"“{value}” is not an ISO 3166 alpha-{alpha} country code")
    )
    return ""


def _age_band(value: str, line: int, problems: list) -> str:
    value = value.strip().replace("–", "--").replace("—", "--")
    if _missing(value):
        return ""
    if value.startswith("0") and value[1:2].isdigit():
        value = value[1:]  # the 2025 file writes 09--17
    if value in AGE_BANDS:
        return value
    problems.append(RowProblem(line, "ageBroad", f"“{value}” is not one of CTDC's age bands"))
    return ""


def _months(value: str, line: int, problems: list) -> str:
    value = value.strip()
    if _missing(value):
        return ""
    band = value.split(" ")[0].replace("–", "--")
    if band in TRAFFICK_MONTHS:
        return band
    problems.append(RowProblem(line, "traffickMonths", f"“{value}” is not a CTDC band"))
    return ""


def parse_row(row: dict[str, str], file_format: str, line: int) -> tuple[dict, list]:
    """The normalised record of one CSV row, and what is wrong with it."""
    problems: list[RowProblem] = []
    get = lambda name: row.get(name) or ""  # noqa: E731
    record: dict = {}
    year = get("yearOfRegistration").strip()
    try:
        record["year"] = int(float(year))
        if record["year"] not in YEARS:
            raise ValueError
    except ValueError:
        problems.append(RowProblem(line, "yearOfRegistration", f"“{year}” is not a year"))
    gender = get("gender").strip()
    if _missing(gender):
        record["gender"] = ""
    elif gender.lower() in GENDERS:
        record["gender"] = GENDERS[gender.lower()]
    else:
        problems.append(RowProblem(line, "gender", f"“{gender}” is not one of CTDC's genders"))
    record["age_band"] = _age_band(get("ageBroad"), line, problems)
    alpha = 2 if file_format == GLOBAL_2017 else 3
    record["citizenship"] = _country(get("citizenship"), line, "citizenship", problems, alpha)
    record["country_of_exploitation"] = _country(
        get("CountryOfExploitation"), line, "CountryOfExploitation", problems, alpha
    )
    datasource = get("Datasource").strip()
    if file_format == GLOBAL_2017 and datasource not in Datasource.values:
        problems.append(RowProblem(line, "Datasource", f"“{datasource}” is not a datasource"))
    record["datasource"] = datasource if datasource in Datasource.values else ""
    record["traffick_months"] = _months(get("traffickMonths"), line, problems)
    for field, column in (
        ("is_forced_labour", "isForcedLabour"),
        ("is_sexual_exploit", "isSexualExploit"),
        ("is_other_exploit", "isOtherExploit"),
    ):
        record[field] = _flag(get(column), line, column, problems)
    if file_format == GLOBAL_2017:
        for field, parts in MEANS_FROM_2017.items():
            record[field] = _any(
                [
                    _flag(get(f"meansOfControl{p}"), line, f"meansOfControl{p}", problems)
                    for p in parts
                ]
            )
        if record["is_other_exploit"] is None:
            extra = [get("isForcedMarriage"), get("isForcedMilitary"), get("isOrganRemoval")]
            record["is_other_exploit"] = _any(
                [_flag(v, line, "isOtherExploit", problems) for v in extra]
            )
    else:
        for field, column in MEANS_2024_COLUMNS.items():
            record[field] = _flag(get(column), line, column, problems)
    for sector in LABOUR_SECTORS:
        value = row.get(f"typeOfLabour{sector}", row.get(f"sectorOfLabour{sector}", ""))
        record[f"labour_{sector.lower()}"] = _flag(
            value or "", line, f"typeOfLabour{sector}", problems
        )
    for sector in SEX_SECTORS:
        value = row.get(f"typeOfSex{sector}", row.get(f"sectorOfSex{sector}", ""))
        record[f"sex_{sector.lower()}"] = _flag(value or "", line, f"typeOfSex{sector}", problems)
    for relation in RECRUITER_RELATIONS:
        column = f"recruiterRelation{relation}"
        record[f"recruiter_{relation.lower()}"] = _flag(get(column), line, column, problems)
    return record, problems


def read(data: bytes) -> tuple[str, int, Iterator[tuple[int, dict[str, str]]]]:
    """(format, number of data rows, rows as (line, {column: value}))."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CtdcFileError(f"The file is not UTF-8 text (byte {exc.start}).") from None
    first = text[:4096]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise CtdcFileError("The file is empty.")
    header = [h.strip() for h in header]
    # CTDC's own 2020 file starts with a terms-of-use column: it is not data.
    file_format = detect_format(header)
    rows = sum(1 for line in text.splitlines()[1:] if line.strip())

    def iterate():
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            yield number, dict(zip(header, values, strict=False))

    return file_format, rows, iterate()
