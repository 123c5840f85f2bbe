"""Gregorian and Solar Hijri dates. Dates are stored Gregorian; shown as the user prefers."""

import datetime as dt

import jdatetime
from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _

# Solar Hijri month names in Dari and in transliteration for other languages.
_SH_MONTHS_FA = (
    "حمل", "ثور", "جوزا", "سرطان", "اسد", "سنبله",
    "میزان", "عقرب", "قوس", "جدی", "دلو", "حوت",
)  # fmt: skip
_SH_MONTHS_LATIN = (
    "Hamal", "Sawr", "Jawza", "Saratan", "Asad", "Sunbula",
    "Mizan", "Aqrab", "Qaws", "Jadi", "Dalw", "Hut",
)  # fmt: skip
_SH_LANGUAGES = {"fa-af", "ps"}


class Calendar(models.TextChoices):
    AUTO = "auto", _("As my language suggests")
    GREGORIAN = "gregorian", _("Gregorian")
    SOLAR_HIJRI = "solar_hijri", _("Solar Hijri (Afghan)")


# Offices of the region and its partners; labels give the offset people know.
TIME_ZONES = [
    ("Asia/Kabul", "Kabul (UTC+4:30)"),
    ("Asia/Karachi", "Karachi, Islamabad (UTC+5)"),
    ("Asia/Dushanbe", "Dushanbe (UTC+5)"),
    ("Asia/Ashgabat", "Ashgabat (UTC+5)"),
    ("Asia/Tashkent", "Tashkent (UTC+5)"),
    ("Asia/Almaty", "Almaty, Astana (UTC+5)"),
    ("Asia/Bishkek", "Bishkek (UTC+6)"),
    ("Asia/Tehran", "Tehran (UTC+3:30)"),
    ("Asia/Dubai", "Dubai (UTC+4)"),
    ("Asia/Riyadh", "Riyadh (UTC+3)"),
    ("Europe/Istanbul", "Istanbul (UTC+3)"),
    ("Europe/Moscow", "Moscow (UTC+3)"),
    ("Asia/Kolkata", "Delhi (UTC+5:30)"),
    ("Asia/Shanghai", "Beijing, Urumqi (UTC+8)"),
    ("UTC", "UTC"),
]


def effective_calendar(preference: str, language: str) -> str:
    if preference in (Calendar.GREGORIAN, Calendar.SOLAR_HIJRI):
        return preference
    return Calendar.SOLAR_HIJRI if language in _SH_LANGUAGES else Calendar.GREGORIAN


def to_solar_hijri(day: dt.date) -> tuple[int, int, int]:
    shamsi = jdatetime.date.fromgregorian(date=day)
    return shamsi.year, shamsi.month, shamsi.day


def from_solar_hijri(year: int, month: int, day: int) -> dt.date:
    """Raises ValueError for a date that does not exist (e.g. 30 Hut in a common year)."""
    return jdatetime.date(year, month, day).togregorian()


def format_date(
    day: dt.date | dt.datetime | None, calendar: str, language: str, precision: str = "day"
) -> str:
    """``precision`` "month" or "year" shows only what is known of an approximate date."""
    if day is None:
        return ""
    if isinstance(day, dt.datetime):
        day = day.date()
    if calendar == Calendar.SOLAR_HIJRI:
        year, month, mday = to_solar_hijri(day)
        months = _SH_MONTHS_FA if language in _SH_LANGUAGES else _SH_MONTHS_LATIN
        if precision == "year":
            return str(year)
        if precision == "month":
            return f"{months[month - 1]} {year}"
        return f"{mday} {months[month - 1]} {year}"
    if precision == "year":
        return str(day.year)
    if precision == "month":
        return formats.date_format(day, "YEAR_MONTH_FORMAT")
    return formats.date_format(day, "DATE_FORMAT")
