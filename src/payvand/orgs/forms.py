import phonenumbers
from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from payvand.core import countries
from payvand.core.forms import refuse_control_characters
from payvand.core.languages import LANGUAGES
from payvand.core.widgets import FastSelect, FastSelectMultiple
from payvand.orgs.models import Organisation


class OrganisationForm(forms.ModelForm):
    country = forms.ChoiceField(label=_("Country"), widget=FastSelect)
    subdivision = forms.ChoiceField(label=_("Province or region"), required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    languages = forms.MultipleChoiceField(
        label=_("Languages the staff speak"),
        required=False,
        widget=FastSelectMultiple(attrs={"size": 6}),
    )

    class Meta:
        model = Organisation
        fields = [
            "name",
            "code",
            "org_type",
            "country",
            "subdivision",
            "address",
            "phone",
            "email",
            "website",
            "languages",
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "phone": forms.TextInput(attrs={"placeholder": "+992 37 221 0000", "dir": "ltr"}),
            "email": forms.EmailInput(attrs={"dir": "ltr"}),
            "website": forms.URLInput(attrs={"dir": "ltr"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "—"), *countries.country_choices()]
        self.fields["languages"].choices = countries.language_choices()
        country = self.data.get("country") if self.is_bound else self.instance.country
        self.fields["subdivision"].choices = [("", "—")] + (
            countries.subdivision_choices(country) if country else []
        )
        self.fields["country"].widget.attrs.update(
            {
                "hx-get": reverse("orgs:subdivisions"),
                "hx-target": "#id_subdivision",
                "hx-trigger": "change",
                "hx-swap": "innerHTML",
            }
        )
        if self.instance.pk:
            # The short code is in every case number already issued.
            self.fields["code"].disabled = True
        for field in ("name", "code"):
            self.fields[field].widget.attrs["autocomplete"] = "off"
        self.fields["name"].validators.append(refuse_control_characters)

    def clean_code(self) -> str:
        return (self.cleaned_data.get("code") or "").upper()

    def clean_phone(self) -> str:
        """A number in international form is kept as typed; one typed as staff write it
        locally (the organisation's country, any script's digits, spaces, brackets) is put
        in international form. The model's check names anything else."""
        text = (self.cleaned_data.get("phone") or "").strip()
        if not text or text.startswith("+"):
            return text
        try:
            number = phonenumbers.parse(text, self.cleaned_data.get("country") or None)
        except phonenumbers.NumberParseException:
            return text
        if not phonenumbers.is_valid_number(number):
            return text
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class OrganisationCreateForm(OrganisationForm):
    admin_full_name = forms.CharField(
        label=_("First admin's full name"), max_length=150, validators=[refuse_control_characters]
    )
    admin_email = forms.EmailField(label=_("First admin's e-mail"))
    admin_language = forms.ChoiceField(label=_("First admin's language"), choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["admin_language"].choices = LANGUAGES
