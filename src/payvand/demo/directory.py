"""The demo organisations' directory entries: offices, services, hours and desks.

Invented but plausible: what CSOs of this kind offer in these places. Only
organisational data — desks and teams, never a person. Seeded through the
directory's services (audited); an organisation that already has an entry is left
as it is, so seeding again changes nothing.
"""

import datetime as dt
from collections.abc import Callable

from payvand.directory.models import Location, OrganisationProfile, Service
from payvand.directory.services import (
    ContactData,
    ServiceData,
    location_create,
    profile_update,
    service_create,
)
from payvand.orgs.models import Organisation

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR")
# Offices in Afghanistan close on Fridays.
AF_WEEK = ("SA", "SU", "MO", "TU", "WE", "TH")


def _week(days, opens=9, closes=17) -> dict:
    return {day: (dt.time(opens), dt.time(closes)) for day in days}


# code → (profile, locations [(key, name, address, city, subdivision, lat, lon)], services)
# A service: (name, type, description, eligibility, languages, areas, location keys,
#             availability, referrals, cross-border, hours, hours note, contacts)
DIRECTORY = {
    "REG": (
        "The regional coordination hub of the Payvand network: it keeps the directory, "
        "convenes the regional forum and helps member organisations find each other.",
        [("hub", "Regional hub office", "Rudaki Avenue 12", "Dushanbe", "TJ-DU",
          "38.559800", "68.787000")],
        [
            ("Regional referral helpdesk", "hotline",
             "Helps organisations find the right partner across borders for a referral or a "
             "return; answers in Dari, Russian, Tajik, Uzbek and English.",
             [], ["en", "ru", "tg", "fa", "uz"], ["AF", "PK", "TJ", "TM", "UZ"], ["hub"],
             "available", True, True, _week(WEEKDAYS), "",
             [("Referral helpdesk", "+992372210011", "helpdesk@demo.example")]),
        ],
    ),
    "HWP": (
        "Protection, shelter and psychosocial support for women and girls who survived "
        "trafficking or forced marriage, in Kabul and Herat.",
        [("kbl", "Kabul women's centre", "Street 4, Karte Se", "Kabul", "AF-KAB",
          "34.502000", "69.143000"),
         ("hrt", "Herat outreach office", "Jada-e Mahbas", "Herat", "AF-HER", None, None)],
        [
            ("Safe shelter for women and girls", "shelter",
             "Protected accommodation for up to 90 days with meals, basic health care and "
             "case management; children may stay with their mothers.",
             ["women", "children", "unaccompanied_children"], ["fa", "ps"],
             ["AF-KAB", "AF-PAR", "AF-KAP"], ["kbl"], "limited", True, True, {},
             "Open day and night; admission through the intake desk.",
             [("Intake desk", "+93202100011", "")]),
            ("Psychosocial counselling", "psychosocial",
             "Individual and group counselling by trained female counsellors.",
             ["women", "children"], ["fa", "ps"], ["AF-KAB", "AF-HER"], ["kbl", "hrt"],
             "available", True, False, _week(AF_WEEK, 8, 16), "", []),
            ("Family tracing and mediation", "family_tracing",
             "Finds families and prepares a safe return home where the survivor wishes it.",
             ["women", "children", "families", "returnees"], ["fa", "ps", "en"], ["AF"],
             ["hrt"], "available", True, True, _week(AF_WEEK, 8, 16), "",
             [("Family tracing team", "", "tracing.hwp@demo.example")]),
            ("Women's hotline", "hotline",
             "Free confidential advice by phone, answered by women.",
             ["women"], ["fa", "ps"], ["AF"], [], "available", False, False,
             _week(AF_WEEK, 8, 20), "", [("Hotline", "+93799100200", "")]),
        ],
    ),
    "RRF": (
        "Legal aid for survivors of trafficking and bonded labour in Punjab and Khyber "
        "Pakhtunkhwa, and help with documents for returns to Afghanistan.",
        [("lhr", "Lahore legal aid office", "Davis Road 21", "Lahore", "PK-PB",
          "31.558000", "74.330000")],
        [
            ("Legal aid for survivors", "legal_aid",
             "Advice and representation in criminal and labour proceedings, including "
             "brick-kiln bonded labour cases.",
             ["women", "men", "children", "families"], ["ur", "pa", "ps", "en"],
             ["PK-PB", "PK-KP", "PK-IS"], ["lhr"], "available", True, True, _week(WEEKDAYS), "",
             [("Legal aid desk", "+924235700011", "legal.rrf@demo.example")]),
            ("Return documents and travel", "return_travel",
             "Identity and travel documents, and escorted travel for returns to Afghanistan.",
             ["women", "children", "families", "returnees", "refugees"], ["ur", "ps", "fa"],
             ["PK"], ["lhr"], "full", True, True, _week(WEEKDAYS), "", []),
            ("Court interpretation", "interpretation",
             "Pashto and Dari interpreters for hearings and interviews.",
             [], ["ps", "fa", "ur"], ["PK-PB"], [], "available", True, False, {},
             "By appointment.", [("Interpretation", "", "interpret.rrf@demo.example")]),
        ],
    ),
    "DYU": (
        "Shelter, medical care and reintegration support for women and men who return "
        "to Tajikistan after trafficking or labour exploitation abroad.",
        [("dyu", "Dushanbe shelter and day centre", "Ismoili Somoni 45", "Dushanbe", "TJ-DU",
          "38.576000", "68.779000"),
         ("khj", "Khujand office", "Lenin Street 120", "Khujand", "TJ-SU", None, None)],
        [
            ("Shelter for returning survivors", "shelter",
             "Up to 60 days' accommodation for women, men and families on their return.",
             ["women", "men", "families", "returnees"], ["tg", "ru", "uz"], ["TJ"], ["dyu"],
             "available", True, True, {}, "Open day and night.",
             [("Shelter duty desk", "+992372270011", "")]),
            ("Medical check-up and referral", "medical",
             "A doctor's check-up on arrival and referral to state clinics.",
             ["women", "men", "children"], ["tg", "ru"], ["TJ-DU"], ["dyu"], "limited", True,
             False, _week(WEEKDAYS), "", []),
            ("Vocational training", "vocational_training",
             "Three-month courses in tailoring, cooking and mobile-phone repair.",
             ["women", "men", "returnees"], ["tg", "ru"], ["TJ-DU", "TJ-SU"], ["dyu", "khj"],
             "available", True, False, _week(WEEKDAYS), "", []),
            ("Micro-grants for a livelihood", "livelihood",
             "Small grants and business coaching for a new start after return.",
             ["women", "men", "returnees"], ["tg", "ru", "uz"], ["TJ"], ["khj"], "paused",
             True, True, _week(WEEKDAYS), "New applications open again in spring.",
             [("Livelihood team", "+992900100200", "livelihood.dyu@demo.example")]),
        ],
    ),
    "AFS": (
        "Support for families of missing and trafficked people in Ashgabat and Lebap.",
        [("asb", "Ashgabat family centre", "Magtymguly Avenue 80", "Ashgabat", "TM-S",
          None, None)],
        [
            ("Family support and tracing", "family_tracing",
             "Helps families look for relatives who went abroad for work and did not return.",
             ["families", "women", "men"], ["tk", "ru"], ["TM-S", "TM-L"], ["asb"],
             "available", True, True, _week(WEEKDAYS), "",
             [("Family desk", "+99312390011", "")]),
            ("Counselling for returnees", "psychosocial",
             "Individual counselling for women and men back from exploitation abroad.",
             ["women", "men", "returnees"], ["tk", "ru"], ["TM-S"], ["asb"], "limited", True,
             False, _week(("MO", "WE", "FR"), 10, 16), "", []),
        ],
    ),
    "TSM": (
        "Safe migration advice, return assistance and legal aid for Uzbek migrant workers "
        "and their families.",
        [("tas", "Tashkent centre", "Amir Temur Street 7", "Tashkent", "UZ-TK",
          "41.311000", "69.279000")],
        [
            ("Return and arrival assistance", "return_travel",
             "Meets returning migrants at the airport and border, and arranges onward travel.",
             ["women", "men", "returnees"], ["uz", "ru"], ["UZ"], ["tas"], "available", True,
             True, _week((*WEEKDAYS, "SA")), "", [("Arrivals desk", "+998712000011", "")]),
            ("Legal aid for migrant workers", "legal_aid",
             "Advice on unpaid wages, confiscated passports and debt bondage abroad.",
             ["women", "men"], ["uz", "ru", "en"], ["UZ-TK", "UZ-TO"], ["tas"], "available",
             True, True, _week(WEEKDAYS), "", []),
            ("Vocational courses", "vocational_training",
             "Courses that lead to a recognised certificate.",
             ["women", "men", "returnees"], ["uz", "ru"], ["UZ-TK"], ["tas"], "full", False,
             False, _week(WEEKDAYS), "", []),
        ],
    ),
    "AMH": (
        "Help for Central Asian migrant workers in Almaty: legal advice, interpretation "
        "and return to their home countries.",
        [("ala", "Almaty help office", "Abai Avenue 150", "Almaty", "KZ-75", None, None)],
        [
            ("Help with return home", "return_travel",
             "Documents, tickets and contact with partner organisations in Uzbekistan, "
             "Tajikistan and Kyrgyzstan.",
             ["women", "men", "families", "returnees"], ["ru", "uz", "tg", "kk"], ["KZ"],
             ["ala"], "available", True, True, _week(WEEKDAYS), "",
             [("Return desk", "+77272000011", "return.amh@demo.example")]),
            ("Interpretation", "interpretation",
             "Uzbek and Tajik interpreters for police, courts and hospitals.",
             [], ["uz", "tg", "ru"], ["KZ-75"], ["ala"], "available", True, True, {},
             "On call.", []),
        ],
    ),
    "IST": (
        "Legal aid and interpretation for migrants from Afghanistan and Central Asia in "
        "Istanbul.",
        [("ist", "Istanbul office", "Istiklal Caddesi 200, Beyoğlu", "Istanbul", "TR-34",
          "41.034000", "28.978000")],
        [
            ("Legal aid for migrants", "legal_aid",
             "Advice on residence, labour exploitation and protection.",
             ["women", "men", "lgbtqi", "refugees"], ["tr", "fa", "en"], ["TR-34"], ["ist"],
             "limited", True, True, _week(WEEKDAYS), "",
             [("Legal desk", "+902122000011", "")]),
            ("Dari and Farsi interpretation", "interpretation",
             "Interpreters for interviews with the police and the migration authority.",
             [], ["fa", "tr"], ["TR-34"], [], "available", True, False, {},
             "By appointment.", []),
        ],
    ),
}  # fmt: skip


