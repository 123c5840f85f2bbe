from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from payvand.core.dates import CalendarDateField
from payvand.screening import catalogue
from payvand.screening.selectors import IndicatorGroup, ListSummary, group_by_dimension
from payvand.screening.services import EARLIEST_SCREENING, MAX_REASON, answer_field
from payvand.screening.vocab import Answer, DecisionMakingOrg, ExploitationList, TraffickingStatus


class ListChoiceForm(forms.Form):
    """Step one: which of the four lists fits the person and the exploitation."""

    list = forms.ChoiceField(
        label=_("Which list of indicators fits this person?"), widget=forms.RadioSelect
    )

    def __init__(self, *args, lists: list[ListSummary], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["list"].choices = [
            (
                s.code,
                ngettext(
                    "%(list)s: %(n)s indicator, %(review)s marked “needs review”",
                    "%(list)s: %(n)s indicators, %(review)s marked “needs review”",
                    s.indicators,
                )
                % {"list": s.label, "n": s.indicators, "review": s.needs_review},
            )
            for s in lists
        ]


class ScreeningMetaForm(forms.Form):
    exploitation_list = forms.ChoiceField(
        choices=ExploitationList.choices, widget=forms.HiddenInput
    )
    catalogue_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    submission_id = forms.UUIDField(widget=forms.HiddenInput)
    screened_on = CalendarDateField(label=_("Date of the screening"))

    def __init__(self, *args, calendar: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["screened_on"] = CalendarDateField(
            label=self.fields["screened_on"].label, calendar=calendar
        )
        self.fields["screened_on"].initial = timezone.localdate()

    def clean_screened_on(self):
        # The service checks this too; here it shows beside the answers' own errors.
        value = self.cleaned_data["screened_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date of the screening cannot be in the future."))
        if value < EARLIEST_SCREENING:
            raise forms.ValidationError(_("The date of the screening must be in 2000 or later."))
        return value


class AnswersForm(forms.Form):
    """One radio group (observed / not observed / unknown) per indicator of a list."""

    def __init__(self, *args, indicators: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            self.fields[answer_field(indicator.code)] = forms.ChoiceField(
                label=indicator.label_display,
                choices=Answer.choices,
                widget=forms.RadioSelect,
                initial=Answer.UNKNOWN,
            )

    def answers(self) -> dict[str, str]:
        return {i.code: self.cleaned_data[answer_field(i.code)] for i in self.indicators}

    def groups(self) -> list[IndicatorGroup]:
        """(indicator, bound field) pairs under their dimensions, in the ILO order."""
        items = [(i, self[answer_field(i.code)]) for i in self.indicators]
        return group_by_dimension(items, key=lambda item: item[0])


class DecisionForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Trafficking status"), choices=TraffickingStatus.choices, widget=forms.RadioSelect
    )
    decision_org_type = forms.ChoiceField(
        label=_("Who decided (type of organisation)"), choices=DecisionMakingOrg.choices
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=MAX_REASON,
        help_text=_(
            "Needed when you decide differently from the indicators. Kept encrypted; "
            "every reading is recorded."
        ),
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )
    submission_id = forms.UUIDField(widget=forms.HiddenInput)


class CatalogueUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Catalogue file (JSON)"),
        help_text=_(
            "Download the current version, correct it, and upload it: it becomes a new "
            "version. Earlier versions stay, and every screening keeps its own."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > catalogue.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB."))
        return upload.read()
