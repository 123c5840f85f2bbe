"""Data-protection settings and actions of an organisation: how long closed cases are
kept, legal holds, and the emergency shredding ("panic") with its two-admin confirmation.

Kept here, keyed by organisation or case, rather than as fields of those models: they
belong to one capability and change with it."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProtectionPolicy(models.Model):
    organisation = models.OneToOneField(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="protection_policy"
    )
    # Closed cases are anonymised this many years after closure; None keeps them.
    retention_years = models.PositiveSmallIntegerField(
        _("years a closed case is kept"), null=True, blank=True
    )
    # A hold over the whole organisation (an inquiry, proceedings): nothing is anonymised.
    legal_hold = models.BooleanField(_("legal hold on the whole organisation"), default=False)
    legal_hold_reason = models.CharField(_("reason for the hold"), max_length=200, blank=True)
    # Emergency shredding without a second admin, this many minutes after it was asked
    # for (None: only a second admin can confirm it).
    panic_delay_minutes = models.PositiveIntegerField(
        _("minutes before an unconfirmed emergency shredding runs"), null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("data-protection policy")
        verbose_name_plural = _("data-protection policies")

    def __str__(self) -> str:
        return f"policy of {self.organisation_id}"


class LegalHold(models.Model):
    """A case that must not be anonymised whatever its age (proceedings, an inquiry)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="legal_hold")
    reason = models.CharField(_("reason"), max_length=200)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    placed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")

    def __str__(self) -> str:
        return f"hold on {self.case_id}"


class PanicState(models.TextChoices):
    PENDING = "pending", _("Waiting for a second admin")
    CANCELLED = "cancelled", _("Cancelled")
    DONE = "done", _("Done")


class PanicRequest(models.Model):
    """An organisation admin's emergency shredding (or its drill), confirmed by another
    admin of the same organisation or, when the organisation set a delay, by time."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="panic_requests"
    )
    drill = models.BooleanField(default=False)
    state = models.CharField(max_length=12, choices=PanicState.choices, default=PanicState.PENDING)
    # None: the server operator (`payvand panic drill`).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    # When it runs without a second admin (the organisation's delay), if ever.
    runs_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # What was done (or, in a drill, what would have been): counts only.
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(state="pending"),
                name="panic_one_pending_per_org",
            )
        ]
        verbose_name = _("emergency shredding")
        verbose_name_plural = _("emergency shreddings")

    def __str__(self) -> str:
        return f"{'drill' if self.drill else 'panic'} {self.public_id} ({self.state})"
