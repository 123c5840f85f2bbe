from django import forms
from django.utils.translation import gettext_lazy as _

from payvand.assistance.models import AssistanceType
from payvand.core import countries
from payvand.core.dates import CalendarDateField
from payvand.core.forms import CalendarForm
from payvand.core.widgets import FastSelect
from payvand.plans.forms import FollowUpVisitForm
from payvand.referrals.services import MAX_OVERRIDE_REASON, MAX_TEXT
from payvand.referrals.vocab import DeclineReason, Kind, RequestedService, Section


def _services_field():
    return forms.MultipleChoiceField(
        label=_("Services asked for"),
        choices=RequestedService.choices,
        widget=forms.CheckboxSelectMultiple,
    )


def _sections_field():
    return forms.MultipleChoiceField(
        label=_("What travels with it"),
        choices=Section.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Share the least she or he needs. A risk to her or his life is always shared."),
    )


def _reason_field():
    return forms.CharField(
        label=_("Why, and what you ask of them"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"dir": "auto", "rows": 4}),
    )


def _override_field():
    return forms.CharField(
        label=_("Send without consent: why (supervisors only)"),
        required=False,
        max_length=MAX_OVERRIDE_REASON,
        widget=forms.Textarea(attrs={"dir": "auto", "rows": 2}),
        help_text=_("Kept in the audit trail as written: write no names here."),
    )


class ReferralForm(CalendarForm):
    date_fields = ("answer_due", "completion_due")

    to_org = forms.ChoiceField(label=_("To"), widget=FastSelect)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Kind.choices, initial=Kind.REFERRAL, widget=forms.RadioSelect
    )
    services = _services_field()
    sections = _sections_field()
    reason = _reason_field()
    travel = forms.CharField(
        label=_("Travel and arrival (for a return)"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"dir": "auto", "rows": 3}),
        help_text=_("Date, border crossing, who meets her or him on arrival."),
    )
    answer_due = CalendarDateField(label=_("Answer by"), required=False)
    completion_due = CalendarDateField(label=_("Complete by"), required=False)
    override_reason = _override_field()
    submission_id = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, organisations, can_override: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = {str(o.public_id): o for o in organisations}
        self.fields["to_org"].choices = [("", "—")] + [
            (key, f"{o.name} ({countries.country_name(o.country)})")
            for key, o in self.organisations.items()
        ]
        if not can_override:
            del self.fields["override_reason"]

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["to_org"] = self.organisations[data["to_org"]]
        return data


class ActionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    reason = forms.ChoiceField(
        label=_("Why"), choices=[("", "—"), *DeclineReason.choices], required=False
    )
    note = forms.CharField(
        label=_("Note for the other organisation"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"dir": "auto", "rows": 2}),
    )
    submission_id = forms.UUIDField(widget=forms.HiddenInput, required=False)


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("Message"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"dir": "auto", "rows": 3}),
    )
    submission_id = forms.UUIDField(widget=forms.HiddenInput, required=False)


class ServiceForm(CalendarForm):
    date_fields = ("delivered_on",)

    assistance_type = forms.ChoiceField(label=_("Service"), choices=AssistanceType.choices)
    delivered_on = CalendarDateField(label=_("Date"))
    outcome = forms.CharField(
        label=_("Outcome"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"dir": "auto", "rows": 2}),
    )
    submission_id = forms.UUIDField(widget=forms.HiddenInput, required=False)


class PackageForm(forms.Form):
    recipient = forms.CharField(label=_("Organisation (not on Payvand)"), max_length=200)
    country = forms.ChoiceField(label=_("Its country"), widget=FastSelect)
    services = _services_field()
    sections = _sections_field()
    reason = _reason_field()
    override_reason = _override_field()

    def __init__(self, *args, can_override: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "—"), *countries.country_choices()]
        if not can_override:
            del self.fields["override_reason"]


class ReturnVisitForm(FollowUpVisitForm):
    """A follow-up visit by the receiving organisation of a return hand-over."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, staff=[], **kwargs)
        del self.fields["visited_by"]

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("visited_by", None)
        return data
