from django import forms
from django.utils.translation import gettext_lazy as _

from payvand.core import countries
from payvand.core.widgets import FastSelect, FastSelectMultiple
from payvand.directory.models import Availability, Population, ServiceType, Weekday
from payvand.directory.services import ContactData, ServiceData

ANY = ("", "—")


def _regional_countries(extra=()) -> list[str]:
    """The programme and partner countries first, then any other one already in use."""
    codes = list(countries.PROGRAMME_COUNTRIES + countries.PARTNER_COUNTRIES)
    return codes + sorted({c for c in extra if c and c not in codes and countries.is_country(c)})


def subdivision_groups(country_codes) -> list:
    """Provinces grouped by country (<optgroup>s), for the countries given."""
    return [
        (countries.country_name(code), countries.subdivision_choices(code))
        for code in country_codes
        if countries.subdivision_choices(code)
    ]


def area_groups(country_codes) -> list:
    """Each country as a whole, then its provinces, grouped by country."""
    groups = []
    for code in country_codes:
        name = countries.country_name(code)
        whole = (code, _("%(country)s — the whole country") % {"country": name})
        groups.append((name, [whole, *countries.subdivision_choices(code)]))
    return groups


class ProfileForm(forms.Form):
    description = forms.CharField(
        label=_("About the organisation"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you do and for whom, in a few sentences. No names of people."),
    )


class LocationForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=200, help_text=_("For example: main office, women's shelter.")
    )
    address = forms.CharField(
        label=_("Address"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    city = forms.CharField(label=_("City or town"), required=False, max_length=120)
    country = forms.ChoiceField(label=_("Country"), widget=FastSelect)
    subdivision = forms.ChoiceField(
        label=_("Province or region"), required=False, widget=FastSelect
    )
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, max_digits=9, decimal_places=6
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, max_digits=9, decimal_places=6
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [ANY, *countries.country_choices()]
        chosen = self.data.get("country") if self.is_bound else self.initial.get("country")
        self.fields["subdivision"].choices = [
            ANY,
            *subdivision_groups(_regional_countries([chosen] if chosen else [])),
        ]
        for name in ("latitude", "longitude"):
            self.fields[name].widget.attrs.update({"dir": "ltr", "step": "any"})


class ServiceForm(forms.Form):
    name = forms.CharField(label=_("Name of the service"), max_length=200)
    service_type = forms.ChoiceField(
        label=_("Type of service"), choices=[ANY, *ServiceType.choices]
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the service gives, and how to get it."),
    )
    eligibility = forms.MultipleChoiceField(
        label=_("For whom"),
        required=False,
        choices=Population.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages the service is given in"),
        required=False,
        widget=FastSelectMultiple(attrs={"size": 8}),
    )
    areas = forms.MultipleChoiceField(
        label=_("Areas served"),
        widget=FastSelectMultiple(attrs={"size": 10}),
        help_text=_("Choose whole countries or single provinces; hold Ctrl to choose several."),
    )
    locations = forms.MultipleChoiceField(
        label=_("Where it is given"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Add offices and shelters under Locations first."),
    )
    availability = forms.ChoiceField(label=_("Availability now"), choices=Availability.choices)
    accepts_referrals = forms.BooleanField(label=_("Accepts referrals"), required=False)
    accepts_cross_border = forms.BooleanField(
        label=_("Accepts referrals from other countries"), required=False
    )
    hours_note = forms.CharField(
        label=_("Note on opening hours"),
        required=False,
        max_length=300,
        help_text=_("For example: open day and night; by appointment on Saturdays."),
    )
    url = forms.URLField(label=_("Web page"), required=False, assume_scheme="https")
    email = forms.EmailField(label=_("E-mail"), required=False)
    is_published = forms.BooleanField(
        label=_("Shown in the public directory"),
        required=False,
        help_text=_("Untick to hide the service without deleting it."),
    )

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.location_objects = {str(loc.public_id): loc for loc in locations}
        self.fields["locations"].choices = [(str(loc.public_id), loc.name) for loc in locations]
        self.fields["languages"].choices = countries.language_choices()
        chosen = self.data.getlist("areas") if self.is_bound else self.initial.get("areas", [])
        self.fields["areas"].choices = area_groups(
            _regional_countries(code.split("-", 1)[0] for code in chosen)
        )
        for name in ("url", "email"):
            self.fields[name].widget.attrs["dir"] = "ltr"


class HoursForm(forms.Form):
    """Opening and closing time per weekday; a day left empty is closed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day, label in Weekday.choices:
            self.fields[f"{day}_opens"] = forms.TimeField(
                label=label,
                required=False,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )
            self.fields[f"{day}_closes"] = forms.TimeField(
                label=label,
                required=False,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )

    def rows(self):
        return [
            (label, self[f"{day}_opens"], self[f"{day}_closes"]) for day, label in Weekday.choices
        ]

    def clean(self):
        data = super().clean()
        for day, _label in Weekday.choices:
            opens, closes = data.get(f"{day}_opens"), data.get(f"{day}_closes")
            if (opens is None) != (closes is None):
                message = _("Give both times, or neither for a closed day.")
                self.add_error(f"{day}_closes", message)
            elif opens is not None and closes <= opens:
                message = _("The closing time must be after the opening time.")
                self.add_error(f"{day}_closes", message)
        return data

    def hours(self) -> dict:
        data = self.cleaned_data
        return {
            day: (data[f"{day}_opens"], data[f"{day}_closes"])
            for day, _label in Weekday.choices
            if data.get(f"{day}_opens") is not None and data.get(f"{day}_closes") is not None
        }


class ContactForm(forms.Form):
    department = forms.CharField(
        label=_("Desk or team"),
        required=False,
        max_length=120,
        help_text=_("For example: intake desk, hotline. Not a person's name."),
    )
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"dir": "ltr", "placeholder": "+93 20 210 0000"}),
    )
    email = forms.EmailField(
        label=_("E-mail"), required=False, widget=forms.EmailInput(attrs={"dir": "ltr"})
    )

    def clean_phone(self) -> str:
        from payvand.directory.services import e164
        from payvand.orgs.models import validate_e164

        phone = e164(self.cleaned_data.get("phone", ""))
        if phone:
            validate_e164(phone)
        return phone

    def clean(self):
        data = super().clean()
        missing = not (data.get("phone") or data.get("email"))
        if data.get("department") and missing and "phone" not in self.errors:
            self.add_error("phone", _("Give a phone number or an e-mail address."))
        return data

    def is_empty(self) -> bool:
        return not any(self.cleaned_data.get(k) for k in ("department", "phone", "email"))


ContactFormSet = forms.formset_factory(ContactForm, extra=2, max_num=10, validate_max=True)


def service_data(form: ServiceForm, hours: HoursForm, contacts) -> ServiceData:
    data = form.cleaned_data
    return ServiceData(
        name=data["name"],
        service_type=data["service_type"],
        description=data["description"],
        eligibility=list(data["eligibility"]),
        languages=list(data["languages"]),
        areas=list(data["areas"]),
        availability=data["availability"],
        accepts_referrals=data["accepts_referrals"],
        accepts_cross_border=data["accepts_cross_border"],
        hours_note=data["hours_note"],
        url=data["url"],
        email=data["email"],
        is_published=data["is_published"],
        locations=[form.location_objects[key] for key in data["locations"]],
        hours=hours.hours(),
        contacts=[
            ContactData(
                department=c.cleaned_data["department"],
                phone=c.cleaned_data["phone"],
                email=c.cleaned_data["email"],
            )
            for c in contacts
            if c.cleaned_data and not c.is_empty()
        ],
    )


class DirectorySearchForm(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=100)
    country = forms.ChoiceField(label=_("Country"), required=False, widget=FastSelect)
    subdivision = forms.ChoiceField(
        label=_("Province or region"), required=False, widget=FastSelect
    )
    service_type = forms.ChoiceField(
        label=_("Type of service"), required=False, choices=[ANY, *ServiceType.choices]
    )
    language = forms.ChoiceField(label=_("Language"), required=False, widget=FastSelect)
    population = forms.ChoiceField(
        label=_("For whom"), required=False, choices=[ANY, *Population.choices]
    )
    cross_border = forms.BooleanField(
        label=_("Only services that accept referrals from other countries"), required=False
    )

    def __init__(self, *args, country_codes, language_codes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [
            ANY,
            *sorted(
                ((c, countries.country_name(c)) for c in country_codes),
                key=lambda item: item[1].casefold(),
            ),
        ]
        self.fields["subdivision"].choices = [ANY, *subdivision_groups(country_codes)]
        self.fields["language"].choices = [
            ANY,
            *sorted(
                ((c, countries.language_name(c)) for c in language_codes),
                key=lambda item: item[1].casefold(),
            ),
        ]

    def clean(self):
        data = super().clean()
        country, subdivision = data.get("country"), data.get("subdivision")
        if country and subdivision and not subdivision.startswith(f"{country}-"):
            self.add_error(
                "subdivision", _("This province or region is not in the chosen country.")
            )
        return data
