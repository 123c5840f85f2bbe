from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from payvand.core.dates import CalendarDateField
from payvand.core.errors import DomainError
from payvand.core.text import invisible_character


def refuse_control_characters(value: str) -> None:
    """A validator for names people read (core/text.py). NUL has Django's own message."""
    char = invisible_character(value.replace("\x00", ""))
    if char:
        raise ValidationError(
            _("Remove the invisible control character %(code)s (pasted from another program?)."),
            code="control_character",
            params={"code": f"U+{ord(char):04X}"},
        )


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            target = field if field in form.fields else None
            if field == NON_FIELD_ERRORS:
                target = None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def call_service(form: forms.Form, service: Callable[..., Any], **kwargs) -> Any | None:
    """Run a service for a valid form; on a rule broken, put the error on the form.

    Returns the service's result, or None when it refused (the form then has errors).
    """
    try:
        return service(**kwargs)
    except ValidationError as exc:
        add_errors(form, exc)
    except DomainError as exc:
        form.add_error(None, str(exc))
    return None


class CalendarForm(forms.Form):
    """Date fields typed in the user's calendar (Solar Hijri or Gregorian)."""

    date_fields: tuple[str, ...] = ()

    def __init__(self, *args, calendar: str, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.date_fields:
            old = self.fields[name]
            self.fields[name] = CalendarDateField(
                label=old.label, required=old.required, help_text=old.help_text, calendar=calendar
            )

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)
