"""Organisations: the tenants. Every piece of case data belongs to exactly one."""

import uuid

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from payvand.core import countries


class OrgType(models.TextChoices):
    """HTCDS v2.0 organisation types."""

    NGO = "NGO", _("Non-governmental organisation")
    LAW_ENFORCEMENT = "LawEnforcement", _("Law enforcement")
    HEALTH = "HealthServiceOrganisation", _("Health service organisation")
    CENTRAL_GOVERNMENT = "CentralGovernmentOrganisation", _("Central government organisation")
    LOCAL_GOVERNMENT = "LocalGovernmentOrganisation", _("Local government organisation")
    IMMIGRATION = "ImmigrationService", _("Immigration service")
    LEGAL = "LegalService", _("Legal service")
    BUSINESS = "CorporateBusiness", _("Corporate business")
    SCHOOL = "SchoolOrCollege", _("School or college")


code_validator = RegexValidator(
    r"^[A-Z][A-Z0-9]{1,7}$",
    _("Use 2 to 8 capital Latin letters or digits, starting with a letter, e.g. DYU."),
)


def validate_e164(value: str) -> None:
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("Enter the number in international form, starting with + and the country code.")
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("This is not a valid phone number."))


class Organisation(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(
        _("short code"),
        max_length=8,
        unique=True,
        validators=[code_validator],
        help_text=_("Used in case numbers and in commands, e.g. DYU."),
    )
    name = models.CharField(_("name"), max_length=200)
    org_type = models.CharField(_("type"), max_length=40, choices=OrgType.choices)
    country = models.CharField(_("country"), max_length=2)
    subdivision = models.CharField(
        _("province or region"), max_length=8, blank=True, help_text=_("ISO 3166-2 code.")
    )
    address = models.TextField(_("address"), blank=True, max_length=1000)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_e164])
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    languages = models.JSONField(
        _("languages"),
        default=list,
        blank=True,
        help_text=_("ISO 639-1 codes of the languages the staff speak."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["country", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return f"{self.name} ({self.country}-{self.code})"

    @property
    def full_code(self) -> str:
        return f"{self.country}-{self.code}"

    @property
    def country_name(self) -> str:
        return countries.country_name(self.country)

    @property
    def subdivision_name(self) -> str:
        return countries.subdivision_name(self.subdivision) if self.subdivision else ""

    def clean(self) -> None:
        errors = {}
        if self.country and not countries.is_country(self.country):
            errors["country"] = _("Unknown country code %(code)s.") % {"code": self.country}
        elif self.subdivision and not countries.is_subdivision_of(self.subdivision, self.country):
            errors["subdivision"] = _(
                "%(code)s is not a province or region of the chosen country."
            ) % {"code": self.subdivision}
        if not isinstance(self.languages, list) or any(
            not isinstance(code, str) or not countries.is_language(code) for code in self.languages
        ):
            errors["languages"] = _("Choose languages from the list.")
        if errors:
            raise ValidationError(errors)
