"""What happens to a demo case after registration, recorded through the real services.

Each newly seeded case gets a journey drawn from its own ``random.Random`` (seeded with
the case number, so the same case always gets the same journey): consents, a screening
with the ILO/EC indicators and a decision, a risk assessment, a support plan sent for a
supervisor's approval, assistance entries, a reintegration plan with follow-up visits,
tasks, notes, follow-up status and closure approved by a supervisor. The caseworker
responsible records; the organisation's supervisor approves. Every call is a service
call (one durable transaction each), so everything is sealed and audited like real work.

Every case gets its intake consents; nearly half are worked on beyond intake (see the
shares below: rough, plausible shapes for a demo, not statistics). Free texts are
short, generic English sentences that name nobody; the only names written are
guardians' (a parent of a minor), drawn from the same invented names as the survivors'
and sealed like them.

Dates: every event falls between the date of identification and today. The one thing
a service refuses to backdate is a task's due date (it cannot be in the past when the
task is added); a few tasks are therefore added "on the day they were really written",
with the service's clock set back for that one call, so the demo has overdue tasks.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from payvand.accounts.models import Membership, User
from payvand.assistance.models import AssistanceType, TaskState
from payvand.assistance.services import entry_record, note_add, task_add, task_transition
from payvand.cases.models import Case
from payvand.cases.services import Registration
from payvand.cases.vocab import BirthPrecision, ClosureReason, Gender
from payvand.cases.workflow import case_transition
from payvand.consent.models import GivenBy, Purpose, RecordedHow
from payvand.consent.services import consent_record, consent_withdraw
from payvand.core.permissions import Role
from payvand.demo.happened import record_what_happened
from payvand.demo.people import NAMES, SCRIPT_OF_COUNTRY, _feminine
from payvand.demo.referrals import record_referral
from payvand.orgs.models import Organisation
from payvand.plans.services import (
    followup_visit_add,
    reintegration_plan_save,
    risk_assess,
    support_item_add,
    support_plan_revise,
    support_plan_transition,
)
from payvand.plans.vocab import PlanAction, RiskLevel, SupportType, VisitMode
from payvand.screening import catalogue as screening_catalogue
from payvand.screening import rules
from payvand.screening.models import CatalogueVersion, Indicator
from payvand.screening.services import catalogue_import, screening_decide, screening_record
from payvand.screening.vocab import (
    DECIDER_FOR_ORG_TYPE,
    MEANS_AT_DESTINATION,
    RECRUITMENT_DIMENSIONS,
    Answer,
    DecisionMakingOrg,
    Dimension,
    ExploitationList,
    TraffickingStatus,
)

ADULT_AGE = 18

# --- shares -----------------------------------------------------------------------------

# Every case gets its intake consents (shares of all cases).
SHARE_CONSENT_SERVICES = 0.95
SHARE_CONSENT_STATISTICS = 0.80
SHARE_CONSENT_SHARING = 0.30
SHARE_WITHDRAWN = 0.06  # of each consent recorded, except the one to services
# Nearly half of the cases are worked on beyond intake (the others declined further
# help, were referred on, lost contact, or wait). Every service call costs 4–15 ms of
# CPU, so this share is what keeps `make demo` (2,000 cases) within its three minutes.
# Shares of those cases:
SHARE_WORKED = 0.20  # keeps `make demo` (2,000 cases) near 80 s of seeding on 2 cores
SHARE_CONSENT_MEDICAL = 0.30
SHARE_CONSENT_FAMILY = 0.25
SHARE_SCREENED = 0.70
SHARE_SCREENING_DECIDED = 0.88  # of the screenings
SHARE_RISK = 0.60
SHARE_RISK_TO_LIFE = 0.05  # of the assessments
SHARE_RISK_REVIEWED = 0.20  # of the assessments: assessed again on the review date
SHARE_SUPPORT_PLAN = 0.40
SHARE_REINTEGRATION = 0.25
SHARE_NOTES = 0.20
SHARE_TASKS = 0.30  # of the worked cases still open
SHARE_FOLLOW_UP = 0.12  # besides most of those with a reintegration plan
SHARE_CLOSURE_PENDING = 0.02
# Closed (with a supervisor's approval): see `_closure_share`, about 15 % of all cases.

# How many assistance entries a case has (0–6) and how likely each count is.
ENTRY_COUNT_WEIGHTS = {0: 6, 1: 22, 2: 26, 3: 20, 4: 12, 5: 8, 6: 6}

# What an organisation in each country mostly provides (weights), from its mandate:
# origin countries do return, reintegration and family work; destination and transit
# countries shelter, legal aid and return; the legal-service organisations mostly law.
ASSISTANCE_MIX: dict[str, dict[str, int]] = {
    "AF": {"Medical": 18, "Psychological": 16, "Shelter": 12, "FamilyTracing": 12,
           "Financial": 12, "Livelihood": 10, "Social": 10, "Legal": 6, "Education": 4},
    "PK": {"Legal": 34, "Social": 16, "Psychological": 14, "Medical": 10, "Shelter": 8,
           "Financial": 8, "FamilyTracing": 6, "ReturnSupport": 4},
    "TJ": {"ReturnSupport": 16, "Psychological": 16, "Medical": 14, "Livelihood": 14,
           "Legal": 12, "Social": 10, "Financial": 8, "Education": 6, "FamilyTracing": 4},
    "TM": {"Social": 22, "Psychological": 20, "FamilyTracing": 14, "Medical": 14,
           "Livelihood": 12, "Financial": 10, "Legal": 8},
    "UZ": {"ReturnSupport": 18, "Livelihood": 18, "Psychological": 14, "Social": 12,
           "Medical": 10, "Education": 10, "Legal": 10, "Financial": 8},
    "KZ": {"Shelter": 20, "Legal": 20, "ReturnSupport": 18, "Medical": 16,
           "Psychological": 12, "Financial": 8, "Social": 6},
    "TR": {"Legal": 30, "Shelter": 18, "ReturnSupport": 16, "Medical": 14,
           "Psychological": 12, "Social": 10},
}  # fmt: skip

CURRENCY_OF_COUNTRY = {
    "AF": "AFN", "PK": "PKR", "TJ": "TJS", "TM": "TMT", "UZ": "UZS", "KZ": "KZT", "TR": "TRY",
}  # fmt: skip
# Rough units of local currency per US dollar, to make amounts plausible.
PER_DOLLAR = {
    "AFN": 70, "PKR": 280, "TJS": 11, "TMT": 3.5, "UZS": 12700, "KZT": 480, "TRY": 34,
    "USD": 1,
}  # fmt: skip

# Where citizens met back home had been taken (the region's main routes): a sharing
# consent names one of these countries, or a partner organisation there. People met
# abroad consent to sharing with their own country, for their return.
DESTINATIONS = {
    "AF": ["IR", "PK", "TR"],
    "PK": ["AE", "SA"],
    "TJ": ["RU", "KZ"],
    "UZ": ["RU", "KZ", "TR"],
    "TM": ["TR"],
}

RECORDED_HOW = {
    RecordedHow.WRITTEN_SIGNED: 55, RecordedHow.ORAL_WITNESSED: 20,
    RecordedHow.THUMBPRINT: 15, RecordedHow.ELECTRONIC: 10,
}  # fmt: skip
CLOSURE_REASONS = {
    ClosureReason.SERVICES_COMPLETED: 45, ClosureReason.LOST_CONTACT: 18,
    ClosureReason.REFERRED_ON: 12, ClosureReason.RELOCATED: 10,
    ClosureReason.SURVIVOR_WITHDREW: 10, ClosureReason.OTHER: 5,
}  # fmt: skip
CLOSURE_REASONS_INTAKE_ONLY = {
    ClosureReason.LOST_CONTACT: 45, ClosureReason.SURVIVOR_WITHDREW: 30,
    ClosureReason.REFERRED_ON: 20, ClosureReason.RELOCATED: 5,
}  # fmt: skip
OVERALL_RISK = {RiskLevel.LOW: 35, RiskLevel.MEDIUM: 43, RiskLevel.HIGH: 22}
VISIT_MODES = {
    VisitMode.HOME: 45, VisitMode.PHONE: 30, VisitMode.OFFICE: 15, VisitMode.REMOTE_PARTNER: 10,
}  # fmt: skip

# --- short generic texts (sealed anyway; they name nobody) ------------------------------

CONSENT_NOTES = [
    "Explained in her or his own language; questions answered.",
    "Form read aloud before a witness.",
    "A copy of the form was given to her or him.",
    "Agreed after a second explanation with an interpreter.",
]
WITHDRAWAL_REASONS = [
    "No longer wishes her or his data to be used for this.",
    "Changed her or his mind after talking with the family.",
    "Prefers not to be contacted by other organisations.",
    "",
]
GUARDIAN_RELATIONS = {"father": "Father", "mother": "Mother", "uncle": "Uncle"}
OVERRIDE_REASONS = {
    TraffickingStatus.POSSIBLE: [
        "Interview was cut short; treated as a possible victim until a second interview.",
        "Several answers could not be checked yet; treated as a possible victim meanwhile.",
    ],
    TraffickingStatus.ACTUAL: [
        "Formally identified by the authorities after the screening.",
    ],
    TraffickingStatus.NOT_A_VICTIM: [
        "Later information showed the work was freely chosen and paid as agreed.",
    ],
}
RISK_TEXTS = {
    "individual": [
        "Anxious, sleeps badly; no urgent medical need.",
        "Still receives calls from the recruiter.",
        "Owes money to the recruiter and fears demands for repayment.",
        "Stable; comes to appointments.",
        "Injured at work; needs treatment.",
    ],
    "household": [
        "Family supportive; lives with relatives.",
        "The family owes money; pressure to migrate again.",
        "The household depends on her or his income.",
        "Tension at home since the return.",
    ],
    "community": [
        "Some stigma in the neighbourhood.",
        "The recruiter is known to be active in the district.",
        "No known threats in the community.",
        "Few jobs in the area; many leave for work abroad.",
    ],
    "safety_plan": [
        "Check-in calls twice a week; hotline number saved on the phone.",
        "New phone number; staff go with her or him to appointments.",
        "Stays at the shelter until the risk is reviewed.",
        "Knows whom to call and where to go if the recruiter makes contact.",
    ],
}
RISK_TO_LIFE_TEXTS = {
    "individual": "Threatened with violence after leaving the workplace.",
    "safety_plan": "Moved to a confidential shelter; police informed with her or his consent.",
}
SUPPORT_TEXTS = {
    SupportType.HEALTH: ("Complete a medical check-up and the treatment needed.",
                         "Book the clinic; go with her or him to the first visit."),
    SupportType.LEGAL: ("Obtain identity documents and claim unpaid wages.",
                        "Lawyer prepares the claim; apply for a new passport."),
    SupportType.LIVELIHOOD: ("Find stable work or start a small business.",
                             "Vocational course, then a start-up grant."),
    SupportType.SOCIAL_CARE: ("Secure safe housing and social benefits.",
                              "Apply for housing support; register with social services."),
    SupportType.EDUCATION: ("Return to school for the next term.",
                            "Meet the school; arrange catch-up classes."),
    SupportType.FINANCIAL: ("Cover basic needs for three months.",
                            "Monthly cash support, reviewed each month."),
    SupportType.RIGHTS_TRAINING: ("Know labour rights and how to migrate safely.",
                                  "Two group sessions on rights and safe migration."),
    SupportType.LABOUR_REHABILITATION: ("Recover from the exploitation with counselling.",
                                        "Weekly counselling and a peer support group."),
    SupportType.SEXUAL_REHABILITATION: ("Trauma-informed care and safe accommodation.",
                                        "Specialised counselling; stay at a women's shelter."),
}  # fmt: skip
RETURN_REASONS = [
    "Add dates to the livelihood objective.",
    "The objectives are too broad: split them into concrete steps.",
    "Add the medical follow-up agreed at the last meeting.",
]
OUTCOMES = {
    "Legal": ["Advice given on her or his rights.", "Complaint filed with the labour inspectorate.",
              "Accompanied to the police to give a statement.", "New identity document issued."],
    "Social": ["Registered for social benefits.", "Home visit; needs assessed.",
               "Referred to the local social services."],
    "Psychological": ["Counselling session held.", "Group session attended.",
                      "Sleeps better since the last session."],
    "Medical": ["Medical check-up; no serious findings.", "Treated at the clinic.",
                "Prescription covered; follow-up booked."],
    "Shelter": ["Placed at the shelter.", "Stayed at the shelter for two weeks.",
                "Moved from the shelter to a relative's home."],
    "Education": ["Enrolled in school.", "Attends catch-up classes.",
                  "Started a literacy course."],
    "Livelihood": ["Started a sewing course.", "Start-up grant for a small shop.",
                   "Found work at a local workshop."],
    "Financial": ["Cash support for food and rent.", "Paid the rent for one month."],
    "FamilyTracing": ["Family found and contacted.", "Still looking for the family.",
                      "Met the family with a caseworker present."],
    "ReturnSupport": ["Ticket home and escort to the border.", "Met at the airport on return.",
                      "Travel documents arranged for the return."],
}  # fmt: skip
REINTEGRATION_GOALS = [
    "Stable income within a year; safe housing; regular contact with the family.",
    "Finish vocational training and find work close to home.",
    "Return to school and rebuild relations with the family.",
    "Pay off the family debt without migrating again.",
]
VISIT_NOTES = [
    "Working part-time; relations with the family improving.",
    "Still looking for work; attends the training.",
    "Feels safer; sleeps better.",
    "Some tension at home; more counselling agreed.",
    "Doing well; no new needs.",
    "",
]
TASK_TITLES = [
    "Follow up on the medical test results.",
    "Call the legal aid office about the documents.",
    "Check whether the shelter has a place.",
    "Prepare the papers for the court hearing.",
    "Book the next counselling session.",
    "Visit the family before the return.",
    "Ask the school about enrolment.",
]
CASE_NOTES = [
    "Met at the office; she or he feels safer.",
    "Phone call: asked when the training starts.",
    "The family visited; the meeting went well.",
    "Missed the appointment; will call again tomorrow.",
    "Discussed the options for work; will decide next week.",
]
RETURN_CLOSURE_NOTES = ["A reintegration visit is still planned: keep the case open."]
REOPEN_NOTES = ["Asked for help again after losing her or his job."]


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@contextlib.contextmanager
def _on_day(day: dt.date) -> Iterator[None]:
    """The services' notion of today, set back for one call (see the module docstring)."""
    real = timezone.localdate
    timezone.localdate = lambda *args, **kwargs: day
    try:
        yield
    finally:
        timezone.localdate = real


