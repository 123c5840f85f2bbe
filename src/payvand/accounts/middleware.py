"""Each request checks its own session: still valid, and past the second factor if needed."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from payvand.accounts import sessions, twofactor

# Pages a signed-in person may reach before her second factor is verified.
_BEFORE_SECOND_FACTOR = ("/accounts/2fa/", "/accounts/logout/", "/language/", "/healthz")


class SessionPolicyMiddleware:
    """Ends expired or revoked sessions; holds back everything until the second factor.

    After django-otp's OTPMiddleware, which tells whether this session verified a device.
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
