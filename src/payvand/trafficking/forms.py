from django import forms
from django.utils.translation import gettext_lazy as _

from payvand.core import countries
from payvand.core.dates import CalendarDateField
from payvand.core.forms import CalendarForm
from payvand.core.widgets import FastSelect
from payvand.screening.vocab import DecisionMakingOrg, TraffickingStatus
from payvand.trafficking import services
from payvand.trafficking.vocab import (
    ControlMethod,
    DatePrecision,
    EventType,
    ExploitationType,
    Industry,
    MigrationStatus,
    OnlinePlatform,
    PerpetratorGender,
    PerpetratorRole,
    RecruiterRelation,
    RecruitmentMethod,
    RelationshipToTrafficker,
    SexExploitationType,
)

TEXT_ATTRS = {"dir": "auto", "rows": 4}
NONE = [("", "—")]


def _codes(label, choices, help_text=""):
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        help_text=help_text,
        widget=forms.CheckboxSelectMultiple,
    )


class VictimContextForm(forms.Form):
    """The whole victim context on one page, in the order a conversation goes."""

    trafficking_status = forms.ChoiceField(
        label=_("Trafficking status"),
        choices=NONE + TraffickingStatus.choices,
        required=False,
        help_text=_("A decided screening sets this; change it when another body decides."),
    )
    status_decided_by = forms.ChoiceField(
        label=_("Decided by"), choices=NONE + DecisionMakingOrg.choices, required=False
    )
    exploitation_types = _codes(_("Types of exploitation"), ExploitationType.choices)
    industries = _codes(
        _("Industry where she or he was exploited (ISIC)"),
        Industry.choices,
        help_text=_("For exploitation in work."),
    )
    sex_exploitation_types = _codes(_("Types of sexual exploitation"), SexExploitationType.choices)
    control_methods = _codes(_("How the traffickers controlled her or him"), ControlMethod.choices)
    recruitment_methods = _codes(_("How she or he was recruited"), RecruitmentMethod.choices)
    recruitment_platforms = _codes(_("Websites and apps used to recruit"), OnlinePlatform.choices)
    exploitation_platforms = _codes(_("Websites and apps used to exploit"), OnlinePlatform.choices)
    relationship_to_trafficker = forms.ChoiceField(
        label=_("Relationship to the trafficker"),
        choices=NONE + RelationshipToTrafficker.choices,
        required=False,
    )
    recruiter_relations = _codes(_("The recruiter was"), RecruiterRelation.choices)
    age_when_trafficked = forms.IntegerField(
        label=_("Age when trafficked"), required=False, min_value=0, max_value=120
    )
    migration_statuses = _codes(_("Migration status"), MigrationStatus.choices)
    account = forms.CharField(
        label=_("What happened, in her or his words"),
        required=False,
        max_length=services.MAX_ACCOUNT,
        help_text=_(
            "Write it down once, so she or he need not tell it again. Stored encrypted; "
            "shared only in the sections of a referral she or he agrees to."
        ),
        widget=forms.Textarea(attrs=TEXT_ATTRS | {"rows": 8}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class PerpetratorForm(forms.Form):
    roles = _codes(_("Role in the trafficking"), PerpetratorRole.choices)
    relation = forms.ChoiceField(
        label=_("Relation to her or him"),
        choices=RecruiterRelation.choices,
        initial=RecruiterRelation.UNKNOWN,
    )
    gender = forms.ChoiceField(
        label=_("Gender"), choices=PerpetratorGender.choices, initial=PerpetratorGender.UNKNOWN
    )
    citizenship = forms.ChoiceField(label=_("Citizenship"), required=False, widget=FastSelect)
    name = forms.CharField(
        label=_("Name or alias"),
        required=False,
        max_length=services.MAX_NAME,
        widget=forms.TextInput(attrs={"dir": "auto", "autocomplete": "off"}),
        help_text=_("Stored encrypted."),
    )
    details = forms.CharField(
        label=_("What she or he said about this person"),
        required=False,
        max_length=services.MAX_DETAILS,
        widget=forms.Textarea(attrs=TEXT_ATTRS),
    )
    submission_id = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["citizenship"].choices = NONE + countries.country_choices()


def province_choices() -> list:
    """Provinces of the programme and partner countries, grouped by country."""
    return NONE + [
        (countries.country_name(code), countries.subdivision_choices(code))
        for code in countries.PROGRAMME_COUNTRIES + countries.PARTNER_COUNTRIES
    ]


class EventForm(CalendarForm):
    date_fields = ("occurred_on", "ended_on")

    event_type = forms.ChoiceField(
        label=_("What happened"), choices=EventType.choices, widget=forms.RadioSelect
    )
    country = forms.ChoiceField(label=_("Country"), widget=FastSelect)
    province = forms.ChoiceField(
        label=_("Province or region"),
        required=False,
        widget=FastSelect,
        help_text=_("Listed for the countries of the region; leave it empty elsewhere."),
    )
    place = forms.CharField(
        label=_("Town, village or place"),
        required=False,
        max_length=services.MAX_PLACE,
        widget=forms.TextInput(attrs={"dir": "auto", "autocomplete": "off"}),
        help_text=_("Stored encrypted."),
    )
    occurred_on = CalendarDateField(label=_("Date"), required=False)
    date_precision = forms.ChoiceField(
        label=_("How exact the date is"),
        choices=NONE + DatePrecision.choices,
        required=False,
        help_text=_("For a month or a year, give any day in it."),
    )
    ended_on = CalendarDateField(label=_("Until"), required=False)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=services.MAX_DETAILS,
        widget=forms.Textarea(attrs=TEXT_ATTRS),
    )
    submission_id = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = NONE + countries.country_choices()
        self.fields["province"].choices = province_choices()