# --- the context of a whole seeding run ---------------------------------------------------


@dataclass
class Staff:
    caseworker: User
    supervisor: User


@dataclass
class JourneyContext:
    """What every journey needs, fetched once per run; counts what was recorded."""

    today: dt.date
    staff: dict[int, Staff]  # by organisation pk
    partners: list[Organisation]
    version: CatalogueVersion
    indicators: dict[str, dict[str, list[tuple[str, str]]]]  # list → dimension → (code, strength)
    counts: Counter = field(default_factory=Counter)

    @classmethod
    def load(cls, orgs: list[Organisation], today: dt.date | None = None) -> JourneyContext:
        staff: dict[int, dict[str, User]] = {}
        for m in Membership.objects.filter(
            organisation__in=orgs,
            role__in=[Role.CASEWORKER, Role.SUPERVISOR],
            is_active=True,
        ).select_related("user"):
            staff.setdefault(m.organisation_id, {}).setdefault(m.role, m.user)
        version = CatalogueVersion.objects.filter(is_current=True).first()
        if version is None:
            # A database whose catalogue was removed (a flushed test database): the shipped one.
            version, _created = catalogue_import(
                raw=screening_catalogue.SHIPPED[0].read_bytes(), by=None
            )
        indicators: dict[str, dict[str, list[tuple[str, str]]]] = {}
        for i in Indicator.objects.filter(version=version).order_by("order"):
            indicators.setdefault(i.exploitation_list, {d: [] for d in Dimension.values})
            indicators[i.exploitation_list][i.dimension].append((i.code, i.strength))
        return cls(
            today=today or timezone.localdate(),
            staff={
                pk: Staff(roles[Role.CASEWORKER], roles[Role.SUPERVISOR])
                for pk, roles in staff.items()
                if Role.CASEWORKER in roles and Role.SUPERVISOR in roles
            },
            partners=list(orgs),
            version=version,
            indicators=indicators,
        )

    def summary(self) -> str:
        return ", ".join(f"{n} {what}" for what, n in sorted(self.counts.items()))


