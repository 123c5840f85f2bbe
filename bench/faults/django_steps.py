"""The steps that need Django, run as ``python -m bench.faults.django_steps`` in a
process whose environment points at the throwaway database (settings are read once,
at import, so the orchestrator itself never sets Django up).

``users``: staff accounts for the simulated users, in the demo organisations, each
with a confirmed authenticator whose key the client gets, so it signs in through the
login form and the second-factor page as a person would. One account per simulated
user, because a TOTP code is accepted once (django-otp refuses a code already used),
so fifty people cannot share fourteen accounts at the same minute.

``verify``: after a crash, every write the clients saw acknowledged is in the
database, whole; nothing anywhere is half-written.
"""

import argparse
import json
import secrets
import sys
from pathlib import Path

LOAD_PREFIX = "load-"
ASSIGNED_PER_CASEWORKER = 25


def users(count: int, out: Path) -> None:
    from django.db import transaction

    from payvand.accounts.models import Membership, User
    from payvand.accounts.services import membership_grant
    from payvand.cases.models import Case
    from payvand.cases.services import case_assign
    from payvand.core.permissions import Role
    from payvand.demo import region
    from payvand.orgs.models import Organisation

    try:
        from django_otp.plugins.otp_totp.models import TOTPDevice
    except ImportError:  # before two-factor authentication existed
        TOTPDevice = None

    languages = {o[0]: o[7] for o in region.ORGANISATIONS}
    codes = list(region.STAFF_NAMES)
    orgs = {o.code: o for o in Organisation.objects.filter(code__in=codes)}
    supervisors = {
        m.organisation.code: m.user
        for m in Membership.objects.filter(
            organisation__code__in=codes, role=Role.SUPERVISOR, is_active=True
        ).select_related("organisation", "user")
    }
    accounts = []
    for i in range(count):
        code = codes[i % len(codes)]
        org = orgs[code]
        # Round by round over the organisations: three of supervisors (they see every case
        # of their organisation and may send referrals), two of caseworkers, and so on.
        role = Role.SUPERVISOR if (i // len(codes)) % 5 < 3 else Role.CASEWORKER
        slug = f"{LOAD_PREFIX}{i:03d}-{code.lower()}-{region.ROLE_SLUG[role]}"
        email = region.demo_email(slug)
        key = secrets.token_hex(20)
        with transaction.atomic():
            user = User.objects.filter(email=email).first()
            if user is None:
                membership_grant(
                    org=org,
                    by=None,
                    email=email,
                    full_name=f"Load {i:03d}",
                    role=role,
                    language=languages[code],
                    invite=False,
                )
                user = User.objects.get(email=email)
                user.set_password(region.DEMO_PASSWORD)
                user.save(update_fields=["password"])
            if TOTPDevice is not None:
                TOTPDevice.objects.filter(user=user).delete()
                TOTPDevice.objects.create(user=user, name="authenticator", key=key, confirmed=True)
        if role == Role.CASEWORKER:
            # A caseworker sees the cases assigned to her: give her some of the region's.
            cases = Case.objects.filter(organisation=org, status="active").order_by("?")[
                :ASSIGNED_PER_CASEWORKER
            ]
            for case in cases:
                others = [u for u in case.assigned.all() if u.pk != user.pk]
                case_assign(
                    case=case, by=supervisors[code], owner=case.owner, assigned=[*others, user]
                )
        accounts.append(
            {
                "email": email,
                "password": region.DEMO_PASSWORD,
                "role": str(role),
                "org": code,
                "language": languages[code],
                "totp_key": key if TOTPDevice is not None else None,
            }
        )
    out.write_text(json.dumps(accounts, indent=2))
    print(f"{len(accounts)} accounts", file=sys.stderr)


def verify(acked_path: Path) -> dict:
    """What the crash left behind, compared with what the clients were told."""
    from django.db.models import Count, Exists, OuterRef

    from payvand.assistance.models import CaseNote
    from payvand.cases.models import Case, NameToken, Person
    from payvand.core.audit.models import AuditEvent
    from payvand.referrals.models import Message, Referral, Transition

    acked = json.loads(acked_path.read_text())
    missing: list[str] = []
    by_kind: dict[str, list[dict]] = {}
    for write in acked:
        by_kind.setdefault(write["kind"], []).append(write)

    def audited(action: str, object_ids: set[str]) -> set[str]:
        return set(
            AuditEvent.objects.filter(action=action, object_id__in=object_ids).values_list(
                "object_id", flat=True
            )
        )

    cases = by_kind.get("case", [])
    found = {
        str(c.public_id): c
        for c in Case.objects.filter(public_id__in=[w["public_id"] for w in cases]).select_related(
            "person"
        )
    }
    case_audit = audited("case.register", set(found))
    for w in cases:
        case = found.get(w["public_id"])
        if case is None:
            missing.append(f"case {w['public_id']} acknowledged but absent")
        elif str(case.submission_id) != w["submission_id"]:
            missing.append(f"case {w['public_id']} has another submission id")
        elif w["public_id"] not in case_audit:
            missing.append(f"case {w['public_id']} has no case.register audit row")

    referrals = by_kind.get("referral", [])
    found_r = {
        str(r.public_id): r
        for r in Referral.objects.filter(
            public_id__in=[w["public_id"] for w in referrals]
        ).select_related("case")
    }
    referral_audit = audited("referral.create", set(found_r))
    for w in referrals:
        referral = found_r.get(w["public_id"])
        if referral is None:
            missing.append(f"referral {w['public_id']} acknowledged but absent")
        elif str(referral.case.public_id) != w["case"]:
            missing.append(f"referral {w['public_id']} is on another case")
        elif w["public_id"] not in referral_audit:
            missing.append(f"referral {w['public_id']} has no referral.create audit row")

    for kind, model, action in (
        ("message", Message, "referral.message"),
        ("note", CaseNote, "note.add"),
    ):
        writes = by_kind.get(kind, [])
        ids = {
            str(s)
            for s in model.objects.filter(
                submission_id__in=[w["submission_id"] for w in writes]
            ).values_list("submission_id", flat=True)
        }
        for w in writes:
            if w["submission_id"] not in ids:
                missing.append(f"{kind} {w['submission_id']} acknowledged but absent")
        if kind == "note":
            notes = CaseNote.objects.filter(submission_id__in=ids)
            audited_notes = audited(
                "note.add", {str(p) for p in notes.values_list("public_id", flat=True)}
            )
            if len(audited_notes) != notes.count():
                missing.append(
                    f"{notes.count() - len(audited_notes)} note(s) without {action} audit row"
                )
        else:
            messages = Message.objects.filter(submission_id__in=ids)
            audited_messages = set(
                AuditEvent.objects.filter(action=action).values_list("details__message", flat=True)
            )
            lost = [m for m in messages if str(m.public_id) not in audited_messages]
            if lost:
                missing.append(f"{len(lost)} message(s) without {action} audit row")

    # Half-written records anywhere in the database, acknowledged or not.
    live_persons = Person.objects.filter(erased_at__isnull=True)
    partial = {
        "person without a case": Person.objects.annotate(n=Count("cases")).filter(n=0).count(),
        "person without sealed identity": live_persons.filter(identity__isnull=True).count(),
        "person without name tokens": live_persons.filter(
            ~Exists(NameToken.objects.filter(person=OuterRef("pk")))
        ).count(),
        "case without case.register audit row": _cases_without_audit(Case, AuditEvent),
        "referral without its first transition": Referral.objects.filter(
            ~Exists(Transition.objects.filter(referral=OuterRef("pk"), action="send"))
        ).count(),
        "referral without sealed content": Referral.objects.filter(content__isnull=True).count(),
        "message without sealed text": Message.objects.filter(text__isnull=True).count(),
        "note without sealed text": CaseNote.objects.filter(text__isnull=True).count(),
    }
    return {
        "acknowledged": {kind: len(writes) for kind, writes in by_kind.items()},
        "sent_again_created": _created_of_sent_again(acked),
        "missing": missing,
        "partial": {name: n for name, n in partial.items() if n},
        "totals": {
            "cases": Case.objects.count(),
            "referrals": Referral.objects.count(),
            "messages": Message.objects.count(),
            "notes": CaseNote.objects.count(),
            "audit rows": AuditEvent.objects.count(),
        },
    }


def _created_of_sent_again(acked: list[dict]) -> dict[str, float]:
    """When each write acknowledged only after its form was sent again was saved (epoch
    seconds, by submission id): before the kill means the first sending was saved and
    only its reply was lost, and the second sending found it instead of saving twice."""
    from payvand.assistance.models import CaseNote
    from payvand.cases.models import Case
    from payvand.referrals.models import Message, Referral

    when_field = {Case: "created_at", Referral: "created_at", Message: "at", CaseNote: "created_at"}
    models = {"case": Case, "referral": Referral, "message": Message, "note": CaseNote}
    found: dict[str, float] = {}
    for kind, model in models.items():
        ids = [w["submission_id"] for w in acked if w["kind"] == kind and w.get("attempts", 1) > 1]
        rows = model.objects.filter(submission_id__in=ids).values_list(
            "submission_id", when_field[model]
        )
        found.update({str(sid): when.timestamp() for sid, when in rows})
    return found


def _cases_without_audit(case_model, audit_model) -> int:
    """Cases whose registration left no audit row (object_id holds the public id as text)."""
    registered = set(
        audit_model.objects.filter(action="case.register").values_list("object_id", flat=True)
    )
    return sum(
        1
        for public_id in case_model.objects.values_list("public_id", flat=True)
        if str(public_id) not in registered
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults.django_steps")
    steps = parser.add_subparsers(dest="step", required=True)
    make = steps.add_parser("users")
    make.add_argument("--count", type=int, required=True)
    make.add_argument("--out", type=Path, required=True)
    check = steps.add_parser("verify")
    check.add_argument("--acked", type=Path, required=True)
    check.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    import django

    django.setup()
    if args.step == "users":
        users(args.count, args.out)
    else:
        args.out.write_text(json.dumps(verify(args.acked), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
