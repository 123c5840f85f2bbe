import factory

from payvand.accounts.models import Membership, User
from payvand.core.permissions import Role
from payvand.orgs.models import Organisation

PASSWORD = "correct horse battery staple"  # noqa: S105


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    code = factory.Sequence(lambda n: f"O{n:04d}")
    name = factory.Sequence(lambda n: f"Organisation {n}")
    org_type = "NGO"
    country = "TJ"
    subdivision = "TJ-DU"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.CASEWORKER


def member(role: str, org: Organisation | None = None, **user_fields) -> User:
    """A user holding ``role`` in ``org`` (a new organisation when none is given)."""
    org = org or OrganisationFactory()
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, organisation=org, role=role)
    return user
