"""Picklists of risk, support and reintegration plans. Codes stay in clear; labels translate.

Support plan types are HTCDS v2.0 `spl_Type` value names. Risk levels follow HTCDS's
"Assessment & Planning" section (individual, household and community risk), which names
the three levels but ships no picklist: low / medium / high / unknown is ours.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    UNKNOWN = "unknown", _("Unknown")


# "Unknown" sets no floor: an assessor who knows one level may rate the whole higher.
RISK_RANK = {RiskLevel.UNKNOWN: 0, RiskLevel.LOW: 1, RiskLevel.MEDIUM: 2, RiskLevel.HIGH: 3}

# The three levels HTCDS assesses, in the order the forms and pages show them.
RISK_AREAS = ("individual", "household", "community")


class SupportType(models.TextChoices):
    """HTCDS v2.0 Support Plan `spl_Type`."""

    EDUCATION = "Education", _("Education")
    FINANCIAL = "Financial", _("Financial")
    HEALTH = "Health", _("Health")
    LABOUR_REHABILITATION = (
        "LabourExploitationRehabilitation",
        _("Rehabilitation after labour exploitation"),
    )
    LEGAL = "Legal", _("Legal")
    LIVELIHOOD = "Livelihood", _("Livelihood")
    RIGHTS_TRAINING = "RightsBasedTraining", _("Rights-based training")
    SEXUAL_REHABILITATION = (
        "SexualExploitationRehabilitation",
        _("Rehabilitation after sexual exploitation"),
    )
    SOCIAL_CARE = "SocialCare", _("Social care")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for changes")


class PlanAction(models.TextChoices):
    SUBMIT = "submit", _("Submit for approval")
    APPROVE = "approve", _("Approve")
    RETURN = "return", _("Return for changes")


class ItemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    OVERDUE = "overdue", _("Overdue")


class VisitMode(models.TextChoices):
    HOME = "home_visit", _("Home visit")
    PHONE = "phone", _("Phone call")
    OFFICE = "office", _("At the office")
    REMOTE_PARTNER = "remote_partner", _("By a partner organisation")


class Trend(models.TextChoices):
    IMPROVING = "improving", _("Improving")
    STABLE = "stable", _("Stable")
    WORSENING = "worsening", _("Worsening")


class Dimension(models.TextChoices):
    """IOM's three dimensions of sustainable reintegration (see ANCHORS)."""

    ECONOMIC = "economic", _("Economic")
    SOCIAL = "social", _("Social")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial")


SCORES = (1, 2, 3, 4, 5)

# What each score means, so that two caseworkers rate the same situation alike.
#
# The three dimensions come from IOM's integrated approach to reintegration (IOM,
# *Towards an Integrated Approach to Reintegration in the Context of Return*, 2017; IOM
# Reintegration Handbook, 2019, module 1): "sustainable reintegration is achieved when
# returnees have reached levels of economic self-sufficiency, social stability, and
# psychosocial well-being that make their further migration decisions a matter of
# choice, rather than necessity". IOM's dimensions: *economic* — a sustainable
# livelihood; *social* — access to public services and infrastructure (health,
# education, housing, justice, social protection); *psychosocial* — belonging to
# support networks (family, friends, neighbours) and well-being. IOM measures them with
# the Reintegration Sustainability Survey of its MEASURE project (with Samuel Hall).
# The 1–5 scale and these anchor texts are Payvand's simplification for a caseworker's
# follow-up visit, not IOM's survey or its weights; they await review by the
# programme's reintegration specialists.
ANCHORS: dict[str, dict[int, str]] = {
    Dimension.ECONOMIC: {
        1: _("No income or means of living; depends entirely on others or on aid."),
        2: _("Irregular income that does not cover basic needs; debts weigh heavily."),
        3: _("Some regular income or support; basic needs mostly met; debts manageable."),
        4: _("Stable income from work or a business; basic needs met; some savings."),
        5: _("Self-sufficient: a secure livelihood and able to cope with a setback."),
    },
    Dimension.SOCIAL: {
        1: _("No safe housing and no access to documents, health care, school or justice."),
        2: _("Unstable housing; access to essential services is rare or blocked."),
        3: _("Adequate housing; reaches the most essential services, with help."),
        4: _("Secure housing; uses the services she or he needs, mostly unaided."),
        5: _("Secure housing, documents and full access to services and social protection."),
    },
    Dimension.PSYCHOSOCIAL: {
        1: _("Severe distress; feels unsafe; isolated or rejected by family and community."),
        2: _("Frequent distress or fear; little support around her or him."),
        3: _("Copes with daily life with support; some people she or he can rely on."),
        4: _("Generally well; feels safe and accepted; needs support now and then."),
        5: _("Feels well, safe and part of the community; plans for the future here."),
    },
}
