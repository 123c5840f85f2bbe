"""The directory as an Open Referral HSDS 3.0 data package (JSON), out and back in.

A package is a Frictionless ``datapackage.json`` whose resources are HSDS tables, one
array of rows each: in a folder (``datapackage.json`` + ``organization.json`` …) or in
one file (each resource's rows inline under ``data``). Both are read back.

Mapping (Payvand → HSDS 3.0):

=============================  ====================================================
Organisation                   organization (id = public id, name, email, website,
                               description = directory profile)
  short code                   organization_identifier (identifier_scheme "payvand")
  country, province, address   location (location_type "postal") + address
                               (country ISO 3166-1, state_province ISO 3166-2)
  phone                        phone (organization_id)
  type, languages              attribute → taxonomy_term of the "payvand-org-type"
                               (HTCDS codes) and "iso-639-1" taxonomies
Location                       location (location_type "physical", organization_id,
                               latitude/longitude) + address
Service                        service (status: active; "inactive" when hidden from
                               the public; "temporarily closed" when paused;
                               eligibility_description = the populations in words)
  locations                    service_at_location (id kept)
  areas served                 service_area (uri = ISO's code page
                               https://www.iso.org/obp/ui/#iso:code:3166:AF-KAB)
  languages                    language (ISO 639-1 code)
  opening hours                schedule (freq WEEKLY, byday, opens_at, closes_at in
                               the location's local time); the free-text note is a
                               schedule with only a description
  contacts (desks, no names)   contact (department, email) + phone (contact_id)
  type, populations,           attribute (link_entity "service", link_type
  availability + its date,     service_type / eligibility / availability (value =
  referrals accepted           ISO date) / referrals) → taxonomy_term → taxonomy
=============================  ====================================================

Rows that Payvand does not keep get stable ids derived from their parent's id
(uuid5), so exporting, importing into an empty database and exporting again gives
the same package.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation

from payvand.core import countries
from payvand.core.audit.services import audit_record
from payvand.core.errors import DomainError
from payvand.directory import services as directory_services
from payvand.directory.models import (
    Availability,
    Location,
    OrganisationProfile,
    Population,
    Service,
    ServiceType,
    Weekday,
)
from payvand.orgs.models import Organisation, OrgType
from payvand.orgs.services import _organisation_create

HSDS_VERSION = "3.0"
NAMESPACE = uuid.UUID("6f1f3f0e-6a39-5b7e-9c61-70617976616e")  # fixed: ids must not drift
ISO_3166_URI = "https://www.iso.org/obp/ui/#iso:code:3166:"
TABLES = (
    "organization",
    "organization_identifier",
    "location",
    "address",
    "service",
    "service_at_location",
    "service_area",
    "language",
    "schedule",
    "contact",
    "phone",
    "taxonomy",
    "taxonomy_term",
    "attribute",
)
# our taxonomies: key → (name, the codes and their English labels)
TAXONOMIES: dict[str, tuple[str, Any]] = {
    "service_type": ("Payvand service types", ServiceType),
    "eligibility": ("Payvand populations served", Population),
    "availability": ("Payvand availability", Availability),
    "referrals": ("Payvand referrals", None),
    "organisation_type": ("HTCDS v2.0 organisation types", OrgType),
    "language": ("ISO 639-1", None),
}
REFERRAL_TERMS = {
    "accepts_referrals": "Accepts referrals",
    "accepts_cross_border": "Accepts referrals from other countries",
}


class PackageError(DomainError):
    """The file is not a directory package Payvand can read; the message says where."""


def _id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def _taxonomy_id(key: str) -> str:
    return _id("taxonomy", key)


def _term_id(key: str, code: str) -> str:
    return _id("taxonomy_term", key, code)


# --- export ----------------------------------------------------------------------------


def export_tables() -> dict[str, list[dict]]:
    """Every active organisation's directory data as HSDS tables (rows sorted by id)."""
    with translation.override("en"):
        return _export_tables()


