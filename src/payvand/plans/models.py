"""Risk assessments and safety plans, support plans, reintegration plans and follow-up visits.

What stays in clear, and why: dates, risk levels, the "risk to life" flag, support types,
plan states and sustainability scores. They are codes and numbers that name nobody, and
referrals (risk to life always travels, TRM stage 1) and statistics need them. Every word
a caseworker writes about the survivor — the three risk descriptions, the safety plan,
objectives, actions, a supervisor's reason for returning a plan, reintegration goals and
visit notes — is sealed with the organisation's key in a `content`/`decision` column.
"""

import datetime as dt
import uuid
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from payvand.plans.vocab import (
    RISK_AREAS,
    RISK_RANK,
    SCORES,
    ItemStatus,
    PlanStatus,
    RiskLevel,
    SupportType,
    VisitMode,
)

EDITABLE_PLAN_STATES = frozenset({PlanStatus.DRAFT, PlanStatus.RETURNED})


def highest_level(levels) -> str:
    """The highest of ``levels``; "unknown" only when nothing is known."""
    return max(levels, key=lambda level: RISK_RANK[level], default=RiskLevel.UNKNOWN)


class RiskAssessment(models.Model):
    """One assessment at a date. Never edited: a new assessment is a new row (history)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="risk_assessments"
    )
    assessed_on = models.DateField(_("date of the assessment"))
    individual_level = models.CharField(
        _("individual risk"), max_length=8, choices=RiskLevel.choices
    )
    household_level = models.CharField(_("household risk"), max_length=8, choices=RiskLevel.choices)
    community_level = models.CharField(_("community risk"), max_length=8, choices=RiskLevel.choices)
    overall_level = models.CharField(_("overall risk"), max_length=8, choices=RiskLevel.choices)
    # In clear on purpose: it always travels with a referral and names nobody.
    risk_to_life = models.BooleanField(_("risk to life"), default=False)
    review_on = models.DateField(_("review the safety plan on"), null=True, blank=True)
    # Sealed JSON: individual, household, community (descriptions), safety_plan.
    content = models.BinaryField(null=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The form's one-time id: a second click records nothing more.
    submission_id = models.UUIDField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "-created_at", "-id"]
        indexes = [models.Index(fields=["case", "-assessed_on"], name="risk_case_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(review_on__isnull=True) | Q(review_on__gte=F("assessed_on")),
                name="risk_review_not_before_assessment",
            )
        ]
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")

    def __str__(self) -> str:
        return f"risk assessment {self.public_id}"

    @property
    def component_levels(self) -> list[str]:
        return [getattr(self, f"{area}_level") for area in RISK_AREAS]

    @property
    def highest_component(self) -> str:
        return highest_level(self.component_levels)

    @property
    def overall_raised(self) -> bool:
        """The assessor rated the whole higher than any one level."""
        return RISK_RANK[self.overall_level] > RISK_RANK[self.highest_component]

    def clean(self) -> None:
        errors = {}
        levels = [*self.component_levels, self.overall_level]
        if all(level in RISK_RANK for level in levels):
            floor = self.highest_component
            if RISK_RANK[self.overall_level] < RISK_RANK[floor]:
                errors["overall_level"] = _(
                    "The overall risk cannot be lower than the highest of the three "
                    "levels (%(level)s). Choose %(level)s or higher."
                ) % {"level": RiskLevel(floor).label}
        if self.assessed_on and self.assessed_on > timezone.localdate():
            errors["assessed_on"] = _("The date of the assessment cannot be in the future.")
        if self.assessed_on and self.review_on and self.review_on < self.assessed_on:
            errors["review_on"] = _("The review date cannot be before the assessment.")
        if errors:
            raise ValidationError(errors)


class SupportPlan(models.Model):
    """A versioned support plan (HTCDS `spl_`), approved by a supervisor before it holds.

    The states and the moves between them are in `plans.workflow`. Revising an approved
    plan starts the next version as a draft; the approved one stays as it was.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="support_plans")
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Sealed JSON {"reason": …}: why the supervisor returned it (about the survivor).
    decision = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="supportplan_case_version")
        ]
        verbose_name = _("support plan")
        verbose_name_plural = _("support plans")

    def __str__(self) -> str:
        return f"support plan {self.public_id} v{self.version}"

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE_PLAN_STATES


