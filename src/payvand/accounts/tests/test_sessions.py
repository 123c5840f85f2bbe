"""Sessions end when they should: sign out everywhere, an admin's revocation, a reset
second factor, the absolute lifetime; and a new browser is announced by e-mail."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from payvand.accounts import sessions
from payvand.accounts.models import KnownDevice, Membership
from payvand.core.audit.models import AuditEvent
from payvand.core.permissions import Role
from payvand.testing.factories import PASSWORD, MembershipFactory, member
from payvand.testing.twofactor import VerifiedClient, code_for

pytestmark = pytest.mark.django_db
CASES = "/cases/"


def _signed_in(user) -> VerifiedClient:
    client = VerifiedClient()
    client.force_login(user)
    return client


def test_sign_out_everywhere_ends_every_session_of_hers_and_no_one_elses(org):
    user, colleague = member(Role.CASEWORKER, org), member(Role.CASEWORKER, org)
    laptop, phone, theirs = _signed_in(user), _signed_in(user), _signed_in(colleague)
    assert phone.get(CASES).status_code == 200
    response = laptop.post(reverse("accounts:sessions_end"))
    assert response["Location"] == reverse("accounts:login")
    ended = phone.get(CASES)
    assert ended.status_code == 302 and ended["Location"].startswith(reverse("accounts:login"))
    assert laptop.get(CASES).status_code == 302
    assert theirs.get(CASES).status_code == 200
    # Signing in again works at once.
    assert _signed_in(user).get(CASES).status_code == 200
    assert AuditEvent.objects.filter(action="auth.sessions_ended").count() == 1


def test_an_admin_ends_a_staff_members_sessions_and_only_in_her_own_organisation(org, other_org):
    admin = member(Role.ORG_ADMIN, org)
    worker = MembershipFactory(organisation=org, role=Role.CASEWORKER)
    stranger = MembershipFactory(organisation=other_org, role=Role.CASEWORKER)
    theirs, strangers = _signed_in(worker.user), _signed_in(stranger.user)
    admin_client = _signed_in(admin)
    url = reverse("staff:sessions_end", args=[org.public_id, worker.public_id])
    assert admin_client.post(url).status_code == 302
    assert theirs.get(CASES)["Location"].startswith(reverse("accounts:login"))
    elsewhere = reverse("staff:sessions_end", args=[other_org.public_id, stranger.public_id])
    assert admin_client.post(elsewhere).status_code == 404
    assert strangers.get(CASES).status_code == 200
    event = AuditEvent.objects.get(action="auth.sessions_ended")
    assert event.actor_id == admin.public_id and event.details == {"by_admin": True}
    # Nobody ends her own sessions through the staff page (she has her security page).
    own = Membership.objects.get(user=admin, organisation=org)
    assert (
        admin_client.post(
            reverse("staff:sessions_end", args=[org.public_id, own.public_id])
        ).status_code
        == 404
    )


def test_a_reset_second_factor_signs_her_out_and_asks_for_a_new_app(org):
    admin = member(Role.ORG_ADMIN, org)
    worker = MembershipFactory(organisation=org, role=Role.CASEWORKER)
    theirs = _signed_in(worker.user)
    assert TOTPDevice.objects.filter(user=worker.user).exists()
    url = reverse("staff:two_factor_reset", args=[org.public_id, worker.public_id])
    assert _signed_in(admin).post(url).status_code == 302
    assert not TOTPDevice.objects.filter(user=worker.user, confirmed=True).exists()
    assert theirs.get(CASES)["Location"].startswith(reverse("accounts:login"))
    fresh = Client()
    fresh.post(reverse("accounts:login"), {"username": worker.user.email, "password": PASSWORD})
    assert fresh.get(reverse("accounts:two_factor"))["Location"].startswith(
        reverse("accounts:two_factor_setup")
    )
    assert AuditEvent.objects.filter(action="auth.2fa_reset").count() == 1


def test_a_session_ends_after_its_absolute_lifetime_even_when_busy(org):
    client = _signed_in(member(Role.CASEWORKER, org))
    assert client.get(CASES).status_code == 200
    session = client.session
    hours = settings.PAYVAND_SESSION_MAX_HOURS
    session[sessions.AUTH_AT] = (timezone.now() - timedelta(hours=hours, minutes=1)).timestamp()
    session.save()
    response = client.get(CASES, follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("accounts:login"))
    assert "signed in for a long time" in response.content.decode()


def _idle_for(client, seconds: float) -> None:
    """As if the session's last write back were ``seconds`` earlier."""
    session = client.session
    session[sessions.SEEN_AT] -= seconds
    session.save()


def _session_writes(captured) -> list[str]:
    return [
        q["sql"] for q in captured.captured_queries if q["sql"].startswith('UPDATE "django_session')
    ]


