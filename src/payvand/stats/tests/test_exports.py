"""The CTDC 2024-format export (k-anonymous over CTDC's quasi-identifiers, CTDC's names
and codes) and the HTCDS JSON export of one organisation."""

import csv
import datetime as dt
import io
import json
from collections import Counter

import pycountry
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from payvand.cases.models import Case
from payvand.core.audit.models import AuditEvent
from payvand.demo import journeys
from payvand.demo.seed import seed_demo
from payvand.orgs.models import Organisation
from payvand.stats import exports
from payvand.stats.ctdc import SYNTHETIC_2024, detect_format
from payvand.stats.vocab import CtdcGender

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 11)  # the demo's journeys depend on the day (demo/tests)
HEADER_2024 = (
    "yearOfRegistration,gender,ageBroad,citizenship,CountryOfExploitation,traffickMonths,"
    "meansDebtBondageEarnings,meansThreats,meansAbusePsyPhySex,meansFalsePromises,"
    "meansDrugsAlcohol,meansDenyBasicNeeds,meansExcessiveWorkHours,meansWithholdDocs,"
    "isForcedLabour,isSexualExploit,isOtherExploit,typeOfLabourAgriculture,"
    "typeOfLabourConstruction,typeOfLabourDomesticWork,typeOfLabourHospitality,"
    "typeOfSexProstitution,typeOfSexPornography,recruiterRelationIntimatePartner,"
    "recruiterRelationFriend,recruiterRelationFamily,recruiterRelationOther"
)


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    monkeypatch.setattr(journeys, "SHARE_WORKED", 0.45)
    seed_demo(cases=80)


def test_the_ctdc_export_of_the_demo_is_k_anonymous_in_ctdcs_names_and_codes(demo, tmp_path):
    out = tmp_path / "ctdc.csv"
    report = io.StringIO()
    call_command("stats", "export-ctdc", "--out", str(out), stdout=report)
    text = out.read_text()
    assert text.splitlines()[0] == HEADER_2024
    assert len(HEADER_2024.split(",")) == 27
    assert detect_format(HEADER_2024.split(",")) == SYNTHETIC_2024, "our importer reads it back"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows, "the demo's survivors are exported (some values emptied)"
    classes = Counter(tuple(r[q] for q in exports.QUASI_IDENTIFIERS) for r in rows)
    assert min(classes.values()) >= 11, "k = 11 over the quasi-identifiers"
    for row in rows:
        for column in ("citizenship", "CountryOfExploitation"):
            assert row[column] == "" or pycountry.countries.get(alpha_3=row[column])
        assert row["gender"] in ("", *CtdcGender.values)
        flags = [
            c for c in exports.CTDC_2024_COLUMNS if c.startswith(("means", "is", "type", "rec"))
        ]
        assert all(row[c] in ("", "1") for c in flags)
    assert "survivors written" in report.getvalue()
    assert AuditEvent.objects.filter(action="stats.export_ctdc").exists()


def test_k_anonymisation_empties_the_most_identifying_values_first():
    common = {c: "" for c in exports.CTDC_2024_COLUMNS} | {
        "yearOfRegistration": "2025", "gender": "Woman", "ageBroad": "18--20",
        "citizenship": "TJK", "CountryOfExploitation": "RUS", "isForcedLabour": "1",
    }  # fmt: skip
    rows = [dict(common, citizenship="UZB") for _ in range(6)]
    rows += [dict(common, citizenship="KGZ") for _ in range(6)]
    rows += [dict(common, ageBroad="21--23") for _ in range(11)]
    kept, report = exports.k_anonymise(rows, 11)
    assert len(kept) == 23 and exports.smallest_class(kept) == 11
    assert Counter(r["citizenship"] for r in kept) == {"": 12, "TJK": 11}, (
        "two small classes merged"
    )
    assert {r["CountryOfExploitation"] for r in kept} == {"RUS"}, "nothing else emptied"
    assert report == {"emptied": {"citizenship": 12}, "left_out": 0}
    lonely = [dict(common, yearOfRegistration="2019")] + [dict(common) for _ in range(11)]
    kept, report = exports.k_anonymise(lonely, 11)
    assert len(kept) == 11 and report["left_out"] == 1, "a row that cannot hide is left out"


def test_the_htcds_export_holds_codes_and_identities_only_when_asked(demo, tmp_path):
    org = Organisation.objects.get(code="DYU")
    plain = tmp_path / "dyu.json"
    call_command("stats", "export-htcds", "--org", "dyu", "--out", str(plain), stdout=io.StringIO())
    data = json.loads(plain.read_text())
    assert data["organisation"]["org_ShippingCountry"] == org.country
    assert len(data["cases"]) == Case.objects.filter(organisation=org).count()
    assert all("prs_FirstName" not in c for c in data["cases"])
    assert any(c.get("vic_TypeOfExploitation") for c in data["cases"])
    assert {e["hte_Type"] for c in data["cases"] for e in c["hte"]} <= {
        "Recruitment", "Transit", "Exploitation",
    }  # fmt: skip
    reads = AuditEvent.objects.filter(action="person.identity_read").count()
    full = tmp_path / "dyu-full.json"
    err = io.StringIO()
    call_command(
        "stats", "export-htcds", "--org", "DYU", "--out", str(full), "--with-identities",
        stdout=io.StringIO(), stderr=err,
    )  # fmt: skip
    assert "names, birth dates and contacts" in err.getvalue()
    cases = json.loads(full.read_text())["cases"]
    assert all(c.get("prs_FirstName") or c.get("x_Erased") for c in cases)
    assert AuditEvent.objects.filter(action="person.identity_read").count() == reads + len(cases)
    assert AuditEvent.objects.filter(
        action="stats.export_htcds", details__with_identities=True
    ).exists()
    assert oct(full.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export-htcds", "--org", "NOPE", "--out", "x.json"], "No organisation"),
        (["export-ctdc", "--out", "/no/such/folder/x.csv"], "does not exist"),
    ],
)
def test_bad_export_arguments_get_a_clear_error(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("stats", *args, stdout=io.StringIO())
