"""Encodings for duplicate detection, kept apart from cases, and who takes part.

An ``Encoding`` is the balanced, permuted Bloom filter of one person (encoding.py): no
name, no hash of a name, no birth date. What else the row says, and why: the organisation
and its country (a match is reported as "an organisation in Tajikistan"), the person it
belongs to (so that erasure and withdrawal can drop it) and the encoder version (encodings
of different versions are never compared).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Basis(models.TextChoices):
    CONSENT = "consent", _("Only survivors who consented to sharing")
    LAWFUL_BASIS = "lawful_basis", _("Every survivor (the organisation has a lawful basis)")


class LinkageParticipation(models.Model):
    """Whether an organisation's survivors take part in duplicate detection, and on what basis.

    ``consent``: a person takes part only while a case of hers has an active consent for
    sharing with the organisation that asks (or with its country). ``lawful_basis``: the
    organisation declares a lawful basis (a legal mandate, vital interests) for every case.
    """

    organisation = models.OneToOneField(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="linkage_participation"
    )
    enabled = models.BooleanField(_("takes part in duplicate detection"), default=False)
    basis = models.CharField(
        _("basis"), max_length=16, choices=Basis.choices, default=Basis.CONSENT
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    def __str__(self) -> str:
        return f"linkage of {self.organisation_id}: {(self.enabled and self.basis) or 'off'}"


class Encoding(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="linkage_encodings"
    )
    person = models.OneToOneField(
        "cases.Person", on_delete=models.CASCADE, related_name="linkage_encoding"
    )
    country = models.CharField(max_length=2)
    bits = models.BinaryField()
    version = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)  # bits last written

    class Meta:
        indexes = [models.Index(fields=["version", "organisation"], name="encoding_version_org")]

    def __str__(self) -> str:
        return f"encoding of {self.person_id}"


class EncodingChange(models.Model):
    """An encoding written or deleted. services.py logs every one, in the transaction that
    made it, so that each process's in-memory store of encodings reads what changed instead
    of every encoding (selectors._Store). Kept for a day."""

    encoding_id = models.BigIntegerField()
    deleted = models.BooleanField(default=False)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"encoding {self.encoding_id} {'deleted' if self.deleted else 'written'}"


class SurvivorKey(models.Model):
    """Which survivor a person record is, across organisations: the privacy unit of statistics.

    Filled by the clustering job (``payvand linkage cluster``): every person in a cluster of
    strong cross-organisation matches gets the smallest person id of that cluster as ``key``.
    A person without a row is a survivor of her own, whose key is her own person id, so
    statistics count ``COALESCE(key, person_id)`` once. The key is an internal number: it
    is never shown, and it says nothing about which organisations hold the survivor.
    """

    person = models.OneToOneField(
        "cases.Person", on_delete=models.CASCADE, primary_key=True, related_name="survivor_key"
    )
    key = models.BigIntegerField(db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"survivor {self.key}: person {self.person_id}"


class ContactState(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    # The matched record moved to another organisation before an answer came.
    LAPSED = "lapsed", _("No longer applies: the record moved to another organisation")


class ContactRequest(models.Model):
    """A caseworker asks to be put in contact with the organisation that possibly knows her
    survivor. The asking side never learns which organisation or record matched until that
    organisation's supervisor accepts; neither side sees the other's data either way."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    from_case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    from_org = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="+")
    to_org = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="+")
    # The matched record in to_org: shown to to_org's supervisor only (it is theirs).
    to_person = models.ForeignKey("cases.Person", on_delete=models.CASCADE, related_name="+")
    strength = models.CharField(max_length=10)
    state = models.CharField(
        max_length=10, choices=ContactState.choices, default=ContactState.PENDING
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    asked_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-asked_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_case", "to_person"], name="contact_once_per_match"
            )
        ]

    def __str__(self) -> str:
        return f"contact request {self.public_id}"
