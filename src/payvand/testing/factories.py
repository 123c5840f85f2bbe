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


def registration(**overrides):
    """A valid registration for ``case_register`` (names in any script)."""
    import datetime as dt

    from payvand.cases.services import Identity, Registration

    identity_fields = {"given_name": "Zarina", "family_name": "Rahimova", "father_name": "Karim"}
    for name in Identity.__dataclass_fields__:
        if name in overrides:
            identity_fields[name] = overrides.pop(name)
    identity = overrides.pop("identity", None) or Identity(**identity_fields)
    values = {
        "gender": "Feminine",
        "birth_precision": "estimated",
        "estimated_age": 24,
        "citizenship": ["TJ"],
        "identification_source": "Outreach",
        "identified_on": dt.date(2026, 11, 2),
    } | overrides
    return Registration(identity=identity, **values)


def case(org: Organisation, owner: User | None = None, **overrides):
    """A registered case (sealed, indexed and audited like a real one)."""
    from payvand.cases.services import case_register

    owner = owner or member(Role.CASEWORKER, org)
    return case_register(org=org, by=owner, registration=registration(**overrides), owner=owner)
