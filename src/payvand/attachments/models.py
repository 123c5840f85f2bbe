"""Files attached to a case: identity documents, signed consent forms, medical and legal
papers, photos.

What stays in clear, and why: the category, the detected file type, the size and dates —
they name nobody. Sealed with the organisation's key: the file itself (in a file under
``ATTACHMENTS_DIR``, never in a folder a web server serves) and its metadata (the file
name people gave it, which often holds a name, and a description).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    IDENTITY_DOCUMENT = "IdentityDocument", _("Identity or travel document")
    CONSENT_FORM = "ConsentForm", _("Signed consent form")
    MEDICAL = "Medical", _("Medical record")
    LEGAL = "Legal", _("Legal or court paper")
    PHOTO = "Photo", _("Photo")
    CORRESPONDENCE = "Correspondence", _("Letter or message")
    OTHER = "Other", _("Other")


class Attachment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="attachments")
    category = models.CharField(_("what it is"), max_length=20, choices=Category.choices)
    file_type = models.CharField(_("file type"), max_length=8)
    size = models.PositiveIntegerField(_("size in bytes"))
    # Sealed JSON: filename, description.
    meta = models.BinaryField(null=True)
    # The sealed file's name under ATTACHMENTS_DIR/<organisation public id>/; a new
    # name each time it is re-sealed (key rotation), so a failed rotation loses nothing.
    stored_name = models.CharField(max_length=80)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submission_id = models.UUIDField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return f"attachment {self.public_id}"
