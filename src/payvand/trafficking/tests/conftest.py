import pytest

from payvand.core.permissions import Role
from payvand.testing.factories import case, member


@pytest.fixture
def worker(org):
    return member(Role.CASEWORKER, org, full_name="Nigora Saidova")


@pytest.fixture
def the_case(org, worker):
    return case(org, owner=worker)
