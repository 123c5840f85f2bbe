import datetime as dt

import pytest

from payvand.core.calendars import (
    Calendar,
    effective_calendar,
    format_date,
    from_solar_hijri,
    to_solar_hijri,
)


def test_nowruz_is_the_first_of_hamal():
    assert to_solar_hijri(dt.date(2026, 3, 21)) == (1405, 1, 1)
    assert from_solar_hijri(1405, 1, 1) == dt.date(2026, 3, 21)


def test_a_date_that_does_not_exist_is_refused():
    with pytest.raises(ValueError):
        from_solar_hijri(1405, 12, 31)


def test_dari_and_pashto_default_to_solar_hijri():
    assert effective_calendar(Calendar.AUTO, "fa-af") == Calendar.SOLAR_HIJRI
    assert effective_calendar(Calendar.AUTO, "ps") == Calendar.SOLAR_HIJRI
    assert effective_calendar(Calendar.AUTO, "ru") == Calendar.GREGORIAN
    assert effective_calendar(Calendar.GREGORIAN, "fa-af") == Calendar.GREGORIAN


def test_solar_hijri_dates_are_shown_with_afghan_month_names():
    assert format_date(dt.date(2026, 11, 29), Calendar.SOLAR_HIJRI, "fa-af") == "8 قوس 1405"
    assert format_date(dt.date(2026, 11, 29), Calendar.SOLAR_HIJRI, "en") == "8 Qaws 1405"