# --- one case's journey -----------------------------------------------------------------


class Journey:
    def __init__(self, case: Case, registration: Registration, ctx: JourneyContext) -> None:
        self.case = case
        self.ctx = ctx
        self.org = case.organisation
        staff = ctx.staff[case.organisation_id]
        self.worker, self.supervisor = staff.caseworker, staff.supervisor
        self.rng = random.Random(f"payvand-demo-journey:{case.number}")
        self.today = ctx.today
        self.start = case.identified_on
        self.span = (self.today - self.start).days
        self.age = _age(registration, self.today)
        self.woman = registration.gender == Gender.FEMININE
        self.citizenship = registration.citizenship[0] if registration.citizenship else ""
        self.father = registration.identity.father_name
        self.family = registration.identity.family_name
        self.sexual = self.rng.random() < (0.45 if self.woman else 0.08)

    def day(self, low: int, high: int, after: dt.date | None = None) -> dt.date:
        """A day ``low``–``high`` days after ``after`` (the identification), never after today."""
        base = after or self.start
        return min(base + dt.timedelta(days=self.rng.randint(low, high)), self.today)

    def count(self, what: str, n: int = 1) -> None:
        self.ctx.counts[what] += n

    def run(self) -> None:
        # Everyone gets the intake consents; nearly half are then worked on in depth
        # (the others declined further help, were referred on, lost contact, or wait).
        worked = self.rng.random() < SHARE_WORKED
        self.consents(worked=worked)
        if worked and self.rng.random() < SHARE_SCREENED:
            self.screening()
        record_what_happened(self, worked=worked)
        reintegration = False
        if worked:
            if self.rng.random() < SHARE_RISK:
                self.risk()
            if self.rng.random() < SHARE_SUPPORT_PLAN:
                self.support_plan()
            self.assistance()
            reintegration = self.span >= 60 and self.rng.random() < SHARE_REINTEGRATION / 0.94
            if reintegration:
                self.reintegration()
            if self.rng.random() < SHARE_NOTES:
                self.notes()
        record_referral(self)
        closing = self.rng.random() < _closure_share(self.span)
        if worked and not closing and self.rng.random() < SHARE_TASKS:
            self.tasks()
        self.status(worked=worked, reintegration=reintegration, closing=closing)

    # consents -------------------------------------------------------------------------

    def consents(self, *, worked: bool) -> None:
        rng = self.rng
        minor = self.age < ADULT_AGE
        how = _pick(rng, RECORDED_HOW)
        given_on = self.day(0, 2)
        guardian = self.guardian() if minor else None
        common = {"given_on": given_on, "recorded_how": how}
        if guardian:
            common.update(
                given_by=GivenBy.GUARDIAN, guardian_name=guardian[0], guardian_relation=guardian[1]
            )
        wanted: list[dict] = []
        if rng.random() < SHARE_CONSENT_SERVICES:
            wanted.append({"purpose": Purpose.SERVICES})
        if rng.random() < SHARE_CONSENT_STATISTICS:
            wanted.append({"purpose": Purpose.STATISTICS})
        if worked and rng.random() < SHARE_CONSENT_MEDICAL:
            wanted.append({"purpose": Purpose.MEDICAL})
        if worked and rng.random() < SHARE_CONSENT_FAMILY:
            wanted.append({"purpose": Purpose.FAMILY_CONTACT})
        if rng.random() < SHARE_CONSENT_SHARING:
            wanted.extend(self.sharing())
        for extra in wanted:
            note = rng.choice(CONSENT_NOTES) if rng.random() < 0.2 else ""
            consent = consent_record(case=self.case, by=self.worker, note=note, **common, **extra)
            self.count("consents")
            if extra["purpose"] != Purpose.SERVICES and rng.random() < SHARE_WITHDRAWN:
                consent_withdraw(
                    consent=consent,
                    by=self.worker,
                    withdrawn_on=self.day(0, 200, after=given_on),
                    reason=rng.choice(WITHDRAWAL_REASONS),
                )
                self.count("consents withdrawn")

    def guardian(self) -> tuple[str, str]:
        """A parent or uncle of a minor, named like the family (invented names, sealed)."""
        script = SCRIPT_OF_COUNTRY.get(self.org.country, "latin-uzbek")
        female, male, _families = NAMES[script]
        family = self.family.removesuffix("а").removesuffix("a") if self.woman else self.family
        who = self.rng.choices(["father", "mother", "uncle"], weights=[55, 35, 10])[0]
        if who == "father":
            given = self.father or self.rng.choice(male)
        elif who == "mother":
            given, family = self.rng.choice(female), _feminine(family, script)
        else:
            given = self.rng.choice(male)
        return f"{given} {family}".strip(), GUARDIAN_RELATIONS[who]

    def sharing(self) -> list[dict]:
        """Consent to share along her or his route: with the country or a named partner there."""
        rng = self.rng
        home = self.org.country
        if self.citizenship and self.citizenship != home:
            countries = [self.citizenship]  # met abroad: her or his country of return
        else:
            countries = DESTINATIONS.get(home, [])  # returned from abroad
        if not countries:
            return []
        by_route = [
            o for o in self.ctx.partners if o.country in countries and o.code != "REG"
        ]  # no partner there: the consent names the country only
        out: list[dict] = []
        if rng.random() < 0.55 or not by_route:
            out.append(
                {"purpose": Purpose.SHARING_COUNTRY, "recipient_country": rng.choice(countries)}
            )
        if by_route and (not out or rng.random() < 0.3):
            out.append({"purpose": Purpose.SHARING_ORG, "recipient_org": rng.choice(by_route)})
        return out

    # screening ----------------------------------------------------------------------------

    def screening(self) -> None:
        rng = self.rng
        child = self.age < ADULT_AGE
        if child:
            code = ExploitationList.CHILD_SEXUAL if self.sexual else ExploitationList.CHILD_LABOUR
        else:
            code = ExploitationList.ADULT_SEXUAL if self.sexual else ExploitationList.ADULT_LABOUR
        answers = _answers(rng, self.ctx.indicators[code], _targets(rng, child=child))
        screening = screening_record(
            case=self.case,
            by=self.worker,
            version=self.ctx.version,
            exploitation_list=code,
            screened_on=self.day(0, 10),
            answers=answers,
        )
        self.count("screenings")
        self.count(f"screenings {screening.rule_result}")
        if rng.random() >= SHARE_SCREENING_DECIDED:
            return
        status, reason = _decision(rng, screening.rule_result)
        decider = DECIDER_FOR_ORG_TYPE.get(self.org.org_type, DecisionMakingOrg.NGO)
        if status == TraffickingStatus.ACTUAL and rng.random() < 0.5:
            decider = rng.choice([DecisionMakingOrg.POLICE, DecisionMakingOrg.COURT])
        screening_decide(
            screening=screening,
            by=self.worker,
            status=status,
            decision_org_type=decider,
            reason=reason,
        )
        self.count("screenings decided")
        if reason:
            self.count("screenings overridden")

    # risk -------------------------------------------------------------------------------

    def risk(self) -> None:
        rng = self.rng
        to_life = rng.random() < SHARE_RISK_TO_LIFE
        overall = RiskLevel.HIGH if to_life else _pick(rng, OVERALL_RISK)
        assessed_on = self.day(1, 20)
        review_on = self.assess(assessed_on, overall, to_life=to_life)
        self.count("risk assessments")
        if to_life:
            self.count("risk assessments with risk to life")
        if review_on < self.today and rng.random() < SHARE_RISK_REVIEWED:
            # Reviewed when planned: mostly lower by then, sometimes not.
            ladder = [RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH]
            step = rng.choices([-1, 0, 1], weights=[65, 25, 10])[0]
            later = ladder[max(0, min(2, ladder.index(overall) + step))]
            self.assess(review_on, later, to_life=False)
            self.count("risk assessments reviewed")

    def assess(self, assessed_on: dt.date, overall: str, *, to_life: bool) -> dt.date:
        """One assessment with ``overall`` risk; returns the day to review it."""
        rng = self.rng
        # Each area at most as high as the whole, one of them as high.
        ladder = [RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH]
        areas = ["individual", "household", "community"]
        levels = {area: rng.choice(ladder[: ladder.index(overall) + 1]) for area in areas}
        levels["individual" if to_life else rng.choice(areas)] = overall
        for area in ("household", "community"):
            if levels[area] != overall and rng.random() < 0.08:
                levels[area] = RiskLevel.UNKNOWN
        texts = {area: rng.choice(options) for area, options in RISK_TEXTS.items()}
        if to_life:
            texts.update(RISK_TO_LIFE_TEXTS)
        for area, level in levels.items():
            if level == RiskLevel.UNKNOWN:
                texts[area] = ""
        review_on = assessed_on + dt.timedelta(days=rng.choice([14, 30, 60, 90]))
        risk_assess(
            case=self.case,
            by=self.worker,
            assessed_on=assessed_on,
            individual_level=levels["individual"],
            household_level=levels["household"],
            community_level=levels["community"],
            risk_to_life=to_life,
            review_on=review_on,
            **texts,
        )
        return review_on

    # support plan -------------------------------------------------------------------------

    def support_plan(self) -> None:
        rng = self.rng
        types = [
            SupportType.SEXUAL_REHABILITATION if self.sexual else SupportType.LABOUR_REHABILITATION
        ]
        others = [
            SupportType.HEALTH,
            SupportType.LEGAL,
            SupportType.SOCIAL_CARE,
            SupportType.FINANCIAL,
            SupportType.RIGHTS_TRAINING,
            SupportType.EDUCATION if self.age < ADULT_AGE else SupportType.LIVELIHOOD,
        ]
        types += rng.sample(others, rng.choices([0, 1, 2], weights=[40, 40, 20])[0])
        # The plan's fate first: only an approved plan has lines already achieved.
        fate = rng.choices(
            ["draft", "submitted", "approved", "returned"], weights=[20, 20, 50, 10]
        )[0]
        item = None
        for support_type in types:
            start_on = self.day(7, 40)
            planned_end_on = start_on + dt.timedelta(days=rng.randint(30, 180))
            actual_end_on = None
            if fate == "approved" and planned_end_on < self.today and rng.random() < 0.6:
                actual_end_on = min(
                    planned_end_on + dt.timedelta(days=rng.randint(-20, 30)), self.today
                )
                actual_end_on = max(actual_end_on, start_on)
            objectives, actions = SUPPORT_TEXTS[support_type]
            item = support_item_add(
                case=self.case,
                by=self.worker,
                support_type=support_type,
                start_on=start_on,
                planned_end_on=planned_end_on,
                objectives=objectives,
                actions=actions,
                actual_end_on=actual_end_on,
            )
            self.count("support plan items")
        self.count("support plans")
        plan = item.plan
        if fate == "draft":
            return
        plan = support_plan_transition(plan=plan, action=PlanAction.SUBMIT, by=self.worker)
        if fate == "returned":
            support_plan_transition(
                plan=plan,
                action=PlanAction.RETURN,
                by=self.supervisor,
                reason=rng.choice(RETURN_REASONS),
            )
        elif fate == "approved":
            plan = support_plan_transition(plan=plan, action=PlanAction.APPROVE, by=self.supervisor)
            if rng.random() < 0.06:
                support_plan_revise(plan=plan, by=self.worker)
                self.count("support plans revised")
        self.count(f"support plans {fate}")

    # assistance ---------------------------------------------------------------------------

    def assistance(self) -> None:
        rng = self.rng
        n = int(_pick(rng, ENTRY_COUNT_WEIGHTS))
        if not n:
            return
        mix = dict(ASSISTANCE_MIX.get(self.org.country, ASSISTANCE_MIX["TJ"]))
        if self.age < ADULT_AGE:
            mix["Education"] = mix.get("Education", 0) + 12
        home = self.org.country
        horizon = max(0, min(self.span, 365))
        days = sorted(rng.randint(0, horizon) for _ in range(n))
        for offset in days:
            kind = _pick(rng, mix)
            provider = None
            if kind == AssistanceType.RETURN_SUPPORT and rng.random() < 0.3:
                abroad = [o for o in self.ctx.partners if o.country != home and o.code != "REG"]
                provider = rng.choice(abroad) if abroad else None
            duration, amount, currency = _measure(rng, kind, CURRENCY_OF_COUNTRY.get(home, "USD"))
            entry_record(
                case=self.case,
                by=self.worker,
                assistance_type=kind,
                delivered_on=self.start + dt.timedelta(days=offset),
                provider=provider,
                staff=self.supervisor if rng.random() < 0.15 else self.worker,
                duration_minutes=duration,
                amount=amount,
                currency=currency,
                outcome=rng.choice(OUTCOMES[kind]) if rng.random() < 0.8 else "",
            )
            self.count("assistance entries")

    # reintegration ------------------------------------------------------------------------

    def reintegration(self) -> None:
        rng = self.rng
        start_on = self.day(20, 60)
        plan = reintegration_plan_save(
            case=self.case,
            by=self.worker,
            start_on=start_on,
            goals=rng.choice(REINTEGRATION_GOALS),
        )
        self.count("reintegration plans")
        scores = [rng.randint(1, 3) for _ in range(3)]
        visited_on = start_on
        for _n in range(rng.choices([1, 2, 3], weights=[35, 40, 25])[0]):
            visited_on = visited_on + dt.timedelta(days=rng.randint(30, 100))
            if visited_on > self.today:
                break
            followup_visit_add(
                plan=plan,
                by=self.worker,
                visited_on=visited_on,
                visited_by=self.worker,
                mode=_pick(rng, VISIT_MODES),
                economic=scores[0],
                social=scores[1],
                psychosocial=scores[2],
                notes=rng.choice(VISIT_NOTES),
            )
            self.count("follow-up visits")
            # Mostly better at the next visit; now and then a setback.
            scores = [
                max(1, min(5, s + rng.choices([1, 0, -1], weights=[55, 33, 12])[0])) for s in scores
            ]

    # notes, tasks -----------------------------------------------------------------------------

    def notes(self) -> None:
        for _n in range(self.rng.choices([1, 2], weights=[80, 20])[0]):
            note_add(case=self.case, by=self.worker, text=self.rng.choice(CASE_NOTES))
            self.count("case notes")

    def tasks(self) -> None:
        rng = self.rng
        for _n in range(rng.randint(1, 2)):
            title = rng.choice(TASK_TITLES)
            if rng.random() < 0.2 and self.span > 10:
                # Written some time ago, due some days ago, not done yet: overdue.
                written = self.today - dt.timedelta(days=rng.randint(8, min(self.span, 40)))
                due_on = min(written + dt.timedelta(days=rng.randint(1, 7)), self.today)
                due_on = min(due_on, self.today - dt.timedelta(days=1))
                with _on_day(written):
                    task_add(case=self.case, by=self.worker, title=title, due_on=due_on)
                self.count("tasks overdue")
                continue
            assignee = self.supervisor if rng.random() < 0.1 else self.worker
            task = task_add(
                case=self.case,
                by=self.worker,
                title=title,
                due_on=self.today + dt.timedelta(days=rng.randint(0, 30)),
                assignee=assignee,
            )
            if rng.random() < 0.3:
                task_transition(task=task, to=TaskState.DONE, by=self.worker)
                self.count("tasks done")
            else:
                self.count("tasks open")

    # status -----------------------------------------------------------------------------------

    def status(self, *, worked: bool, reintegration: bool, closing: bool) -> None:
        rng = self.rng
        case = self.case
        reasons = CLOSURE_REASONS if worked else CLOSURE_REASONS_INTAKE_ONLY
        if worked and ((reintegration and rng.random() < 0.6) or rng.random() < SHARE_FOLLOW_UP):
            case = case_transition(case=case, by=self.worker, action="follow_up")
            if not closing:
                self.count("cases in follow-up")
        if not closing:
            if worked and rng.random() < SHARE_CLOSURE_PENDING:
                case_transition(
                    case=case,
                    by=self.worker,
                    action="request_closure",
                    reason=_pick(rng, reasons),
                )
                self.count("cases waiting for closure approval")
            return
        case = case_transition(
            case=case, by=self.worker, action="request_closure", reason=_pick(rng, reasons)
        )
        if rng.random() < 0.05:
            # The supervisor sends it back once, then the caseworker asks again.
            case = case_transition(
                case=case,
                by=self.supervisor,
                action="return_closure",
                note=rng.choice(RETURN_CLOSURE_NOTES),
            )
            case = case_transition(
                case=case, by=self.worker, action="request_closure", reason=ClosureReason.OTHER
            )
        case = case_transition(case=case, by=self.supervisor, action="approve_closure")
        if rng.random() < 0.03:
            case_transition(
                case=case, by=self.worker, action="reopen", note=rng.choice(REOPEN_NOTES)
            )
            self.count("cases reopened")
            return
        self.count("cases closed")


