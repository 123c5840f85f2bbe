from django import forms
from django.utils.translation import gettext_lazy as _

from payvand.attachments import services
from payvand.attachments.models import Category


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"), allow_empty_file=True)
    category = forms.ChoiceField(label=_("What it is"), choices=Category.choices)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=services.MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"dir": "auto", "rows": 3}),
        help_text=_("Stored encrypted, like the file."),
    )
    submission_id = forms.UUIDField(widget=forms.HiddenInput, required=False)
