import datetime as dt
from functools import lru_cache

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone, translation

from payvand.core import countries
from payvand.core.calendars import effective_calendar, format_date
from payvand.core.permissions import Perm, has_perm, orgs_where

register = template.Library()


@register.filter
def can(user, perm: str) -> bool:
    """``{% if user|can:"platform.orgs_manage" %}`` — platform-scoped permissions only."""
    return has_perm(user, Perm(perm))


@register.filter
def can_in_any(user, perm: str) -> bool:
    """``{% if user|can_in_any:"case.view_assigned" %}`` — held in at least one organisation."""
    return bool(orgs_where(user, Perm(perm)))


def _calendar_of(user) -> str:
    preference = getattr(user, "calendar", "auto") if user is not None else "auto"
    return effective_calendar(preference, translation.get_language() or "en")


@register.filter
def pdate(value, user=None) -> str:
    """A date in the user's calendar (Gregorian or Solar Hijri)."""
    if value is None or value == "":
        return ""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        value = timezone.localtime(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    calendar, language = _calendar_of(user), translation.get_language() or "en"
    if type(value) is dt.date:
        return _format_day(value, calendar, language)
    return format_date(value, calendar, language)


@lru_cache(maxsize=4096)
def _format_day(day: dt.date, calendar: str, language: str) -> str:
    """A list shows the same few days again and again (25 rows, one date each)."""
    return format_date(day, calendar, language)


@receiver(setting_changed)
def _forget_formatted_days(**kwargs) -> None:
    # Date formats are settings (DATE_FORMAT, FORMAT_MODULE_PATH, LANGUAGE_CODE …).
    _format_day.cache_clear()


@register.simple_tag
def pdate_approx(value, precision: str, user=None) -> str:
    """An approximate date, shown as far as it is known: a day, a month or a year."""
    if not value:
        return ""
    return format_date(
        value, _calendar_of(user), translation.get_language() or "en", precision or "day"
    )


@register.filter
def country(code: str) -> str:
    """A country's name in the active language, from its ISO 3166-1 alpha-2 code."""
    return countries.country_name(code) if code else ""


@register.filter
def province(code: str) -> str:
    """A province's name from its ISO 3166-2 code."""
    return countries.subdivision_name(code) if code else ""


@register.filter
def code_labels(obj, field_name: str) -> list[str]:
    """The translated labels of a CodeListField's codes, in the picklist's order."""
    labels = dict(obj._meta.get_field(field_name).codes.choices)
    chosen = set(getattr(obj, field_name))
    return [str(label) for code, label in labels.items() if code in chosen]


@register.filter
def pdatetime(value, user=None) -> str:
    """A moment in the user's time zone and calendar, to the minute."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{pdate(local, user)} {local:%H:%M}"
