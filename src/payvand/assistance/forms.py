from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from payvand.assistance import selectors
from payvand.assistance.models import AssistanceType, Currency
from payvand.assistance.services import (
    MAX_DURATION_MINUTES,
    MAX_NOTE_LENGTH,
    MAX_OUTCOME_LENGTH,
    MAX_TITLE_LENGTH,
)
from payvand.core.dates import CalendarDateField

TEXT_ATTRS = {"dir": "auto"}


def _choices_once(field: forms.ModelChoiceField, queryset) -> None:
    """Query the options once: a select asks for its first option again to decide `required`.

    One plain SELECT: listing ``field.choices`` would count the rows first and then read
    them through a server-side cursor (DECLARE … WITH HOLD on PostgreSQL).
    """
    field.queryset = queryset
    options = field.iterator(field)
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    field.widget.choices = [*empty, *(options.choice(obj) for obj in queryset)]


def _calendar_date(form: forms.Form, name: str, calendar: str) -> None:
    """Swap in a date field that speaks the user's calendar, keeping label and help."""
    old = form.fields[name]
    form.fields[name] = CalendarDateField(
        label=old.label, required=old.required, help_text=old.help_text, calendar=calendar
    )


class EntryForm(forms.Form):
    """Quick add: everything but the type is pre-filled, so saving is one more click."""

    assistance_type = forms.ChoiceField(
        label=_("Type of assistance"), choices=AssistanceType.choices
    )
    delivered_on = CalendarDateField(label=_("Date"))
    provider = forms.ModelChoiceField(
        label=_("Provider organisation"), queryset=None, to_field_name="public_id",
        empty_label=None,
    )  # fmt: skip
    staff = forms.ModelChoiceField(
        label=_("Staff member"), queryset=None, to_field_name="public_id", empty_label=None,
        help_text=_("Who delivered or arranged it, in your organisation."),
    )  # fmt: skip
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), required=False, min_value=1,
        max_value=MAX_DURATION_MINUTES,
    )  # fmt: skip
    amount = forms.DecimalField(
        label=_("Amount"), required=False, max_digits=14, decimal_places=2,
        widget=forms.NumberInput(attrs={"dir": "ltr", "step": "0.01", "min": "0.01"}),
    )  # fmt: skip
    currency = forms.ChoiceField(
        label=_("Currency"), required=False, choices=[("", "—"), *Currency.choices]
    )
    outcome = forms.CharField(
        label=_("Outcome"), required=False, max_length=MAX_OUTCOME_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, **TEXT_ATTRS}),
    )  # fmt: skip
    submission_id = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, case, user, calendar: str, **kwargs):
        super().__init__(*args, **kwargs)
        _calendar_date(self, "delivered_on", calendar)
        _choices_once(self.fields["provider"], selectors.provider_choices())
        _choices_once(self.fields["staff"], selectors.staff_choices(case))
        self.initial.setdefault("delivered_on", timezone.localdate())
        self.initial.setdefault("provider", case.organisation)
        self.initial.setdefault("staff", user)
        # A type chosen by its button needs no second choice on the form.
        chosen = (
            self.data.get("assistance_type")
            if self.is_bound
            else self.initial.get("assistance_type")
        )
        self.chosen_type = AssistanceType(chosen).label if chosen in AssistanceType.values else None
        if self.chosen_type:
            self.fields["assistance_type"].widget = forms.HiddenInput()


class NoteCorrectForm(forms.Form):
    text = forms.CharField(
        label=_("Note"), max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, **TEXT_ATTRS}),
    )  # fmt: skip


class NoteForm(NoteCorrectForm):
    submission_id = forms.UUIDField(widget=forms.HiddenInput)


class TaskForm(forms.Form):
    title = forms.CharField(
        label=_("What is to be done"), max_length=MAX_TITLE_LENGTH,
        widget=forms.TextInput(attrs=TEXT_ATTRS),
    )  # fmt: skip
    due_on = CalendarDateField(label=_("Due date"))
    assignee = forms.ModelChoiceField(
        label=_("Assigned to"), queryset=None, to_field_name="public_id", empty_label=None
    )
    submission_id = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, case, user, calendar: str, **kwargs):
        super().__init__(*args, **kwargs)
        _calendar_date(self, "due_on", calendar)
        _choices_once(self.fields["assignee"], selectors.task_assignees(case))
        self.initial.setdefault("assignee", user)
