"""Picklists of screening. Codes are stable (stored, exported, in catalogue files);
labels are translated. TraffickingStatus and DecisionMakingOrg are HTCDS v2.0 value names."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExploitationList(models.TextChoices):
    """The four ILO/EC lists: adults or children × labour or sexual exploitation."""

    ADULT_LABOUR = "adult-labour", _("Adults, labour exploitation")
    ADULT_SEXUAL = "adult-sexual", _("Adults, sexual exploitation")
    CHILD_LABOUR = "child-labour", _("Children, labour exploitation")
    CHILD_SEXUAL = "child-sexual", _("Children, sexual exploitation")


CHILD_LISTS = frozenset({ExploitationList.CHILD_LABOUR, ExploitationList.CHILD_SEXUAL})


class Dimension(models.TextChoices):
    """The six dimensions of the Palermo definition, in the order the ILO lists them."""

    DECEPTIVE_RECRUITMENT = "deceptive-recruitment", _("Deceptive recruitment")
    COERCIVE_RECRUITMENT = "coercive-recruitment", _("Coercive recruitment")
    VULNERABILITY_RECRUITMENT = (
        "recruitment-abuse-of-vulnerability",
        _("Recruitment by abuse of vulnerability"),
    )
    EXPLOITATIVE_CONDITIONS = "exploitative-conditions", _("Exploitative conditions")
    COERCION_AT_DESTINATION = "coercion-at-destination", _("Coercion at destination")
    VULNERABILITY_AT_DESTINATION = (
        "abuse-of-vulnerability-at-destination",
        _("Abuse of vulnerability at destination"),
    )


DIMENSION_ORDER = list(Dimension.values)
RECRUITMENT_DIMENSIONS = (
    Dimension.DECEPTIVE_RECRUITMENT,
    Dimension.COERCIVE_RECRUITMENT,
    Dimension.VULNERABILITY_RECRUITMENT,
)
MEANS_AT_DESTINATION = (Dimension.COERCION_AT_DESTINATION, Dimension.VULNERABILITY_AT_DESTINATION)


class Strength(models.TextChoices):
    STRONG = "strong", _("strong")
    MEDIUM = "medium", _("medium")
    WEAK = "weak", _("weak")


class Answer(models.TextChoices):
    OBSERVED = "observed", _("Observed")
    NOT_OBSERVED = "not_observed", _("Not observed")
    UNKNOWN = "unknown", _("Unknown")


class RuleResult(models.TextChoices):
    """Of a dimension, or of the whole decision rule."""

    MET = "met", _("Met")
    NOT_MET = "not_met", _("Not met")
    UNDECIDED = "undecided", _("Undecided")


class TraffickingStatus(models.TextChoices):
    """HTCDS vic_TraffickingStatus."""

    POSSIBLE = "PossibleVictimOfTrafficking", _("Possible victim of trafficking")
    ACTUAL = "ActualVictimOfTrafficking", _("Actual victim of trafficking")
    NOT_A_VICTIM = "NotAVictimOfTrafficking", _("Not a victim of trafficking")


class DecisionMakingOrg(models.TextChoices):
    """HTCDS vic_TraffickingStatusDecisionMakingOrg."""

    POLICE = "Police", _("Police")
    NGO = "NGO", _("Non-governmental organisation")
    COURT = "CourtOrProsecution", _("Court or prosecution")
    GOVERNMENT = "NonPoliceGovernmentalOrganization", _("Government body other than the police")
    OTHER = "Other", _("Other")


# Which deciding-organisation type to propose for a screening done by an organisation
# of this HTCDS type (orgs.OrgType); the caseworker may record another decider.
DECIDER_FOR_ORG_TYPE = {
    "NGO": DecisionMakingOrg.NGO,
    "LawEnforcement": DecisionMakingOrg.POLICE,
    "CentralGovernmentOrganisation": DecisionMakingOrg.GOVERNMENT,
    "LocalGovernmentOrganisation": DecisionMakingOrg.GOVERNMENT,
    "ImmigrationService": DecisionMakingOrg.GOVERNMENT,
}


class ScreeningState(models.TextChoices):
    PENDING = "pending", _("Awaiting decision")
    DECIDED = "decided", _("Decided")


class DecisionKind(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed the indicators")
    OVERRIDDEN = "overridden", _("Decided differently from the indicators")
