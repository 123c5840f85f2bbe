"""The statistics pages: charts as accessible SVG with their tables, withheld figures as
"<11", a chart with everything withheld says so, CSV downloads, scope by role, Dari."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse

from payvand.consent.services import consent_record
from payvand.core.permissions import Role
from payvand.stats import services
from payvand.stats.facts import facts_refresh
from payvand.stats.tests import ctdc_samples
from payvand.testing.factories import OrganisationFactory, case, member
from payvand.trafficking import services as trafficking

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _survivors(org, n, *, citizenship="TJ", gender="Feminine"):
    worker = member(Role.CASEWORKER, org)
    for _ in range(n):
        c = case(org, owner=worker, citizenship=[citizenship], gender=gender, estimated_age=22)
        consent_record(
            case=c,
            by=worker,
            purpose="statistics",
            given_on=dt.date(2026, 11, 2),
            recorded_how="written_signed",
        )
        trafficking.victim_context_update(
            case=c, by=worker, version=0, exploitation_types=["ForcedLabour"]
        )
        trafficking.event_save(case=c, by=worker, event_type="Exploitation", country="RU")


def _page(client, user, **params):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client.get(reverse("stats:dashboard"), params)


def test_the_analyst_sees_charts_tables_and_withheld_figures_never_as_numbers(client, org):
    _survivors(org, 14)
    _survivors(org, 12, gender="Masculine")
    _survivors(org, 3, gender="NonConforming")
    page = _page(client, member(Role.ANALYST, org)).content.decode()
    assert page.count('role="img"') >= 5 and "<title>Survivors by gender</title>" in page
    # 3 is withheld, and 12 with it (else 29 − 14 − 12 would give the 3 away).
    desc = "<desc>Man: &lt;11; Trans, transgender or non-conforming: &lt;11; Woman: 14</desc>"
    assert desc in page, "the SVG says its figures in words"
    assert "<td>&lt;11</td>" in page, "the table shows a withheld figure as <11"
    assert "<td>3</td>" not in page and ">3<" not in page
    assert "Download as CSV" in page and "Tajikistan → Russia" in page


def test_a_chart_with_every_figure_withheld_says_so_instead_of_drawing(client, org):
    _survivors(org, 4)
    page = _page(client, member(Role.ANALYST, org)).content.decode()
    assert "Every figure of this chart is withheld" in page
    assert 'role="img"' not in page, "nothing drawn"
    empty = _page(client, member(Role.ANALYST, org), year_from=1995, year_to=1996)
    assert "No survivors are counted for these filters." in empty.content.decode()


def test_the_csv_download_leaves_withheld_counts_empty(client, org):
    _survivors(org, 12)
    _survivors(org, 2, citizenship="UZ")
    client.force_login(
        member(Role.ANALYST, org), backend="django.contrib.auth.backends.ModelBackend"
    )
    response = client.get(reverse("stats:chart_csv", args=["citizenship"]))
    assert response["Content-Type"].startswith("text/csv")
    # UZ's 2 is withheld, and TJ's 12 with it: the total (14) would give 2 away.
    assert response.content.decode().splitlines() == ["citizenship,count", "TJ,", "UZ,"]
    assert client.get(reverse("stats:chart_csv", args=["names"])).status_code == 404


def test_organisation_staff_see_only_their_own_organisation(client, org):
    other = OrganisationFactory(country="AF", subdivision="AF-KAB")
    _survivors(org, 12)
    _survivors(other, 13, citizenship="AF")
    supervisor = member(Role.SUPERVISOR, org)
    page = _page(client, supervisor).content.decode()
    row = '<th scope="row">{}</th>'
    assert row.format("Tajikistan") in page and row.format("Afghanistan") not in page
    assert _page(client, supervisor, org=str(other.public_id)).status_code == 404
    assert _page(client, member(Role.CASEWORKER, org)).status_code == 404
    region = _page(client, member(Role.ANALYST, org)).content.decode()
    assert row.format("Tajikistan") in region and row.format("Afghanistan") in region


def test_the_page_reads_the_refreshed_facts_and_says_how_old_they_are(client, org):
    _survivors(org, 12)
    facts_refresh()
    _survivors(org, 5)  # after the refresh: shown after the next one
    page = _page(client, member(Role.ANALYST, org)).content.decode()
    assert "Cases as of" in page and "<desc>Woman: 12</desc>" in page


def test_ctdc_reference_data_by_citizenship(client, org):
    services.ctdc_import(data=ctdc_samples.global_2017(), name="t")
    page = _page(client, member(Role.ANALYST, org), source="ctdc").content.decode()
    assert "CTDC&#x27;s public data" in page or "CTDC's public data" in page
    assert 'role="img"' in page or "Every figure of this chart is withheld" in page


def test_the_page_in_dari_is_right_to_left(client, org):
    _survivors(org, 12)
    analyst = member(Role.ANALYST, org)
    analyst.preferred_language = "fa-af"
    analyst.save()
    page = _page(client, analyst).content.decode()
    assert 'lang="fa-af" dir="rtl"' in page
    assert 'direction="rtl"' in page, "bars grow from the right"
    assert 'viewBox="0 0 ' in page and 'width="100%"' in page, "charts shrink to 360px"
