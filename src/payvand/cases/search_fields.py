"""The case list's search form as markup, most of it rendered once per language.

Django renders each field through three or four templates; the search form's ten
fields (about 250 countries among them) then cost about a third of a case list page.
A field nobody filled in is the same markup for everyone who reads the language, so
it is rendered once and kept; only the fields a search filled in (or got wrong) are
rendered on the request, through the same template as every other form
(``form_fields.html``), one field at a time.
"""

from django import forms
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from payvand.cases.forms import CaseSearchForm

FIELDS_TEMPLATE = "form_fields.html"

# language → {field name: markup of the field left blank}
_BLANK: dict[str, dict[str, str]] = {}


class _OneField:
    """What ``form_fields.html`` reads of a form, for a form holding one visible field."""

    def __init__(self, field: forms.BoundField) -> None:
        self._field = field

    def non_field_errors(self) -> tuple:
        return ()

    def hidden_fields(self) -> tuple:
        return ()

    def visible_fields(self) -> tuple:
        return (self._field,)


def _render(field: forms.BoundField) -> str:
    return render_to_string(FIELDS_TEMPLATE, {"form": _OneField(field)})


def _blank_fields() -> dict[str, str]:
    language = translation.get_language()
    if language not in _BLANK:
        form = CaseSearchForm()
        _BLANK[language] = {field.name: _render(field) for field in form.visible_fields()}
    return _BLANK[language]


def _is_blank(form: CaseSearchForm, field: forms.BoundField) -> bool:
    if not form.is_bound:
        return True
    return not field.errors and field.value() in (None, "", [])


def search_fields_html(form: CaseSearchForm) -> SafeString:
    """The markup of ``form``'s fields: what ``{% include "form_fields.html" %}`` shows.

    The whole form goes through the template when it has errors of its own or hidden
    fields (it has neither today: the shortcut then never guesses).
    """
    if form.hidden_fields() or (form.is_bound and form.non_field_errors()):
        return mark_safe(render_to_string(FIELDS_TEMPLATE, {"form": form}))
    blank = _blank_fields()
    parts = [
        blank[field.name] if _is_blank(form, field) else _render(field)
        for field in form.visible_fields()
    ]
    return mark_safe("".join(parts))  # rendered by the template engine, escaped
