from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from payvand.accounts.models import User
from payvand.core.calendars import Calendar
from payvand.core.forms import refuse_control_characters
from payvand.core.languages import LANGUAGES
from payvand.core.permissions import Role


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(
            attrs={"autofocus": True, "autocomplete": "username", "dir": "ltr"}
        ),
    )


class StaffInviteForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, validators=[refuse_control_characters]
    )
    email = forms.EmailField(label=_("E-mail"), widget=forms.EmailInput(attrs={"dir": "ltr"}))
    role = forms.ChoiceField(label=_("Role"))
    language = forms.ChoiceField(label=_("Language of the invitation"), choices=LANGUAGES)

    def __init__(self, *args, roles: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Role.choices)
        self.fields["role"].choices = [(role, labels[role]) for role in roles]


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "preferred_language", "calendar", "time_zone"]
        labels = {
            "full_name": _("Full name"),
            "preferred_language": _("Language"),
            "calendar": _("Calendar for dates"),
            "time_zone": _("Time zone"),
        }
        widgets = {"calendar": forms.RadioSelect(choices=Calendar.choices)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].validators.append(refuse_control_characters)


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "dir": "ltr",
                "spellcheck": "false",
            }
        ),
    )


class EnrolmentForm(forms.Form):
    code = forms.CharField(
        label=_("Code shown by the app"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "dir": "ltr"}
        ),
    )
