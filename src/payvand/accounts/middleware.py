"""Each request checks its own session: still valid, and past the second factor if needed."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware

from payvand.accounts import sessions, twofactor

# Pages a signed-in person may reach before her second factor is verified.
_BEFORE_SECOND_FACTOR = ("/accounts/2fa/", "/accounts/logout/", "/language/", "/healthz")


@dataclass(frozen=True)
class VerifiedInSession:
    """Stands for the device this session verified, until the device is read again."""

    persistent_id: str


class SecondFactorMiddleware(OTPMiddleware):
    """django-otp's middleware, reading the session's verified device again only when
    the session is written back (at most once a minute, accounts/sessions.py), not on
    every request: in between, the session's record that it passed the second factor
    stands (``user.is_verified()``).

    Ending her sessions still takes effect at the next request, as every request checks
    ``sessions_valid_from``: sign out everywhere, an admin's revocation, and an admin's
    reset of her second factor. A device removed otherwise — she replaced her
    authenticator app in another browser — stops counting here within a minute.
    """

    def _verify_user_sync(self, request, user):
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
        if not persistent_id or sessions.touch_due(request.session):
            return super()._verify_user_sync(request, user)
        self._init_user_fields(user)
        if user.is_authenticated:
            user.otp_device = VerifiedInSession(persistent_id)
        return user


class SessionPolicyMiddleware:
    """Ends expired or revoked sessions; holds back everything until the second factor.

    After SecondFactorMiddleware, which tells whether this session verified a device.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        why = sessions.session_ended_because(request.session, user)
        if why == "idle":
            logout(request)
            return redirect(_with_next(reverse("accounts:login"), request))
        if why is not None:
            logout(request)
            messages.info(
                request,
                _("You were signed out on every device. Please sign in again.")
                if why == "revoked"
                else _("You have been signed in for a long time. Please sign in again."),
            )
            return redirect(_with_next(reverse("accounts:login"), request))
        sessions.session_touch(request.session)
        if (
            not request.path.startswith(_BEFORE_SECOND_FACTOR)
            and not user.is_verified()
            and twofactor.two_factor_required(user)
        ):
            return redirect(_with_next(reverse("accounts:two_factor"), request))
        response = self.get_response(request)
        # A signed-in page may show a survivor: the browser must not keep it on disk, nor
        # show it again from its history after sign-out.
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response


def _with_next(url: str, request) -> str:
    if request.method != "GET" or request.path == "/":
        return url
    return f"{url}?{urlencode({'next': request.get_full_path()})}"