def _export_tables() -> dict[str, list[dict]]:
    tables: dict[str, list[dict]] = {name: [] for name in TABLES}
    terms: set[tuple[str, str]] = set()

    def attribute(link_entity: str, link_id: str, key: str, code: str, value=None) -> None:
        terms.add((key, code))
        tables["attribute"].append(
            {
                "id": _id("attribute", link_id, key, code),
                "link_id": link_id,
                "link_type": key,
                "link_entity": link_entity,
                "taxonomy_term_id": _term_id(key, code),
                "value": value,
                "label": None,
            }
        )

    def address(location_id: str, kind: str, line: str, city: str, province: str, country: str):
        tables["address"].append(
            {
                "id": _id("address", location_id),
                "location_id": location_id,
                "attention": None,
                "address_1": line,
                "address_2": None,
                "city": city,
                "region": None,
                "state_province": province,
                "postal_code": "",
                "country": country,
                "address_type": kind,
            }
        )

    orgs = list(Organisation.objects.filter(is_active=True).order_by("public_id"))
    profiles = dict(OrganisationProfile.objects.values_list("organisation_id", "description"))
    for org in orgs:
        oid = str(org.public_id)
        tables["organization"].append(
            {
                "id": oid,
                "name": org.name,
                "alternate_name": None,
                "description": profiles.get(org.pk, ""),
                "email": org.email or None,
                "website": org.website or None,
                "year_incorporated": None,
                "legal_status": None,
                "logo": None,
                "uri": None,
                "parent_organization_id": None,
            }
        )
        tables["organization_identifier"].append(
            {
                "id": _id("organization_identifier", oid),
                "organization_id": oid,
                "identifier_scheme": "payvand",
                "identifier_type": "Payvand short code",
                "identifier": org.code,
            }
        )
        postal = _id("postal-location", oid)
        tables["location"].append(_location_row(postal, oid, "postal", org.name))
        address(postal, "postal", org.address, "", org.subdivision, org.country)
        if org.phone:
            tables["phone"].append(_phone_row(_id("phone", oid), org.phone, organization_id=oid))
        attribute("organization", oid, "organisation_type", org.org_type)
        for code in org.languages:
            attribute("organization", oid, "language", code)

    by_org = {org.pk: str(org.public_id) for org in orgs}
    locations = Location.objects.filter(organisation_id__in=by_org).order_by("public_id")
    location_ids = {}
    for loc in locations:
        lid = location_ids[loc.pk] = str(loc.public_id)
        row = _location_row(lid, by_org[loc.organisation_id], "physical", loc.name)
        row["latitude"] = float(loc.latitude) if loc.latitude is not None else None
        row["longitude"] = float(loc.longitude) if loc.longitude is not None else None
        tables["location"].append(row)
        address(lid, "physical", loc.address, loc.city, loc.subdivision, loc.country)

    services = (
        Service.objects.filter(organisation_id__in=by_org)
        .prefetch_related("at_locations", "hours", "contacts")
        .order_by("public_id")
    )
    for service in services:
        sid = str(service.public_id)
        if not service.is_published:
            status = "inactive"
        elif service.availability == Availability.PAUSED:
            status = "temporarily closed"
        else:
            status = "active"
        tables["service"].append(
            {
                "id": sid,
                "organization_id": by_org[service.organisation_id],
                "program_id": None,
                "name": service.name,
                "alternate_name": None,
                "description": service.description,
                "url": service.url or None,
                "email": service.email or None,
                "status": status,
                "interpretation_services": None,
                "application_process": None,
                "fees_description": None,
                "accreditations": None,
                "eligibility_description": ", ".join(service.eligibility_labels) or None,
                "minimum_age": None,
                "maximum_age": None,
                "alert": None,
            }
        )
        attribute("service", sid, "service_type", service.service_type)
        for code in service.eligibility:
            attribute("service", sid, "eligibility", code)
        since = service.availability_on.isoformat()
        attribute("service", sid, "availability", service.availability, since)
        if service.accepts_referrals:
            attribute("service", sid, "referrals", "accepts_referrals")
        if service.accepts_cross_border:
            attribute("service", sid, "referrals", "accepts_cross_border")
        for link in service.at_locations.all():
            tables["service_at_location"].append(
                {
                    "id": str(link.public_id),
                    "service_id": sid,
                    "location_id": location_ids[link.location_id],
                    "description": None,
                }
            )
        for code in service.areas:
            name = countries.subdivision_name(code) if "-" in code else countries.country_name(code)
            tables["service_area"].append(
                {
                    "id": _id("service_area", sid, code),
                    "service_id": sid,
                    "service_at_location_id": None,
                    "name": name,
                    "description": None,
                    "extent": None,
                    "extent_type": None,
                    "uri": ISO_3166_URI + code,
                }
            )
        for code in service.languages:
            tables["language"].append(
                {
                    "id": _id("language", sid, code),
                    "service_id": sid,
                    "location_id": None,
                    "phone_id": None,
                    "name": countries.language_name(code),
                    "code": code,
                    "note": None,
                }
            )
        for row in service.hours.all():
            tables["schedule"].append(
                _schedule_row(
                    _id("schedule", sid, row.weekday),
                    sid,
                    freq="WEEKLY",
                    byday=row.weekday,
                    opens_at=row.opens_at.strftime("%H:%M"),
                    closes_at=row.closes_at.strftime("%H:%M"),
                )
            )
        if service.hours_note:
            tables["schedule"].append(
                _schedule_row(_id("schedule-note", sid), sid, description=service.hours_note)
            )
        for contact in service.contacts.all():
            cid = str(contact.public_id)
            tables["contact"].append(
                {
                    "id": cid,
                    "organization_id": None,
                    "service_id": sid,
                    "service_at_location_id": None,
                    "location_id": None,
                    "name": None,
                    "title": None,
                    "department": contact.department or None,
                    "email": contact.email or None,
                }
            )
            if contact.phone:
                tables["phone"].append(
                    _phone_row(_id("phone", cid), contact.phone, contact_id=cid, service_id=sid)
                )

    for key in sorted({key for key, _code in terms}):
        tables["taxonomy"].append(
            {
                "id": _taxonomy_id(key),
                "name": TAXONOMIES[key][0],
                "description": TAXONOMIES[key][0],
                "uri": None,
                "version": None,
            }
        )
    for key, code in sorted(terms):
        label = _term_label(key, code)
        tables["taxonomy_term"].append(
            {
                "id": _term_id(key, code),
                "code": code,
                "name": label,
                "description": label,
                "parent_id": None,
                "taxonomy": TAXONOMIES[key][0],
                "language": "en",
                "taxonomy_id": _taxonomy_id(key),
                "term_uri": None,
            }
        )
    for rows in tables.values():
        rows.sort(key=lambda row: row["id"])
    return tables