# --- helpers ------------------------------------------------------------------------------


def _age(reg: Registration, today: dt.date) -> int:
    if reg.birth_precision == BirthPrecision.EXACT and reg.identity.birth_date:
        return today.year - reg.identity.birth_date.year
    if reg.birth_precision == BirthPrecision.YEAR and reg.birth_year:
        return today.year - reg.birth_year
    if reg.estimated_age is not None:
        return reg.estimated_age
    return 25


def _closure_share(span: int) -> float:
    """Older cases are more often closed: about 15 % of cases identified over 3 years."""
    if span > 180:
        return 0.17
    if span > 60:
        return 0.10
    return 0.02 if span > 20 else 0.0


def _measure(rng: random.Random, kind: str, local: str) -> tuple[int | None, Decimal | None, str]:
    """Duration in minutes, or an amount and its currency, as the type of help has them."""
    minutes = {
        "Legal": (30, 180), "Social": (30, 90), "Psychological": (45, 90),
        "Medical": (20, 120), "Education": (60, 240), "FamilyTracing": (30, 120),
    }  # fmt: skip
    dollars = {"Financial": (40, 300), "Livelihood": (150, 800), "ReturnSupport": (60, 400)}
    if kind in dollars and not (kind == "Livelihood" and rng.random() < 0.4):
        currency = "USD" if rng.random() < 0.2 else local
        value = rng.randint(*dollars[kind]) * PER_DOLLAR[currency]
        step = 10 ** max(0, len(str(int(value))) - 2)  # two significant figures
        return None, Decimal(max(step, round(value / step) * step)), currency
    if kind == "Livelihood":
        return rng.choice([120, 180, 240]), None, ""
    if kind in minutes and rng.random() < 0.85:
        low, high = minutes[kind]
        return rng.randrange(low, high + 1, 5), None, ""
    return None, None, ""


