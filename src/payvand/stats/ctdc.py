"""Reading CTDC's public files: the 2017–2020 global dataset (58–63 columns, alpha-2,
``-99``) and the 2024/2025 synthetic dataset (27 columns, alpha-3, ``typeOf*`` or, in
later files, ``sectorOf*``). Every row becomes the same normalised record (models.py);
a row that cannot be read is reported with its line number and reason, never guessed.
"""

from __future__ import annotations

import csv
import io
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


# Each converter reads one cell: (the normalised value, what is wrong with it or None).
Converted = tuple[object, str | None]


def _flag(value: str) -> Converted:
    value = value.strip()
    if value in ("1", "1.0", "True", "true"):
        return True, None
    if value in ("0", "0.0", "False", "false"):
        return False, None
    if _missing(value):
        return None, None
    return None, f"“{value}” is not a flag (1, 0 or empty)"


def _any(flags: tuple[bool | None, ...]) -> bool | None:
    if any(flags):
        return True
    if any(f is False for f in flags):
        return False
    return None


def _country(alpha: int):
    def convert(value: str) -> Converted:
        value = value.strip().upper()
        if _missing(value):
            return "", None
        if alpha == 2:
            if value in EXTRA_ALPHA2 or pycountry.countries.get(alpha_2=value):
                return value, None
        else:
            if value in EXTRA_ALPHA3:
                return EXTRA_ALPHA3[value], None
            country = pycountry.countries.get(alpha_3=value)
            if country is not None:
                return country.alpha_2, None
        return "", f"“{value}” is not an ISO 3166 alpha-{alpha} country code"

    return convert


def _age_band(value: str) -> Converted:
    value = value.strip().replace("–", "--").replace("—", "--")
    if _missing(value):
        return "", None
    if value.startswith("0") and value[1:2].isdigit():
        value = value[1:]  # the 2025 file writes 09--17
    if value in AGE_BANDS:
        return value, None
    return "", f"“{value}” is not one of CTDC's age bands"


def _months(value: str) -> Converted:
    value = value.strip()
    if _missing(value):
        return "", None
    band = value.split(" ")[0].replace("–", "--")
    if band in TRAFFICK_MONTHS:
        return band, None
    return "", f"“{value}” is not a CTDC band"


def _year(value: str) -> Converted:
    value = value.strip()
    try:
        year = int(float(value))
    except (ValueError, OverflowError):  # not a number, nan, inf
        year = None
    if year not in YEARS:
        return None, f"“{value}” is not a year"
    return year, None


def _gender(value: str) -> Converted:
    value = value.strip()
    if _missing(value):
        return "", None
    if value.lower() in GENDERS:
        return str(GENDERS[value.lower()]), None
    return "", f"“{value}” is not one of CTDC's genders"


def _datasource(checked: bool):
    def convert(value: str) -> Converted:
        value = value.strip()
        if value in Datasource.values:
            return value, None
        return "", f"“{value}” is not a datasource" if checked else None

    return convert


@dataclass
class Parsed:
    """A file's rows normalised column by column: ``values[field][i]`` is row i's, read
    from line ``lines[i]``; ``problems`` name every cell that cannot be read."""

    lines: list[int]
    values: dict[str, list]
    problems: list[RowProblem]

    @property
    def rejected(self) -> set[int]:
        return {p.line for p in self.problems}

    def records(self, fields: list[str]):
        """The readable rows, as tuples of ``fields``."""
        rejected = self.rejected
        columns = [self.values[f] for f in fields]
        for line, record in zip(self.lines, zip(*columns, strict=True), strict=True):
            if line not in rejected:
                yield record