def _term_label(key: str, code: str) -> str:
    if key == "language":
        return countries.language_name(code)
    if key == "referrals":
        return REFERRAL_TERMS[code]
    return str(dict(TAXONOMIES[key][1].choices).get(code, code))


def _location_row(lid: str, oid: str, kind: str, name: str) -> dict:
    return {
        "id": lid,
        "location_type": kind,
        "url": None,
        "organization_id": oid,
        "name": name,
        "alternate_name": None,
        "description": None,
        "transportation": None,
        "latitude": None,
        "longitude": None,
        "external_identifier": None,
        "external_identifier_type": None,
    }


def _phone_row(pid: str, number: str, **links) -> dict:
    row = {
        "id": pid,
        "location_id": None,
        "service_id": None,
        "organization_id": None,
        "contact_id": None,
        "service_at_location_id": None,
        "number": number,
        "extension": None,
        "type": "voice",
        "description": None,
    }
    return row | links


def _schedule_row(sid: str, service_id: str, **values) -> dict:
    row = dict.fromkeys(
        ("location_id", "service_at_location_id", "valid_from", "valid_to", "dtstart", "until",
         "wkst", "freq", "interval", "byday", "opens_at", "closes_at", "description", "notes")
    )  # fmt: skip
    return row | {"id": sid, "service_id": service_id} | values


def package_descriptor(tables: dict[str, list[dict]], *, inline: bool) -> dict:
    resources = []
    for name in TABLES:
        resource = {"name": name, "profile": "data-resource", "format": "json"}
        if inline:
            resource["data"] = tables[name]
        else:
            resource["path"] = f"{name}.json"
        resources.append(resource)
    return {
        "name": "payvand-service-directory",
        "title": "Payvand regional service directory",
        "profile": "data-package",
        "hsds_version": HSDS_VERSION,
        "created": timezone.now().replace(microsecond=0).isoformat(),
        "resources": resources,
    }


