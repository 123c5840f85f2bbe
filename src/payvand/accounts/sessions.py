"""How long a sign-in lasts, ending sessions on demand, and the browsers a person uses.

A session records when it signed in (``AUTH_AT``) and when it was last in use
(``SEEN_AT``, to the minute). It ends when it is idle too long (Django's cookie age),
older than PAYVAND_SESSION_MAX_HOURS, or older than the user's ``sessions_valid_from`` —
set by "sign out everywhere", by an admin revoking a staff member's sessions, and by a
reset of the second factor. Nothing needs to find the session rows: each request checks
its own (accounts/middleware.py).

A session is written back at most once a minute (`session_touch`), not on every request:
each write is a transaction of its own that waits for the disk (about 4 ms, and more on a
busy one), on every page. Its idle timeout then counts from the last write, so it ends
between ``SESSION_COOKIE_AGE`` minus a minute and ``SESSION_COOKIE_AGE`` after the last
request — never later.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from payvand.accounts.models import KnownDevice, Membership, User
from payvand.core.audit.services import audit_record
from payvand.core.errors import PermissionDenied

AUTH_AT = "payvand_auth_at"
SEEN_AT = "payvand_seen_at"
# Seconds a session goes without being written back while in use.
TOUCH_EVERY = 60
DEVICE_COOKIE = "payvand_device"
DEVICE_COOKIE_AGE = 400 * 24 * 3600


def session_started(session) -> None:
    now = timezone.now().timestamp()
    session[AUTH_AT] = now
    session[SEEN_AT] = now


def session_ended_because(session, user: User) -> str | None:
    """Why this signed-in session is over, or None while it may go on."""
    started = session.get(AUTH_AT)
    if started is None:
        return "revoked"
    started_at = datetime.fromtimestamp(started, tz=UTC)
    if user.sessions_valid_from and started_at < user.sessions_valid_from:
        return "revoked"
    now = timezone.now()
    if now - started_at > timedelta(hours=settings.PAYVAND_SESSION_MAX_HOURS):
        return "expired"
    seen = session.get(SEEN_AT)
    if seen is not None and now.timestamp() - seen > settings.SESSION_COOKIE_AGE:
        # The stored session's own expiry (its last write plus the cookie age) ends it
        # as well; this holds for any session engine.
        return "idle"
    return None


def touch_due(session) -> bool:
    """Whether this request writes the session back (its stamp is a minute old)."""
    seen = session.get(SEEN_AT)
    return seen is None or not 0 <= timezone.now().timestamp() - seen < TOUCH_EVERY


def session_touch(session) -> None:
    """Mark the session in use: at most once a minute, which is when it is written back
    (Django saves a modified session, and its expiry is then the cookie age from now)."""
    if touch_due(session):
        session[SEEN_AT] = timezone.now().timestamp()


@transaction.atomic(durable=True)
def sessions_end_all(*, user: User) -> None:
    """ "Sign out everywhere": end every session of ``user``, this one included."""
    _sessions_end(user)
    audit_record(action="auth.sessions_ended", actor=user, obj=user)


@transaction.atomic(durable=True)
def staff_sessions_end(*, membership: Membership, by: User) -> None:
    """An admin ends every session of a staff member (a lost laptop, a departure)."""
    _check_may_manage(membership, by)
    _sessions_end(membership.user)
    audit_record(
        action="auth.sessions_ended",
        actor=by,
        organisation=membership.organisation,
        obj=membership.user,
        details={"by_admin": True},
    )


@transaction.atomic(durable=True)
def two_factor_reset(*, membership: Membership, by: User) -> None:
    """An admin clears a staff member's second factor (a lost phone).

    Her sessions end; at her next sign-in she sets up a new authenticator app.
    """
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _check_may_manage(membership, by)
    user = membership.user
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    _sessions_end(user)
    audit_record(action="auth.2fa_reset", actor=by, organisation=membership.organisation, obj=user)


def _check_may_manage(membership: Membership, by: User) -> None:
    from payvand.accounts.services import may_change_access

    if membership.user_id == by.pk or not may_change_access(by, membership):
        raise PermissionDenied(_("You cannot change this person's access."))


def _sessions_end(user: User) -> None:
    # One microsecond later than now: a session that signs in within the same clock tick
    # as the revocation cannot be mistaken for an older one.
    user.sessions_valid_from = timezone.now() + timedelta(microseconds=1)
    user.save(update_fields=["sessions_valid_from"])


def device_seen(
    *, user: User, token: str | None, user_agent: str, ip: str | None
) -> tuple[str, bool]:
    """Record the browser behind a sign-in; returns its token and whether it is new to her.

    A new browser (after her first) is announced to her by e-mail, with the time, the
    browser and the address, so that a stolen password shows itself.
    """
    if not token or len(token) > 100:
        token = secrets.token_urlsafe(32)
    digest = hashlib.sha256(token.encode()).hexdigest()
    now = timezone.now()
    label = browser_label(user_agent)
    with transaction.atomic():
        updated = KnownDevice.objects.filter(user=user, token_hash=digest).update(last_seen=now)
        if updated:
            return token, False
        first = not KnownDevice.objects.filter(user=user).exists()
        KnownDevice.objects.create(user=user, token_hash=digest, label=label, last_seen=now)
        audit_record(action="auth.new_device", actor=user, obj=user, details={"browser": label})
        if not first:
            transaction.on_commit(lambda: _new_device_notice(user, label, ip, now))
    return token, not first


def _new_device_notice(user: User, label: str, ip: str | None, when) -> None:
    with translation.override(user.preferred_language), timezone.override(user.time_zone):
        context = {
            "user": user,
            "browser": label,
            "ip": ip or "?",
            "when": timezone.localtime(when),
            "link": settings.PAYVAND_BASE_URL.rstrip("/") + "/accounts/security/",
        }
        subject = _("New sign-in to your Payvand account")
        body = render_to_string("accounts/email/new_device.txt", context)
    send_mail(subject, body, None, [user.email])


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
             ("Chrome/", "Chrome"), ("Safari/", "Safari"))  # fmt: skip
_SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"),
            ("Linux", "Linux"))  # fmt: skip


def browser_label(user_agent: str) -> str:
    """ "Chrome on Windows": enough for her to recognise it, nothing to fingerprint by."""
    agent = user_agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in agent), "")
    system = next((name for marker, name in _SYSTEMS if marker in agent), "")
    # Kept as it is, not translated: it names products.
    if browser and system:
        return f"{browser}, {system}"
    return browser or system or re.sub(r"[^\w ./-]", "", agent)[:40] or "?"