def _targets(rng: random.Random, *, child: bool) -> dict[str, str]:
    """What each dimension should come out as, for a plausible mix of rule results.

    About 60 % of screenings meet the rule, 25 % stay undecided (unknown answers could
    tip them) and 15 % do not meet it.
    """
    met, undecided, not_met = rules.MET, rules.UNDECIDED, rules.NOT_MET

    def background() -> str:
        return rng.choices([met, undecided, not_met], weights=[25, 15, 60])[0]

    targets = {d: background() for d in Dimension.values}
    components = {
        "recruitment": list(RECRUITMENT_DIMENSIONS),
        "exploitation": [Dimension.EXPLOITATIVE_CONDITIONS],
    }
    if not child:
        components["means"] = list(MEANS_AT_DESTINATION)
    weights = {
        "recruitment": [50, 15, 35],
        "exploitation": [1],
        "means": [60, 40],
    }
    outcome = rng.choices([met, undecided, not_met], weights=[60, 25, 15])[0]
    odd = rng.choice(list(components))  # the component that is undecided or not met
    for name, dims in components.items():
        if outcome != met and name == odd:
            for d in dims:
                targets[d] = not_met
            if outcome == undecided:
                targets[rng.choices(dims, weights=weights[name])[0]] = undecided
        else:
            # At least one of its dimensions met, most often the one seen most in practice.
            targets[rng.choices(dims, weights=weights[name])[0]] = met
    return targets


