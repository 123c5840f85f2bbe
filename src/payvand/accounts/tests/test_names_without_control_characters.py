"""Names that colleagues read are refused with a pasted control character in them: an
ESC (a terminal colour) or a bidirectional override that turns the rest of the line."""

import pytest
from django.urls import reverse

from payvand.accounts.models import User
from payvand.core.permissions import Role
from payvand.testing.factories import member

pytestmark = pytest.mark.django_db
BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.mark.parametrize(("name", "code"), [("Ali\x1b[31m", "U+001B"), ("Ali\u202eevil", "U+202E")])
def test_an_invited_colleagues_name_with_a_control_character_is_refused(client, org, name, code):
    client.force_login(member(Role.ORG_ADMIN, org), backend=BACKEND)
    response = client.post(
        reverse("staff:invite", args=[org.public_id]),
        {"full_name": name, "email": "ali@example.org", "role": "caseworker", "language": "en"},
    )
    assert response.status_code == 200
    assert code in response.context["form"].errors["full_name"][0]
    assert not User.objects.filter(email="ali@example.org").exists()


def test_ones_own_name_with_a_control_character_is_refused_and_zwnj_is_not(client, org):
    user = member(Role.CASEWORKER, org)
    client.force_login(user, backend=BACKEND)
    values = {"preferred_language": "en", "calendar": "auto", "time_zone": "UTC"}
    response = client.post(reverse("accounts:profile"), {"full_name": "Mariam\x07", **values})
    assert "U+0007" in response.context["form"].errors["full_name"][0]
    persian = "مهر\u200cانگیز"  # the zero-width non-joiner belongs to the spelling
    response = client.post(reverse("accounts:profile"), {"full_name": persian, **values})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.full_name == persian


def test_an_organisations_name_with_a_control_character_is_refused(client, org):
    client.force_login(member(Role.ORG_ADMIN, org), backend=BACKEND)
    response = client.post(
        reverse("orgs:edit", args=[org.public_id]),
        {"name": "Herat\u202e Women", "org_type": "NGO", "country": "TJ", "languages": ["tg"]},
    )
    assert response.status_code == 200
    assert "U+202E" in response.context["form"].errors["name"][0]
