"""Subject access: her identity, her records opened, her files; no staff, no perpetrators."""

import datetime as dt
import json
import zipfile

import pytest
from django.core.management import call_command
from django.utils import timezone

from payvand.assistance.models import CaseNote
from payvand.attachments.services import attachment_add
from payvand.cases.models import Case
from payvand.consent.models import Consent
from payvand.core.audit.models import AuditEvent
from payvand.demo import journeys
from payvand.demo.seed import seed_demo
from payvand.trafficking.models import Perpetrator

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 11)
PDF = b"%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\nPassport of Gulnora Nazarova\n%%EOF\n"


def test_subject_export_holds_her_data_and_files_and_is_audited(monkeypatch, tmp_path):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    monkeypatch.setattr(journeys, "SHARE_WORKED", 0.6)
    seed_demo(cases=12)
    worked = (
        Case.objects.filter(consents__isnull=False, perpetrators__isnull=False)
        .select_related("owner")
        .distinct()
        .first()
    )
    assert worked is not None
    attachment_add(
        case=worked, by=worked.owner, category="IdentityDocument", filename="passport.pdf",
        data=PDF,
    )  # fmt: skip
    out = tmp_path / "her-data.zip"
    call_command("subject_export", "--case", worked.number, "--out", str(out))
    assert out.stat().st_mode & 0o777 == 0o600, "her data in clear: readable by its owner only"
    with zipfile.ZipFile(out) as archive:
        data = json.loads(archive.read("data.json"))
        names = archive.namelist()
        assert any(n.endswith("-passport.pdf") for n in names)
        assert archive.read(next(n for n in names if n.endswith(".pdf"))) == PDF
    assert data["person"]["identity"]["given_name"]
    (her_case,) = [c for c in data["cases"] if c["number"] == worked.number]
    records = her_case["records"]
    assert len(records["consent.consent"]) == Consent.objects.filter(case=worked).count()
    assert "trafficking.perpetrator" not in records
    assert Perpetrator.objects.filter(case=worked).exists()
    if CaseNote.objects.filter(case=worked).exists():
        assert all(n["text"] for n in records["assistance.casenote"])
    assert data["attachments"][0]["filename"] == "passport.pdf"
    text = json.dumps(data)
    assert worked.owner.email not in text and worked.owner.full_name not in text
    event = AuditEvent.objects.get(action="person.subject_export")
    assert event.case_id == worked.public_id and event.details["files"] == 1
