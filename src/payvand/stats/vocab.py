"""The codes of the regional statistics: CTDC's (2024 codebook), whatever the source.

Countries stay ISO 3166-1 alpha-2 (the platform's codes and CTDC 2017's); the 2024/2025
files' alpha-3 codes are converted on import.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CtdcGender(models.TextChoices):
    MAN = "Man", _("Man")
    WOMAN = "Woman", _("Woman")
    TRANS = "Trans/Transgender/NonConforming", _("Trans, transgender or non-conforming")


AGE_BANDS = ("0--8", "9--17", "18--20", "21--23", "24--26", "27--29", "30--38", "39--47", "48+")
# (first age, last age) of each band; 48+ has no end.
AGE_BAND_LIMITS = {
    "0--8": (0, 8), "9--17": (9, 17), "18--20": (18, 20), "21--23": (21, 23),
    "24--26": (24, 26), "27--29": (27, 29), "30--38": (30, 38), "39--47": (39, 47),
    "48+": (48, 200),
}  # fmt: skip


class Datasource(models.TextChoices):
    CASE_MANAGEMENT = "Case Management", _("Case management")
    HOTLINE = "Hotline", _("Hotline")


class ExploitationKind(models.TextChoices):
    """CTDC's three exploitation flags, as one field's values."""

    FORCED_LABOUR = "ForcedLabour", _("Forced labour")
    SEXUAL = "SexualExploit", _("Sexual exploitation")
    OTHER = "OtherExploit", _("Other exploitation")


TRAFFICK_MONTHS = ("0--12", "13--24", "25+")

# The 2024 codebook's merged means of control, from CTDC 2017's detailed flags.
MEANS_FROM_2017 = {
    "means_debt_bondage_earnings": ("DebtBondage", "TakesEarnings"),
    "means_threats": ("Threats", "UsesChildren", "ThreatOfLawEnforcement"),
    "means_abuse": ("PsychologicalAbuse", "PhysicalAbuse", "SexualAbuse"),
    "means_false_promises": ("FalsePromises",),
    "means_drugs_alcohol": ("PsychoactiveSubstances",),
    "means_deny_basic_needs": (
        "RestrictsFinancialAccess",
        "RestrictsMovement",
        "RestrictsMedicalCare",
        "WithholdsNecessities",
    ),
    "means_excessive_hours": ("ExcessiveWorkingHours",),
    "means_withhold_documents": ("WithholdsDocuments",),
}
MEANS_2024_COLUMNS = {
    "means_debt_bondage_earnings": "meansDebtBondageEarnings",
    "means_threats": "meansThreats",
    "means_abuse": "meansAbusePsyPhySex",
    "means_false_promises": "meansFalsePromises",
    "means_drugs_alcohol": "meansDrugsAlcohol",
    "means_deny_basic_needs": "meansDenyBasicNeeds",
    "means_excessive_hours": "meansExcessiveWorkHours",
    "means_withhold_documents": "meansWithholdDocs",
}
LABOUR_SECTORS = ("Agriculture", "Construction", "DomesticWork", "Hospitality")
SEX_SECTORS = ("Prostitution", "Pornography")
RECRUITER_RELATIONS = ("IntimatePartner", "Friend", "Family", "Other")
