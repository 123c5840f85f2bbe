from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from payvand.core.errors import DomainError


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
