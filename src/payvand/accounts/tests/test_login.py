import pytest
from django.conf import settings
from django.urls import reverse

from payvand.core.audit.models import AuditEvent
from payvand.core.permissions import Role
from payvand.testing.factories import PASSWORD, member

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")


def _post_login(client, email, password):
    return client.post(LOGIN, {"username": email, "password": password})


def test_sign_in_with_email_reaches_the_dashboard(client, org):
    # An analyst sees no personal data: the password alone lets her in.
    user = member(Role.ANALYST, org, email="Farzana@Example.org")
    response = _post_login(client, "farzana@example.org", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert user.full_name in page.content.decode()
    assert AuditEvent.objects.filter(action="auth.login", actor_id=user.public_id).exists()


def test_wrong_password_shows_a_clear_error(client, org):
    member(Role.CASEWORKER, org, email="a@example.org")
    response = _post_login(client, "a@example.org", "wrong")
    assert response.status_code == 200
    assert "enter a correct e-mail and password" in response.content.decode().lower()


def test_ten_wrong_passwords_lock_the_account_with_a_clear_message(client, org):
    member(Role.CASEWORKER, org, email="locked@example.org")
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 10
    for _ in range(limit - 1):
        assert _post_login(client, "locked@example.org", "wrong").status_code == 200
    response = _post_login(client, "locked@example.org", "wrong")
    assert response.status_code == 429
    body = response.content.decode()
    assert "Too many wrong passwords" in body and "15 minutes" in body
    # Even the right password is refused while locked.
    assert _post_login(client, "locked@example.org", PASSWORD).status_code == 429
    # Another account is not affected.
    member(Role.CASEWORKER, org, email="other@example.org")
    assert _post_login(client, "other@example.org", PASSWORD).status_code == 302


def test_session_expires_after_thirty_idle_minutes_and_is_renewed_by_use(client, org):
    # Renewed once a minute while in use: accounts/tests/test_sessions.py.
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    client.force_login(
        member(Role.CASEWORKER, org), backend="django.contrib.auth.backends.ModelBackend"
    )
    client.get("/")
    assert client.session.get_expiry_age() == 30 * 60


def test_logout_needs_post_and_ends_the_session(client, org):
    client.force_login(
        member(Role.CASEWORKER, org), backend="django.contrib.auth.backends.ModelBackend"
    )
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get("/").status_code == 302


def test_a_deactivated_organisation_gives_its_staff_no_access(client, org):
    user = member(Role.ORG_ADMIN, org)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("staff:list", args=[org.public_id])).status_code == 200
    org.is_active = False
    org.save()
    assert client.get(reverse("staff:list", args=[org.public_id])).status_code == 404
    assert "no active role" in client.get("/").content.decode()


def test_password_reset_mails_a_link_only_to_existing_accounts(client, org):
    from django.core import mail

    member(Role.CASEWORKER, org, email="known@example.org")
    url = reverse("accounts:password_reset")
    unknown = client.post(url, {"email": "nobody@example.org"})
    known = client.post(url, {"email": "known@example.org"})
    # The same answer either way, so the page reveals no account.
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"]
    assert [m.to for m in mail.outbox] == [["known@example.org"]]
    assert "/accounts/reset/" in mail.outbox[0].body
