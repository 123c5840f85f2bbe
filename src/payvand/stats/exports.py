"""Exports: CTDC's 2024 synthetic format (k-anonymous) and HTCDS JSON for one organisation.

**CTDC CSV.** One row per survivor who consents to statistics (her earliest counted case,
whichever organisations registered her: tables.survivor_facts),
the 27 columns of CTDC's 2024 codebook with their names, alpha-3 countries and flags 1 or
empty, from the HTCDS → CTDC crosswalk (reference/data-standards.md §2.2). The
quasi-identifiers are CTDC's: yearOfRegistration, gender, ageBroad, citizenship,
CountryOfExploitation and the three exploitation flags. The file is k-anonymous over them
(k = 11) by **local suppression**, then record suppression:

1. rows whose combination of quasi-identifiers is shared by fewer than k rows lose one
   quasi-identifier — emptied, as CTDC writes a value it does not publish — in this
   order: citizenship, CountryOfExploitation, ageBroad, gender, the exploitation flags,
   yearOfRegistration (most identifying and least needed first; the year last because
   CTDC's tables are by year); the classes are recounted after each step;
2. rows still in a class of fewer than k after all six steps are left out.

An emptied value and a value never recorded look the same, so the reader cannot tell
which rows were suppressed. The other 19 columns are released as they are, as CTDC did
(they are not quasi-identifiers in its method).

**HTCDS JSON.** One organisation's cases with HTCDS's field names (prs_, vic_, cas_, hte_,
spl_, con_; ``x_`` marks the platform's extensions): codes only, unless identities are
asked for — then each person's identity is opened through the cases app's audited
``person_identity`` (one audit row per person) and the export itself is audited.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter, defaultdict

import pycountry
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from payvand.cases.models import Case
from payvand.core import crypto
from payvand.core.audit.services import audit_record
from payvand.core.errors import PermissionDenied
from payvand.orgs.models import Organisation
from payvand.stats.tables import survivor_facts
from payvand.trafficking.models import TraffickingEvent, VictimContext

K = 11
CTDC_2024_COLUMNS = (
    "yearOfRegistration", "gender", "ageBroad", "citizenship", "CountryOfExploitation",
    "traffickMonths", "meansDebtBondageEarnings", "meansThreats", "meansAbusePsyPhySex",
    "meansFalsePromises", "meansDrugsAlcohol", "meansDenyBasicNeeds",
    "meansExcessiveWorkHours", "meansWithholdDocs", "isForcedLabour", "isSexualExploit",
    "isOtherExploit", "typeOfLabourAgriculture", "typeOfLabourConstruction",
    "typeOfLabourDomesticWork", "typeOfLabourHospitality", "typeOfSexProstitution",
    "typeOfSexPornography", "recruiterRelationIntimatePartner", "recruiterRelationFriend",
    "recruiterRelationFamily", "recruiterRelationOther",
)  # fmt: skip
FLAGS = ("isForcedLabour", "isSexualExploit", "isOtherExploit")
QUASI_IDENTIFIERS = (
    "yearOfRegistration", "gender", "ageBroad", "citizenship", "CountryOfExploitation", *FLAGS,
)  # fmt: skip
# What local suppression empties first; the flags go together (one step).
SUPPRESSION_ORDER = (
    ("citizenship",), ("CountryOfExploitation",), ("ageBroad",), ("gender",), FLAGS,
    ("yearOfRegistration",),
)  # fmt: skip
# HTCDS methods of control → CTDC 2024's merged means (crosswalk §2.2).
MEANS = {
    "meansDebtBondageEarnings": ("DebtBondage", "TakesEarnings"),
    "meansThreats": ("PhysicalThreats", "ThreatsLawEnforcement", "ThreatensChildrenFamily"),
    "meansAbusePsyPhySex": ("PhysicalAbuse", "SexualAbuse", "PsychologicalAbuse"),
    "meansFalsePromises": ("FalsePromises",),
    "meansDrugsAlcohol": ("PsychoactiveSubstance",),
    "meansDenyBasicNeeds": (
        "RestrictsFinancialAccess", "RestrictsMedicalCare", "WithholdsNecessities",
        "RestrictsMovement",
    ),
    "meansExcessiveWorkHours": ("ExcessiveWorkingHours",),
    "meansWithholdDocs": ("WithholdsDocuments",),
}  # fmt: skip
INDUSTRIES = {
    "typeOfLabourAgriculture": "A_AgricultureForestryAndFishing",
    "typeOfLabourConstruction": "F_Construction",
    "typeOfLabourDomesticWork": "T_ActivitiesOfHouseholdsAsEmployers",
    "typeOfLabourHospitality": "I_AccommodationAndFoodServiceActivities",
}
SEX_TYPES = {"typeOfSexProstitution": "Prostitution", "typeOfSexPornography": "Pornography"}
RECRUITERS = {
    "recruiterRelationIntimatePartner": "IntimatePartner",
    "recruiterRelationFriend": "Friend",
    "recruiterRelationFamily": "Family",
    "recruiterRelationOther": "Other",
}
# The 2024 file's spellings of the age bands and trafficking durations.
AGE_BROAD = {"9--17": "09--17"}
MONTHS = ((12, "0--12 (0-1 yr)"), (24, "13--24 (1-2 yrs)"), (None, "25+ (2+ yrs)"))


class ExportError(Exception):
    pass


def alpha3(code: str) -> str:
    if not code:
        return ""
    if code == "XK":
        return "XKX"
    country = pycountry.countries.get(alpha_2=code)
    return country.alpha_3 if country else ""


def _flag(value: bool) -> str:
    return "1" if value else ""


def _months(start: dt.date | None, end: dt.date | None) -> str:
    if not start or not end or end < start:
        return ""
    months = (end.year - start.year) * 12 + end.month - start.month
    for limit, label in MONTHS:
        if limit is None or months <= limit:
            return label
    return ""  # pragma: no cover


def ctdc_rows() -> list[dict[str, str]]:
    """Every survivor counted now, one CTDC row each from her earliest counted record
    (tables.survivor_facts), before k-anonymisation."""
    facts = list(
        survivor_facts()
        .order_by("survivor")
        .values(
            "f_case", "year", "gender", "age_band", "citizenship",
            "country_of_exploitation", "forced_labour", "sexual_exploit", "other_exploit",
        )
    )  # fmt: skip
    ids = [row["f_case"] for row in facts]
    contexts = {
        v["case_id"]: v
        for v in VictimContext.objects.filter(case_id__in=ids).values(
            "case_id", "control_methods", "industries", "sex_exploitation_types",
            "recruiter_relations",
        )
    }  # fmt: skip
    spans: dict[int, list] = defaultdict(lambda: [None, None])
    for event in TraffickingEvent.objects.filter(
        case_id__in=ids, event_type__in=("Recruitment", "Exploitation")
    ).values("case_id", "event_type", "occurred_on", "ended_on"):
        span = spans[event["case_id"]]
        if event["occurred_on"] and (span[0] is None or event["occurred_on"] < span[0]):
            span[0] = event["occurred_on"]
        end = event["ended_on"] if event["event_type"] == "Exploitation" else None
        if end and (span[1] is None or end > span[1]):
            span[1] = end
    rows = []
    for fact in facts:
        context = contexts.get(fact["f_case"], {})
        codes = {  # values() already gives CodeListField's lists
            name: set(context.get(name) or [])
            for name in ("control_methods", "industries", "sex_exploitation_types",
                         "recruiter_relations")
        }  # fmt: skip
        row = {
            "yearOfRegistration": str(fact["year"]),
            "gender": fact["gender"],
            "ageBroad": AGE_BROAD.get(fact["age_band"], fact["age_band"]),
            "citizenship": alpha3(fact["citizenship"]),
            "CountryOfExploitation": alpha3(fact["country_of_exploitation"]),
            "traffickMonths": _months(*spans.get(fact["f_case"], (None, None))),
            "isForcedLabour": _flag(fact["forced_labour"]),
            "isSexualExploit": _flag(fact["sexual_exploit"]),
            "isOtherExploit": _flag(fact["other_exploit"]),
        }
        for column, parts in MEANS.items():
            row[column] = _flag(bool(codes["control_methods"] & set(parts)))
        for column, code in INDUSTRIES.items():
            row[column] = _flag(code in codes["industries"])
        for column, code in SEX_TYPES.items():
            row[column] = _flag(code in codes["sex_exploitation_types"])
        for column, code in RECRUITERS.items():
            row[column] = _flag(code in codes["recruiter_relations"])
        rows.append({c: row[c] for c in CTDC_2024_COLUMNS})
    return rows


def _classes(rows: list[dict]) -> Counter:
    return Counter(tuple(r[q] for q in QUASI_IDENTIFIERS) for r in rows)


def k_anonymise(rows: list[dict], k: int = K) -> tuple[list[dict], dict]:
    """``rows`` made k-anonymous over the quasi-identifiers (module docstring), and what
    it cost: values emptied per column and rows left out."""
    rows = [dict(r) for r in rows]
    emptied: Counter = Counter()
    for columns in SUPPRESSION_ORDER:
        sizes = _classes(rows)
        for row in rows:
            if sizes[tuple(row[q] for q in QUASI_IDENTIFIERS)] < k:
                for column in columns:
                    if row[column]:
                        emptied[column] += 1
                    row[column] = ""
    sizes = _classes(rows)
    kept = [r for r in rows if sizes[tuple(r[q] for q in QUASI_IDENTIFIERS)] >= k]
    return kept, {"emptied": dict(emptied), "left_out": len(rows) - len(kept)}


def smallest_class(rows: list[dict]) -> int:
    return min(_classes(rows).values()) if rows else 0


def export_ctdc(*, k: int = K) -> tuple[str, dict]:
    """The CTDC 2024-format CSV of the platform's survivors, and a report."""
    rows, report = k_anonymise(ctdc_rows(), k)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CTDC_2024_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    report["rows"] = len(rows)
    audit_record(action="stats.export_ctdc", actor=None, details=report | {"k": k})
    return out.getvalue(), report


