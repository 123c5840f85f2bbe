"""The import page documents the columns the importer reads."""

import re

import pytest
from django.urls import reverse

from payvand.cases.importer import ALL_COLUMNS, REQUIRED
from payvand.core.permissions import Role
from payvand.testing.factories import member

pytestmark = pytest.mark.django_db


def test_the_import_page_names_every_column_the_importer_reads_and_those_required(org, client):
    supervisor = member(Role.SUPERVISOR, org)
    client.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("cases:import")).content.decode()
    listed = {
        name.strip()
        for code in re.findall(r'<code dir="ltr">([^<]+)</code>', page)
        for name in code.split(",")
    }
    assert set(ALL_COLUMNS) <= listed, f"not on the page: {sorted(set(ALL_COLUMNS) - listed)}"
    required = re.search(r"needs <code[^>]*>([^<]+)</code>", page)
    assert required and {n.strip() for n in required.group(1).split(",")} == REQUIRED
