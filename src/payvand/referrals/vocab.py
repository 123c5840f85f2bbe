"""Picklists of referrals. Codes are stable (stored, exported); labels are translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from payvand.directory.models import ServiceType


class Kind(models.TextChoices):
    REFERRAL = "referral", _("Referral (we keep the case)")
    TRANSFER = "transfer", _("Transfer (the case moves to them when they accept)")
    RETURN = "return", _("Return and reintegration hand-over")


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent, waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired without an answer")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed without completion")
    REVOKED = "revoked", _("Revoked by the sender")


OPEN_STATES = frozenset({State.SENT, State.ACCEPTED, State.IN_PROGRESS})
# While the receiver may see the shared sections.
RECEIVER_SEES = frozenset({State.SENT, State.ACCEPTED, State.IN_PROGRESS, State.COMPLETED})


class Section(models.TextChoices):
    """What may travel with a referral (the sharing profile)."""

    IDENTITY = "identity", _("Identity (names, birth date, gender, citizenship)")
    CONTACTS = "contacts", _("Contacts and address")
    WHAT_HAPPENED = "what_happened", _("What happened (exploitation, route)")
    SCREENING = "screening", _("Screening result")
    RISK = "risk", _("Risk assessment and safety plan")
    SUPPORT = "support", _("Support plan and assistance history")
    REINTEGRATION = "reintegration", _("Reintegration goals")
    MEDICAL = "medical", _("Medical information")


# The services a referral asks for are the directory's service types (DOMAIN.md §5), so a
# request and the services an organisation publishes speak the same codes.
RequestedService = ServiceType


class DeclineReason(models.TextChoices):
    NO_CAPACITY = "NoCapacity", _("No capacity now")
    NOT_ELIGIBLE = "NotEligible", _("She or he is not eligible for our services")
    SERVICE_NOT_OFFERED = "ServiceNotOffered", _("We do not offer the service asked for")
    OUT_OF_AREA = "OutOfArea", _("Outside the area we serve")
    OTHER = "Other", _("Other")