class SupportPlanItem(models.Model):
    """One line of a support plan: a type of support, what for, what to do, until when.

    HTCDS v2.0 `spl_`: Type = support_type, Objectives and ActionPlan = the sealed
    objectives and actions, PlannedEndDate = planned_end_on, ActualEndDate = actual_end_on.
    The start date is ours: an actual end is checked against it.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="items")
    support_type = models.CharField(
        _("type of support"), max_length=40, choices=SupportType.choices
    )
    start_on = models.DateField(_("start"))
    planned_end_on = models.DateField(_("planned end"))
    actual_end_on = models.DateField(_("actual end"), null=True, blank=True)
    # Sealed JSON: objectives, actions.
    content = models.BinaryField(null=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submission_id = models.UUIDField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end_on__gte=F("start_on")),
                name="supportitem_planned_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(actual_end_on__isnull=True) | Q(actual_end_on__gte=F("start_on")),
                name="supportitem_actual_end_not_before_start",
            ),
        ]
        verbose_name = _("support plan item")
        verbose_name_plural = _("support plan items")

    def __str__(self) -> str:
        return f"support plan item {self.public_id}"

    @property
    def case(self):
        """The case it belongs to (audit rows are filed under it)."""
        return self.plan.case

    def status_on(self, today: dt.date) -> str:
        if self.actual_end_on is not None:
            return ItemStatus.DONE
        if self.planned_end_on < today:
            return ItemStatus.OVERDUE
        return ItemStatus.OPEN

    @property
    def status(self) -> str:
        return self.status_on(timezone.localdate())

    def get_status_display(self) -> str:
        return ItemStatus(self.status).label

    def clean(self) -> None:
        errors = {}
        if self.start_on and self.planned_end_on and self.planned_end_on < self.start_on:
            errors["planned_end_on"] = _("The planned end cannot be before the start.")
        if self.actual_end_on is not None:
            if self.start_on and self.actual_end_on < self.start_on:
                errors["actual_end_on"] = _("The actual end cannot be before the start.")
            elif self.actual_end_on > timezone.localdate():
                errors["actual_end_on"] = _("The actual end cannot be in the future.")
        if errors:
            raise ValidationError(errors)


class ReintegrationPlan(models.Model):
    """The agreed reintegration goals of a case (IOM: within about a month of return)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="reintegration_plan"
    )
    start_on = models.DateField(_("start of reintegration"))
    # Sealed JSON: goals.
    content = models.BinaryField(null=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reintegration plan")
        verbose_name_plural = _("reintegration plans")

    def __str__(self) -> str:
        return f"reintegration plan {self.public_id}"


def _score_field(label):
    return models.PositiveSmallIntegerField(
        label, validators=[MinValueValidator(SCORES[0]), MaxValueValidator(SCORES[-1])]
    )


class FollowUpVisit(models.Model):
    """A follow-up visit scoring sustainability on IOM's three dimensions (see vocab.ANCHORS)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(ReintegrationPlan, on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField(_("date of the visit"))
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("visited by"),
    )
    mode = models.CharField(_("how"), max_length=16, choices=VisitMode.choices)
    economic = _score_field(_("economic"))
    social = _score_field(_("social"))
    psychosocial = _score_field(_("psychosocial"))
    # Sealed JSON: notes.
    content = models.BinaryField(null=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submission_id = models.UUIDField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["visited_on", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(economic__gte=1, economic__lte=5)
                & Q(social__gte=1, social__lte=5)
                & Q(psychosocial__gte=1, psychosocial__lte=5),
                name="followup_scores_1_to_5",
            )
        ]
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")

    def __str__(self) -> str:
        return f"follow-up visit {self.public_id}"

    @property
    def case(self):
        return self.plan.case

    @property
    def overall(self) -> Decimal:
        """The mean of the three scores, to one decimal (half up: 3.25 → 3.3)."""
        mean = Decimal(self.economic + self.social + self.psychosocial) / 3
        return mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def clean(self) -> None:
        errors = {}
        if self.visited_on and self.visited_on > timezone.localdate():
            errors["visited_on"] = _("The date of the visit cannot be in the future.")
        elif self.visited_on and self.plan_id and self.visited_on < self.plan.start_on:
            errors["visited_on"] = _("The visit cannot be before the reintegration plan started.")
        if errors:
            raise ValidationError(errors)
