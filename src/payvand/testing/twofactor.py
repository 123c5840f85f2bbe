"""Second factors for tests and benchmarks: a confirmed authenticator, and codes it accepts.

Nothing here is used by the running platform; it computes codes the way a phone does.
"""

from __future__ import annotations

import time

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from payvand.accounts import twofactor


def authenticator_for(user) -> TOTPDevice:
    """Her confirmed authenticator app, set up now if she has none."""
    device = twofactor.authenticator(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return device


def code_for_key(hex_key: str) -> str:
    """The code an app set up with ``hex_key`` shows now."""
    totp = TOTP(bytes.fromhex(hex_key))
    totp.time = time.time()
    return f"{totp.token():06d}"


def code_for(user) -> str:
    """A code the server will accept for ``user`` now.

    A TOTP code is accepted once per 30-second step (and one step ahead); when those are
    used up — a test signs the same person in again at once — a new recovery code is
    added for her instead, as a person who lost her phone would type one.
    """
    device = authenticator_for(user)
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if device.last_t < totp.t():
        return f"{totp.token():0{device.digits}d}"
    if device.last_t < totp.t() + device.tolerance:
        totp.time += device.step
        return f"{totp.token():0{device.digits}d}"
    recovery, _ = StaticDevice.objects.get_or_create(
        user=user, name=twofactor.RECOVERY_DEVICE, defaults={"confirmed": True}
    )
    code = f"{_random_part()}-{_random_part()}"
    StaticToken.objects.create(device=recovery, token=twofactor._recovery_hash(code))
    return code


def _random_part() -> str:
    import secrets

    return "".join(secrets.choice("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(5))


def verify_session(client: Client, user) -> None:
    """Mark the test client's session as past the second factor, as the 2FA page does."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator_for(user).persistent_id
    session.save()


class VerifiedClient(Client):
    """A test client whose sign-ins also pass the second factor.

    Tests of the second factor itself use ``django.test.Client``.
    """

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        verify_session(self, user)

    def login(self, **credentials):
        signed_in = super().login(**credentials)
        if signed_in:
            from django.contrib.auth import get_user

            verify_session(self, get_user(self._request_for_session()))
        return signed_in

    def _request_for_session(self):
        from django.http import HttpRequest

        request = HttpRequest()
        request.session = self.session
        return request
