"""Bad input a person (or an attacker) can type into any field, for the generated tests.

Every field gets what its kind calls for (`payloads_for`): free text the control, bidi,
SQL and script strings; dates the ones that do not exist or overflow; numbers the ones
past what a database column holds; every field empty, a megabyte, a NUL and markup.
`MARKERS` are fragments that must never reach a page unescaped.
"""

from dataclasses import dataclass

# One megabyte (UTF-8) of text in two scripts: far beyond every limit a field has.
_UNIT = "Payvand پیوند пайванд "
MEGABYTE = _UNIT * (1_048_576 // len(_UNIT.encode()) + 1)

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
# What would run if the payload were written into the page as markup.
MARKERS = ("<script>alert(1)", "<img src=x onerror")


@dataclass(frozen=True)
class Payload:
    name: str
    value: str

    @property
    def is_markup(self) -> bool:
        return any(m in self.value for m in MARKERS)


P = {
    p.name: p
    for p in [
        Payload("empty", ""),
        Payload("megabyte", MEGABYTE),
        Payload("nul", "Zarina\x00Rahimova"),
        Payload("controls", "\x1b[31mred\x1b[0m \u202eevil\u202c line\r\nnext\x07\x7f\x08"),
        Payload("bidi", "زرینه Zarina \u200f(Рахимова)\u200e \u2067علی Ali\u2069 ١٢٣ 123"),
        Payload("sql", "' OR '1'='1'; DROP TABLE cases_case; -- \" UNION SELECT password --"),
        Payload("xss", SCRIPT + IMG),
        Payload("offsite_url", "//evil.example/%2F.."),
        Payload("javascript_url", "javascript:alert(1)//"),
        Payload("long_number", "9" * 400),
        Payload("huge_number", "9" * 5000),  # past int()'s 4,300 digits
        Payload("unknown_choice", "no-such-choice"),
        # Dates: one that does not exist, a month 13, a year too long, the extremes.
        Payload("date_nonexistent", "2026-02-30"),
        Payload("month_13", "1300-13-01"),
        Payload("year_99999", "99999-01-01"),
        Payload("year_9999", "9999-12-31"),
        Payload("year_1", "0001-01-01"),
        Payload("persian_digits", "۱۴۰۵-۰۲-۳۱"),
        # Numbers past what the database can hold, and the ones floats allow.
        Payload("negative", "-1"),
        Payload("int32_overflow", "2147483648"),
        Payload("int64_overflow", "-9223372036854775809"),
        Payload("float_overflow", "1e309"),
        Payload("nan", "NaN"),
        # Digits to str.isdigit() that int() refuses.
        Payload("superscript_digits", "²⁰²⁶"),
        Payload("devanagari_digits", "२०२६"),
    ]
}

# What each kind of field gets: everything a person could type or a tampered request
# could carry there, without trying a date on a list of options.
_ALWAYS = ["empty", "megabyte", "nul", "xss"]
_NUMBERS = [
    "long_number", "huge_number", "negative", "int32_overflow", "int64_overflow",
    "float_overflow", "nan", "superscript_digits", "devanagari_digits",
]  # fmt: skip
_BY_KIND = {
    "text": [*_ALWAYS, "controls", "bidi", "sql"],
    "url": [*_ALWAYS, "controls", "bidi", "sql", "offsite_url", "javascript_url"],
    "hidden": [
        *_ALWAYS,
        "controls",
        "sql",
        "long_number",
        "unknown_choice",
        "offsite_url",
        "javascript_url",
    ],
    "choice": [*_ALWAYS, "sql", "long_number", "unknown_choice"],
    "date": [
        *_ALWAYS,
        "bidi",
        "long_number",
        "date_nonexistent",
        "month_13",
        "year_99999",
        "year_9999",
        "year_1",
        "persian_digits",
    ],
    "number": [*_ALWAYS, "bidi", *_NUMBERS],
    # A query parameter the page reads itself (a page number, a filter).
    "query": [*_ALWAYS, "sql", "unknown_choice", "offsite_url", *_NUMBERS],
}


def payloads_for(field) -> list[Payload]:
    """The payloads to try in ``field`` (a payvand.testing.htmlforms.Field)."""
    if field.kind == "query":
        kind = "query"
    elif field.is_date:
        kind = "date"
    elif field.is_number:
        kind = "number"
    elif field.is_choice:
        kind = "choice"
    elif field.kind == "hidden":
        kind = "hidden"
    elif field.kind == "url" or field.name in ("next", "website", "url"):
        kind = "url"
    else:
        kind = "text"
    return [P[name] for name in _BY_KIND[kind]]


# Files nobody should be able to upload into a working state.
INVALID_UTF8 = b"id,given_name\n1,\xff\xfe\xfa\xc3\x28 \xed\xa0\x80\n"
PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 64


def bad_files(limit_bytes: int) -> list[tuple[str, str, bytes]]:
    """(case name, file name, content): invalid UTF-8, empty, wrong type, one byte too big."""
    return [
        ("invalid_utf8", "cases.csv", INVALID_UTF8),
        ("invalid_utf8_json", "catalogue.json", b'{"name": "\xff\xfe"}'),
        ("empty", "empty.csv", b""),
        ("png_named_csv", "image.csv", PNG_HEADER),
        ("exe", "setup.exe", WINDOWS_EXE),
        ("script_name", SCRIPT + IMG + ".csv", b"id\n1\n"),
        ("nul_name", "a\x00b.csv", b"id\n1\n"),
        ("deep_json", "deep.json", b"[" * 200_000),
        ("broken_xlsx", "cases.xlsx", b"PK\x03\x04" + b"\x00" * 200),
        ("too_big", "big.csv", b"a" * (limit_bytes + 1)),
    ]


CELL_PAYLOADS = ["nul", "controls", "bidi", "xss", "huge_number", "superscript_digits",
                 "year_99999", "month_13"]  # fmt: skip


def bad_csv_files(template: bytes) -> list[tuple[str, bytes]]:
    """A CSV import (header and first row of ``template``) with each cell of the first row
    replaced in turn by each of CELL_PAYLOADS; then whole-file oddities."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(template.decode("utf-8-sig"))))
    header, first = rows[0], rows[1]

    def file_of(*body: list[str]) -> bytes:
        out = io.StringIO()
        csv.writer(out).writerows([header, *body])
        return out.getvalue().encode()

    per_cell = [
        (f"{column}={name}", file_of([*first[:i], P[name].value, *first[i + 1 :]]))
        for i, column in enumerate(header)
        for name in CELL_PAYLOADS
    ]
    return [
        *per_cell,
        ("cell past csv's field limit", file_of([MEGABYTE[:200_000], *first[1:]])),
        ("more cells than columns", file_of([*first, "extra", "extra"])),
        ("header only", file_of()),
        ("header twice", file_of(header, first)),
        ("semicolons", file_of(first).replace(b",", b";")),
        ("a lone quote", file_of(first) + b'"unclosed\n'),
    ]
