"""Two-factor authentication: a TOTP authenticator app, and one-time recovery codes.

Every role that can see personal data must use it (``two_factor_required``); until the
second factor is verified, a session reaches only the pages of this step
(accounts/middleware.py). Devices are django-otp's: a confirmed ``TOTPDevice`` for the app
and a ``StaticDevice`` named "recovery" whose tokens are the recovery codes — stored as a
SHA-256 prefix, never in clear, so a copy of the database does not yield usable codes.
Both devices throttle wrong codes (django-otp doubles the wait after each failure).
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass

import segno
from django.db import transaction
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from payvand.accounts.models import User
from payvand.core.audit.services import audit_record
from payvand.core.permissions import Role

# Every role that sees personal data: survivors (case roles) or staff (admins see names
# and e-mail addresses of people). Analysts see aggregates only and may opt in.
ROLES_REQUIRING_TWO_FACTOR = frozenset(
    {Role.CASEWORKER, Role.SUPERVISOR, Role.ORG_ADMIN, Role.PLATFORM_ADMIN}
)
RECOVERY_DEVICE = "recovery"
RECOVERY_CODES = 10
# Unambiguous letters and digits (no 0/O, 1/I/L): codes are read off paper.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def two_factor_required(user: User) -> bool:
    """Her roles require it — or she chose it herself (an analyst may)."""
    if user.is_superuser:
        return True
    if any(m.role in ROLES_REQUIRING_TWO_FACTOR for m in user.active_memberships()):
        return True
    return authenticator(user) is not None


def authenticator(user: User) -> TOTPDevice | None:
    """The confirmed authenticator app of ``user``, if she has set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(
        device__user=user, device__name=RECOVERY_DEVICE, device__confirmed=True
    ).count()


def enrolment_start(user: User) -> TOTPDevice:
    """An unconfirmed authenticator with a fresh key (the one already started, if any)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


@dataclass(frozen=True)
class Enrolment:
    key: str  # base32, in groups of four, for typing into an app
    uri: str  # otpauth://totp/… as the QR code carries it
    qr_svg: str  # an inline SVG of the QR code, made here (no external service)


def enrolment_show(device: TOTPDevice) -> Enrolment:
    import base64

    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    uri = device.config_url
    qr_svg = segno.make(uri, error="m").svg_inline(scale=4, border=2, omitsize=True)
    grouped = " ".join(key[i : i + 4] for i in range(0, len(key), 4))
    return Enrolment(key=grouped, uri=uri, qr_svg=qr_svg)


@transaction.atomic(durable=True)
def enrolment_confirm(*, user: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the new authenticator with a code it shows; returns new recovery codes.

    None when the code is wrong. The previous authenticator (if any) stops working, and so
    do the previous recovery codes.
    """
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    # No throttling here: the key is on her screen, so guessing gains nothing.
    device.throttle_reset(commit=False)
    if device.confirmed or not device.verify_token(_digits(token)):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _recovery_codes_replace(user)
    audit_record(action="auth.2fa_enrolled", actor=user, obj=user)
    return codes


@transaction.atomic(durable=True)
def recovery_codes_make(*, user: User) -> list[str]:
    """A new set of recovery codes; the old set stops working."""
    codes = _recovery_codes_replace(user)
    audit_record(action="auth.recovery_codes_made", actor=user, obj=user)
    return codes


def _recovery_codes_replace(user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = []
    for _i in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _j in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=_recovery_hash(code)) for code in codes]
    )
    return codes


def second_factor_login(request, user: User) -> None:
    """Mark this session as past the second factor (right after setting up the app)."""
    otp_login(request, authenticator(user))


def second_factor_verify(*, request, user: User, code: str) -> bool:
    """Check a code from the app or a recovery code; on success the session is verified."""
    with transaction.atomic():
        device = _verified_device(user, code)
        if device is None:
            audit_record(action="auth.2fa_failed", actor=user, obj=user)
            return False
        otp_login(request, device)
        details = {"method": "recovery_code" if isinstance(device, StaticDevice) else "app"}
        if isinstance(device, StaticDevice):
            details["recovery_codes_left"] = device.token_set.count()
        audit_record(action="auth.2fa_verified", actor=user, obj=user, details=details)
        return True


def _verified_device(user: User, code: str) -> TOTPDevice | StaticDevice | None:
    app = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    digits = _digits(code)
    # Only a code of digits is the app's: a recovery code holding six digits among its
    # letters (2A3B4-5C6D7) must not count as a wrong app code, which would make her wait.
    app_code = all(ch.isdigit() or ch.isspace() for ch in str(code))
    if app is not None and app_code and len(digits) == app.digits and app.verify_token(digits):
        return app
    recovery = (
        StaticDevice.objects.select_for_update()
        .filter(user=user, name=RECOVERY_DEVICE, confirmed=True)
        .first()
    )
    if recovery is None:
        return None
    allowed, _ = recovery.verify_is_allowed()
    if not allowed:
        return None
    normalised = code.strip().upper().replace(" ", "").replace("-", "")
    if len(normalised) == 10:
        token = recovery.token_set.filter(
            token=_recovery_hash(f"{normalised[:5]}-{normalised[5:]}")
        ).first()
        if token is not None:
            token.delete()
            recovery.throttle_reset()
            return recovery
    recovery.throttle_increment()
    return None


def two_factor_wait(user: User) -> int:
    """Seconds before another code may be tried (0: now). Wrong codes double the wait."""
    now = timezone.now()
    waits = []
    for device in (authenticator(user),):
        if device is None:
            continue
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            waits.append(int((data["locked_until"] - now).total_seconds()) + 1)
    return max(waits, default=0)


def _digits(token: str) -> str:
    # Eastern Arabic and Persian digits (۱۲۳, ١٢٣) count: phones in Dari or Urdu show them.
    return "".join(str(unicodedata.digit(ch)) for ch in str(token) if ch.isdigit())[:8]


def _recovery_hash(code: str) -> str:
    # StaticToken.token holds 16 characters: 64 bits of SHA-256 identify a code among
    # ten; the code's own 50 bits of randomness are what an attacker must guess.
    return hashlib.sha256(code.encode()).hexdigest()[:16]
