"""Referral packages for organisations not on the platform: consent to the country,
only the chosen sections, an AES ZIP that opens with the password shown once."""

import io
import json
import re

import pytest
import pyzipper
from django.urls import reverse
from django.utils import timezone

from payvand.assistance.services import entry_record
from payvand.core.audit.models import AuditEvent
from payvand.core.permissions import Role
from payvand.referrals.tests.helpers import consent_to
from payvand.testing.factories import OrganisationFactory, case, member

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _form(**overrides):
    return {
        "recipient": "Mashhad Women's Shelter",
        "country": "IR",
        "services": ["shelter"],
        "sections": ["identity", "support"],
        "reason": "She will cross into Iran next week and needs a shelter",
        "step": "prepare",
    } | overrides


@pytest.fixture
def setup(client):
    org = OrganisationFactory(country="AF", subdivision="AF-HER")
    worker = member(Role.CASEWORKER, org)
    c = case(org, owner=worker, given_name="زرغونه", family_name="Safi")
    entry_record(case=c, by=worker, assistance_type="Medical",
                 delivered_on=timezone.localdate(), outcome="TB treatment")  # fmt: skip
    entry_record(case=c, by=worker, assistance_type="Legal",
                 delivered_on=timezone.localdate(), outcome="Documents renewed")  # fmt: skip
    client.force_login(worker, backend=BACKEND)
    return c, worker, reverse("referrals:package", args=[c.public_id])


def test_without_consent_for_the_country_the_package_is_refused(client, setup):
    _case, _worker, url = setup
    response = client.post(url, _form())
    assert "No consent is recorded for sharing with organisations in Iran" in (
        response.content.decode()
    )


def test_the_package_opens_with_the_password_and_holds_only_the_chosen_sections(client, setup):
    c, worker, url = setup
    consent_to(c, worker, purpose="sharing_country", country="IR")
    ready = client.post(url, _form()).content.decode()
    password = re.search(r'name="password" value="([a-z2-9-]+)"', ready).group(1)
    assert password in ready and len(password) == 23
    response = client.post(url, _form(step="download", password=password))
    assert response["Content-Type"] == "application/zip"
    assert b"Safi" not in response.content, "encrypted"
    with pyzipper.AESZipFile(io.BytesIO(response.content)) as archive:
        with pytest.raises(RuntimeError):
            archive.read("summary.pdf", pwd=b"wrong-password")
        archive.setpassword(password.encode())
        assert archive.read("summary.pdf").startswith(b"%PDF")
        data = json.loads(archive.read("referral-htcds.json"))
    assert data["prs_"]["prs_FirstName"] == "زرغونه"
    types = [a["type"] for a in data["assistance"]]
    assert types == ["Legal"], "medical data stays home"
    assert "vic_" not in data and "risk" not in data
    event = AuditEvent.objects.get(action="referral.package")
    assert event.details["country"] == "IR" and password not in json.dumps(event.details)


def test_a_download_without_the_password_is_refused(client, setup):
    c, worker, url = setup
    consent_to(c, worker, purpose="sharing_country", country="IR")
    response = client.post(url, _form(step="download", password=""), follow=True)
    assert "password is missing" in response.content.decode()


def test_an_override_reason_is_sealed_in_a_case_note_and_kept_out_of_the_audit(setup):
    from payvand.assistance.models import CaseNote
    from payvand.core.sealed import open_from
    from payvand.referrals.services import package_make

    c, _worker, _url = setup
    supervisor = member(Role.SUPERVISOR, c.organisation)
    reason = "Zarghuna's brother threatens her; the shelter in Mashhad must know now"
    values = _form(override_reason=reason)
    del values["step"]
    package_make(case=c, by=supervisor, password="x" * 23, **values)
    event = AuditEvent.objects.get(action="referral.package")
    assert event.details["consent_override"] is True
    assert "Zarghuna" not in json.dumps(event.details, ensure_ascii=False)
    note = CaseNote.objects.get(case=c)
    assert reason.encode() not in bytes(note.text)
    text = open_from(c.organisation, note, "text")
    assert reason in text and "Iran" in text