def export_package(out: Path) -> dict[str, int]:
    """Write the package: a folder (``out`` is a directory or has no ``.json`` suffix) or
    one file. Returns the number of rows per table."""
    tables = export_tables()
    if out.suffix.lower() == ".json" and not out.is_dir():
        out.parent.mkdir(parents=True, exist_ok=True)
        _write_json(out, package_descriptor(tables, inline=True))
    else:
        out.mkdir(parents=True, exist_ok=True)
        _write_json(out / "datapackage.json", package_descriptor(tables, inline=False))
        for name in TABLES:
            _write_json(out / f"{name}.json", tables[name])
    return {name: len(rows) for name, rows in tables.items()}


def _write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


# --- import ----------------------------------------------------------------------------


def read_package(path: Path) -> dict[str, list[dict]]:
    """The tables of the package at ``path`` (a folder or a ``datapackage.json``/single
    file); PackageError naming the file, table and row when anything is unreadable."""
    if path.is_dir():
        path = path / "datapackage.json"
    descriptor = _read_json(path)
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise PackageError(f"{path}: not a data package (no list of 'resources').")
    tables: dict[str, list[dict]] = {name: [] for name in TABLES}
    for n, resource in enumerate(descriptor["resources"], start=1):
        if not isinstance(resource, dict) or not isinstance(resource.get("name"), str):
            raise PackageError(f"{path}: resource {n} has no name.")
        name = resource["name"]
        if "data" in resource:
            rows = resource["data"]
        elif isinstance(resource.get("path"), str):
            target = (path.parent / resource["path"]).resolve()
            if target.parent != path.parent.resolve():
                raise PackageError(f"{path}: resource {name}: its path must be a file beside it.")
            rows = _read_json(target)
        else:
            raise PackageError(f"{path}: resource {name} has neither 'data' nor 'path'.")
        if name not in tables:
            continue  # HSDS tables Payvand does not keep (funding, program …)
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise PackageError(f"{path}: resource {name} must be a list of objects.")
        for i, row in enumerate(rows, start=1):
            if not isinstance(row.get("id"), str) or not _is_uuid(row["id"]):
                raise PackageError(f"{path}: {name} row {i}: 'id' must be a UUID.")
        tables[name] = rows
    if not tables["organization"]:
        raise PackageError(f"{path}: the package has no organization.")
    return tables


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PackageError(f"{path}: no such file.") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(f"{path}: not valid JSON ({exc}).") from exc


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


class _Reader:
    """Rows grouped by what they belong to, with messages that say which row is wrong."""

    def __init__(self, tables: dict[str, list[dict]]):
        self.tables = tables
        taxonomies = {row["id"]: row for row in tables["taxonomy"]}
        known_keys = {_taxonomy_id(key): key for key in TAXONOMIES}
        self.terms: dict[str, tuple[str, str]] = {}
        for row in tables["taxonomy_term"]:
            key = known_keys.get(row.get("taxonomy_id") or "")
            if key is None and row.get("taxonomy_id") in taxonomies:
                name = taxonomies[row["taxonomy_id"]].get("name")
                key = next((k for k, (n, _c) in TAXONOMIES.items() if n == name), None)
            if key is not None and isinstance(row.get("code"), str):
                self.terms[row["id"]] = (key, row["code"])
        self.attributes: dict[str, list[tuple[str, str, Any]]] = defaultdict(list)
        for row in tables["attribute"]:
            term = self.terms.get(row.get("taxonomy_term_id") or "")
            if term is not None:
                self.attributes[row.get("link_id")].append((*term, row.get("value")))
        self.children: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for table, link in (
            ("organization_identifier", "organization_id"),
            ("location", "organization_id"),
            ("service", "organization_id"),
            ("address", "location_id"),
            ("service_at_location", "service_id"),
            ("service_area", "service_id"),
            ("language", "service_id"),
            ("schedule", "service_id"),
            ("contact", "service_id"),
        ):
            for row in tables[table]:
                self.children[(table, row.get(link))].append(row)
        self.phones = defaultdict(list)
        for row in tables["phone"]:
            for link in ("organization_id", "contact_id"):
                if row.get(link):
                    self.phones[(link, row[link])].append(row)

    def codes(self, link_id: str, key: str) -> list[str]:
        return [code for k, code, _v in self.attributes[link_id] if k == key]

    def value(self, link_id: str, key: str):
        return next(((c, v) for k, c, v in self.attributes[link_id] if k == key), (None, None))


