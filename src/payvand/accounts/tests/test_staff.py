import re

import pytest
from django.core import mail
from django.urls import reverse

from payvand.accounts.models import Membership, User
from payvand.core.audit.models import AuditEvent
from payvand.core.permissions import Role
from payvand.testing.factories import MembershipFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, org):
    admin = member(Role.ORG_ADMIN, org)
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    client.admin = admin
    return client


def test_invited_person_gets_an_email_in_their_language_and_can_set_a_password(
    admin_client, client, org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
        reverse("staff:invite", args=[org.public_id]),
            {"full_name": "Зарина Раҳимова", "email": "Zarina@Example.org", "role": "caseworker",
             "language": "ru"},
        )  # fmt: skip
    assert response.status_code == 302
    user = User.objects.get(email="zarina@example.org")
    assert user.preferred_language == "ru" and not user.has_usable_password()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["zarina@example.org"]
    link = re.search(r"http://\S+/accounts/reset/\S+/", message.body).group(0)
    path = link.split("testserver", 1)[-1]
    admin_client.logout()
    page = client.get(path, follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else path
    done = client.post(
        form_url,
        {"new_password1": "a long new password 42", "new_password2": "a long new password 42"},
    )
    assert done.status_code == 302
    assert (
        client.post(
            reverse("accounts:login"),
            {"username": "zarina@example.org", "password": "a long new password 42"},
        ).status_code
        == 302
    )


def test_invitation_email_is_rendered_in_the_recipients_language(
    admin_client, org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("staff:invite", args=[org.public_id]),
            {
                "full_name": "Farrukh",
                "email": "f@example.org",
                "role": "supervisor",
                "language": "ru",
            },
        )
    assert "Payvand" in mail.outbox[0].subject
    # Russian catalogue: the greeting is not English.
    assert "Hello" not in mail.outbox[0].body


def test_an_org_admin_cannot_grant_platform_roles(admin_client, org):
    response = admin_client.post(
        reverse("staff:invite", args=[org.public_id]),
        {"full_name": "X", "email": "x@example.org", "role": "platform_admin", "language": "en"},
    )
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not User.objects.filter(email="x@example.org").exists()


def test_no_email_is_sent_when_the_invitation_is_not_saved(admin_client, org):
    response = admin_client.post(
        reverse("staff:invite", args=[org.public_id]),
        {"full_name": "X", "email": "x@example.org", "role": "platform_admin", "language": "en"},
    )
    assert response.status_code == 200 and mail.outbox == []


def test_bad_invitation_input_names_the_field_and_saves_nothing(admin_client, org):
    before = (User.objects.count(), Membership.objects.count(), AuditEvent.objects.count())
    response = admin_client.post(
        reverse("staff:invite", args=[org.public_id]),
        {"full_name": "", "email": "not-an-email", "role": "caseworker", "language": "xx"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"full_name", "email", "language"}
    assert (User.objects.count(), Membership.objects.count(), AuditEvent.objects.count()) == before


def test_inviting_twice_is_refused_with_a_message(admin_client, org):
    data = {
        "full_name": "Twice",
        "email": "twice@example.org",
        "role": "caseworker",
        "language": "en",
    }
    assert admin_client.post(reverse("staff:invite", args=[org.public_id]), data).status_code == 302
    again = admin_client.post(reverse("staff:invite", args=[org.public_id]), data)
    assert again.status_code == 200
    assert "already has this role" in again.content.decode()
    assert Membership.objects.filter(user__email="twice@example.org").count() == 1


def test_removing_access_takes_effect_on_the_next_request(admin_client, client, org):
    worker = MembershipFactory(organisation=org, role=Role.SUPERVISOR)
    from payvand.testing.twofactor import VerifiedClient

    theirs = VerifiedClient()
    theirs.force_login(worker.user, backend="django.contrib.auth.backends.ModelBackend")
    staff_url = reverse("staff:list", args=[org.public_id])
    assert theirs.get(staff_url).status_code == 200
    response = admin_client.post(
        reverse("staff:set_active", args=[org.public_id, worker.public_id]), {"active": "0"}
    )
    assert response.status_code == 302
    assert theirs.get(staff_url).status_code == 404
    assert AuditEvent.objects.filter(action="staff.deactivate").exists()
    admin_client.post(
        reverse("staff:set_active", args=[org.public_id, worker.public_id]), {"active": "1"}
    )
    assert theirs.get(staff_url).status_code == 200


def test_the_last_admin_cannot_remove_themselves(admin_client, org):
    own = Membership.objects.get(user=admin_client.admin, organisation=org)
    response = admin_client.post(
        reverse("staff:set_active", args=[org.public_id, own.public_id]),
        {"active": "0"},
        follow=True,
    )
    assert "last admin" in response.content.decode()
    assert Membership.objects.get(pk=own.pk).is_active


def test_an_admin_cannot_touch_staff_of_another_organisation(admin_client, other_org):
    theirs = MembershipFactory(organisation=other_org, role=Role.CASEWORKER)
    response = admin_client.post(
        reverse("staff:set_active", args=[other_org.public_id, theirs.public_id]), {"active": "0"}
    )
    assert response.status_code == 404
    assert Membership.objects.get(pk=theirs.pk).is_active


def test_staff_list_makes_a_bounded_number_of_queries(
    admin_client, org, django_assert_max_num_queries
):
    for _ in range(30):
        MembershipFactory(organisation=org)
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("staff:list", args=[org.public_id]))
    assert response.status_code == 200
