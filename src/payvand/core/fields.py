"""Model fields shared by several apps."""

from django.core import exceptions
from django.db import models
from django.utils.translation import gettext_lazy as _


class CodeListField(models.CharField):
    """A set of picklist codes, stored as ``" CodeA CodeB "`` (sorted, space-delimited).

    The spaces at both ends let one portable filter, ``field__contains=" CodeA "``, find
    a code on SQLite and PostgreSQL alike (`CodeListField.has`). Python sees a list.
    Codes never contain spaces (HTCDS value names, ISO codes).
    """

    description = _("A list of codes")

    def __init__(self, *args, codes=None, **kwargs):
        self.codes = codes
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("max_length", 500)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        # The codes only validate input; a migration need not know them.
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("default") is list:
            del kwargs["default"]
        if kwargs.get("blank") is True:
            del kwargs["blank"]
        if kwargs.get("max_length") == 500:
            del kwargs["max_length"]
        return name, path, args, kwargs

    @staticmethod
    def stored(codes) -> str:
        codes = sorted(set(codes or ()))
        return f" {' '.join(codes)} " if codes else ""

    @staticmethod
    def has(field: str, code: str) -> dict:
        """Filter keywords for "holds ``code``": ``.filter(**CodeListField.has(f, c))``."""
        return {f"{field}__contains": f" {code} "}

    def from_db_value(self, value, expression, connection):
        return value.split() if value else []

    def to_python(self, value):
        if isinstance(value, list):
            return value
        return value.split() if value else []

    def get_prep_value(self, value):
        if isinstance(value, str):  # a lookup's right-hand side, already in stored form
            return value
        return self.stored(value)

    def validate(self, value, model_instance):
        if not self.editable:
            return
        if value and self.codes is not None:
            unknown = [code for code in value if code not in self.codes]
            if unknown:
                raise exceptions.ValidationError(
                    _("Unknown code: %(codes)s."),
                    code="invalid_choice",
                    params={"codes": ", ".join(unknown)},
                )
        if not self.blank and not value:
            raise exceptions.ValidationError(self.error_messages["blank"], code="blank")

    def run_validators(self, value):
        # The stored form's length is what the column limits.
        super().run_validators(self.stored(value))

    def value_to_string(self, obj):
        return self.stored(self.value_from_object(obj))

    def formfield(self, **kwargs):
        from django import forms

        choices = self.codes
        return forms.MultipleChoiceField(
            choices=list(choices.choices) if hasattr(choices, "choices") else [],
            required=not self.blank,
            label=self.verbose_name,
            **kwargs,
        )
