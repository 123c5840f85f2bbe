from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from payvand.cases.services import Identity, Registration
from payvand.cases.vocab import (
    BirthPrecision,
    CaseStatus,
    ErasureReason,
    Gender,
    IdentificationSource,
)
from payvand.core import countries
from payvand.core.dates import CalendarDateField, CalendarYearField
from payvand.core.widgets import FastSelect, FastSelectMultiple

NAME_ATTRS = {"autocomplete": "off", "dir": "auto", "spellcheck": "false"}


class CaseRegisterForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Organisation"))
    given_name = forms.CharField(label=_("Given name"), required=False, max_length=200,
                                 widget=forms.TextInput(attrs=NAME_ATTRS))  # fmt: skip
    family_name = forms.CharField(label=_("Family name"), required=False, max_length=200,
                                  widget=forms.TextInput(attrs=NAME_ATTRS))  # fmt: skip
    father_name = forms.CharField(label=_("Father's name"), required=False, max_length=200,
                                  widget=forms.TextInput(attrs=NAME_ATTRS))  # fmt: skip
    other_names = forms.CharField(
        label=_("Other names or spellings"), required=False, max_length=200,
        help_text=_("The same name in another script, a nickname, a former name."),
        widget=forms.TextInput(attrs=NAME_ATTRS),
    )  # fmt: skip
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices)
    birth_precision = forms.ChoiceField(
        label=_("What is known of the birth date"), choices=BirthPrecision.choices,
        widget=forms.RadioSelect, initial=BirthPrecision.ESTIMATED,
    )  # fmt: skip
    birth_date = CalendarDateField(label=_("Birth date"), required=False)
    birth_year = forms.IntegerField(label=_("Birth year"), required=False)
    estimated_age = forms.IntegerField(label=_("Estimated age (years)"), required=False)
    citizenship = forms.MultipleChoiceField(
        label=_("Citizenship"), required=False, widget=FastSelectMultiple(attrs={"size": 5})
    )
    identification_source = forms.ChoiceField(
        label=_("How was she or he identified?"), choices=IdentificationSource.choices
    )
    identified_on = CalendarDateField(label=_("Date of identification"))
    province = forms.ChoiceField(label=_("Province of identification"), required=False)
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "tel"}),
    )
    address = forms.CharField(label=_("Address"), required=False, max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    submission_id = forms.UUIDField(widget=forms.HiddenInput)
    confirm_new = forms.BooleanField(
        label=_("None of these is the same person: register a new case."), required=False
    )

    def __init__(self, *args, orgs, calendar, **kwargs):
        super().__init__(*args, **kwargs)
        self.orgs = {str(o.public_id): o for o in orgs}
        self.fields["organisation"].choices = [(k, o.name) for k, o in self.orgs.items()]
        if len(self.orgs) == 1:
            self.fields["organisation"].widget = forms.HiddenInput()
            self.fields["organisation"].initial = next(iter(self.orgs))
        for name in ("birth_date", "identified_on"):
            label, required = self.fields[name].label, self.fields[name].required
            self.fields[name] = CalendarDateField(label=label, required=required, calendar=calendar)
        self.fields["birth_year"] = CalendarYearField(
            label=self.fields["birth_year"].label, required=False, calendar=calendar
        )
        self.fields["identified_on"].initial = timezone.localdate()
        self.fields["citizenship"].choices = countries.country_choices()
        org = self._org_from_data()
        self.fields["province"].choices = [("", "—")] + (
            countries.subdivision_choices(org.country) if org else []
        )

    def _org_from_data(self):
        key = (
            self.data.get("organisation") if self.is_bound else self.fields["organisation"].initial
        )
        return self.orgs.get(key or "") or (next(iter(self.orgs.values())) if self.orgs else None)

    @property
    def org(self):
        return self.orgs[self.cleaned_data["organisation"]]

    def registration(self) -> Registration:
        d = self.cleaned_data
        return Registration(
            identity=Identity(
                given_name=d["given_name"].strip(),
                family_name=d["family_name"].strip(),
                father_name=d["father_name"].strip(),
                other_names=d["other_names"].strip(),
                birth_date=d["birth_date"],
                phone=d["phone"].strip(),
                address=d["address"].strip(),
            ),
            gender=d["gender"],
            birth_precision=d["birth_precision"],
            birth_year=d["birth_year"],
            estimated_age=d["estimated_age"],
            citizenship=d["citizenship"],
            identification_source=d["identification_source"],
            identified_on=d["identified_on"],
            province=d["province"],
        )


class CaseSearchForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs=NAME_ATTRS | {"type": "search"}),
    )
    father_name = forms.CharField(label=_("Father's name"), required=False, max_length=200,
                                  widget=forms.TextInput(attrs=NAME_ATTRS))  # fmt: skip
    number = forms.CharField(label=_("Case number"), required=False, max_length=32,
                             widget=forms.TextInput(attrs={"dir": "ltr"}))  # fmt: skip
    birth_year_from = forms.IntegerField(label=_("Born from (year)"), required=False,
                                         min_value=1900, max_value=2100)  # fmt: skip
    birth_year_to = forms.IntegerField(label=_("Born until (year)"), required=False,
                                       min_value=1900, max_value=2100)  # fmt: skip
    gender = forms.ChoiceField(label=_("Gender"), required=False,
                               choices=[("", "—"), *Gender.choices])  # fmt: skip
    citizenship = forms.ChoiceField(label=_("Citizenship"), required=False, widget=FastSelect)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", "—"), *CaseStatus.choices])  # fmt: skip
    waiting = forms.ChoiceField(
        label=_("Waiting for a supervisor"),
        required=False,
        choices=[
            ("", "—"),
            ("closure", _("Closure to approve")),
            ("plan", _("Support plan to approve")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A callable: the 250 countries are listed only when the field is rendered or its
        # value checked, not each time the list page makes the form.
        self.fields["citizenship"].choices = _citizenship_choices


def _citizenship_choices() -> list[tuple[str, str]]:
    return [("", "—"), *countries.country_choices()]


class CaseAssignForm(forms.Form):
    owner = forms.ChoiceField(label=_("Caseworker responsible"))
    assigned = forms.MultipleChoiceField(
        label=_("Also working on the case"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(u.public_id), u.full_name or u.email) for u in staff]
        self.fields["owner"].choices = choices
        self.fields["assigned"].choices = choices
        if self.initial:
            self.initial = {
                "owner": str(self.initial.get("owner", "")),
                "assigned": [str(v) for v in self.initial.get("assigned", [])],
            }


class CaseImportForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Organisation"))
    owner = forms.ChoiceField(label=_("Caseworker responsible for the imported cases"))
    calendar = forms.ChoiceField(
        label=_("Calendar of the dates in the file"),
        choices=[("gregorian", _("Gregorian")), ("solar_hijri", _("Solar Hijri (Afghan)"))],
    )
    file = forms.FileField(
        label=_("Spreadsheet (.csv or .xlsx)"),
        help_text=_(
            "At most 20 MB. Use the template: every row is checked before anything is saved."
        ),
    )

    def __init__(self, *args, orgs, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.orgs = {str(o.public_id): o for o in orgs}
        self.staff = {str(u.public_id): u for u in staff}
        self.fields["organisation"].choices = [(k, o.name) for k, o in self.orgs.items()]
        self.fields["owner"].choices = [(k, u.full_name or u.email) for k, u in self.staff.items()]
        self.fields["file"].widget.attrs["accept"] = ".csv,.xlsx"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 20 MB; split it."))
        return upload


class CaseEraseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why"),
        choices=[c for c in ErasureReason.choices if c[0] != ErasureReason.RETENTION],
    )
    confirm = forms.CharField(
        label=_("Type the case number to confirm"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "ltr"}),
    )
