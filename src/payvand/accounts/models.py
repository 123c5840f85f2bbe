"""People who use Payvand, and the roles they hold in organisations."""

import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from payvand.core.calendars import TIME_ZONES, Calendar
from payvand.core.languages import LANGUAGES
from payvand.core.permissions import Role


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)  # None gives an unusable password
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields):
        # Payvand has no Django admin; "superuser" only exists for Django's API.
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    preferred_language = models.CharField(
        _("language"), max_length=8, choices=LANGUAGES, default="en"
    )
    calendar = models.CharField(
        _("calendar"), max_length=16, choices=Calendar.choices, default=Calendar.AUTO
    )
    time_zone = models.CharField(
        _("time zone"), max_length=40, choices=TIME_ZONES, default="Asia/Tashkent"
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(auto_now_add=True)
    # Sessions that signed in before this moment are over ("sign out everywhere", an
    # admin's revocation, a reset second factor): accounts/middleware.py.
    sessions_valid_from = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    @cached_property
    def _active_memberships(self) -> list["Membership"]:
        return list(
            self.memberships.filter(is_active=True, organisation__is_active=True).select_related(
                "organisation"
            )
        )

    def active_memberships(self) -> list["Membership"]:
        """Cached for the life of this object, i.e. one request. A deactivated account
        holds no role anywhere (the dashboard and statistics read roles from here)."""
        if not self.pk or not self.is_active:
            return []
        return self._active_memberships

    def roles(self) -> set[str]:
        return {m.role for m in self.active_memberships()}


class Membership(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role_per_org"
            )
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} @ {self.organisation.code}"


class KnownDevice(models.Model):
    """A browser this person has signed in from, so a new one can be announced to her.

    The browser holds a random token in a long-lived cookie; only its SHA-256 is kept here.
    ``label`` is a coarse description of the browser ("Chrome on Windows"), for the owner.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="known_devices")
    token_hash = models.CharField(max_length=64)
    label = models.CharField(max_length=80, blank=True)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField()

    class Meta:
        ordering = ["-last_seen"]
        constraints = [
            models.UniqueConstraint(fields=["user", "token_hash"], name="known_device_unique")
        ]

    def __str__(self) -> str:
        return f"{self.label or 'browser'} of {self.user_id}"
