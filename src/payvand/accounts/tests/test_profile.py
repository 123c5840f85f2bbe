import pytest
from django.urls import reverse

from payvand.core.permissions import Role
from payvand.testing.factories import member

pytestmark = pytest.mark.django_db


def test_profile_language_and_calendar_apply_to_the_next_page(client, org):
    user = member(Role.CASEWORKER, org)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        reverse("accounts:profile"),
        {"full_name": "Mariam Sadat", "preferred_language": "fa-af", "calendar": "solar_hijri",
         "time_zone": "Asia/Kabul"},
    )  # fmt: skip
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert 'lang="fa-af" dir="rtl"' in page
    user.refresh_from_db()
    assert (user.preferred_language, user.calendar, user.time_zone) == (
        "fa-af", "solar_hijri", "Asia/Kabul",
    )  # fmt: skip


def test_language_switch_remembers_the_choice_for_a_signed_in_user(client, org):
    user = member(Role.CASEWORKER, org)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    client.post(reverse("language_switch"), {"language": "ur", "next": "/"})
    user.refresh_from_db()
    assert user.preferred_language == "ur"
    assert 'lang="ur" dir="rtl"' in client.get("/").content.decode()


def test_profile_rejects_an_unknown_language(client, org):
    user = member(Role.CASEWORKER, org)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        reverse("accounts:profile"),
        {"full_name": "X", "preferred_language": "xx", "calendar": "auto", "time_zone": "UTC"},
    )
    assert response.status_code == 200
    assert "preferred_language" in response.context["form"].errors