def _answers(
    rng: random.Random, dimensions: dict[str, list[tuple[str, str]]], targets: dict[str, str]
) -> dict[str, str]:
    """Observed / not observed / unknown for every indicator, so each dimension reaches its
    target result under the ILO/EC rule."""
    answers: dict[str, str] = {}
    for dimension, items in dimensions.items():
        target = targets.get(dimension, rules.NOT_MET)
        order = items[:]
        rng.shuffle(order)
        observed = rules.Counts()
        unknown = rules.Counts()
        chosen: dict[str, str] = {}
        if target == rules.MET:
            for code, strength in order:
                if rules.dimension_met(observed):
                    break
                chosen[code] = Answer.OBSERVED
                observed = observed.plus(strength)
            for code, _strength in order:
                if code not in chosen and rng.random() < 0.12:
                    chosen[code] = Answer.OBSERVED if rng.random() < 0.5 else Answer.UNKNOWN
        else:
            # At most one observed, then unknowns: enough to tip it when undecided, never
            # enough when not met.
            weak_first = sorted(order, key=lambda item: item[1] == "strong")
            if weak_first and rng.random() < 0.5:
                code, strength = weak_first[0]
                chosen[code] = Answer.OBSERVED
                observed = observed.plus(strength)
            for code, strength in order:
                if code in chosen:
                    continue
                tipped = rules.dimension_met(observed + unknown.plus(strength))
                if target == rules.UNDECIDED:
                    if not rules.dimension_met(observed + unknown):
                        chosen[code] = Answer.UNKNOWN
                        unknown = unknown.plus(strength)
                elif not tipped and rng.random() < 0.15:
                    chosen[code] = Answer.UNKNOWN
                    unknown = unknown.plus(strength)
        for code, _strength in items:
            answers[code] = chosen.get(code, Answer.NOT_OBSERVED)
    return answers


def _decision(rng: random.Random, rule_result: str) -> tuple[str, str]:
    """The caseworker's status and, when it departs from the indicators, her reason."""
    if rule_result == rules.MET:
        choices = {TraffickingStatus.POSSIBLE: 70, TraffickingStatus.ACTUAL: 28,
                   TraffickingStatus.NOT_A_VICTIM: 2}  # fmt: skip
    elif rule_result == rules.UNDECIDED:
        choices = {TraffickingStatus.POSSIBLE: 92, TraffickingStatus.ACTUAL: 5,
                   TraffickingStatus.NOT_A_VICTIM: 3}  # fmt: skip
    else:
        choices = {TraffickingStatus.NOT_A_VICTIM: 85, TraffickingStatus.POSSIBLE: 15}
    status = _pick(rng, choices)
    reason = rng.choice(OVERRIDE_REASONS[status]) if rules.is_override(rule_result, status) else ""
    return status, reason


def seed_journey(case: Case, registration: Registration, ctx: JourneyContext) -> None:
    """Record what happened to ``case`` after registration (nothing if its org lacks staff)."""
    if case.organisation_id not in ctx.staff:
        return
    Journey(case, registration, ctx).run()
