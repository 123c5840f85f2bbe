"""Indicator catalogues as data: the JSON file format, its validation, its export.

A catalogue file looks like this (one indicator per line keeps errors easy to find):

    {
      "format": "payvand-screening-catalogue/1",
      "title": "ILO/EC operational indicators of trafficking in human beings (2009)",
      "source": "Where the items and gradings come from, what is still to be checked.",
      "indicators": [
        {"code": "AL-DR-01", "list": "adult-labour", "dimension": "deceptive-recruitment",
         "strength": "strong", "label": "Deceived about …", "needs_review": false},
        …
      ]
    }

Files are never edited in place once shipped or imported: a correction is a new file,
imported as a new catalogue version (`payvand screening catalogue import FILE`), so
every screening keeps the version it was made with.

Labels are English msgids; `labels.py` beside this file marks the shipped ones for
`makemessages` (regenerate it with `payvand screening catalogue labels`).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import json.decoder
import json.scanner
import re
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from payvand.screening import rules
from payvand.screening.vocab import Dimension, ExploitationList, Strength

FORMAT = "payvand-screening-catalogue/1"
DIRECTORY = Path(__file__).resolve().parent
SHIPPED = [DIRECTORY / "ilo-ec-2009-v1.json"]
MAX_BYTES = 1_000_000
MAX_INDICATORS = 5000
MAX_LABEL = 300
MAX_TITLE = 200
MAX_SOURCE = 5000
MAX_ERRORS = 50
CODE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,31}$")
TOP_FIELDS = ("format", "title", "source", "indicators")
INDICATOR_FIELDS = ("code", "list", "dimension", "strength", "label", "needs_review")


class CatalogueError(Exception):
    """A catalogue file that cannot be imported; ``messages`` says every problem found."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class IndicatorData:
    code: str
    list: str
    dimension: str
    strength: str
    label: str
    needs_review: bool
    order: int


@dataclass(frozen=True)
class CatalogueData:
    title: str
    source: str
    indicators: list[IndicatorData]
    sha256: str


class _Located(dict):
    """A JSON object that remembers the line it starts on."""

    line = 0
    duplicate_keys: tuple[str, ...] = ()


def _loads_with_lines(text: str):
    """json.loads, but every object knows its line and its repeated keys (json ignores them)."""
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    decoder = json.JSONDecoder()

    def parse_object(s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo=None):
        start = s_and_end[1] - 1
        pairs, end = json.decoder.JSONObject(s_and_end, strict, scan_once, None, list, memo)
        obj = _Located(pairs)
        obj.line = bisect.bisect_right(line_starts, start)
        seen: set[str] = set()
        obj.duplicate_keys = tuple(k for k, _v in pairs if k in seen or seen.add(k))
        return obj, end

    decoder.parse_object = parse_object  # type: ignore[method-assign]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)
    return decoder.decode(text)


def _choices_text(choices) -> str:
    return ", ".join(choices.values)


def parse(raw: bytes | str) -> CatalogueData:
    """Validate a catalogue file; raise CatalogueError naming the line and indicator of each
    problem (bad JSON, unknown list/dimension/strength, duplicate codes, …)."""
    if isinstance(raw, str):
        raw = raw.encode()
    if len(raw) > MAX_BYTES:
        raise CatalogueError([_("The file is larger than 1 MB.")])
    sha256 = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CatalogueError([_("The file is not UTF-8 text.")]) from None
    try:
        doc = _loads_with_lines(text)
    except json.JSONDecodeError as exc:
        raise CatalogueError(
            [
                _("Line %(line)s, column %(column)s: this is not valid JSON (%(problem)s).")
                % {"line": exc.lineno, "column": exc.colno, "problem": exc.msg}
            ]
        ) from None
    except RecursionError:
        raise CatalogueError([_("The JSON is nested too deeply.")]) from None
    if not isinstance(doc, dict):
        raise CatalogueError([_("The file must hold one JSON object with an indicator list.")])
    if doc.get("format") != FORMAT:
        raise CatalogueError(
            [
                _('This is not a screening catalogue: its "format" must be "%(format)s".')
                % {"format": FORMAT}
            ]
        )
    errors: list[str] = []
    for key in doc.duplicate_keys:
        errors.append(
            _('Line %(line)s: the field "%(field)s" is given twice.')
            % {"line": doc.line, "field": key}
        )
    for key in doc:
        if key not in TOP_FIELDS:
            errors.append(
                _('Line %(line)s: unknown field "%(field)s" (expected %(expected)s).')
                % {"line": doc.line, "field": key, "expected": ", ".join(TOP_FIELDS)}
            )
    title, source = doc.get("title"), doc.get("source", "")
    if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE:
        errors.append(_('"title" must be a text of 1 to %(n)s characters.') % {"n": MAX_TITLE})
    if not isinstance(source, str) or len(source) > MAX_SOURCE:
        errors.append(_('"source" must be a text of at most %(n)s characters.') % {"n": MAX_SOURCE})
    items = doc.get("indicators")
    if not isinstance(items, list) or not items:
        errors.append(_('"indicators" must be a non-empty list.'))
        raise CatalogueError(errors)
    if len(items) > MAX_INDICATORS:
        errors.append(_("At most %(n)s indicators are allowed.") % {"n": MAX_INDICATORS})
        raise CatalogueError(errors)
    indicators: list[IndicatorData] = []
    first_line: dict[str, int] = {}
    for position, item in enumerate(items, start=1):
        problems, indicator = _indicator(item, position, first_line)
        errors.extend(problems)
        if indicator is not None:
            indicators.append(indicator)
        if len(errors) >= MAX_ERRORS:
            errors.append(_("Too many problems; the first %(n)s are shown.") % {"n": MAX_ERRORS})
            raise CatalogueError(errors)
    if not errors:
        errors.extend(_lists_that_cannot_meet_the_rule(indicators))
    if errors:
        raise CatalogueError(errors)
    return CatalogueData(title.strip(), source.strip(), indicators, sha256)


