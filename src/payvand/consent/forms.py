from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from payvand.consent.models import GivenBy, Purpose, RecordedHow
from payvand.consent.services import MAX_NAME_LENGTH, MAX_RELATION_LENGTH, MAX_TEXT_LENGTH
from payvand.core import countries
from payvand.core.dates import CalendarDateField

NAME_ATTRS = {"autocomplete": "off", "dir": "auto", "spellcheck": "false"}


class ConsentRecordForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("What did she or he consent to?"),
        choices=Purpose.choices,
        widget=forms.RadioSelect,
    )
    recipient_org = forms.ChoiceField(
        label=_("Organisation she or he agreed to share with"), required=False
    )
    recipient_country = forms.ChoiceField(
        label=_("Country whose organisations she or he agreed to share with"), required=False
    )
    given_by = forms.ChoiceField(
        label=_("Who gave consent?"),
        choices=GivenBy.choices,
        widget=forms.RadioSelect,
        initial=GivenBy.SELF,
    )
    guardian_name = forms.CharField(
        label=_("Name of the parent or guardian"),
        required=False,
        max_length=MAX_NAME_LENGTH,
        help_text=_("Only when a parent or guardian gave consent."),
        widget=forms.TextInput(attrs=NAME_ATTRS),
    )
    guardian_relation = forms.CharField(
        label=_("Relation to her or him"),
        required=False,
        max_length=MAX_RELATION_LENGTH,
        help_text=_("For example: mother, uncle, guardian appointed by the court."),
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    given_on = CalendarDateField(label=_("Date consent was given"))
    recorded_how = forms.ChoiceField(
        label=_("How was it recorded?"), choices=RecordedHow.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=MAX_TEXT_LENGTH,
        help_text=_("For example: facts she or he asked not to share."),
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )

    def __init__(self, *args, recipients, calendar, **kwargs):
        super().__init__(*args, **kwargs)
        self.recipients = {str(o.public_id): o for o in recipients}
        self.fields["recipient_org"].choices = [("", "—")] + [
            (key, f"{o.name} ({countries.country_name(o.country)})")
            for key, o in self.recipients.items()
        ]
        self.fields["recipient_country"].choices = [("", "—"), *countries.country_choices()]
        self.fields["given_on"] = CalendarDateField(
            label=self.fields["given_on"].label, calendar=calendar
        )
        self.fields["given_on"].initial = timezone.localdate()

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "purpose": d["purpose"],
            "recipient_org": self.recipients.get(d["recipient_org"]),
            "recipient_country": d["recipient_country"],
            "given_by": d["given_by"],
            "guardian_name": d["guardian_name"],
            "guardian_relation": d["guardian_relation"],
            "given_on": d["given_on"],
            "recorded_how": d["recorded_how"],
            "note": d["note"],
        }


class ConsentWithdrawForm(forms.Form):
    withdrawn_on = CalendarDateField(label=_("Date consent was withdrawn"))
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=MAX_TEXT_LENGTH,
        help_text=_("Optional: she or he does not have to give one."),
        widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
    )

    def __init__(self, *args, calendar, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["withdrawn_on"] = CalendarDateField(
            label=self.fields["withdrawn_on"].label, calendar=calendar
        )
        self.fields["withdrawn_on"].initial = timezone.localdate()
