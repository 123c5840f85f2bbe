"""What happened to each demo survivor: exploitation, control, recruitment and the route.

Recorded through the trafficking services like the pages do (sealed, audited). The mix
follows what the region's organisations report: men from Central Asia in construction
and agriculture in Russia and Kazakhstan, and lately in scam centres; women in domestic
work and sexual exploitation in Türkiye and the Gulf; forced marriage and brick kilns in
Afghanistan and Pakistan; internal trafficking in every country.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from payvand.core import countries
from payvand.trafficking.services import event_save, perpetrator_save, victim_context_update
from payvand.trafficking.vocab import (
    ControlMethod,
    EventType,
    ExploitationType,
    Industry,
    MigrationStatus,
    OnlinePlatform,
    PerpetratorRole,
    RecruiterRelation,
    RecruitmentMethod,
    SexExploitationType,
)

if TYPE_CHECKING:
    from payvand.demo.journeys import Journey

SHARE_INTERNAL = 0.15  # trafficked within her or his own country
SHARE_ROUTE_DETAILED = 1.0  # of the worked cases: recruitment and transit recorded too

DESTINATIONS = {
    "AF": {"IR": 50, "PK": 20, "TR": 20, "AE": 10},
    "PK": {"AE": 45, "SA": 40, "IR": 15},
    "TJ": {"RU": 75, "KZ": 20, "TR": 5},
    "UZ": {"RU": 55, "KZ": 25, "TR": 20},
    "TM": {"TR": 85, "RU": 15},
}
TRANSIT = {("AF", "TR"): "IR", ("TJ", "RU"): "KZ", ("UZ", "RU"): "KZ", ("PK", "TR"): "IR"}
MEN_INDUSTRIES = {
    Industry.F: 40, Industry.A: 20, Industry.C: 14, Industry.I: 8, Industry.H: 6,
    Industry.B: 4, Industry.G: 8,
}  # fmt: skip
WOMEN_INDUSTRIES = {Industry.T: 45, Industry.A: 15, Industry.C: 15, Industry.I: 15, Industry.G: 10}
SEX_TYPES = {
    SexExploitationType.PROSTITUTION: 70, SexExploitationType.PRIVATE: 20,
    SexExploitationType.REMOTE: 6, SexExploitationType.PORNOGRAPHY: 4,
}  # fmt: skip
CONTROL = {
    ControlMethod.WITHHOLDS_DOCUMENTS: 30, ControlMethod.DEBT_BONDAGE: 24,
    ControlMethod.FALSE_PROMISES: 22, ControlMethod.TAKES_EARNINGS: 22,
    ControlMethod.PSYCHOLOGICAL_ABUSE: 16, ControlMethod.PHYSICAL_THREATS: 14,
    ControlMethod.RESTRICTS_MOVEMENT: 14, ControlMethod.EXCESSIVE_HOURS: 12,
    ControlMethod.THREATS_LAW_ENFORCEMENT: 10, ControlMethod.PHYSICAL_ABUSE: 8,
    ControlMethod.THREATENS_FAMILY: 6, ControlMethod.WITHHOLDS_NECESSITIES: 5,
    ControlMethod.SEXUAL_ABUSE: 4, ControlMethod.PSYCHOACTIVE_SUBSTANCE: 2,
}  # fmt: skip
RECRUITMENT = {
    RecruitmentMethod.FRIENDS: 35, RecruitmentMethod.FAMILY: 25,
    RecruitmentMethod.ONLINE_SOCIAL_NETWORKS: 18, RecruitmentMethod.AT_WORK: 8,
    RecruitmentMethod.ONLINE_ADVERT: 8, RecruitmentMethod.PLACE_OF_BUSINESS: 4,
    RecruitmentMethod.OTHER: 2,
}  # fmt: skip
ONLINE = {RecruitmentMethod.ONLINE_SOCIAL_NETWORKS, RecruitmentMethod.ONLINE_ADVERT}
PLATFORMS = {
    OnlinePlatform.TELEGRAM: 35, OnlinePlatform.WHATSAPP: 25, OnlinePlatform.INSTAGRAM: 15,
    OnlinePlatform.FACEBOOK: 12,
    OnlinePlatform.TIKTOK: 13,
}  # fmt: skip
RELATION = {
    RecruiterRelation.FRIEND: 40, RecruiterRelation.OTHER: 30, RecruiterRelation.FAMILY: 20,
    RecruiterRelation.INTIMATE_PARTNER: 10,
}  # fmt: skip
RECRUITED_AT = ["the bazaar", "the bus station", "a wedding", "the mosque", "a neighbour's house"]
EXPLOITED_AT = {
    Industry.F: "a building site", Industry.A: "a farm", Industry.C: "a workshop",
    Industry.I: "a restaurant", Industry.T: "a private house", Industry.H: "a depot",
    Industry.B: "a quarry", Industry.G: "a market stall",
}  # fmt: skip
ACCOUNTS = [
    "A neighbour offered a job abroad with good pay; the employer took the passport on "
    "arrival and paid nothing for months.",
    "Met the recruiter through a relative. Worked every day without rest and was told the "
    "debt for the journey kept growing.",
    "Answered an advertisement on a messaging app. Kept in a flat with others and not "
    "allowed to go out alone.",
]


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _some(rng: random.Random, weights: dict, low: int, high: int) -> list:
    chosen: set = set()
    for _ in range(rng.randint(low, high)):
        chosen.add(_pick(rng, weights))
    return sorted(chosen)


def _province(rng: random.Random, country: str) -> str:
    choices = countries.subdivision_choices(country)
    return rng.choice(choices)[0] if choices else ""


def record_what_happened(journey: Journey, *, worked: bool) -> None:
    """Victim context and the country of exploitation for every case; for worked cases
    also the recruitment, transit, an account in her or his words, and perpetrators."""
    rng = random.Random(f"payvand-demo-happened:{journey.case.number}")
    case, worker = journey.case, journey.worker
    origin = journey.citizenship or journey.org.country
    internal = rng.random() < SHARE_INTERNAL or origin not in DESTINATIONS
    destination = origin if internal else _pick(rng, DESTINATIONS[origin])
    child = journey.age < 18
    types: set[str] = set()
    industries: list[str] = []
    sex_types: list[str] = []
    if journey.sexual:
        types.add(ExploitationType.SEXUAL)
        sex_types = [_pick(rng, SEX_TYPES)]
    else:
        if not journey.woman and not child and origin in ("TJ", "UZ", "AF") and rng.random() < 0.06:
            types.add(ExploitationType.FORCED_CRIMINALITY)
        elif child and rng.random() < 0.3:
            types.add(ExploitationType.FORCED_BEGGING)
        else:
            types.add(ExploitationType.CHILD_LABOUR if child else ExploitationType.FORCED_LABOUR)
        if ExploitationType.FORCED_CRIMINALITY not in types:
            industries = [_pick(rng, WOMEN_INDUSTRIES if journey.woman else MEN_INDUSTRIES)]
    if journey.woman and origin in ("AF", "PK") and rng.random() < 0.12:
        types.add(ExploitationType.FORCED_MARRIAGE)
    recruitment = _pick(rng, RECRUITMENT)
    months_ago = rng.randint(2, 30)
    age_then = max(0, journey.age - months_ago // 12)
    migration = []
    if not internal:
        migration.append(
            MigrationStatus.RETURNEE
            if journey.org.country == origin
            else _pick(rng, {MigrationStatus.LABOUR_MIGRANT: 60, MigrationStatus.IRREGULAR: 40})
        )
        if journey.org.country == origin and rng.random() < 0.3:
            migration.append(MigrationStatus.DEPORTEE)
    elif child and rng.random() < 0.2:
        migration.append(MigrationStatus.UNACCOMPANIED_CHILD)
    else:
        migration.append(MigrationStatus.NOT_A_MIGRANT)
    victim_context_update(
        case=case,
        by=worker,
        version=_version(case),
        exploitation_types=sorted(types),
        industries=industries,
        sex_exploitation_types=sex_types,
        control_methods=_some(rng, CONTROL, 1, 4),
        recruitment_methods=[recruitment],
        recruitment_platforms=[_pick(rng, PLATFORMS)] if recruitment in ONLINE else [],
        recruiter_relations=[_pick(rng, RELATION)],
        age_when_trafficked=age_then if journey.age else None,
        migration_statuses=migration,
        account=rng.choice(ACCOUNTS) if worked else "",
    )
    journey.count("victim contexts")
    exploited_on = journey.start - dt.timedelta(days=30 * max(1, months_ago - 2))
    event_save(
        case=case,
        by=worker,
        event_type=EventType.EXPLOITATION,
        country=destination,
        province=_province(rng, destination) if rng.random() < 0.5 else "",
        occurred_on=exploited_on,
        date_precision="month",
        place=EXPLOITED_AT.get(industries[0], "") if worked and industries else "",
    )
    journey.count("route steps")
    if not worked:
        return
    recruited_on = journey.start - dt.timedelta(days=30 * months_ago)
    event_save(
        case=case,
        by=worker,
        event_type=EventType.RECRUITMENT,
        country=origin,
        province=_province(rng, origin),
        occurred_on=recruited_on,
        date_precision=rng.choice(["day", "month", "year"]),
        place=rng.choice(RECRUITED_AT),
    )
    transit = TRANSIT.get((origin, destination))
    if transit:
        event_save(
            case=case,
            by=worker,
            event_type=EventType.TRANSIT,
            country=transit,
            occurred_on=recruited_on + dt.timedelta(days=rng.randint(3, 20)),
            date_precision="month",
        )
    journey.count("route steps", 2 if transit else 1)
    for role in rng.sample(
        [PerpetratorRole.RECRUITER, PerpetratorRole.EXPLOITER, PerpetratorRole.TRANSPORTER],
        rng.randint(1, 2),
    ):
        perpetrator_save(
            case=case,
            by=worker,
            roles=[role],
            relation=_pick(rng, RELATION) if role == PerpetratorRole.RECRUITER else "Other",
            gender=rng.choice(["Masculine", "Masculine", "Feminine", "NonSpecifiedUnknown"]),
            citizenship=origin if role == PerpetratorRole.RECRUITER else destination,
        )
        journey.count("perpetrators")


def _version(case) -> int:
    from payvand.trafficking.selectors import victim_context_of

    return victim_context_of(case).version
