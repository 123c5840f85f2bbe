"""Picklists. Codes are HTCDS v2.0 value names where HTCDS has them; labels are translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    FEMININE = "Feminine", _("Female")
    MASCULINE = "Masculine", _("Male")
    TRANS_FEMININE = "TransgenderFeminine", _("Transgender woman")
    TRANS_MASCULINE = "TransgenderMasculine", _("Transgender man")
    NON_CONFORMING = "NonConforming", _("Gender non-conforming")
    UNKNOWN = "NonSpecifiedUnknown", _("Not specified or unknown")


class CaseStatus(models.TextChoices):
    ACTIVE = "Active", _("Active")
    FOLLOW_UP = "FollowUp", _("Follow-up")
    CLOSED = "Closed", _("Closed")
    CLOSED_REFERRED = "ClosedReferred", _("Closed, referred on")


class IdentificationSource(models.TextChoices):
    OUTREACH = "Outreach", _("Outreach")
    HOTLINE = "Hotline", _("Hotline")
    BORDER = "Border", _("Border crossing")
    SHELTER = "Shelter", _("Shelter")
    POLICE = "Police", _("Police")
    SELF = "SelfIdentified", _("Came forward herself or himself")
    REFERRAL = "Referral", _("Referral from another organisation")


class BirthPrecision(models.TextChoices):
    EXACT = "exact", _("Exact date")
    YEAR = "year", _("Year only")
    ESTIMATED = "estimated", _("Estimated age")
    UNKNOWN = "unknown", _("Unknown")


class ClosureReason(models.TextChoices):
    SERVICES_COMPLETED = "ServicesCompleted", _("Assistance completed, goals reached")
    SURVIVOR_WITHDREW = "SurvivorWithdrew", _("She or he no longer wants assistance")
    LOST_CONTACT = "LostContact", _("Contact lost")
    RELOCATED = "Relocated", _("Moved away from the area we serve")
    REFERRED_ON = "ReferredOn", _("Referred on to another organisation")
    DECEASED = "Deceased", _("Deceased")
    OTHER = "Other", _("Other")


class ErasureReason(models.TextChoices):
    """Why a survivor's personal data was erased (cases/erasure.py)."""

    SURVIVOR_REQUEST = "SurvivorRequest", _("She or he asked for it")
    GUARDIAN_REQUEST = "GuardianRequest", _("Her or his guardian asked for it")
    RECORDED_IN_ERROR = "RecordedInError", _("Recorded in error")
    RETENTION = "Retention", _("Its retention period ended")  # by the system only
