"""Invented test data in CTDC's two file formats, made when a test asks for it.

No CTDC data is here: the column names are those CTDC's codebooks publish (2017 codebook
v6 without the ``*Concatenated`` columns; the 2024 codebook with the later ``sectorOf*``
names), and every row is drawn from a seeded random generator. The real 2017 file stays
in ../shared/data and is never copied into the project (its README).
"""

import csv
import io
import random

_MEANS_2017 = (
    "DebtBondage", "TakesEarnings", "RestrictsFinancialAccess", "Threats",
    "PsychologicalAbuse", "PhysicalAbuse", "SexualAbuse", "FalsePromises",
    "PsychoactiveSubstances", "RestrictsMovement", "RestrictsMedicalCare",
    "ExcessiveWorkingHours", "UsesChildren", "ThreatOfLawEnforcement", "WithholdsNecessities",
    "WithholdsDocuments", "Other", "NotSpecified",
)  # fmt: skip
_LABOUR_2017 = (
    "Agriculture", "Aquafarming", "Begging", "Construction", "DomesticWork", "Hospitality",
    "IllicitActivities", "Manufacturing", "MiningOrDrilling", "Peddling", "Transportation",
    "Other", "NotSpecified",
)  # fmt: skip
_RELATIONS = ("IntimatePartner", "Friend", "Family", "Other")
COLUMNS_2017 = [
    "yearOfRegistration", "Datasource", "gender", "ageBroad", "majorityStatus",
    "majorityStatusAtExploit", "majorityEntry", "citizenship",
    *(f"meansOfControl{m}" for m in _MEANS_2017),
    "isForcedLabour", "isSexualExploit", "isOtherExploit", "isSexAndLabour", "isForcedMarriage",
    "isForcedMilitary", "isOrganRemoval",
    *(f"typeOfLabour{s}" for s in _LABOUR_2017),
    "typeOfSexProstitution", "typeOfSexPornography", "typeOfSexRemoteInteractiveServices",
    "typeOfSexPrivateSexualServices", "isAbduction", "RecruiterRelationship",
    "CountryOfExploitation", *(f"recruiterRelation{r}" for r in (*_RELATIONS, "Unknown")),
]  # fmt: skip
COLUMNS_2024 = [
    "yearOfRegistration", "gender", "ageBroad", "citizenship", "CountryOfExploitation",
    "traffickMonths", "meansDebtBondageEarnings", "meansThreats", "meansAbusePsyPhySex",
    "meansFalsePromises", "meansDrugsAlcohol", "meansDenyBasicNeeds", "meansExcessiveWorkHours",
    "meansWithholdDocs", "isForcedLabour", "isSexualExploit", "isOtherExploit",
    "sectorOfLabourAgriculture", "sectorOfLabourConstruction", "sectorOfLabourDomesticWork",
    "sectorOfLabourHospitality", "sectorOfSexProstitution", "sectorOfSexPornography",
    *(f"recruiterRelation{r}" for r in _RELATIONS),
]  # fmt: skip


def _rows_2017(rng: random.Random) -> list[dict]:
    rows = []
    for _ in range(60):
        r = dict.fromkeys(COLUMNS_2017, "")
        r["yearOfRegistration"] = str(rng.choice([2015, 2016, 2017]))
        r["Datasource"] = rng.choice(["Case Management", "Hotline"])
        r["gender"] = rng.choice(["Female", "Male", "Unknown"])
        r["ageBroad"] = rng.choice(["18--20", "21--23", "9--17", "Unknown", ""])
        r["citizenship"] = rng.choice(["UZ"] * 5 + ["TJ"] * 3 + ["AF", "Missing", "Unknown"])
        r["CountryOfExploitation"] = rng.choice(["RU", "KZ", "TR", "Unknown"])
        r["isForcedLabour"] = rng.choice(["1", "0", ""])
        r["isSexualExploit"] = rng.choice(["1", "0", ""])
        r["meansOfControlDebtBondage"] = rng.choice(["1", "0", ""])
        r["typeOfLabourConstruction"] = rng.choice(["1", "0", ""])
        r["recruiterRelationFriend"] = rng.choice(["1", "0"])
        rows.append(r)
    return rows


def _rows_2024(rng: random.Random) -> list[dict]:
    rows = []
    for _ in range(40):
        r = dict.fromkeys(COLUMNS_2024, "")
        r["yearOfRegistration"] = str(rng.choice([2020, 2021, 2022]))
        r["gender"] = rng.choice(["Woman", "Man", "Trans/Transgender/NonConforming", ""])
        r["ageBroad"] = rng.choice(["09--17", "18--20", "48+", ""])
        r["citizenship"] = rng.choice(["UZB", "TJK", "AFG", "KGZ", ""])
        r["CountryOfExploitation"] = rng.choice(["RUS", "KAZ", "TUR", ""])
        r["traffickMonths"] = rng.choice(["0--12 (0-1 yr)", "13--24 (1-2 yrs)", "25+ (2+ yrs)", ""])
        r["isForcedLabour"] = rng.choice(["1", ""])
        r["meansWithholdDocs"] = rng.choice(["1", ""])
        r["sectorOfLabourConstruction"] = rng.choice(["1", ""])
        rows.append(r)
    return rows


def _csv(columns: list[str], rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _both() -> tuple[bytes, bytes]:
    rng = random.Random(7)  # one generator, the 2017 rows first: stable test data
    first = _csv(COLUMNS_2017, _rows_2017(rng))
    return first, _csv(COLUMNS_2024, _rows_2024(rng))


def global_2017() -> bytes:
    """60 invented rows in the 2017–2020 global format (alpha-2, detailed flags)."""
    return _both()[0]


def synthetic_2024() -> bytes:
    """40 invented rows in the 2024/2025 synthetic format (alpha-3, sectorOf* columns)."""
    return _both()[1]
