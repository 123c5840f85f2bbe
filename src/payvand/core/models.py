"""The kernel's own data: the organisations' wrapped data keys."""

from django.db import models


class OrgKey(models.Model):
    """One version of an organisation's data key, wrapped by the master key.

    `retired_at`: no longer used to seal (a newer version exists) but still opens old
    blobs until rotation has re-sealed them. `destroyed_at`: crypto-shredded, `wrapped`
    is empty and nothing sealed under it can ever be read again.
    """

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="keys"
    )
    version = models.PositiveIntegerField()
    wrapped = models.BinaryField()
    master_key_id = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "version"], name="orgkey_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"key v{self.version} of organisation {self.organisation_id}"
