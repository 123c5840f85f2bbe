"""The regional service directory: what each organisation offers, where, to whom.

Aligned with Open Referral HSDS 3.0 (the mapping is in ``hsds.py``). Only
organisational data lives here — offices, desks, opening hours — never a person:
a contact is a desk or a team with a phone number or an e-mail address.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from payvand.core import countries
from payvand.core.fields import CodeListField
from payvand.orgs.models import validate_e164


class ServiceType(models.TextChoices):
    """DOMAIN.md §5; the same codes as the services a referral asks for."""

    SHELTER = "shelter", _("Shelter")
    MEDICAL = "medical", _("Medical care")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial support")
    LEGAL_AID = "legal_aid", _("Legal aid")
    FAMILY_TRACING = "family_tracing", _("Family tracing")
    RETURN_TRAVEL = "return_travel", _("Return and travel")
    EDUCATION = "education", _("Education")
    VOCATIONAL = "vocational_training", _("Vocational training")
    LIVELIHOOD = "livelihood", _("Livelihood or micro-grant")
    HOTLINE = "hotline", _("Hotline")
    INTERPRETATION = "interpretation", _("Interpretation")


class Population(models.TextChoices):
    """Who a service is for (HSDS eligibility)."""

    WOMEN = "women", _("Women")
    MEN = "men", _("Men")
    CHILDREN = "children", _("Children")
    UNACCOMPANIED_CHILDREN = "unaccompanied_children", _("Unaccompanied children")
    FAMILIES = "families", _("Families")
    LGBTQI = "lgbtqi", _("LGBTQI+ people")
    DISABILITIES = "disabilities", _("People with disabilities")
    RETURNEES = "returnees", _("Returnees and deportees")
    REFUGEES = "refugees", _("Refugees and asylum seekers")


class Availability(models.TextChoices):
    AVAILABLE = "available", _("Available")
    LIMITED = "limited", _("Limited places")
    FULL = "full", _("Full")
    PAUSED = "paused", _("Paused")


class Weekday(models.TextChoices):
    """iCalendar (RFC 5545) day codes, as HSDS schedules use them."""

    MO = "MO", _("Monday")
    TU = "TU", _("Tuesday")
    WE = "WE", _("Wednesday")
    TH = "TH", _("Thursday")
    FR = "FR", _("Friday")
    SA = "SA", _("Saturday")
    SU = "SU", _("Sunday")


def _area_errors(codes: list[str]) -> list[str]:
    return [
        code
        for code in codes
        if not (
            countries.is_country(code)
            or ("-" in code and countries.is_subdivision_of(code, code.split("-", 1)[0]))
        )
    ]


class OrganisationProfile(models.Model):
    """What the organisation says about itself in the directory (HSDS organization)."""

    organisation = models.OneToOneField(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="directory_profile"
    )
    description = models.TextField(
        _("about the organisation"),
        max_length=2000,
        blank=True,
        help_text=_("What you do and for whom, in a few sentences. No names of people."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("directory profile")

    def __str__(self) -> str:
        return f"profile of {self.organisation_id}"


class Location(models.Model):
    """An office, shelter or centre of the organisation (HSDS location + address)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="directory_locations"
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.TextField(_("address"), max_length=500, blank=True)
    city = models.CharField(_("city or town"), max_length=120, blank=True)
    country = models.CharField(_("country"), max_length=2)
    subdivision = models.CharField(_("province or region"), max_length=8, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("location")

    def __str__(self) -> str:
        return self.name

    @property
    def place(self) -> str:
        """City, province, country — as much as is known, in the active language."""
        parts = [
            self.city,
            countries.subdivision_name(self.subdivision) if self.subdivision else "",
            countries.country_name(self.country) if self.country else "",
        ]
        return ", ".join(part for part in parts if part)

    def clean(self) -> None:
        errors = {}
        if self.country and not countries.is_country(self.country):
            errors["country"] = _("Unknown country code %(code)s.") % {"code": self.country}
        elif self.subdivision and not countries.is_subdivision_of(self.subdivision, self.country):
            errors["subdivision"] = _(
                "%(code)s is not a province or region of the chosen country."
            ) % {"code": self.subdivision}
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = _("Give both the latitude and the longitude, or neither.")
        if self.latitude is not None and not -90 <= self.latitude <= 90:
            errors["latitude"] = _("A latitude lies between -90 and 90.")
        if self.longitude is not None and not -180 <= self.longitude <= 180:
            errors["longitude"] = _("A longitude lies between -180 and 180.")
        if errors:
            raise ValidationError(errors)


class Service(models.Model):
    """One service an organisation offers (HSDS service)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="directory_services"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    service_type = models.CharField(_("type of service"), max_length=30, choices=ServiceType)
    eligibility = CodeListField(_("for whom"), codes=Population)
    languages = CodeListField(
        _("languages"), help_text=_("Languages the service is given in (ISO 639-1).")
    )
    areas = CodeListField(
        _("areas served"),
        max_length=2000,
        blank=False,
        help_text=_("Whole countries (ISO 3166-1) or provinces (ISO 3166-2)."),
    )
    locations = models.ManyToManyField(
        Location, through="ServiceAtLocation", related_name="services", blank=True
    )
    availability = models.CharField(
        _("availability"), max_length=10, choices=Availability, default=Availability.AVAILABLE
    )
    availability_on = models.DateField(_("availability as of"), default=timezone.localdate)
    accepts_referrals = models.BooleanField(_("accepts referrals"), default=True)
    accepts_cross_border = models.BooleanField(
        _("accepts referrals from other countries"), default=False
    )
    hours_note = models.CharField(
        _("note on opening hours"),
        max_length=300,
        blank=True,
        help_text=_("For example: open day and night; by appointment on Saturdays."),
    )
    url = models.URLField(_("web page"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_published = models.BooleanField(
        _("shown in the public directory"),
        default=True,
        help_text=_("Untick to hide the service without deleting it."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("service")
        indexes = [models.Index(fields=["service_type", "is_published"])]

    def __str__(self) -> str:
        return self.name

    @property
    def area_names(self) -> list[str]:
        return [
            countries.subdivision_name(code) if "-" in code else countries.country_name(code)
            for code in self.areas
        ]

    @property
    def language_names(self) -> list[str]:
        return [countries.language_name(code) for code in self.languages]

    @property
    def eligibility_labels(self) -> list[str]:
        chosen = set(self.eligibility)
        return [str(label) for code, label in Population.choices if code in chosen]

    @property
    def weekly_hours(self) -> list["OpeningHours"]:
        """Opening hours Monday to Sunday (from the prefetched rows)."""
        order = {code: n for n, code in enumerate(Weekday.values)}
        return sorted(self.hours.all(), key=lambda row: order[row.weekday])

    def clean(self) -> None:
        errors = {}
        unknown = _area_errors(self.areas)
        if unknown:
            errors["areas"] = _("Not a country or province code: %(codes)s.") % {
                "codes": ", ".join(unknown)
            }
        bad_languages = [code for code in self.languages if not countries.is_language(code)]
        if bad_languages:
            errors["languages"] = _("Unknown language code: %(codes)s.") % {
                "codes": ", ".join(bad_languages)
            }
        if self.accepts_cross_border and not self.accepts_referrals:
            errors["accepts_cross_border"] = _(
                "A service that accepts no referrals cannot accept them from other countries."
            )
        if errors:
            raise ValidationError(errors)


class ServiceAtLocation(models.Model):
    """HSDS service_at_location: where a service is given."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="at_locations")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "location"], name="directory_sal_unique")
        ]

    def __str__(self) -> str:
        return f"{self.service_id} at {self.location_id}"


class Contact(models.Model):
    """A desk or team to call or write to (HSDS contact + phone): never a person's name."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="contacts")
    department = models.CharField(
        _("desk or team"),
        max_length=120,
        blank=True,
        help_text=_("For example: intake desk, hotline. Not a person's name."),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_e164])
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.department or self.phone or self.email

    def clean(self) -> None:
        if not (self.phone or self.email):
            raise ValidationError(_("Give a phone number or an e-mail address."))


class OpeningHours(models.Model):
    """One weekday's opening hours of a service (HSDS schedule, weekly)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="hours")
    weekday = models.CharField(_("day"), max_length=2, choices=Weekday)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "weekday"], name="directory_hours_unique")
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.opens_at:%H:%M}-{self.closes_at:%H:%M}"

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError(
                {"closes_at": _("The closing time must be after the opening time.")}
            )