def test_a_session_in_use_is_written_back_once_a_minute_and_ends_after_idle_minutes(org):
    client = _signed_in(member(Role.CASEWORKER, org))
    assert client.get(CASES).status_code == 200
    key = client.session.session_key
    expires = Session.objects.get(pk=key).expire_date
    # Within the minute the pages are served without writing the session back.
    with CaptureQueriesContext(connection) as captured:
        assert client.get(CASES).status_code == 200
        assert client.get("/").status_code == 200
    assert _session_writes(captured) == []
    assert Session.objects.get(pk=key).expire_date == expires
    # A minute on, the next request writes it back: the idle time counts from then.
    _idle_for(client, sessions.TOUCH_EVERY + 1)
    before = timezone.now()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(CASES).status_code == 200
    assert len(_session_writes(captured)) == 1
    assert client.session[sessions.SEEN_AT] >= before.timestamp()
    stored = Session.objects.get(pk=key).expire_date
    assert stored >= before + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    # The idle time is up by its stamp, whatever the stored row says: signed out.
    _idle_for(client, settings.SESSION_COOKIE_AGE + 1)
    response = client.get(CASES)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert client.get(CASES).status_code == 302, "and stays signed out"
    # A stored row past its expiry is no session at all (Django's own check).
    again = _signed_in(member(Role.CASEWORKER, org))
    Session.objects.filter(pk=again.session.session_key).update(expire_date=timezone.now())
    assert again.get(CASES).status_code == 302


def test_the_second_factor_is_read_again_when_the_session_is_written_back(org):
    user = member(Role.CASEWORKER, org)
    client = _signed_in(user)
    assert client.get(CASES).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(CASES).status_code == 200
    assert not [q for q in captured.captured_queries if "otp_" in q["sql"]]
    # Her authenticator app is replaced in another browser (the old device is deleted):
    # within the minute this session's own record stands ...
    TOTPDevice.objects.filter(user=user).delete()
    assert client.get(CASES).status_code == 200
    # ... and when the session is next written back, the device is read: gone.
    _idle_for(client, sessions.TOUCH_EVERY + 1)
    response = client.get(CASES)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor"))


def test_a_session_started_before_its_stamp_existed_is_stamped_at_once(org):
    client = _signed_in(member(Role.CASEWORKER, org))
    session = client.session
    del session[sessions.SEEN_AT]
    session.save()
    assert client.get(CASES).status_code == 200
    assert client.session[sessions.SEEN_AT] == pytest.approx(timezone.now().timestamp(), abs=60)


def test_a_new_browser_is_announced_by_e_mail_in_her_language(
    org, django_capture_on_commit_callbacks
):
    user = member(Role.CASEWORKER, org, preferred_language="ru")
    chrome = {"HTTP_USER_AGENT": "Mozilla/5.0 (Windows NT 10.0) Chrome/131.0 Safari/537.36"}
    first = Client(**chrome)
    with django_capture_on_commit_callbacks(execute=True):
        first.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    token = first.cookies[sessions.DEVICE_COOKIE]
    assert token["httponly"] and int(token["max-age"]) > 300 * 24 * 3600
    assert not mail.outbox, "her first browser is not news"
    # The same browser again: still nothing.
    first.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    assert not mail.outbox
    # Another browser: a notice, even before the second factor is typed.
    android = Client(HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Firefox/133.0")
    with django_capture_on_commit_callbacks(execute=True):
        android.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    assert len(mail.outbox) == 1
    notice = mail.outbox[0]
    assert notice.to == [user.email]
    assert "Firefox, Android" in notice.body and "/accounts/security/" in notice.body
    assert notice.subject != "New sign-in to your Payvand account"  # Russian
    labels = set(KnownDevice.objects.filter(user=user).values_list("label", flat=True))
    assert labels == {"Chrome, Windows", "Firefox, Android"}
    assert not KnownDevice.objects.filter(token_hash=token.value).exists(), "hashed"
    android.post(reverse("accounts:two_factor"), {"code": code_for(user)})
    page = android.get(reverse("accounts:security")).content.decode()
    assert "Chrome, Windows" in page and "Firefox, Android" in page


def test_signed_in_pages_are_not_kept_by_the_browser(org):
    client = _signed_in(member(Role.CASEWORKER, org))
    assert client.get(CASES)["Cache-Control"] == "no-store"
    assert client.get("/")["Cache-Control"] == "no-store"


def test_behind_the_proxy_the_notice_names_the_address_the_proxy_saw(
    org, settings, django_capture_on_commit_callbacks
):
    settings.BEHIND_PROXY = True
    user = member(Role.CASEWORKER, org)
    KnownDevice.objects.create(user=user, token_hash="0" * 64, last_seen=timezone.now())
    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    assert "203.0.113.9" in mail.outbox[0].body and "6.6.6.6" not in mail.outbox[0].body
    event = AuditEvent.objects.filter(action="auth.login").latest("id")
    assert event.ip == "203.0.113.9"
