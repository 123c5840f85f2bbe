"""Directory test data, made through the services (audited like real data)."""

import datetime as dt

from payvand.directory import services
from payvand.directory.models import Location, Service
from payvand.orgs.models import Organisation


def location(org: Organisation, **fields) -> Location:
    values = {"name": "Main office", "city": "Dushanbe", "country": org.country} | fields
    if "subdivision" not in fields:
        values["subdivision"] = org.subdivision
    return services.location_create(org=org, by=None, **values)


def service(org: Organisation, **overrides) -> Service:
    values = {
        "name": "Safe shelter for women",
        "service_type": "shelter",
        "description": "Beds, meals and protection for up to 30 days.",
        "eligibility": ["women", "children"],
        "languages": ["tg", "ru"],
        "areas": [org.country],
        "accepts_referrals": True,
        "accepts_cross_border": True,
        "hours": {"MO": (dt.time(9), dt.time(17)), "TU": (dt.time(9), dt.time(17))},
        "contacts": [services.ContactData(department="Intake desk", phone="+992 37 221 0000")],
    } | overrides
    if "locations" not in overrides:
        values["locations"] = [location(org)]
    return services.service_create(org=org, by=None, data=services.ServiceData(**values))
