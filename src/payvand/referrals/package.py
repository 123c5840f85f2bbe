"""Referral packages for organisations that are not on the platform.

One AES-256-encrypted ZIP (WinZip AES, which 7-Zip, WinRAR and macOS's Archive Utility
open) holding ``summary.pdf`` — a short summary to print or read on a phone — and
``referral-htcds.json`` — the shared sections under HTCDS field names, for the receiver's
own system. Only the sections the sender chose travel (a risk to life always). The
password is generated, shown to the sender once, and never stored: it travels back only
with the sender's own download request.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import secrets
from functools import cache
from pathlib import Path

import pyzipper
from django.utils.translation import gettext as _
from fpdf import FPDF

from payvand.cases.models import Case
from payvand.core import countries
from payvand.referrals.selectors import SharedView
from payvand.referrals.vocab import RequestedService

# No look-alike characters (0/O, 1/l/I): the password is often read out on the phone.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
FONT_DIRS = ("/usr/share/fonts/truetype/noto", "/usr/share/fonts/truetype/dejavu")


class FontMissing(RuntimeError):
    pass


def new_password() -> str:
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(5)) for _ in range(4))


@cache
def _fonts() -> tuple[str, str | None]:
    """The main font (Latin, Cyrillic) and a fallback for Arabic script."""
    found = {}
    for folder in FONT_DIRS:
        for name in ("NotoSans-Regular.ttf", "NotoNaskhArabic-Regular.ttf", "DejaVuSans.ttf"):
            path = Path(folder) / name
            if path.exists():
                found.setdefault(name, str(path))
    main = found.get("NotoSans-Regular.ttf") or found.get("DejaVuSans.ttf")
    if main is None:
        raise FontMissing(
            "No Unicode font for the PDF: install fonts-noto-core (Debian) or fonts-dejavu-core."
        )
    return main, found.get("NotoNaskhArabic-Regular.ttf")


def _htcds(case: Case, view: SharedView, meta: dict) -> dict:
    """The shared sections under HTCDS v2.0 field names (prefixes prs_, vic_, hte_ …)."""
    person = case.person
    out: dict = {
        "htcds_version": "2.0",
        "generated_at": meta["generated_at"],
        "cas_": {
            "cas_OutgoingReferralDate": meta["date"],
            "cas_ReferredOrganisation": meta["recipient"],
            "cas_ReasonForOutgoingReferral": "AdditionalServicesRequired",
            "cas_OutgoingReferralDetails": meta["reason"],
            "services_requested": meta["services"],
            "referring_organisation": case.organisation.name,
        },
        "risk_to_life": view.risk_to_life,
    }
    if view.identity is not None:
        out["prs_"] = {
            "prs_FirstName": view.identity.get("given_name", ""),
            "prs_SecondName": view.identity.get("family_name", ""),
            "prs_FatherName": view.identity.get("father_name", ""),
            "prs_Birthdate": view.identity.get("birth_date") or None,
            "prs_BirthYear": person.birth_year,
            "prs_Gender": person.gender,
            "prs_Citizenship": person.citizenship_codes,
        }
    if view.contacts is not None:
        out.setdefault("prs_", {}).update(
            {
                "prs_MobilePhone": view.contacts.get("phone", ""),
                "prs_Email": view.contacts.get("email", ""),
                "prs_MailingAddress": view.contacts.get("address", ""),
            }
        )
    if view.victim is not None:
        v = view.victim
        out["vic_"] = {
            "vic_TraffickingStatus": v.trafficking_status or None,
            "vic_TraffickingStatusDecisionMakingOrg": v.status_decided_by or None,
            "vic_TypeOfExploitation": v.exploitation_types,
            "vic_ForcedLabourIndustry": v.industries,
            "vic_TypeOfSexExploitation": v.sex_exploitation_types,
            "vic_MethodsOfControl": v.control_methods,
            "vic_MethodOfRecruitment": v.recruitment_methods,
            "vic_AgeWhenTrafficked": v.age_when_trafficked,
            "account": getattr(v, "shown_account", "") or "",
        }
    if view.events:
        out["hte_"] = [
            {
                "hte_Type": e.event_type,
                "hte_Country": e.country,
                "hte_State": e.province,
                "hte_Date": e.occurred_on.isoformat() if e.occurred_on else None,
                "date_precision": e.date_precision or None,
            }
            for e in view.events
        ]
    if view.screening is not None:
        out["screening"] = {
            "status": view.screening.status,
            "screened_on": view.screening.screened_on.isoformat(),
        }
    if view.risk is not None:
        out["risk"] = {
            "assessed_on": view.risk.assessed_on.isoformat(),
            "overall": view.risk.overall_level,
            "safety_plan": (view.risk_text or {}).get("safety_plan", ""),
        }
    if view.support_items:
        out["spl_"] = [
            {"spl_Type": item.support_type, "spl_Objectives": (text or {}).get("objectives", "")}
            for item, text in view.support_items
        ]
    if view.assistance:
        out["assistance"] = [
            {
                "type": e.assistance_type,
                "date": e.delivered_on.isoformat() if e.delivered_on else None,
                "provider": e.provider.name,
                "outcome": outcome or "",
            }
            for e, outcome in view.assistance
        ]
    if view.reintegration_goals:
        out["reintegration_goals"] = view.reintegration_goals
    return out


def _pdf(data: dict) -> bytes:
    main, arabic = _fonts()
    pdf = FPDF(format="A4")
    pdf.add_font("main", fname=main)
    fallback = []
    if arabic:
        pdf.add_font("arabic", fname=arabic)
        fallback = ["arabic"]
    pdf.set_fallback_fonts(fallback)
    pdf.set_text_shaping(True)
    pdf.add_page()
    pdf.set_font("main", size=15)
    cas = data["cas_"]
    title = _("Referral from %(org)s") % {"org": cas["referring_organisation"]}
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("main", size=10)
    lines = [
        _("To: %(org)s") % {"org": cas["cas_ReferredOrganisation"]},
        _("Date: %(date)s") % {"date": cas["cas_OutgoingReferralDate"]},
        _("Services asked for: %(list)s") % {"list": ", ".join(cas["services_requested"])},
        _("Why: %(reason)s") % {"reason": cas["cas_OutgoingReferralDetails"]},
    ]
    if data["risk_to_life"]:
        lines.append(_("RISK TO LIFE: read the safety plan and call the referring organisation."))
    for key, title in (
        ("prs_", _("Person")), ("vic_", _("What happened")), ("risk", _("Risk and safety")),
        ("screening", _("Screening")), ("reintegration_goals", _("Reintegration goals")),
    ):  # fmt: skip
        if key in data:
            lines.append("")
            lines.append(title)
            value = data[key]
            if isinstance(value, dict):
                lines += [f"  {k}: {v}" for k, v in value.items() if v not in (None, "", [])]
            else:
                lines.append(f"  {value}")
    for key, title in (
        ("hte_", _("Route")), ("spl_", _("Support plan")), ("assistance", _("Assistance")),
    ):  # fmt: skip
        if key in data:
            lines += ["", title]
            lines += ["  " + ", ".join(str(v) for v in row.values() if v) for row in data[key]]
    lines += ["", _("The same, in HTCDS fields, is in referral-htcds.json in this package.")]
    for line in lines:
        pdf.multi_cell(0, 6, line or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def build(
    *, case: Case, view: SharedView, recipient: str, country: str, services: list[str],
    reason: str, password: str,
) -> bytes:  # fmt: skip
    """The encrypted ZIP of the package."""
    now = dt.datetime.now(dt.UTC)
    labels = dict(RequestedService.choices)
    data = _htcds(
        case,
        view,
        {
            "generated_at": now.isoformat(timespec="seconds"),
            "date": now.date().isoformat(),
            "recipient": f"{recipient} ({countries.country_name(country)})",
            "reason": reason,
            "services": [str(labels.get(s, s)) for s in services],
        },
    )
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(
        buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
    ) as archive:
        archive.setpassword(password.encode())
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        archive.writestr("summary.pdf", _pdf(data))
        archive.writestr(
            "referral-htcds.json", json.dumps(data, ensure_ascii=False, indent=2, default=str)
        )
    return buffer.getvalue()
