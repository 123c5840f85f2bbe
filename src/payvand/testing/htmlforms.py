"""The forms of a rendered page, read the way a browser reads them (for generated tests).

`forms_of(html)` lists every <form> with its method, action, encoding and fields; a
field knows its kind (text, textarea, select, radio, checkbox, hidden, file, date,
number, email …), its options and the values the browser would submit as rendered.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# CalendarDateField renders a plain text input with an example date as placeholder.
_DATE_PLACEHOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NOT_SUBMITTED = {"button", "reset", "image"}


@dataclass
class Field:
    name: str
    kind: str  # input type, "textarea", "select", "submit"
    options: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    multiple: bool = False
    required: bool = False

    @property
    def is_date(self) -> bool:
        return self.kind == "date"

    @property
    def is_number(self) -> bool:
        return self.kind == "number"

    @property
    def is_choice(self) -> bool:
        return self.kind in ("select", "radio", "checkbox", "submit") and bool(self.options)

    def signature(self) -> tuple:
        """Fields of the same shape (kind and options) are validated alike."""
        return (self.kind, tuple(self.options))


@dataclass
class Form:
    method: str
    action: str
    enctype: str
    fields: dict[str, Field] = field(default_factory=dict)

    def baseline(self) -> dict[str, list[str]]:
        """What submitting the form as rendered sends, with a required list left on its
        empty option set to the first real one, the first of radio buttons that have none
        checked, one box of a group of checkboxes ticked and the first submit button."""
        data = {}
        for f in self.fields.values():
            if f.kind == "file":
                continue
            chosen = list(f.values)
            filled = [o for o in f.options if o]
            if f.kind == "select" and not f.multiple:
                chosen = chosen or f.options[:1]  # a browser sends the first option
                if not any(chosen) and filled and f.required:
                    chosen = [filled[0]]
            elif f.kind in ("radio", "submit") and not chosen:
                chosen = filled[:1]
            elif f.kind == "checkbox" and len(f.options) > 1 and not chosen:
                chosen = [f.options[0]]
            if chosen:
                data[f.name] = chosen
        return data


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: Field | None = None
        self._select: Field | None = None
        self._option: tuple[str | None, bool] | None = None
        self._option_text = ""

    def _add(self, name: str, kind: str, **kwargs) -> Field:
        known = self._form.fields.get(name)
        if known is None:
            known = self._form.fields[name] = Field(name=name, kind=kind, **kwargs)
        elif kind in ("radio", "checkbox"):
            known.multiple = known.multiple or kind == "checkbox"
        return known

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(
                method=a.get("method", "get").lower(),
                action=a.get("action", ""),
                enctype=a.get("enctype", "application/x-www-form-urlencoded"),
            )
            self.forms.append(self._form)
            return
        if tag == "option" and self._select is not None:
            self._end_option()
            self._option = None if "disabled" in a else (a.get("value"), "selected" in a)
            self._option_text = ""
            return
        if self._form is None or "disabled" in a:
            return
        name = a.get("name")
        required = "required" in a
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in _NOT_SUBMITTED:
                return
            if kind == "text" and _DATE_PLACEHOLDER.match(a.get("placeholder", "")):
                kind = "date"
            if kind in ("radio", "checkbox"):
                f = self._add(name, kind, required=required)
                f.options.append(a.get("value", "on"))
                if "checked" in a:
                    f.values.append(a.get("value", "on"))
            elif kind == "submit":
                f = self._add(name, "submit")
                f.options.append(a.get("value", ""))
            else:
                f = self._add(name, kind, required=required)
                f.values = [a.get("value", "")] if "value" in a else []
        elif tag == "button" and name and a.get("type", "submit") == "submit":
            self._add(name, "submit").options.append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = self._add(name, "textarea", required=required)
            self._textarea.values = [""]
        elif tag == "select" and name:
            self._select = self._add(name, "select", multiple="multiple" in a, required=required)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.values = [self._textarea.values[0] + data]
        if self._option is not None:
            self._option_text += data

    def _end_option(self):
        if self._option is None or self._select is None:
            return
        value, selected = self._option
        value = self._option_text.strip() if value is None else value
        self._select.options.append(value)
        if selected:
            self._select.values.append(value)
        self._option = None

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            if self._textarea is not None and self._textarea.values[0].startswith("\n"):
                # The HTML parser keeps the newline a browser drops after <textarea>.
                self._textarea.values = [self._textarea.values[0][1:]]
            self._textarea = None
        elif tag == "option":
            self._end_option()
        elif tag == "select":
            self._end_option()
            self._select = None


def forms_of(html: str) -> list[Form]:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.forms
