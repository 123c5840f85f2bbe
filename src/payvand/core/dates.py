"""A date field that speaks the user's calendar: Solar Hijri in, Gregorian stored."""

import datetime as dt
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from payvand.core.calendars import Calendar, from_solar_hijri, to_solar_hijri

_ISO = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*$")
# Persian (U+06F0…) and Arabic-Indic (U+0660…) digits are typed on Afghan keyboards.
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


class CalendarDateField(forms.Field):
    """YYYY-MM-DD in the Gregorian or the Solar Hijri calendar; the value is a Gregorian date."""

    default_error_messages = {
        "invalid": _("Enter the date as year-month-day, e.g. %(example)s."),
        "nonexistent": _("This date does not exist in the %(calendar)s calendar."),
    }

    def __init__(self, *args, calendar: str = Calendar.GREGORIAN, **kwargs):
        self.calendar = calendar
        super().__init__(*args, **kwargs)
        example = "1405-09-08" if calendar == Calendar.SOLAR_HIJRI else "2026-11-29"
        self.widget.attrs.update(
            {"placeholder": example, "inputmode": "numeric", "dir": "ltr", "autocomplete": "off"}
        )
        self._example = example

    def prepare_value(self, value):
        if isinstance(value, dt.date):
            if self.calendar == Calendar.SOLAR_HIJRI:
                y, m, d = to_solar_hijri(value)
                return f"{y:04d}-{m:02d}-{d:02d}"
            return value.isoformat()
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value
        match = _ISO.match(str(value).translate(_DIGITS))
        if not match:
            raise forms.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"example": self._example}
            )
        year, month, day = (int(g) for g in match.groups())
        try:
            if self.calendar == Calendar.SOLAR_HIJRI:
                return from_solar_hijri(year, month, day)
            return dt.date(year, month, day)
        except ValueError:
            label = _("Solar Hijri") if self.calendar == Calendar.SOLAR_HIJRI else _("Gregorian")
            raise forms.ValidationError(
                self.error_messages["nonexistent"],
                code="nonexistent",
                params={"calendar": label},
            ) from None


# The Solar Hijri year Y runs from 21 March of Y + 621 to 20 March of Y + 622: most of it
# (nine months and more) falls in Y + 621.
SOLAR_HIJRI_YEAR_OFFSET = 621


class CalendarYearField(forms.IntegerField):
    """A year in the user's calendar, typed in any script's digits; the value is the
    Gregorian year most of it falls in (a Solar Hijri year Y: Y + 621), as a birth year
    "year only" is stored."""

    widget = forms.TextInput

    def __init__(self, *args, calendar: str = Calendar.GREGORIAN, **kwargs):
        self.calendar = calendar
        super().__init__(*args, **kwargs)
        example = "1370" if calendar == Calendar.SOLAR_HIJRI else "1991"
        self.widget.attrs.update(
            {"inputmode": "numeric", "dir": "ltr", "placeholder": example, "maxlength": "4"}
        )

    def _offset(self) -> int:
        return SOLAR_HIJRI_YEAR_OFFSET if self.calendar == Calendar.SOLAR_HIJRI else 0

    def to_python(self, value):
        if isinstance(value, str):
            value = value.translate(_DIGITS).strip()
        year = super().to_python(value)
        return None if year is None else year + self._offset()

    def prepare_value(self, value):
        if isinstance(value, int):
            return value - self._offset()
        return value
