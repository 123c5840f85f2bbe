"""Referrals and transfers between organisations, with their history and messages.

What stays in clear, and why: the two organisations, kind, state, dates, the services
asked for, the sharing profile (section codes) and whether consent was overridden — they
name nobody, and lists, dashboards and the overdue alert need them. Sealed with the
sending organisation's key: every word written (the reason for referring, messages,
reasons for declining or closing, the override's justification, travel details).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from payvand.core.fields import CodeListField
from payvand.referrals.vocab import Kind, RequestedService, Section, State


class Referral(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="referrals")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    from_org = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="referrals_sent"
    )
    to_org = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.PROTECT,
        related_name="referrals_received",
        verbose_name=_("to"),
    )
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.DRAFT)
    services = CodeListField(_("services asked for"), codes=RequestedService)
    sections = CodeListField(_("what travels with it"), codes=Section)
    # Sent without the sharing consent, by someone allowed to, with a written reason.
    consent_overridden = models.BooleanField(default=False)
    answer_due = models.DateField(_("answer by"))
    completion_due = models.DateField(_("complete by"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Sealed JSON: reason (why referred), return (travel and arrival details).
    content = models.BinaryField(null=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    submission_id = models.UUIDField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["to_org", "state"], name="referral_to_state"),
            models.Index(fields=["from_org", "state"], name="referral_from_state"),
        ]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return f"referral {self.public_id}"

    @property
    def cross_border(self) -> bool:
        return self.from_org.country != self.to_org.country


class Transition(models.Model):
    """One step of a referral's life; the note (a reason) is sealed."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=12)
    from_state = models.CharField(max_length=12)
    to_state = models.CharField(max_length=12)
    reason = models.CharField(max_length=24, blank=True)
    note = models.BinaryField(null=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    submission_id = models.UUIDField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} on {self.referral_id}"


class Message(models.Model):
    """The thread between the two caseworkers of a referral (sealed text)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="messages")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_org = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    text = models.BinaryField(null=True)
    at = models.DateTimeField(auto_now_add=True)
    submission_id = models.UUIDField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"message {self.public_id}"


class Notification(models.Model):
    """An in-app notice to one person (the same is e-mailed in her or his language)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, null=True, related_name="notifications"
    )
    event = models.CharField(max_length=24)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.event} for {self.user_id}"
