"""Moving a case to another organisation (an accepted transfer).

Everything sealed about the case was sealed with the old organisation's key; it is
re-sealed with the new one's, the person's search tokens are rebuilt under the new
organisation's index key, and the sealed files are re-written. The old organisation
keeps no readable copy. Runs inside the caller's transaction (the transfer's
acceptance): all of it happens, or none.
"""

from __future__ import annotations

from django.db import transaction

from payvand.accounts.models import User
from payvand.cases import name_index
from payvand.cases.models import Case, NameToken, Person
from payvand.core import crypto, sealed
from payvand.core.audit.services import audit_record
from payvand.core.sealed import context_for
from payvand.orgs.models import Organisation


def _reseal_rows(model, field: str, rows, old: Organisation, new: Organisation) -> int:
    count = 0
    for row in rows:
        blob = getattr(row, field)
        if not blob or crypto.is_erased(blob):
            continue
        context = context_for(row, field)
        plaintext = crypto.unseal(old, blob, context=context)
        model.objects.filter(pk=row.pk).update(
            **{field: crypto.seal(new, plaintext, context=context)}
        )
        count += 1
    return count


def case_move(*, case: Case, to_org: Organisation, owner: User, by: User | None) -> int:
    """Give ``case`` (and its person) to ``to_org`` with ``owner`` responsible; returns
    how many sealed items were re-sealed. The caller holds a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("case_move runs inside the transfer's transaction")
    old = case.organisation
    person = Person.objects.select_for_update().get(pk=case.person_id)
    moved = 0
    for column in sealed.COLUMNS:
        path = column.case_path
        keyed_by_case = column.org_field == f"{path}__organisation" if path else False
        if column.model is Person or not keyed_by_case:
            continue  # the person below; rows keyed by another organisation stay
        rows = column.model.objects.filter(**{path: case}).exclude(
            **{f"{column.field}__isnull": True}
        )
        moved += _reseal_rows(column.model, column.field, rows, old, to_org)
    moved += _reseal_rows(Person, "identity", [person], old, to_org)
    Person.objects.filter(pk=person.pk).update(organisation=to_org)
    Case.objects.filter(pk=case.pk).update(organisation=to_org, owner=owner)
    case.refresh_from_db()
    case.assigned.set([owner])
    person.refresh_from_db()
    NameToken.objects.filter(person=person).delete()
    if person.identity and not crypto.is_erased(person.identity):
        identity = crypto.unseal_json(
            to_org, person.identity, context=context_for(person, "identity")
        )
        name_index.index_person(person, identity, new=True)
    moved += sum(move(case, old, to_org) for move in sealed.MOVERS)
    audit_record(
        action="case.move",
        actor=by,
        organisation=to_org,
        obj=case,
        details={"from": str(old.public_id), "to": str(to_org.public_id), "resealed": moved},
    )
    return moved
