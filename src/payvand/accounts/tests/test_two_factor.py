"""Two-factor authentication: set-up, codes, recovery codes, throttling, and the rule that
nothing with personal data opens before the second factor."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from payvand.accounts import twofactor
from payvand.core.audit.models import AuditEvent
from payvand.core.permissions import Role
from payvand.testing.factories import PASSWORD, case, member
from payvand.testing.twofactor import authenticator_for, code_for, code_for_key

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")
TWO_FACTOR = reverse("accounts:two_factor")
SETUP = reverse("accounts:two_factor_setup")


def _password_step(client, user, next_url=""):
    data = {"username": user.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN, data)


def _actions(user) -> list[str]:
    return list(
        AuditEvent.objects.filter(actor_id=user.public_id)
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_first_sign_in_sets_up_the_app_and_shows_ten_recovery_codes_once(org):
    client = Client()
    user = member(Role.CASEWORKER, org)
    response = _password_step(client, user)
    assert response["Location"] == f"{TWO_FACTOR}?next=%2F"
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"].startswith(SETUP)
    page = client.get(response["Location"])
    body = page.content.decode()
    assert page["Cache-Control"] == "no-store"
    qr = body[body.index('<figure class="qr">') : body.index("</figure>")]
    assert "<svg" in qr and "<script" not in qr  # the QR code, drawn here
    key = re.search(r"data-totp-key>([A-Z2-7 ]+)<", body).group(1).replace(" ", "")
    hex_key = TOTPDevice.objects.get(user=user).key
    assert not TOTPDevice.objects.get(user=user).confirmed

    wrong = client.post(SETUP, {"code": "000000"})
    assert "This code is not right" in wrong.content.decode()
    assert client.get(reverse("cases:list")).status_code == 302

    import base64

    assert base64.b32decode(key + "=" * (-len(key) % 8)).hex() == hex_key
    done = client.post(SETUP, {"code": code_for_key(hex_key), "next": "/cases/"})
    codes = re.findall(r"<code>([A-Z2-9]{5}-[A-Z2-9]{5})</code>", done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert done["Cache-Control"] == "no-store"
    # Kept as hashes only: the database does not hold a usable code.
    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert not stored & set(codes) and len(stored) == 10
    assert client.get(reverse("cases:list")).status_code == 200
    assert "auth.2fa_enrolled" in _actions(user)


def test_without_the_second_factor_no_case_page_opens(org):
    user = member(Role.SUPERVISOR, org)
    record = case(org, owner=user)
    authenticator_for(user)
    client = Client()
    _password_step(client, user)
    for url in (
        "/",
        reverse("cases:list"),
        reverse("cases:register"),
        reverse("cases:detail", args=[record.public_id]),
        reverse("cases:timeline", args=[record.public_id]),
        reverse("referrals:list") if _has_url("referrals:list") else "/",
        reverse("accounts:profile"),
        reverse("staff:list", args=[org.public_id]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(TWO_FACTOR), url
    # A write is refused the same way, and nothing is written.
    before = AuditEvent.objects.count()
    response = client.post(reverse("cases:status", args=[record.public_id]), {"status": "Closed"})
    assert response.status_code == 302 and response["Location"].startswith(TWO_FACTOR)
    assert AuditEvent.objects.count() == before
    # Setting up a new app needs the old one first: a password alone cannot replace it.
    assert client.get(SETUP)["Location"].startswith(TWO_FACTOR)


def _has_url(name: str) -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


def test_the_code_from_the_app_lets_her_in_and_goes_where_she_was_going(org):
    user = member(Role.CASEWORKER, org)
    authenticator_for(user)
    client = Client()
    response = client.get(reverse("cases:list"))
    login_url = response["Location"]
    assert login_url.startswith(LOGIN)
    response = _password_step(client, user, next_url="/cases/")
    assert response["Location"] == f"{TWO_FACTOR}?next=%2Fcases%2F"
    wrong = client.post(response["Location"], {"code": "123456"})
    assert "This code is not right" in wrong.content.decode()
    TOTPDevice.objects.get(user=user).throttle_reset()  # as if she waited the second
    ok = client.post(f"{TWO_FACTOR}?next=/cases/", {"code": code_for(user)})
    assert ok.status_code == 302 and ok["Location"] == "/cases/"
    assert client.get("/cases/").status_code == 200
    actions = _actions(user)
    assert actions.count("auth.2fa_failed") == 1 and "auth.2fa_verified" in actions


def test_a_code_works_once_and_persian_digits_count(org):
    user = member(Role.CASEWORKER, org)
    device = authenticator_for(user)
    code = code_for(user)
    persian = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    first = Client()
    _password_step(first, user)
    assert first.post(TWO_FACTOR, {"code": persian}).status_code == 302
    second = Client()
    _password_step(second, user)
    replay = second.post(TWO_FACTOR, {"code": code})
    assert replay.status_code == 200, "the same code cannot be used twice"
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_wrong_codes_make_her_wait_even_for_the_right_one(org):
    user = member(Role.CASEWORKER, org)
    authenticator_for(user)
    client = Client()
    _password_step(client, user)
    for _ in range(3):
        client.post(TWO_FACTOR, {"code": "000000"})
    response = client.post(TWO_FACTOR, {"code": code_for(user)})
    assert response.status_code == 200
    assert "Too many wrong codes. Wait" in response.content.decode()


def test_a_recovery_code_works_once_and_a_new_set_replaces_the_old(org):
    user = member(Role.CASEWORKER, org)
    client = Client()
    _password_step(client, user)
    device = twofactor.enrolment_start(user)
    codes = twofactor.enrolment_confirm(user=user, device=device, token=code_for_key(device.key))
    typed = codes[0].lower().replace("-", " ")  # as read off paper
    response = client.post(TWO_FACTOR, {"code": typed})
    assert response.status_code == 302
    assert twofactor.recovery_codes_left(user) == 9
    again = Client()
    _password_step(again, user)
    assert again.post(TWO_FACTOR, {"code": codes[0]}).status_code == 200
    StaticDevice.objects.get(user=user).throttle_reset()
    # New codes (from the security page) replace every old one.
    page = client.post(reverse("accounts:recovery_codes"))
    new_codes = re.findall(r"<code>([A-Z2-9-]{11})</code>", page.content.decode())
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    assert again.post(TWO_FACTOR, {"code": codes[1]}).status_code == 200
    StaticDevice.objects.get(user=user).throttle_reset()  # as if she waited the second
    assert again.post(TWO_FACTOR, {"code": new_codes[1]}).status_code == 302
    assert "auth.recovery_codes_made" in _actions(user)


def test_an_analyst_needs_no_second_factor_unless_she_sets_one_up(org):
    user = member(Role.ANALYST, org)
    client = Client()
    assert _password_step(client, user)["Location"] == "/"
    assert client.get("/").status_code == 200
    device = twofactor.enrolment_start(user)
    client.post(SETUP, {"code": code_for_key(device.key)})
    later = Client()
    assert _password_step(later, user)["Location"].startswith(TWO_FACTOR)


def test_the_security_page_shows_the_state_and_recovery_codes_left(client, org):
    user = member(Role.CASEWORKER, org)
    client.force_login(user)
    body = client.get(reverse("accounts:security")).content.decode()
    assert "Sign out everywhere" in body and "Move to a new phone" in body


def test_demo_logins_share_the_printed_key_and_demo_code_prints_it(transactional_db):
    from io import StringIO

    from django.core.management import call_command

    from payvand.demo.region import DEMO_TOTP_KEY
    from payvand.demo.seed import seed_demo

    logins = seed_demo(cases=0)
    keys = set(TOTPDevice.objects.filter(confirmed=True).values_list("key", flat=True))
    assert keys == {DEMO_TOTP_KEY}
    assert TOTPDevice.objects.count() == len(logins)
    out = StringIO()
    call_command("demo_code", stdout=out)
    code = out.getvalue().split()[0]
    client = Client()
    client.post(LOGIN, {"username": logins[0].email, "password": "payvand-demo"})
    assert client.post(TWO_FACTOR, {"code": code}).status_code == 302
    assert not mail.outbox or "invited" not in mail.outbox[0].subject


def test_a_recovery_code_with_six_digits_in_it_is_not_a_wrong_app_code(org):
    """Recovery codes draw from A–Z and 2–9: some hold six digits, which were tried as an
    app code, failed, and made her wait before the next attempt."""
    from django_otp.plugins.otp_static.models import StaticToken

    user = member(Role.CASEWORKER, org)
    client = Client()
    _password_step(client, user)
    device = twofactor.enrolment_start(user)
    twofactor.enrolment_confirm(user=user, device=device, token=code_for_key(device.key))
    recovery = StaticDevice.objects.get(user=user)
    code = "2A3B4-5C6D7"
    StaticToken.objects.create(device=recovery, token=twofactor._recovery_hash(code))
    app = TOTPDevice.objects.get(user=user)
    assert client.post(TWO_FACTOR, {"code": code}).status_code == 302
    app.refresh_from_db()
    assert app.throttling_failure_count == 0 and twofactor.two_factor_wait(user) == 0
