"""Survivors and their cases. Identities are sealed (core/crypto.py); only codes are clear.

What stays in clear, and why: gender, birth year, citizenship and the province of
identification (search filters and the statistics issue need them, and none names a
person); the case number (a human reference). Names, the exact birth date, contacts,
addresses and document numbers exist only inside `Person.identity`, sealed with the
organisation's key, and as keyed tokens in `NameToken` for search.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from payvand.cases.vocab import BirthPrecision, CaseStatus, Gender, IdentificationSource


class Person(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="persons"
    )
    # Sealed JSON: given_name, family_name, father_name, other_names, birth_date,
    # phone, email, address, id_number, external_id.
    identity = models.BinaryField(null=True)
    gender = models.CharField(_("gender"), max_length=24, choices=Gender.choices)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    birth_precision = models.CharField(
        _("birth date precision"), max_length=10, choices=BirthPrecision.choices
    )
    # ISO alpha-2 codes between spaces (" AF TJ "), so that one portable
    # `contains " TJ "` filter works on SQLite and PostgreSQL alike.
    citizenship = models.CharField(_("citizenship"), max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return f"person {self.public_id}"

    @property
    def citizenship_codes(self) -> list[str]:
        return self.citizenship.split()

    @staticmethod
    def citizenship_value(codes: list[str]) -> str:
        return f" {' '.join(sorted(set(codes)))} " if codes else ""


class NameToken(models.Model):
    """A keyed token of one normalised name form (blind index): no name, no plain hash."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name_tokens")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE)
    field = models.CharField(max_length=8)
    kind = models.CharField(max_length=1)
    token = models.CharField(max_length=32)

    class Meta:
        # Covering: a name search reads (field, token, person) from the index alone, not
        # one table row per matching token (27,000 rows for a common name at 100k cases).
        indexes = [
            models.Index(
                fields=["organisation", "field", "token", "person"], name="nametoken_lookup"
            )
        ]

    def __str__(self) -> str:
        return f"{self.field}/{self.kind} token of {self.person_id}"


class CaseSequence(models.Model):
    """The last case number issued per organisation and year."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="casesequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.year}: {self.last}"


class Case(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("case number"), max_length=32, unique=True)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="cases"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.ACTIVE
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_cases",
        verbose_name=_("caseworker responsible"),
    )
    assigned = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="assigned_cases", blank=True
    )
    identification_source = models.CharField(
        _("how she or he was identified"), max_length=20, choices=IdentificationSource.choices
    )
    identified_on = models.DateField(_("date of identification"))
    province = models.CharField(_("province of identification"), max_length=8, blank=True)
    # A caseworker asked to close; a supervisor approves or returns it (workflow.py).
    closure_pending = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The form's one-time id, so that a second click does not register twice.
    submission_id = models.UUIDField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-identified_on", "-id"]
        indexes = [
            models.Index(fields=["organisation", "status"], name="case_org_status"),
            # The list's order, so that page 500 needs no sort of the whole organisation.
            models.Index(
                fields=["organisation", "-identified_on", "-id"], name="case_org_identified"
            ),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return self.number


class StatusChange(models.Model):
    """One step of a case's workflow (workflow.py), with its reason; the note is sealed."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_changes")
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=16)
    to_status = models.CharField(max_length=16)
    reason = models.CharField(max_length=24, blank=True)
    note = models.BinaryField(null=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} on {self.case_id}"
