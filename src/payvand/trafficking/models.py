"""What happened to the survivor: victim context, perpetrators and trafficking events.

What stays in clear, and why: picklist codes (status, recruitment, control, exploitation,
industry, migration status, roles, event types), countries, ISO 3166-2 provinces and
dates. They name nobody, and the regional statistics (CTDC crosswalk, DOMAIN.md §4) and
referrals need them. Sealed with the organisation's key: the survivor's account in her
own words, and everything written about a perpetrator or a place — a perpetrator's name
or a village can identify the survivor as surely as her own name.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from payvand.core.fields import CodeListField
from payvand.screening.vocab import DecisionMakingOrg, TraffickingStatus
from payvand.trafficking.vocab import (
    ControlMethod,
    DatePrecision,
    EventType,
    ExploitationType,
    Industry,
    MigrationStatus,
    OnlinePlatform,
    PerpetratorGender,
    PerpetratorRole,
    RecruiterRelation,
    RecruitmentMethod,
    RelationshipToTrafficker,
    SexExploitationType,
)


class VictimContext(models.Model):
    """One per case (HTCDS `vic_`), edited in place; every change is an audit row."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="victim_context"
    )
    trafficking_status = models.CharField(
        _("trafficking status"), max_length=32, choices=TraffickingStatus.choices, blank=True
    )
    status_decided_by = models.CharField(
        _("status decided by (type of organisation)"),
        max_length=40,
        choices=DecisionMakingOrg.choices,
        blank=True,
    )
    # The decided screening the status was copied from; empty when set by hand.
    status_screening = models.ForeignKey(
        "screening.Screening",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    relationship_to_trafficker = models.CharField(
        _("relationship to the trafficker"),
        max_length=16,
        choices=RelationshipToTrafficker.choices,
        blank=True,
    )
    recruiter_relations = CodeListField(_("the recruiter was"), codes=RecruiterRelation)
    age_when_trafficked = models.PositiveSmallIntegerField(
        _("age when trafficked"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    recruitment_methods = CodeListField(_("how she or he was recruited"), codes=RecruitmentMethod)
    recruitment_platforms = CodeListField(
        _("websites and apps used to recruit"), codes=OnlinePlatform
    )
    exploitation_platforms = CodeListField(
        _("websites and apps used to exploit"), codes=OnlinePlatform
    )
    control_methods = CodeListField(_("methods of control"), codes=ControlMethod)
    exploitation_types = CodeListField(_("types of exploitation"), codes=ExploitationType)
    industries = CodeListField(_("industries (ISIC)"), codes=Industry)
    sex_exploitation_types = CodeListField(
        _("types of sexual exploitation"), codes=SexExploitationType
    )
    migration_statuses = CodeListField(_("migration status"), codes=MigrationStatus)
    # Sealed JSON string: her account, in her words as the caseworker wrote it down.
    account = models.BinaryField(null=True, blank=True)
    # Raised by every change: a form opened in another tab cannot overwrite newer data.
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("victim context")
        verbose_name_plural = _("victim contexts")

    def __str__(self) -> str:
        return f"victim context of {self.case_id}"


class Perpetrator(models.Model):
    """Someone who took part (HTCDS `per_`). Only codes are clear; names are sealed."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="perpetrators")
    roles = CodeListField(_("role in the trafficking"), codes=PerpetratorRole)
    relation = models.CharField(
        _("relation to her or him"), max_length=16, choices=RecruiterRelation.choices
    )
    gender = models.CharField(_("gender"), max_length=24, choices=PerpetratorGender.choices)
    citizenship = models.CharField(_("citizenship"), max_length=2, blank=True)
    # Sealed JSON: name (or alias), details.
    details = models.BinaryField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submission_id = models.UUIDField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("perpetrator")
        verbose_name_plural = _("perpetrators")

    def __str__(self) -> str:
        return f"perpetrator {self.public_id}"


class TraffickingEvent(models.Model):
    """A step of the route (HTCDS `hte_`): where and when she or he was recruited,
    moved and exploited. The place name and the description are sealed."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="trafficking_events"
    )
    event_type = models.CharField(_("what happened"), max_length=16, choices=EventType.choices)
    country = models.CharField(_("country"), max_length=2)
    province = models.CharField(_("province or region"), max_length=8, blank=True)
    occurred_on = models.DateField(_("date"), null=True, blank=True)
    date_precision = models.CharField(
        _("how exact the date is"), max_length=5, choices=DatePrecision.choices, blank=True
    )
    ended_on = models.DateField(_("until"), null=True, blank=True)
    # Sealed JSON: place (town, village, address), description.
    details = models.BinaryField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submission_id = models.UUIDField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # Undated events last, in the order they were written down.
        ordering = [models.F("occurred_on").asc(nulls_last=True), "created_at", "id"]
        indexes = [models.Index(fields=["case", "event_type"], name="event_case_type")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(occurred_on__isnull=False, ended_on__gte=models.F("occurred_on")),
                name="event_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=models.Q(occurred_on__isnull=True, date_precision="")
                | models.Q(occurred_on__isnull=False) & ~models.Q(date_precision=""),
                name="event_date_has_precision",
            ),
        ]
        verbose_name = _("trafficking event")
        verbose_name_plural = _("trafficking events")

    def __str__(self) -> str:
        return f"{self.event_type} event {self.public_id}"