def import_package(path: Path) -> dict[str, int]:
    """Read the package and replace the directory of every organisation in it (all or
    nothing). Organisations not yet on the platform are created from it."""
    return import_tables(read_package(path))


@transaction.atomic(durable=True)
def import_tables(tables: dict[str, list[dict]]) -> dict[str, int]:
    reader = _Reader(tables)
    known = {row["id"] for row in tables["organization"]}
    stray = [row["id"] for row in tables["service"] if row.get("organization_id") not in known]
    if stray:
        raise PackageError(f"service {stray[0]}: its organization_id is not in the package.")
    counts = {"organisations": 0, "created": 0, "locations": 0, "services": 0}
    for row in tables["organization"]:
        org, created = _organisation(reader, row)
        counts["organisations"] += 1
        counts["created"] += created
        where = f"organization {row['id']} ({row.get('name')})"
        Service.objects.filter(organisation=org).delete()
        Location.objects.filter(organisation=org).delete()
        _guard(where, directory_services._profile_update, org=org, by=None,
               description=row.get("description") or "")  # fmt: skip
        locations = {}
        for loc_row in reader.children[("location", row["id"])]:
            if loc_row.get("location_type") == "postal":
                continue
            locations[loc_row["id"]] = _location(reader, org, loc_row)
            counts["locations"] += 1
        for service_row in reader.children[("service", row["id"])]:
            _service(reader, org, service_row, locations)
            counts["services"] += 1
        audit_record(
            action="directory.import",
            actor=None,
            organisation=org,
            object_type="orgs.organisation",
            object_id=str(org.public_id),
            details={k: v for k, v in counts.items() if k in ("locations", "services")},
        )
    return counts


def _guard(where: str, function, **kwargs):
    """Run a service; its validation errors become one message naming the row."""
    try:
        return function(**kwargs)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            detail = "; ".join(f"{f}: {' '.join(m)}" for f, m in exc.message_dict.items())
        else:
            detail = " ".join(exc.messages)
        raise PackageError(f"{where}: {detail}") from exc


def _organisation(reader: _Reader, row: dict) -> tuple[Organisation, bool]:
    org = Organisation.objects.filter(public_id=row["id"]).first()
    identifiers = [
        r["identifier"]
        for r in reader.children[("organization_identifier", row["id"])]
        if r.get("identifier_scheme") == "payvand" and isinstance(r.get("identifier"), str)
    ]
    if org is None and identifiers:
        org = Organisation.objects.filter(code=identifiers[0].upper()).first()
    if org is not None:
        return org, False
    where = f"organization {row['id']} ({row.get('name')})"
    if not identifiers:
        raise PackageError(
            f"{where}: not on this platform, and no Payvand short code to create it with "
            f"(an organization_identifier with identifier_scheme 'payvand')."
        )
    postal = next(
        (
            address
            for loc in reader.children[("location", row["id"])]
            if loc.get("location_type") == "postal"
            for address in reader.children[("address", loc["id"])]
        ),
        {},
    )
    phones = reader.phones[("organization_id", row["id"])]
    org_type, _value = reader.value(row["id"], "organisation_type")
    org = _guard(
        where,
        _organisation_create,  # not the durable one: the whole import is one transaction
        by=None,
        code=identifiers[0],
        name=row.get("name") or "",
        org_type=org_type or OrgType.NGO,
        country=(postal.get("country") or "").upper(),
        subdivision=postal.get("state_province") or "",
        address=postal.get("address_1") or "",
        phone=phones[0].get("number", "") if phones else "",
        email=row.get("email") or "",
        website=row.get("website") or "",
        languages=reader.codes(row["id"], "language"),
    )
    # Keep the package's id, so that links to the organisation's page stay valid.
    Organisation.objects.filter(pk=org.pk).update(public_id=row["id"])
    org.refresh_from_db()
    return org, True


