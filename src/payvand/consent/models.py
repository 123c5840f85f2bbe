"""Informed consent, recorded per purpose and per recipient, and withdrawable.

What stays in clear, and why: the purpose, the recipient (an organisation or a
country code), who gave it (self or guardian, as a code), dates and how it was
recorded: the referrals and statistics issues must be able to ask "is this allowed?"
without opening anything sealed, and none of these names a person. The guardian's
name and relation, the note and the reason for withdrawal are free text about a
survivor: they exist only sealed with the case organisation's key.

A scan of the signed form is attached to the case as an attachment of the category
"Signed consent form" (attachments app), sealed like every file.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from payvand.core import countries


class Purpose(models.TextChoices):
    SERVICES = "services", _("Services")
    SHARING_ORG = "sharing_org", _("Sharing with a named organisation")
    SHARING_COUNTRY = "sharing_country", _("Sharing with organisations of a country")
    STATISTICS = "statistics", _("Statistics")
    FAMILY_CONTACT = "family_contact", _("Contact with the family")
    MEDICAL = "medical", _("Medical data")


SHARING_PURPOSES = frozenset({Purpose.SHARING_ORG, Purpose.SHARING_COUNTRY})


class GivenBy(models.TextChoices):
    SELF = "self", _("The person herself or himself")
    GUARDIAN = "guardian", _("A parent or guardian")


class RecordedHow(models.TextChoices):
    WRITTEN_SIGNED = "written_signed", _("Written and signed")
    ORAL_WITNESSED = "oral_witnessed", _("Oral, before a witness")
    THUMBPRINT = "thumbprint", _("Thumbprint")
    ELECTRONIC = "electronic", _("Electronic")


class ConsentStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    WITHDRAWN = "withdrawn", _("withdrawn")


# The one transition table: consent given can be withdrawn, once; a new consent is a
# new record (the withdrawn one stays as evidence of what was allowed when).
TRANSITIONS: dict[str, frozenset[str]] = {
    ConsentStatus.ACTIVE: frozenset({ConsentStatus.WITHDRAWN}),
    ConsentStatus.WITHDRAWN: frozenset(),
}


class Consent(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    recipient_org = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents_received",
        verbose_name=_("recipient organisation"),
    )
    # ISO 3166-1 alpha-2, for sharing with the organisations of one country.
    recipient_country = models.CharField(
        _("recipient country"), max_length=2, blank=True, default=""
    )
    given_by = models.CharField(
        _("given by"), max_length=10, choices=GivenBy.choices, default=GivenBy.SELF
    )
    # Sealed JSON {"name": …, "relation": …} when a guardian gave it, else NULL.
    guardian = models.BinaryField(null=True, blank=True)
    given_on = models.DateField(_("date given"))
    recorded_how = models.CharField(
        _("how it was recorded"), max_length=20, choices=RecordedHow.choices
    )
    # Sealed JSON string, NULL when there is none.
    note = models.BinaryField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consents_recorded"
    )
    withdrawn_on = models.DateField(_("date withdrawn"), null=True, blank=True)
    # Sealed JSON string, NULL when none was given.
    withdrawal_reason = models.BinaryField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents_withdrawn",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-given_on", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [
            models.Index(fields=["case", "purpose"], name="consent_case_purpose"),
            # The statistics pages look up the consents to statistics withdrawn, each time
            # their tables are computed (stats.tables): a few among a million consents.
            models.Index(
                fields=["case"],
                condition=Q(purpose="statistics", withdrawn_on__isnull=False),
                name="consent_stats_withdrawn",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="consent_recipient_matches_purpose",
                condition=(
                    Q(purpose="sharing_org", recipient_org__isnull=False, recipient_country="")
                    | (
                        Q(purpose="sharing_country", recipient_org__isnull=True)
                        & ~Q(recipient_country="")
                    )
                    | (
                        ~Q(purpose__in=["sharing_org", "sharing_country"])
                        & Q(recipient_org__isnull=True, recipient_country="")
                    )
                ),
                violation_error_message=_("The recipient does not match the purpose."),
            ),
            models.CheckConstraint(
                name="consent_withdrawn_after_given",
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("given_on")),
                violation_error_message=_(
                    "The date of withdrawal cannot be before the date consent was given."
                ),
            ),
            # One active consent per case, purpose and recipient: a second click on
            # "Record" cannot make two. Two constraints, because NULLs never collide.
            models.UniqueConstraint(
                fields=["case", "recipient_org"],
                condition=Q(withdrawn_on__isnull=True, purpose="sharing_org"),
                name="consent_one_active_per_org",
                violation_error_message=_("This consent is already recorded and active."),
            ),
            models.UniqueConstraint(
                fields=["case", "purpose", "recipient_country"],
                condition=Q(withdrawn_on__isnull=True, recipient_org__isnull=True),
                name="consent_one_active_per_purpose",
                violation_error_message=_("This consent is already recorded and active."),
            ),
        ]

    def __str__(self) -> str:
        return f"consent {self.public_id} ({self.purpose})"

    @property
    def status(self) -> str:
        return ConsentStatus.WITHDRAWN if self.withdrawn_on else ConsentStatus.ACTIVE

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None

    @property
    def recipient_country_name(self) -> str:
        return countries.country_name(self.recipient_country) if self.recipient_country else ""

    def clean(self) -> None:
        errors: dict[str, str] = {}
        today = timezone.localdate()
        if self.purpose == Purpose.SHARING_ORG:
            if self.recipient_org_id is None:
                errors["recipient_org"] = _(
                    "Choose the organisation she or he agreed to share with."
                )
            elif (
                self._state.adding
                and self.case_id
                and self.recipient_org_id == self.case.organisation_id
            ):
                # Only when recording it: after a transfer to that very organisation the
                # survivor must still be able to withdraw it.
                errors["recipient_org"] = _(
                    "Choose another organisation: your own does not need a sharing consent."
                )
            if self.recipient_country:
                errors["recipient_country"] = _(
                    "Leave the country empty when sharing with a named organisation."
                )
        elif self.purpose == Purpose.SHARING_COUNTRY:
            if not self.recipient_country:
                errors["recipient_country"] = _(
                    "Choose the country she or he agreed to share with."
                )
            elif not countries.is_country(self.recipient_country):
                errors["recipient_country"] = _("Unknown country code %(code)s.") % {
                    "code": self.recipient_country
                }
            if self.recipient_org_id is not None:
                errors["recipient_org"] = _(
                    "Leave the organisation empty when sharing with a whole country."
                )
        else:
            if self.recipient_org_id is not None:
                errors["recipient_org"] = _("Only a sharing consent names an organisation.")
            if self.recipient_country:
                errors["recipient_country"] = _("Only a sharing consent names a country.")
        if self.given_on and self.given_on > today:
            errors["given_on"] = _("The date consent was given cannot be in the future.")
        if self.withdrawn_on:
            if self.withdrawn_on > today:
                errors["withdrawn_on"] = _("The date of withdrawal cannot be in the future.")
            elif self.given_on and self.withdrawn_on < self.given_on:
                errors["withdrawn_on"] = _(
                    "The date of withdrawal cannot be before the date consent was given."
                )
        if errors:
            raise ValidationError(errors)
