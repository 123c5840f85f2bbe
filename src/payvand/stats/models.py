"""Reference datasets (CTDC's public data), kept apart from the platform's cases.

One row is one CTDC record, normalised to the 2024 codebook's variables whatever file it
came from (the 2017 global dataset's detailed means of control are merged as CTDC
merged them). A flag is True, False or None (not recorded); an empty code is missing.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from payvand.stats.vocab import LABOUR_SECTORS, MEANS_2024_COLUMNS, RECRUITER_RELATIONS, SEX_SECTORS


class ReferenceDataset(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    file_format = models.CharField(_("format"), max_length=16)
    rows = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return self.name


class CtdcRecord(models.Model):
    dataset = models.ForeignKey(ReferenceDataset, on_delete=models.CASCADE, related_name="records")
    year = models.PositiveSmallIntegerField()
    datasource = models.CharField(max_length=16, blank=True)
    gender = models.CharField(max_length=32, blank=True)
    age_band = models.CharField(max_length=8, blank=True)
    citizenship = models.CharField(max_length=2, blank=True)
    country_of_exploitation = models.CharField(max_length=2, blank=True)
    traffick_months = models.CharField(max_length=8, blank=True)
    is_forced_labour = models.BooleanField(null=True)
    is_sexual_exploit = models.BooleanField(null=True)
    is_other_exploit = models.BooleanField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["dataset", "year"], name="ctdc_dataset_year"),
            models.Index(fields=["dataset", "citizenship"], name="ctdc_dataset_citizenship"),
        ]

    def __str__(self) -> str:
        return f"CTDC record {self.pk}"


# The flags of the 2024 codebook beyond exploitation: one nullable column each.
FLAG_FIELDS = (
    *MEANS_2024_COLUMNS,
    *(f"labour_{s.lower()}" for s in LABOUR_SECTORS),
    *(f"sex_{s.lower()}" for s in SEX_SECTORS),
    *(f"recruiter_{r.lower()}" for r in RECRUITER_RELATIONS),
)
for _name in FLAG_FIELDS:
    CtdcRecord.add_to_class(_name, models.BooleanField(null=True))


class CaseFact(models.Model):
    """One case in CTDC's codes, as the regional tables count it (facts.py).

    A materialised copy, refreshed by `payvand stats refresh`, so that the dashboard and
    the one-million-case tables read one narrow table instead of five. ``survivor`` is
    the privacy unit (linkage's SurvivorKey, else the person); ``consented`` says whether
    consent to statistics was in force at the refresh, and the ranks order the
    survivor's records as the tables pick the one that represents her (facts.py). The
    pages count from their cube (``FactCube``) and ask the consent app for the
    withdrawals made since (tables.py).
    """

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("cases.Person", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    survivor = models.BigIntegerField()
    consented = models.BooleanField()
    consented_rank = models.PositiveIntegerField()  # 1 + consented: her record, regionally
    org_consented_rank = models.PositiveIntegerField()  # … within its organisation
    country = models.CharField(max_length=2)  # where she or he was identified (the org's)
    year = models.PositiveSmallIntegerField()
    gender = models.CharField(max_length=32, blank=True)
    age_band = models.CharField(max_length=8, blank=True)
    citizenship = models.CharField(max_length=2, blank=True)
    country_of_exploitation = models.CharField(max_length=2, blank=True)
    datasource = models.CharField(max_length=16, blank=True)
    forced_labour = models.BooleanField(default=False)
    sexual_exploit = models.BooleanField(default=False)
    other_exploit = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["year", "organisation"], name="casefact_year_org"),
            # A survivor's other records, when a withdrawal may have moved her.
            models.Index(fields=["survivor"], name="casefact_survivor"),
            # Which survivors the consents withdrawn concern (tables._moved_survivors),
            # regionally or within one organisation: one probe per consent withdrawn,
            # answered from the index alone.
            models.Index(
                fields=["case", "organisation", "survivor"],
                condition=models.Q(consented=True),
                name="casefact_consented_case",
            ),
        ]

    def __str__(self) -> str:
        return f"facts of case {self.case_id}"


# The fields of a fact that the tables group by or filter on: the cube's dimensions.
CUBE_DIMENSIONS = (
    "country", "year", "gender", "age_band", "citizenship", "country_of_exploitation",
    "datasource", "forced_labour", "sexual_exploit", "other_exploit",
)  # fmt: skip


class FactCube(models.Model):
    """How many survivors the materialised facts count, per combination of
    ``CUBE_DIMENSIONS`` that occurs: regionally (``organisation`` NULL: the facts with
    consent and ``consented_rank`` 1) and within each organisation (its facts with consent
    and ``org_consented_rank`` 1). Rewritten from the facts by each refresh, in its
    transaction (facts.facts_refresh), so it always adds up to them; a table is a SUM over
    it, corrected for the withdrawals of consent since (tables.withdrawal_delta).
    """

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, null=True, related_name="+",
        db_index=False,  # the index below starts with it
    )  # fmt: skip
    country = models.CharField(max_length=2)
    year = models.PositiveSmallIntegerField()
    gender = models.CharField(max_length=32, blank=True)
    age_band = models.CharField(max_length=8, blank=True)
    citizenship = models.CharField(max_length=2, blank=True)
    country_of_exploitation = models.CharField(max_length=2, blank=True)
    datasource = models.CharField(max_length=16, blank=True)
    forced_labour = models.BooleanField(default=False)
    sexual_exploit = models.BooleanField(default=False)
    other_exploit = models.BooleanField(default=False)
    n = models.PositiveIntegerField()  # survivors

    class Meta:
        indexes = [models.Index(fields=["organisation", "year"], name="factcube_org_year")]

    def __str__(self) -> str:
        return f"{self.n} survivors of {self.year}"


class FactsRefresh(models.Model):
    """When the facts were last rebuilt (one row)."""

    refreshed_at = models.DateTimeField()
    rows = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"facts refreshed at {self.refreshed_at}"


class ReleaseMode(models.TextChoices):
    EXACT = "exact", _("Exact, small cells withheld")
    NOISY = "noisy", _("Differentially private")


class Release(models.Model):
    """A published table: its spec, the figures as published and, when noisy, the ε spent.

    The register of releases is what keeps one table from being published both exactly
    and with noise (privacy.py).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mode = models.CharField(max_length=8, choices=ReleaseMode.choices)
    year = models.PositiveSmallIntegerField()
    fields = models.JSONField()  # the --by fields, in order
    filters = models.JSONField(default=dict)
    mechanism = models.CharField(max_length=40, blank=True)
    sensitivity = models.PositiveSmallIntegerField(default=0)
    scale = models.FloatField(null=True)
    epsilon = models.FloatField(default=0)
    k = models.PositiveSmallIntegerField(null=True)
    figures = models.JSONField()  # {"cells": [...], "totals": [...]} as published
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["year", "mode"], name="release_year_mode")]

    def __str__(self) -> str:
        return f"{self.mode} release {self.public_id}"


class PrivacyLedger(models.Model):
    """The ε spent on noisy releases of one year's survivors (privacy.py)."""

    year = models.PositiveSmallIntegerField(unique=True)
    spent = models.FloatField(default=0)
    releases = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["year"]

    def __str__(self) -> str:
        return f"ledger {self.year}: ε {self.spent} spent"
