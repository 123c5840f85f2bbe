from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from payvand.core.dates import CalendarDateField
from payvand.core.forms import CalendarForm
from payvand.plans.services import MAX_TEXT
from payvand.plans.vocab import ANCHORS, SCORES, Dimension, RiskLevel, SupportType, VisitMode

TEXT_ATTRS = {"dir": "auto", "rows": 3}


def _text(label, *, required=False, help_text="", rows=3):
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_TEXT,
        help_text=help_text,
        widget=forms.Textarea(attrs=TEXT_ATTRS | {"rows": rows}),
    )


class RiskAssessmentForm(CalendarForm):
    date_fields = ("assessed_on", "review_on")

    assessed_on = CalendarDateField(label=_("Date of the assessment"))
    individual_level = forms.ChoiceField(
        label=_("Individual risk"), choices=RiskLevel.choices, initial=RiskLevel.UNKNOWN
    )
    individual = _text(
        _("What puts her or him at risk"),
        help_text=_("For example: age, health, nationality or ethnicity, debts, documents."),
    )
    household_level = forms.ChoiceField(
        label=_("Household risk"), choices=RiskLevel.choices, initial=RiskLevel.UNKNOWN
    )
    household = _text(
        _("What in the household is a risk"),
        help_text=_("For example: violence or abuse at home, family ties to the traffickers."),
    )
    community_level = forms.ChoiceField(
        label=_("Community risk"), choices=RiskLevel.choices, initial=RiskLevel.UNKNOWN
    )
    community = _text(
        _("What in the community is a risk"),
        help_text=_("For example: traffickers nearby, stigma, no protection by law enforcement."),
    )
    overall_level = forms.ChoiceField(
        label=_("Overall risk"),
        required=False,
        choices=[("", _("The highest of the three levels")), *RiskLevel.choices],
        help_text=_("You may rate the whole higher than each level, never lower."),
    )
    risk_to_life = forms.BooleanField(
        label=_("There is a risk to her or his life"),
        required=False,
        help_text=_("Shared with every referral, whatever else is withheld."),
    )
    safety_plan = _text(_("Safety plan: the measures agreed with her or him"), rows=5)
    review_on = CalendarDateField(label=_("Review the safety plan on"), required=False)
    submission_id = forms.UUIDField(widget=forms.HiddenInput)


class SupportItemForm(CalendarForm):
    date_fields = ("start_on", "planned_end_on", "actual_end_on")

    support_type = forms.ChoiceField(label=_("Type of support"), choices=SupportType.choices)
    objectives = _text(_("Objectives"), required=True)
    actions = _text(_("Actions"), help_text=_("Who does what, and by when."), rows=4)
    start_on = CalendarDateField(label=_("Start"))
    planned_end_on = CalendarDateField(label=_("Planned end"))
    actual_end_on = CalendarDateField(
        label=_("Actual end"), required=False, help_text=_("Leave empty until it is achieved.")
    )
    submission_id = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        if data.get("submission_id") is None:
            data.pop("submission_id", None)
        return data


class ItemCompleteForm(CalendarForm):
    date_fields = ("actual_end_on",)

    actual_end_on = CalendarDateField(label=_("Achieved on"))


class PlanReturnForm(forms.Form):
    reason = _text(_("What must change before you can approve it"), required=True, rows=4)


class ReintegrationPlanForm(CalendarForm):
    date_fields = ("start_on",)

    start_on = CalendarDateField(label=_("Start of reintegration"))
    goals = _text(
        _("Reintegration goals"),
        required=True,
        rows=6,
        help_text=_("Agreed with her or him: work or income, housing, services, family, safety."),
    )


def _score_field(dimension: str, label):
    return forms.TypedChoiceField(
        label=label,
        coerce=int,
        widget=forms.RadioSelect,
        choices=[
            (score, format_lazy("{} — {}", score, ANCHORS[dimension][score])) for score in SCORES
        ],
    )


class FollowUpVisitForm(CalendarForm):
    date_fields = ("visited_on",)

    visited_on = CalendarDateField(label=_("Date of the visit"))
    visited_by = forms.ChoiceField(label=_("Visited by"))
    mode = forms.ChoiceField(label=_("How"), choices=VisitMode.choices)
    economic = _score_field(Dimension.ECONOMIC, _("Economic: income, work, debts"))
    social = _score_field(Dimension.SOCIAL, _("Social: housing, documents, access to services"))
    psychosocial = _score_field(
        Dimension.PSYCHOSOCIAL, _("Psychosocial: well-being, safety, support around her or him")
    )
    notes = _text(_("Notes"), rows=5)
    submission_id = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff = {str(user.public_id): user for user in staff}
        self.fields["visited_by"].choices = [
            (key, user.full_name or user.email) for key, user in self.staff.items()
        ]
        self.fields["visited_on"].initial = timezone.localdate()

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["visited_by"] = self.staff.get(data["visited_by"])
        return data
