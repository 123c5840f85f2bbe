import pytest

from payvand.core.permissions import Role
from payvand.screening.tests.helpers import catalogue_v1
from payvand.testing.factories import case, member


@pytest.fixture
def only_our_section(monkeypatch):
    """The case page with this app's section alone: other apps' sections, their queries
    and their audit rows are theirs to test."""
    from payvand.cases import sections

    ours = {k: v for k, v in sections.SECTIONS.items() if k == "screening"}
    monkeypatch.setattr(sections, "SECTIONS", ours)


@pytest.fixture
def v1(db):
    return catalogue_v1()


@pytest.fixture
def worker(org):
    return member(Role.CASEWORKER, org)


@pytest.fixture
def the_case(org, worker, v1):
    return case(org, owner=worker)