def _decimal(value, where: str, name: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.000001"))
    except InvalidOperation as exc:
        raise PackageError(f"{where}: {name} must be a number.") from exc


def _location(reader: _Reader, org: Organisation, row: dict) -> Location:
    where = f"location {row['id']} ({row.get('name')})"
    address = next(iter(reader.children[("address", row["id"])]), {})
    return _guard(
        where,
        directory_services._location_create,
        org=org,
        by=None,
        public_id=row["id"],
        name=row.get("name") or "",
        address=address.get("address_1") or "",
        city=address.get("city") or "",
        country=(address.get("country") or org.country).upper(),
        subdivision=address.get("state_province") or "",
        latitude=_decimal(row.get("latitude"), where, "latitude"),
        longitude=_decimal(row.get("longitude"), where, "longitude"),
    )


def _time(value, where: str) -> dt.time:
    try:
        return dt.time.fromisoformat(str(value)[:5])
    except ValueError as exc:
        raise PackageError(f"{where}: '{value}' is not a time (HH:MM).") from exc


def _service(reader: _Reader, org: Organisation, row: dict, locations: dict) -> Service:
    sid = row["id"]
    where = f"service {sid} ({row.get('name')})"
    service_type = reader.codes(sid, "service_type")
    if not service_type or service_type[0] not in ServiceType.values:
        raise PackageError(
            f"{where}: no known service type (an attribute with a term of the "
            f"'{TAXONOMIES['service_type'][0]}' taxonomy: {', '.join(ServiceType.values)})."
        )
    availability, since = reader.value(sid, "availability")
    status = row.get("status") or "active"
    if availability is None:
        availability = Availability.PAUSED if status == "temporarily closed" else "available"
    try:
        availability_on = dt.date.fromisoformat(since) if since else timezone.localdate()
    except (TypeError, ValueError) as exc:
        raise PackageError(f"{where}: the availability date '{since}' is not YYYY-MM-DD.") from exc
    links = reader.children[("service_at_location", sid)]
    for link in links:
        if link.get("location_id") not in locations:
            raise PackageError(f"{where}: service_at_location {link['id']} names no location "
                               f"of the same organization.")  # fmt: skip
    areas = []
    for area in reader.children[("service_area", sid)]:
        uri = area.get("uri") or ""
        if not uri.startswith(ISO_3166_URI):
            raise PackageError(f"{where}: service_area {area['id']} has no ISO 3166 uri "
                               f"({ISO_3166_URI}…).")  # fmt: skip
        areas.append(uri.removeprefix(ISO_3166_URI))
    hours, notes = {}, []
    for schedule in reader.children[("schedule", sid)]:
        if schedule.get("byday"):
            for day in str(schedule["byday"]).split(","):
                if day not in Weekday.values:
                    raise PackageError(f"{where}: schedule {schedule['id']}: '{day}' is not a "
                                       f"day (MO … SU).")  # fmt: skip
                hours[day] = (_time(schedule.get("opens_at"), where),
                              _time(schedule.get("closes_at"), where))  # fmt: skip
        elif schedule.get("description"):
            notes.append(schedule["description"])
    contacts = []
    for contact in reader.children[("contact", sid)]:
        phones = reader.phones[("contact_id", contact["id"])]
        contacts.append(
            directory_services.ContactData(
                department=contact.get("department") or "",
                phone=phones[0].get("number", "") if phones else "",
                email=contact.get("email") or "",
                public_id=contact["id"],
            )
        )
    referral_terms = set(reader.codes(sid, "referrals"))
    data = directory_services.ServiceData(
        name=row.get("name") or "",
        service_type=service_type[0],
        description=row.get("description") or "",
        eligibility=reader.codes(sid, "eligibility"),
        languages=[lang.get("code") or "" for lang in reader.children[("language", sid)]],
        areas=areas,
        availability=availability,
        availability_on=availability_on,
        accepts_referrals="accepts_referrals" in referral_terms,
        accepts_cross_border="accepts_cross_border" in referral_terms,
        hours_note=" ".join(notes),
        url=row.get("url") or "",
        email=row.get("email") or "",
        is_published=status not in ("inactive", "defunct"),
        locations=[locations[link["location_id"]] for link in links],
        hours=hours,
        contacts=contacts,
    )
    service = _guard(
        where, directory_services._service_create, org=org, by=None, data=data, public_id=sid
    )
    directory_services._location_links_keep_ids(
        service, {locations[link["location_id"]].pk: link["id"] for link in links}
    )
    return service
