from django import forms
from django.utils.translation import gettext_lazy as _


class PanicRequestForm(forms.Form):
    drill = forms.BooleanField(
        label=_("Only a drill: report what would happen, destroy and lock nothing"),
        required=False,
    )
    confirm = forms.CharField(
        label=_("Type the organisation's short code to confirm"), max_length=8
    )
