"""Reference datasets (CTDC's public data), kept apart from the platform's cases.

One row is one CTDC record, normalised to the 2024 codebook's variables whatever file it
came from (the 2017 global dataset's detailed means of control are merged as CTDC
merged them). A flag is True, False or None (not recorded); an empty code is missing.
"""

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
