import pytest
from django.core.management import CommandError, call_command

from payvand.accounts.models import Membership
from payvand.orgs.models import Organisation

pytestmark = pytest.mark.django_db


def test_operator_bootstraps_an_organisation_and_its_platform_admin(capsys):
    call_command("org", "create", "--code", "reg", "--name", "Hub", "--country", "tj",
                 "--subdivision", "tj-du")  # fmt: skip
    assert Organisation.objects.get(code="REG").subdivision == "TJ-DU"
    call_command("staff", "grant", "--org", "REG", "--email", "Boss@Example.org", "--name", "Boss",
                 "--role", "platform_admin")  # fmt: skip
    out = capsys.readouterr().out
    assert "Link to choose a password" in out and "/accounts/reset/" in out
    assert Membership.objects.get(user__email="boss@example.org").role == "platform_admin"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--code", "X", "--name", "N", "--country", "TJ"], "code"),
        (["--code", "ABC", "--name", "N", "--country", "XX"], "country"),
        (
            ["--code", "ABC", "--name", "N", "--country", "TJ", "--subdivision", "AF-KAB"],
            "subdivision",
        ),
    ],
)
def test_org_create_names_the_bad_field(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("org", "create", *args)
    assert not Organisation.objects.exists()


def test_staff_grant_with_an_unknown_organisation_fails_clearly():
    with pytest.raises(CommandError, match="No organisation with code NOPE"):
        call_command("staff", "grant", "--org", "NOPE", "--email", "a@b.org", "--name", "A",
                     "--role", "caseworker")  # fmt: skip
