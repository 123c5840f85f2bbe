"""Test helpers of screening (also used by the URL matrix)."""

import datetime as dt

from payvand.screening import catalogue, services
from payvand.screening.models import CatalogueVersion, Indicator
from payvand.screening.vocab import Answer


def catalogue_v1() -> CatalogueVersion:
    """The shipped catalogue, current. The data migration loads it, but a transactional
    test elsewhere in the suite may have flushed the tables since."""
    current = CatalogueVersion.objects.filter(is_current=True).first()
    if current is not None:
        return current
    version, _created = services.catalogue_import(raw=catalogue.SHIPPED[0].read_bytes(), by=None)
    return version


def answers_for(version, exploitation_list, observed=(), unknown=()) -> dict[str, str]:
    """Every indicator of a list: ``observed`` and ``unknown`` codes as given, the rest
    not observed."""
    codes = Indicator.objects.filter(
        version=version, exploitation_list=exploitation_list
    ).values_list("code", flat=True)
    return {
        code: Answer.OBSERVED
        if code in observed
        else Answer.UNKNOWN
        if code in unknown
        else Answer.NOT_OBSERVED
        for code in codes
    }


# Adult labour, verified items: a presumed victim (deceptive recruitment: 1 strong + 1
# medium; exploitation: 1 strong + 1 medium; coercion at destination: 2 strong).
VICTIM_ADULT_LABOUR = ("AL-DR-01", "AL-DR-02", "AL-EX-01", "AL-EX-02", "AL-CD-01", "AL-CD-02")


def record(c, by, *, observed=VICTIM_ADULT_LABOUR, unknown=(), list_="adult-labour", **kw):
    version = catalogue_v1()
    return services.screening_record(
        case=c,
        by=by,
        version=version,
        exploitation_list=list_,
        screened_on=kw.pop("screened_on", dt.date(2026, 11, 20)),
        answers=answers_for(version, list_, observed, unknown),
        **kw,
    )
