"""Writing encodings: who takes part, encoding a person or an organisation, dropping them.

The rule (one place, ``person_takes_part``): a person's encoding exists only while
1. her organisation takes part (``LinkageParticipation.enabled``), and
2. she is not erased, and
3. the organisation's basis is ``lawful_basis``, or a case of hers has an active consent
   for sharing (``consent_allows(case, Purpose.SHARING_ORG, organisation=o)``, which a
   consent for o's country covers too) with at least one other participating
   organisation o.
A match is then shown to an organisation only if, on a ``consent`` basis, her consent
covers that very organisation (selectors.py asks again at every query, so a withdrawal
counts at once even before ``linkage_consent_changed`` has dropped the encoding).

Hooks for the other apps (see the README): registration calls ``person_encode`` (or
``persons_encode`` for a batch) after the identity is sealed; consent given or withdrawn
calls ``linkage_consent_changed``; erasure, purge and a case's transfer to another
organisation reach ``encodings_erase_cases``, ``encodings_after_rekey`` and
``encodings_after_move`` through the registries of core/sealed.py (apps.py registers them).

Every path that deletes encodings goes through ``_encodings_delete``, which also drops the
persons' survivor keys (clustering.survivor_keys_drop): a survivor who no longer takes
part is no longer linked to anyone, from that transaction on. Re-encoding keeps the key
(the clustering job, the keys' source of truth, revisits it on its next run).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from payvand.cases.models import Case, Person
from payvand.consent.models import Purpose
from payvand.consent.selectors import cases_allowing, consent_allows
from payvand.core import crypto
from payvand.core.audit.services import AuditEntry, audit_record, audit_record_many
from payvand.core.errors import PermissionDenied
from payvand.core.permissions import Perm, has_perm
from payvand.core.sealed import context_for
from payvand.linkage import encoding
from payvand.linkage.clustering import survivor_keys_drop
from payvand.linkage.models import Basis, Encoding, LinkageParticipation
from payvand.orgs.models import Organisation

if TYPE_CHECKING:
    from payvand.accounts.models import User

BATCH = 500


def _encodings_delete(rows, *, replaced: bool = False) -> int:
    """Delete these encodings (a queryset) and, unless they are ``replaced`` at once, their
    persons' survivor keys. Logged for the processes' stores (EncodingChange)."""
    found = list(rows.values_list("id", "person_id"))
    if not found:
        return 0
    deleted = Encoding.objects.filter(id__in=[i for i, _p in found]).delete()[0]
    _changes_log([i for i, _p in found], deleted=True)
    if not replaced:
        survivor_keys_drop([p for _i, p in found])
    return deleted


# How long the change log keeps a change; a process that looked longer ago reads all.
CHANGES_KEPT = dt.timedelta(days=1)


def _changes_log(encoding_ids, *, deleted: bool = False) -> None:
    """Log encodings written or deleted, for selectors._Store; now and then forget changes
    older than CHANGES_KEPT."""
    from payvand.linkage.models import EncodingChange

    EncodingChange.objects.bulk_create(
        (EncodingChange(encoding_id=i, deleted=deleted) for i in encoding_ids), batch_size=5000
    )
    if secrets.randbelow(200) == 0:
        EncodingChange.objects.filter(at__lt=timezone.now() - CHANGES_KEPT).delete()


def participation(org: Organisation) -> LinkageParticipation | None:
    return LinkageParticipation.objects.filter(organisation=org, enabled=True).first()


def participating_orgs() -> list[Organisation]:
    return list(
        Organisation.objects.filter(linkage_participation__enabled=True, is_active=True).order_by(
            "pk"
        )
    )


@transaction.atomic(durable=True)
def participation_set(
    *, org: Organisation, by: User | None, enabled: bool, basis: str = Basis.CONSENT
) -> LinkageParticipation:
    """Turn duplicate detection on or off for an organisation; off drops its encodings."""
    if by is not None and not has_perm(by, Perm.ORG_EDIT_PROFILE, org):
        raise PermissionDenied(_("You cannot change how this organisation takes part."))
    if basis not in Basis.values:
        raise ValueError(f"Unknown basis {basis!r}.")
    row, _created = LinkageParticipation.objects.update_or_create(
        organisation=org, defaults={"enabled": enabled, "basis": basis, "updated_by": by}
    )
    dropped = 0 if enabled else _encodings_delete(Encoding.objects.filter(organisation=org))
    audit_record(
        action="linkage.participation",
        actor=by,
        organisation=org,
        obj=org,
        details={"enabled": enabled, "basis": basis, "dropped": dropped},
    )
    return row


def _consenting_person_ids(org: Organisation, persons: Iterable[int] | None = None) -> set[int]:
    """Persons of ``org`` with an active sharing consent towards another participating org."""
    cases = Case.objects.filter(organisation=org)
    if persons is not None:
        cases = cases.filter(person_id__in=list(persons))
    allowed: set[int] = set()
    for other in participating_orgs():
        if other.pk != org.pk:
            allowed.update(
                cases_allowing(cases, Purpose.SHARING_ORG, organisation=other).values_list(
                    "person_id", flat=True
                )
            )
    return allowed


def person_takes_part(person: Person) -> bool:
    """The rule of the module docstring, for one person."""
    part = participation(person.organisation)
    if part is None or person.erased_at is not None:
        return False
    if part.basis == Basis.LAWFUL_BASIS:
        return True
    return person.pk in _consenting_person_ids(person.organisation, [person.pk])


def shown_to(person: Person, asking: Organisation) -> bool:
    """Whether a match on ``person`` may be reported to ``asking`` (checked at query time)."""
    part = participation(person.organisation)
    if part is None or person.erased_at is not None:
        return False
    if part.basis == Basis.LAWFUL_BASIS:
        return True
    return any(
        consent_allows(case, Purpose.SHARING_ORG, organisation=asking)
        for case in person.cases.all()
    )


def _field(identity: Any, name: str):
    return identity.get(name) if isinstance(identity, dict) else getattr(identity, name, None)


def linkage_record(person: Person, identity: Any) -> encoding.LinkageRecord:
    """What the encoder reads: the opened identity (an Identity or its JSON) and the person."""
    birth_date = _field(identity, "birth_date")
    if isinstance(birth_date, str) and birth_date:
        birth_date = dt.date.fromisoformat(birth_date)
    return encoding.LinkageRecord(
        given_name=_field(identity, "given_name") or "",
        family_name=_field(identity, "family_name") or "",
        father_name=_field(identity, "father_name") or "",
        birth_date=birth_date or None,
        birth_year=person.birth_year,
        gender=person.gender or "",
        citizenship=tuple(person.citizenship_codes),
        place_of_origin=_field(identity, "place_of_origin") or "",
    )


def person_encode(
    person: Person, identity: Any, *, encoder: encoding.Encoder | None = None
) -> Encoding | None:
    """Store (or replace) the person's encoding if she takes part; drop it if she does not.

    Call it inside the transaction that registered or changed the person, with the identity
    the caller already holds (it is not opened again, so no second audit row).
    """
    with transaction.atomic():
        if not person_takes_part(person):
            _encodings_delete(Encoding.objects.filter(person=person))
            return None
        encoder = encoder or encoding.default_encoder()
        bits = encoder.encode([linkage_record(person, identity)])[0].tobytes()
        row, _created = Encoding.objects.update_or_create(
            person=person,
            defaults={
                "organisation": person.organisation,
                "country": person.organisation.country,
                "bits": bits,
                "version": encoding.version(),
            },
        )
        _changes_log([row.pk])
        return row


def persons_encode(*, org: Organisation, persons: list[Person], identities: list[Any]) -> int:
    """`person_encode` for a batch of one organisation (bulk registration), in one go.

    ``identities`` are the identities the caller holds (Identity objects or their JSON), in
    the order of ``persons``; they are not opened again. Returns how many were stored.
    """
    part = participation(org)
    if part is None or not persons:
        return 0
    with transaction.atomic():
        allowed = (
            {p.pk for p in persons}
            if part.basis == Basis.LAWFUL_BASIS
            else _consenting_person_ids(org, [p.pk for p in persons])
        )
        chosen = [
            (person, identity)
            for person, identity in zip(persons, identities, strict=True)
            if person.pk in allowed and person.erased_at is None
        ]
        chosen_ids = {person.pk for person, _identity in chosen}
        _encodings_delete(
            Encoding.objects.filter(person__in=[p for p in persons if p.pk not in chosen_ids])
        )
        _encodings_delete(Encoding.objects.filter(person_id__in=chosen_ids), replaced=True)
        if not chosen:
            return 0
        bits = encoding.default_encoder().encode([linkage_record(p, i) for p, i in chosen])
        made = Encoding.objects.bulk_create(
            Encoding(
                organisation=org,
                person=person,
                country=org.country,
                bits=row.tobytes(),
                version=encoding.version(),
            )
            for (person, _identity), row in zip(chosen, bits, strict=True)
        )
        _changes_log([e.pk for e in made])
        return len(chosen)


def organisation_encode(
    *,
    org: Organisation,
    by: User | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """(Re-)encode every person of ``org`` who takes part; drop the others' encodings.

    Batches of 500, one transaction each (an interrupted run keeps whole batches; running
    it again finishes the job). Every identity opened writes its audit row
    (``person.identity_read``, purpose ``linkage``). Returns how many encodings exist after.
    """
    part = participation(org)
    if part is None:
        with transaction.atomic():
            _encodings_delete(Encoding.objects.filter(organisation=org))
        return 0
    encoder = encoding.default_encoder()
    persons = Person.objects.filter(organisation=org, erased_at__isnull=True).order_by("pk")
    ids = list(persons.values_list("pk", flat=True))
    with transaction.atomic():
        _encodings_delete(
            Encoding.objects.filter(organisation=org).exclude(
                person__in=Person.objects.filter(organisation=org, erased_at__isnull=True)
            )
        )
    stored = 0
    for start in range(0, len(ids), BATCH):
        batch = list(persons.filter(pk__in=ids[start : start + BATCH]))
        stored += _encode_batch(org, part, batch, encoder, by)
        if progress:
            progress(min(start + BATCH, len(ids)), len(ids))
    return stored


@transaction.atomic
def _encode_batch(org, part, batch, encoder, by) -> int:
    allowed = (
        {p.pk for p in batch}
        if part.basis == Basis.LAWFUL_BASIS
        else _consenting_person_ids(org, [p.pk for p in batch])
    )
    takers, records, reads = [], [], []
    for person in batch:
        if person.pk not in allowed or person.identity is None:
            continue
        try:
            identity = crypto.unseal_json(
                org, person.identity, context=context_for(person, "identity")
            )
        except crypto.KeyDestroyed:
            continue
        takers.append(person)
        records.append(linkage_record(person, identity))
        reads.append(
            AuditEntry("person.identity_read", by, org, person, details={"purpose": "linkage"})
        )
    taker_ids = {p.pk for p in takers}
    _encodings_delete(
        Encoding.objects.filter(person__in=[p for p in batch if p.pk not in taker_ids])
    )
    _encodings_delete(Encoding.objects.filter(person_id__in=taker_ids), replaced=True)
    if takers:
        bits = encoder.encode(records)
        version = encoding.version()
        made = Encoding.objects.bulk_create(
            Encoding(
                organisation=org,
                person=person,
                country=org.country,
                bits=row.tobytes(),
                version=version,
            )
            for person, row in zip(takers, bits, strict=True)
        )
        _changes_log([e.pk for e in made])
        audit_record_many(reads)
    return len(takers)


def encodings_drop(*, org: Organisation | None = None, person: Person | None = None) -> int:
    """Delete the encodings of an organisation or of one person; returns how many."""
    if org is None and person is None:
        raise ValueError("Name an organisation or a person.")
    rows = Encoding.objects.all()
    if org is not None:
        rows = rows.filter(organisation=org)
    if person is not None:
        rows = rows.filter(person=person)
    return _encodings_delete(rows)


def encodings_erase_cases(cases) -> int:
    """Eraser (core/sealed.py): a survivor's erasure deletes her encodings, in its transaction.

    Returns 0: the erasure's summary counts files outside the database, and these are rows.
    """
    _encodings_delete(Encoding.objects.filter(person__cases__in=cases))
    return 0


def encodings_after_rekey(org: Organisation) -> None:
    """Re-indexer (core/sealed.py): after a purge the organisation's encodings go too.

    Key rotation also calls it; the encodings do not depend on the organisation's key, so
    they stay then.
    """
    from payvand.core.models import OrgKey

    keys = OrgKey.objects.filter(organisation=org)
    if keys.exists() and not keys.filter(destroyed_at__isnull=True).exists():
        _encodings_delete(Encoding.objects.filter(organisation=org))


def encodings_after_move(case: Case, old: Organisation, new: Organisation) -> int:
    """Mover (core/sealed.py): the case and its person now belong to ``new``. Her encoding
    named the old organisation and country, so it goes (with her survivor key) and she is
    encoded again if she takes part in the new one. Returns 0: the move counts re-sealed
    items, and an encoding is not sealed."""
    from django.utils import timezone

    from payvand.linkage.models import ContactRequest, ContactState

    person = Person.objects.get(pk=case.person_id)
    _encodings_delete(Encoding.objects.filter(person=person))
    # A request to the old organisation about her can no longer be answered by it.
    lapsed = ContactRequest.objects.filter(to_person=person, state=ContactState.PENDING).exclude(
        to_org=new
    )
    for request in lapsed:
        audit_record(
            action="linkage.contact_lapsed",
            actor=None,
            organisation=request.to_org,
            details={"request": str(request.public_id)},
        )
    lapsed.update(state=ContactState.LAPSED, answered_at=timezone.now())
    if person.identity is not None and person_takes_part(person):
        from payvand.cases.services import person_identity

        person_encode(person, person_identity(person=person, by=None, purpose="linkage"))
    return 0


def linkage_consent_changed(case: Case) -> None:
    """After a consent of ``case`` was given or withdrawn: keep, add or drop the encoding."""
    person = case.person
    if not person_takes_part(person):
        _encodings_delete(Encoding.objects.filter(person=person))
        return
    if not Encoding.objects.filter(person=person, version=encoding.version()).exists():
        from payvand.cases.services import person_identity

        person_encode(person, person_identity(person=person, by=None, purpose="linkage"))


@transaction.atomic(durable=True)
def contact_request_send(*, case: Case, by, country: str, strength: str) -> int:
    """Ask the organisations in ``country`` whose record matched with ``strength`` to be put
    in contact. Returns how many were asked (already-asked ones are not asked twice)."""
    from django.core.exceptions import ValidationError

    from payvand.cases.guards import require_case_perm
    from payvand.linkage.models import ContactRequest
    from payvand.linkage.selectors import matched_records

    require_case_perm(by, case, Perm.REFERRAL_SEND)
    asked = 0
    for org, person_id in matched_records(case, country, strength):
        _request, created = ContactRequest.objects.get_or_create(
            from_case=case,
            to_person_id=person_id,
            defaults={
                "from_org": case.organisation,
                "to_org": org,
                "strength": strength,
                "asked_by": by,
            },
        )
        if created:
            asked += 1
            audit_record(
                action="linkage.contact_request",
                actor=by,
                organisation=case.organisation,
                obj=case,
                details={"request": str(_request.public_id), "strength": strength},
            )
    if not asked and not ContactRequest.objects.filter(from_case=case).exists():
        raise ValidationError(_("This match is no longer there: nothing was sent."))
    return asked


@transaction.atomic(durable=True)
def contact_request_answer(*, request, by, accept: bool):
    """The matched organisation's supervisor accepts or declines; accepting tells the
    asking organisation who it is, so a referral can follow with consent."""
    from django.utils import timezone

    from payvand.core.errors import IllegalTransition
    from payvand.linkage.models import ContactRequest, ContactState

    locked = ContactRequest.objects.select_for_update().get(pk=request.pk)
    if not has_perm(by, Perm.CASE_APPROVE, locked.to_org):
        raise PermissionDenied(_("Only a supervisor of the organisation asked answers."))
    moved = Person.objects.filter(pk=locked.to_person_id).exclude(organisation=locked.to_org)
    if locked.state == ContactState.LAPSED or moved.exists():
        raise IllegalTransition(
            _("Her record has moved to another organisation: this request no longer applies.")
        )
    if locked.state != ContactState.PENDING:
        if locked.state == (ContactState.ACCEPTED if accept else ContactState.DECLINED):
            return locked  # a second click
        raise IllegalTransition(_("This request was already answered."))
    locked.state = ContactState.ACCEPTED if accept else ContactState.DECLINED
    locked.answered_by = by
    locked.answered_at = timezone.now()
    locked.save()
    audit_record(
        action=f"linkage.contact_{locked.state}",
        actor=by,
        organisation=locked.to_org,
        details={"request": str(locked.public_id)},
    )
    return locked