def seed_directory(orgs: dict[str, Organisation], progress: Callable[[str], None]) -> None:
    """Give each demo organisation its directory entry, if it has none yet."""
    for code, (profile, locations, services) in DIRECTORY.items():
        org = orgs.get(code)
        if org is None or _has_entry(org):
            continue
        profile_update(org=org, by=None, description=profile)
        places = {}
        for key, name, address, city, subdivision, lat, lon in locations:
            places[key] = location_create(
                org=org,
                by=None,
                name=name,
                address=address,
                city=city,
                country=subdivision.split("-", 1)[0],
                subdivision=subdivision,
                latitude=lat,
                longitude=lon,
            )
        for (
            name,
            service_type,
            description,
            eligibility,
            languages,
            areas,
            where,
            availability,
            referrals,
            cross_border,
            hours,
            note,
            contacts,
        ) in services:
            service_create(
                org=org,
                by=None,
                data=ServiceData(
                    name=name,
                    service_type=service_type,
                    description=description,
                    eligibility=eligibility,
                    languages=languages,
                    areas=areas,
                    availability=availability,
                    accepts_referrals=referrals,
                    accepts_cross_border=cross_border,
                    hours_note=note,
                    locations=[places[key] for key in where],
                    hours=hours,
                    contacts=[ContactData(desk, phone, email) for desk, phone, email in contacts],
                ),
            )
        progress(f"directory {org.full_code}: {len(services)} services")


def _has_entry(org: Organisation) -> bool:
    return (
        Service.objects.filter(organisation=org).exists()
        or Location.objects.filter(organisation=org).exists()
        or OrganisationProfile.objects.filter(organisation=org).exists()
    )
