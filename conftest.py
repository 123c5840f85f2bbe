import os

import pytest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "payvand.testing.settings")
# Playwright's sync API runs an event loop in the test thread; Django would then
# refuse ORM calls from it. The browser tests only touch the ORM to set up data.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fresh_process_state():
    """Each test starts as a fresh request would: English, and an empty cache.

    A request by a Dari or Russian user leaves its language active in this thread (the
    locale middleware activates it), and Django's cache is the process's own (the
    statistics tables, option lists): neither may carry over from an earlier test, whose
    database rows are gone. Nor may duplicate detection's in-memory store of encodings
    (SQLite gives a rolled-back test's ids again, so its change log can look unchanged).
    """
    from django.core.cache import cache
    from django.utils import timezone, translation

    from payvand.linkage import selectors as linkage_selectors

    cache.clear()
    linkage_selectors._STORE.reset()
    yield
    translation.deactivate()
    timezone.deactivate()  # a user's time zone, activated by a request or a service


@pytest.fixture
def client():
    """Django's test client, whose sign-ins also pass the second factor (two-factor
    authentication is tested with a plain ``django.test.Client``)."""
    from payvand.testing.twofactor import VerifiedClient

    return VerifiedClient()


@pytest.fixture
def org(db):
    from payvand.testing.factories import OrganisationFactory

    return OrganisationFactory()


@pytest.fixture
def other_org(db):
    from payvand.testing.factories import OrganisationFactory

    return OrganisationFactory(country="AF", subdivision="AF-KAB")


@pytest.fixture
def login(client):
    """Sign ``user`` in on the test client (through the real login form's backend)."""

    def _login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login
