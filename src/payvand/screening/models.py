"""Screening with the ILO/EC operational indicators of trafficking.

The indicator catalogue is data, in versions: a screening points at the version it was
made with, so an old result can always be explained with the indicators and gradings
that produced it. Versions and their indicators are never changed once a screening
uses them; a correction is a new version.

In clear: indicator codes, answers (observed / not observed / unknown), dimension
results, statuses and dates — picklist values that name nobody. Sealed: the free-text
reason a caseworker gives for a decision.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from payvand.screening.vocab import (
    Answer,
    DecisionKind,
    DecisionMakingOrg,
    Dimension,
    ExploitationList,
    RuleResult,
    ScreeningState,
    Strength,
    TraffickingStatus,
)


class CatalogueVersion(models.Model):
    number = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    source_note = models.TextField(_("source"), blank=True, max_length=5000)
    sha256 = models.CharField(_("SHA-256 of the imported file"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # None: loaded by a migration or imported on the command line by the operator.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_current = models.BooleanField(_("current"), default=False)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=Q(is_current=True),
                name="screening_one_current_catalogue",
            )
        ]
        verbose_name = _("indicator catalogue version")
        verbose_name_plural = _("indicator catalogue versions")

    def __str__(self) -> str:
        return f"v{self.number} {self.title}"

    def save(self, *args, **kwargs):
        # Only the "current" flag may move once screenings rely on a version.
        update_fields = kwargs.get("update_fields")
        if self.pk and set(update_fields or ()) != {"is_current"} and self.is_used:
            raise ValidationError(
                gettext("Catalogue version %(n)s is used by screenings and cannot change.")
                % {"n": self.number}
            )
        super().save(*args, **kwargs)

    @property
    def is_used(self) -> bool:
        return self.pk is not None and self.screenings.exists()


class Indicator(models.Model):
    version = models.ForeignKey(
        CatalogueVersion, on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.CharField(_("code"), max_length=32)
    exploitation_list = models.CharField(_("list"), max_length=16, choices=ExploitationList.choices)
    dimension = models.CharField(_("dimension"), max_length=40, choices=Dimension.choices)
    strength = models.CharField(_("strength"), max_length=8, choices=Strength.choices)
    # English; shown through gettext (catalogue/labels.py marks the shipped ones).
    label = models.CharField(_("label"), max_length=300)
    needs_review = models.BooleanField(_("grading needs review"), default=False)
    order = models.PositiveIntegerField()

    class Meta:
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="indicator_code_per_version")
        ]
        indexes = [
            models.Index(fields=["version", "exploitation_list"], name="indicator_version_list")
        ]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValidationError(
                gettext("Indicators are never changed; import a new catalogue version.")
            )
        super().save(*args, **kwargs)

    @property
    def list(self) -> str:
        """The catalogue file's name for ``exploitation_list``."""
        return self.exploitation_list

    @property
    def label_display(self) -> str:
        return gettext(self.label)


class Screening(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="screenings")
    catalogue_version = models.ForeignKey(
        CatalogueVersion, on_delete=models.PROTECT, related_name="screenings"
    )
    exploitation_list = models.CharField(
        _("list used"), max_length=16, choices=ExploitationList.choices
    )
    screened_on = models.DateField(_("date of screening"))
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Computed by rules.evaluate when saved, kept so the result shown never drifts:
    # {dimension: {"result", "observed": [strong, medium, weak], "unknown": [...], "unverified"}}
    dimension_results = models.JSONField(default=dict)
    rule_result = models.CharField(_("decision rule"), max_length=10, choices=RuleResult.choices)
    suggested_status = models.CharField(
        _("presumptive status"), max_length=32, choices=TraffickingStatus.choices
    )
    relies_on_unverified = models.BooleanField(default=False)
    state = models.CharField(
        _("state"), max_length=10, choices=ScreeningState.choices, default=ScreeningState.PENDING
    )
    status = models.CharField(
        _("trafficking status"), max_length=32, choices=TraffickingStatus.choices, blank=True
    )
    decision_org_type = models.CharField(
        _("decided by (type of organisation)"),
        max_length=40,
        choices=DecisionMakingOrg.choices,
        blank=True,
    )
    decision = models.CharField(
        _("decision"), max_length=10, choices=DecisionKind.choices, blank=True
    )
    decision_reason = models.BinaryField(null=True, blank=True)  # sealed JSON string
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # One-time ids of the forms, so that a second click records nothing twice.
    submission_id = models.UUIDField(null=True, blank=True, unique=True)
    decision_submission_id = models.UUIDField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-screened_on", "-id"]
        indexes = [models.Index(fields=["case", "-screened_on"], name="screening_case_date")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(state=ScreeningState.PENDING, status="", decision="")
                    | (
                        Q(state=ScreeningState.DECIDED)
                        & ~Q(status="")
                        & ~Q(decision="")
                        & ~Q(decision_org_type="")
                    )
                ),
                name="screening_decided_has_status",
            )
        ]
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")

    def __str__(self) -> str:
        return f"screening {self.public_id}"

    @property
    def is_decided(self) -> bool:
        return self.state == ScreeningState.DECIDED


class ScreeningAnswer(models.Model):
    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="answers")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(_("answer"), max_length=16, choices=Answer.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["screening", "indicator"], name="screeninganswer_once_per_indicator"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.answer}"