def _codes(value) -> list[str]:
    return value.split() if isinstance(value, str) else list(value or [])


def _identity(case: Case, by) -> dict:
    from payvand.cases.services import person_identity

    try:
        identity = person_identity(person=case.person, by=by, purpose="htcds_export")
    except crypto.KeyDestroyed:
        return {"x_Erased": True}
    return {
        "prs_FirstName": identity.given_name,
        "prs_SecondName": identity.family_name,
        "x_FatherName": identity.father_name,
        "prs_Birthdate": identity.birth_date.isoformat() if identity.birth_date else None,
        "prs_MobilePhone": identity.phone,
        "prs_Email": identity.email,
        "prs_MailingStreet": identity.address,
        "prs_IdentityNumber": identity.id_number,
    }


def export_htcds(*, org: Organisation, with_identities: bool = False, by=None) -> dict:
    """One organisation's cases in HTCDS's field names (codes; identities if asked), for
    its own use: ``by`` is the person downloading it (selectors.htcds_exports_for says
    who may; PermissionDenied otherwise), None the server's operator (`payvand stats
    export-htcds`)."""
    if by is not None:
        from payvand.stats.selectors import htcds_exports_for

        allowed = {e.organisation.pk: e for e in htcds_exports_for(by)}
        if org.pk not in allowed:
            raise PermissionDenied(_("Choose one of your organisations."))
        if with_identities and not allowed[org.pk].with_identities:
            raise PermissionDenied(_("Only an organisation admin can include names and contacts."))
    cases = (
        Case.objects.filter(organisation=org)
        .select_related("person", "victim_context")
        .prefetch_related("trafficking_events", "consents", "support_plans__items")
        .order_by("number")
    )
    with transaction.atomic():
        exported = []
        for case in cases:
            person = case.person
            record: dict = {
                "x_CaseNumber": case.number,
                "cas_Status": case.status,
                "x_IdentifiedOn": case.identified_on.isoformat(),
                "x_IdentificationSource": case.identification_source,
                "prs_Gender": person.gender,
                "x_BirthYear": person.birth_year,
                "prs_Citizenship": person.citizenship_codes,
            }
            if with_identities:
                record |= _identity(case, by)
            context = getattr(case, "victim_context", None)
            if context is not None:
                record |= {
                    "vic_TraffickingStatus": context.trafficking_status,
                    "vic_TraffickingStatusDecisionMakingOrg": context.status_decided_by,
                    "vic_RelationshipToTrafficker": context.relationship_to_trafficker,
                    "vic_AgeWhenTrafficked": context.age_when_trafficked,
                    "vic_MethodOfRecruitment": _codes(context.recruitment_methods),
                    "vic_RecruitmentWebsitesAndApps": _codes(context.recruitment_platforms),
                    "vic_ExploitationWebsitesAndApps": _codes(context.exploitation_platforms),
                    "vic_MethodsOfControl": _codes(context.control_methods),
                    "vic_TypeOfExploitation": _codes(context.exploitation_types),
                    "vic_ForcedLabourIndustry": _codes(context.industries),
                    "vic_TypeOfSexExploitation": _codes(context.sex_exploitation_types),
                    "x_RecruiterRelation": _codes(context.recruiter_relations),
                    "x_MigrationStatus": _codes(context.migration_statuses),
                }
            record["hte"] = [
                {
                    "hte_Type": e.event_type,
                    "hte_Country": e.country,
                    "hte_State": e.province,
                    "hte_Date": e.occurred_on.isoformat() if e.occurred_on else None,
                    "x_EndDate": e.ended_on.isoformat() if e.ended_on else None,
                }
                for e in case.trafficking_events.all()
            ]
            record["spl"] = [
                {
                    "x_Status": plan.status,
                    "x_Version": plan.version,
                    "items": [
                        {
                            "spl_Type": item.support_type,
                            "x_StartDate": item.start_on.isoformat(),
                            "spl_PlannedEndDate": item.planned_end_on.isoformat(),
                            "spl_ActualEndDate": (
                                item.actual_end_on.isoformat() if item.actual_end_on else None
                            ),
                        }
                        for item in plan.items.all()
                    ],
                }
                for plan in case.support_plans.all()
            ]
            record["con"] = [
                {
                    "con_Consent": c.withdrawn_on is None,
                    "x_Purpose": c.purpose,
                    "x_GivenOn": c.given_on.isoformat(),
                    "x_WithdrawnOn": c.withdrawn_on.isoformat() if c.withdrawn_on else None,
                }
                for c in case.consents.all()
            ]
            exported.append(record)
        audit_record(
            action="stats.export_htcds",
            actor=by,
            organisation=org,
            details={"cases": len(exported), "with_identities": with_identities},
        )
    return {
        "standard": "HTCDS 2.0",
        "exported_at": timezone.now().isoformat(),
        "organisation": {
            "x_Code": org.code,
            "org_Name": org.name,
            "org_Type": org.org_type,
            "org_ShippingCountry": org.country,
            "org_ShippingState": org.subdivision,
        },
        "with_identities": with_identities,
        "cases": exported,
    }