class _Columns:
    """The cells of a file by column name, each column converted once per distinct value
    (CTDC's files repeat a handful of values a million times)."""

    def __init__(self, header: list[str], rows: list[list[str]], lines: list[int]):
        width = len(header)
        padded = [r if len(r) == width else (r + [""] * width)[:width] for r in rows]
        transposed = list(zip(*padded, strict=True)) if padded else [() for _ in header]
        # A repeated name reads its last column, as a row read into a dict would.
        self.cells = {name: transposed[i] for i, name in enumerate(header)}
        self.lines = lines
        self.empty = ("",) * len(rows)
        self.problems: list[tuple[int, int, RowProblem]] = []

    def get(self, *names: str) -> tuple[str, ...]:
        """The first of ``names`` that the file has (all empty when none)."""
        for name in names:
            if name in self.cells:
                return self.cells[name]
        return self.empty

    def convert(self, cells, convert, column: str, *, only=None) -> list:
        """``cells`` converted; the problems of the rows ``only`` allows (default: all)
        recorded under ``column``."""
        results = {v: convert(v) for v in set(cells)}
        values = [results[v][0] for v in cells]
        bad = {v for v, (_value, message) in results.items() if message}
        if bad:
            order = len(self.problems)
            for i, v in enumerate(cells):
                if v in bad and (only is None or only[i]):
                    problem = RowProblem(self.lines[i], column, results[v][1])
                    self.problems.append((self.lines[i], order, problem))
        return values

    def flag(self, column: str, *names: str, only=None) -> list:
        return self.convert(self.get(*(names or (column,))), _flag, column, only=only)


def _merged(flag_lists: list[list]) -> list:
    cache: dict[tuple, bool | None] = {}
    merged = []
    for flags in zip(*flag_lists, strict=True):
        if flags not in cache:
            cache[flags] = _any(flags)
        merged.append(cache[flags])
    return merged


def parse(header: list[str], rows: list[list[str]], lines: list[int], file_format: str) -> Parsed:
    """The normalised records of a file's rows (one list per field), and what is wrong."""
    c = _Columns(header, rows, lines)
    values: dict[str, list] = {}
    values["year"] = c.convert(c.get("yearOfRegistration"), _year, "yearOfRegistration")
    values["gender"] = c.convert(c.get("gender"), _gender, "gender")
    values["age_band"] = c.convert(c.get("ageBroad"), _age_band, "ageBroad")
    country = _country(2 if file_format == GLOBAL_2017 else 3)
    values["citizenship"] = c.convert(c.get("citizenship"), country, "citizenship")
    values["country_of_exploitation"] = c.convert(
        c.get("CountryOfExploitation"), country, "CountryOfExploitation"
    )
    values["datasource"] = c.convert(
        c.get("Datasource"), _datasource(file_format == GLOBAL_2017), "Datasource"
    )
    values["traffick_months"] = c.convert(c.get("traffickMonths"), _months, "traffickMonths")
    for field, column in (
        ("is_forced_labour", "isForcedLabour"),
        ("is_sexual_exploit", "isSexualExploit"),
        ("is_other_exploit", "isOtherExploit"),
    ):
        values[field] = c.flag(column)
    if file_format == GLOBAL_2017:
        for field, parts in MEANS_FROM_2017.items():
            values[field] = _merged([c.flag(f"meansOfControl{p}") for p in parts])
        # CTDC 2017 keeps forced marriage, military service and organ removal apart: they
        # are "other exploitation" where isOtherExploit is not recorded (and only there
        # are those columns read).
        unrecorded = [v is None for v in values["is_other_exploit"]]
        extra = [
            c.flag("isOtherExploit", name, only=unrecorded)
            for name in ("isForcedMarriage", "isForcedMilitary", "isOrganRemoval")
        ]
        values["is_other_exploit"] = [
            any_extra if own is None else own
            for own, any_extra in zip(values["is_other_exploit"], _merged(extra), strict=True)
        ]
    else:
        for field, column in MEANS_2024_COLUMNS.items():
            values[field] = c.flag(column)
    for sector in LABOUR_SECTORS:
        values[f"labour_{sector.lower()}"] = c.flag(
            f"typeOfLabour{sector}", f"typeOfLabour{sector}", f"sectorOfLabour{sector}"
        )
    for sector in SEX_SECTORS:
        values[f"sex_{sector.lower()}"] = c.flag(
            f"typeOfSex{sector}", f"typeOfSex{sector}", f"sectorOfSex{sector}"
        )
    for relation in RECRUITER_RELATIONS:
        values[f"recruiter_{relation.lower()}"] = c.flag(f"recruiterRelation{relation}")
    problems = [problem for _line, _order, problem in sorted(c.problems, key=lambda p: p[:2])]
    return Parsed(lines=lines, values=values, problems=problems)


def read(data: bytes) -> tuple[str, Parsed]:
    """The file's format and its rows, parsed (``Parsed``)."""
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
    rows, lines = [], []
    for number, values in enumerate(reader, start=2):
        if any(v.strip() for v in values):
            rows.append(values)
            lines.append(number)
    return file_format, parse(header, rows, lines, file_format)
