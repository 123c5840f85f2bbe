"""What was done for a survivor: the assistance log, case notes and tasks.

Free text (an outcome, a note, a task title) may name or describe the survivor, so it
exists only sealed with the case organisation's key (core/crypto.py); codes, dates,
amounts and who did what stay in clear for lists, counts and statistics.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AssistanceType(models.TextChoices):
    """PRODUCT.md, step 4; codes in HTCDS's CamelCase style."""

    LEGAL = "Legal", _("Legal")
    SOCIAL = "Social", _("Social")
    PSYCHOLOGICAL = "Psychological", _("Psychological")
    MEDICAL = "Medical", _("Medical")
    SHELTER = "Shelter", _("Shelter")
    EDUCATION = "Education", _("Education")
    LIVELIHOOD = "Livelihood", _("Livelihood")
    FINANCIAL = "Financial", _("Financial")
    FAMILY_TRACING = "FamilyTracing", _("Family tracing")
    RETURN_SUPPORT = "ReturnSupport", _("Return support")


class Currency(models.TextChoices):
    """ISO 4217 codes of the region, its main destinations and the dollar."""

    AFN = "AFN", _("Afghan afghani (AFN)")
    PKR = "PKR", _("Pakistani rupee (PKR)")
    TJS = "TJS", _("Tajik somoni (TJS)")
    TMT = "TMT", _("Turkmen manat (TMT)")
    UZS = "UZS", _("Uzbek som (UZS)")
    KZT = "KZT", _("Kazakh tenge (KZT)")
    TRY = "TRY", _("Turkish lira (TRY)")
    USD = "USD", _("US dollar (USD)")


class AssistanceEntry(models.Model):
    """One service delivered to the survivor of a case."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="assistance_entries"
    )
    assistance_type = models.CharField(_("type"), max_length=20, choices=AssistanceType.choices)
    delivered_on = models.DateField(_("date"))
    provider = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.PROTECT,
        related_name="assistance_provided",
        verbose_name=_("provider organisation"),
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assistance_delivered",
        verbose_name=_("staff member"),
    )
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, blank=True, default=""
    )
    # Sealed JSON string: what came of it.
    outcome = models.BinaryField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    # The form's one-time id, so that a second click does not record twice.
    submission_id = models.UUIDField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-delivered_on", "-id"]
        indexes = [models.Index(fields=["case", "-delivered_on"], name="assistance_case_date")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(amount__isnull=True) & Q(currency=""))
                | (Q(amount__isnull=False) & ~Q(currency="")),
                name="assistance_amount_has_currency",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0),
                name="assistance_amount_positive",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True) | Q(duration_minutes__gt=0),
                name="assistance_duration_positive",
            ),
        ]
        verbose_name = _("assistance entry")
        verbose_name_plural = _("assistance entries")

    def __str__(self) -> str:
        return f"{self.assistance_type} {self.delivered_on} ({self.public_id})"

    def clean(self) -> None:
        if self.amount is not None and not self.currency:
            raise ValidationError({"currency": _("Choose the currency of the amount.")})
        if self.currency and self.amount is None:
            raise ValidationError({"amount": _("Enter the amount, or leave the currency empty.")})


class CaseNote(models.Model):
    """A caseworker's note. Never deleted; its author may correct it for a day."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="case_notes",
        verbose_name=_("author"),
    )
    # Sealed JSON string.
    text = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    corrected_at = models.DateTimeField(null=True, blank=True)
    submission_id = models.UUIDField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["case", "-created_at"], name="casenote_case_created")]
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")

    def __str__(self) -> str:
        return f"note {self.public_id}"


class TaskState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class Task(models.Model):
    """Something to do on a case by a due date; done or open."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="tasks")
    # Sealed JSON string: a title may name the survivor.
    title = models.BinaryField(null=True, blank=True)
    due_on = models.DateField(_("due date"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("assigned to"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    submission_id = models.UUIDField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            # The overdue list: open tasks by due date.
            models.Index(
                fields=["due_on"], name="task_open_due", condition=Q(done_at__isnull=True)
            ),
            models.Index(fields=["case", "due_on"], name="task_case_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(done_at__isnull=True) & Q(done_by__isnull=True))
                | (Q(done_at__isnull=False) & Q(done_by__isnull=False)),
                name="task_done_has_who_and_when",
            ),
        ]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self) -> str:
        return f"task {self.public_id}"

    @property
    def state(self) -> str:
        return TaskState.DONE if self.done_at else TaskState.OPEN