def _indicator(item, position: int, first_line: dict[str, int]):
    if not isinstance(item, _Located):
        return [
            _("Indicator #%(n)s: each indicator must be a JSON object {…}.") % {"n": position}
        ], None
    code = item.get("code")
    where = {
        "line": item.line,
        "who": code if isinstance(code, str) and code else f"#{position}",
    }
    problems = []

    def problem(message: str, **params) -> None:
        problems.append(
            _("Line %(line)s, indicator %(who)s: %(problem)s")
            % {**where, "problem": message % params if params else message}
        )

    for key in item.duplicate_keys:
        problem(_('the field "%(field)s" is given twice.'), field=key)
    for key in item:
        if key not in INDICATOR_FIELDS:
            problem(
                _('unknown field "%(field)s" (expected %(expected)s).'),
                field=key,
                expected=", ".join(INDICATOR_FIELDS),
            )
    for key in INDICATOR_FIELDS:
        if key not in item:
            problem(_('the field "%(field)s" is missing.'), field=key)
    if "code" in item:
        if not isinstance(code, str) or not CODE.match(code):
            problem(_("the code must be 1 to 32 capital Latin letters, digits, “-”, “.” or “_”."))
        elif code in first_line:
            problem(
                _("the code %(code)s is already used on line %(other)s."),
                code=code,
                other=first_line[code],
            )
        else:
            first_line[code] = item.line
    checks = (
        ("list", ExploitationList, _("unknown list “%(value)s” (expected %(expected)s).")),
        ("dimension", Dimension, _("unknown dimension “%(value)s” (expected %(expected)s).")),
        ("strength", Strength, _("unknown strength “%(value)s” (expected %(expected)s).")),
    )
    for key, choices, message in checks:
        if key in item and item[key] not in choices.values:
            problem(message, value=item[key], expected=_choices_text(choices))
    label = item.get("label")
    if "label" in item and (
        not isinstance(label, str) or not label.strip() or len(label) > MAX_LABEL
    ):
        problem(_("the label must be a text of 1 to %(n)s characters."), n=MAX_LABEL)
    if "needs_review" in item and not isinstance(item["needs_review"], bool):
        problem(_("needs_review must be true or false."))
    if problems:
        return problems, None
    return [], IndicatorData(
        code=code,
        list=item["list"],
        dimension=item["dimension"],
        strength=item["strength"],
        label=label.strip(),
        needs_review=item["needs_review"],
        order=position,
    )


def _lists_that_cannot_meet_the_rule(indicators: list[IndicatorData]) -> list[str]:
    errors = []
    for code in ExploitationList.values:
        strengths = [(i.dimension, i.strength) for i in indicators if i.list == code]
        if strengths and not rules.rule_can_be_met(code, strengths):
            errors.append(
                _(
                    "List %(list)s: even with every indicator observed the decision rule "
                    "could not be met; it lacks indicators in a dimension the rule needs."
                )
                % {"list": code}
            )
    return errors


def export(title: str, source: str, indicators) -> str:
    """A catalogue file for these indicators (any objects with the indicator fields)."""
    lines = [
        "{",
        f'  "format": {json.dumps(FORMAT)},',
        f'  "title": {json.dumps(title, ensure_ascii=False)},',
        f'  "source": {json.dumps(source, ensure_ascii=False)},',
        '  "indicators": [',
    ]
    rows = [
        "    "
        + json.dumps(
            {
                "code": i.code,
                "list": i.list,
                "dimension": i.dimension,
                "strength": i.strength,
                "label": i.label,
                "needs_review": i.needs_review,
            },
            ensure_ascii=False,
        )
        for i in indicators
    ]
    lines.append(",\n".join(rows))
    lines += ["  ]", "}", ""]
    return "\n".join(lines)


def labels_module(paths: list[Path] | None = None) -> str:
    """Source of labels.py: every label of the shipped files, as gettext_noop msgids."""
    labels: list[str] = []
    for path in paths or SHIPPED:
        for indicator in parse(path.read_bytes()).indicators:
            if indicator.label not in labels:
                labels.append(indicator.label)
    body = "".join(
        f"        gettext_noop({json.dumps(label, ensure_ascii=False)}),\n" for label in labels
    )
    return (
        '"""Indicator labels of the shipped catalogue files, for makemessages.\n\n'
        "Generated; do not edit by hand. After changing a shipped catalogue file run\n"
        "    payvand screening catalogue labels > src/payvand/screening/catalogue/labels.py\n"
        '"""\n\n'
        "from django.utils.translation import gettext_noop\n\n"
        "LABELS = frozenset(\n"
        "    {\n"
        f"{body}"
        "    }\n"
        ")\n"
    )
