"""The encoder runs where the product needs it: at registration (lawful basis) and when
a survivor's consent for sharing is given or withdrawn (consent basis)."""

import datetime as dt

import pytest

from payvand.consent.services import consent_record, consent_withdraw
from payvand.core.permissions import Role
from payvand.linkage.models import Encoding
from payvand.linkage.services import participation_set
from payvand.testing.factories import OrganisationFactory, case, member

pytestmark = pytest.mark.django_db


def test_registration_encodes_survivors_of_an_organisation_with_a_lawful_basis(org):
    participation_set(org=org, by=None, enabled=True, basis="lawful_basis")
    c = case(org, owner=member(Role.CASEWORKER, org))
    assert Encoding.objects.filter(person=c.person).exists()


def test_consent_for_sharing_encodes_and_its_withdrawal_drops_the_encoding(org):
    participation_set(org=org, by=None, enabled=True, basis="consent")
    other = OrganisationFactory(country="AF", subdivision="AF-KAB")
    participation_set(org=other, by=None, enabled=True, basis="consent")
    worker = member(Role.CASEWORKER, org)
    c = case(org, owner=worker)
    assert not Encoding.objects.filter(person=c.person).exists(), "no consent yet"
    consent = consent_record(
        case=c, by=worker, purpose="sharing_country", recipient_country="AF",
        given_on=dt.date.today(), recorded_how="written_signed",
    )  # fmt: skip
    assert Encoding.objects.filter(person=c.person).exists()
    consent_withdraw(consent=consent, by=worker, withdrawn_on=dt.date.today())
    assert not Encoding.objects.filter(person=c.person).exists()
