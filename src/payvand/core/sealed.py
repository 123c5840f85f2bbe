"""Which columns hold sealed personal data, so keys can be rotated and data erased.

Each app registers its sealed columns in its AppConfig.ready(); rotation re-seals
every registered column, then calls the registered re-indexers (blind indexes are
keyed by the data key, so they are rebuilt with it).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class SealedColumn:
    model: type[models.Model]
    field: str
    org_field: str = "organisation"
    case_field: str | None = None  # when the organisation is not reached through the case

    @property
    def case_path(self) -> str | None:
        """The lookup from a row to its case ("case", "plan__case"), if it has one."""
        if self.case_field:
            return self.case_field
        path = self.org_field.removesuffix("__organisation")
        if path == self.org_field or not (path == "case" or path.endswith("__case")):
            return None
        return path


COLUMNS: list[SealedColumn] = []
REINDEXERS: list[Callable] = []
# Sealed data outside the database (files): each reseals an organisation's under its
# current key, inside the rotation's transaction, and returns how many it re-sealed.
RESEALERS: list[Callable] = []
# Sealed data outside the database, erased with a survivor's cases: each gets the cases
# (a queryset), erases what it holds of them when the transaction commits, and returns
# how many items it erased.
ERASERS: list[Callable] = []


def register(
    model: type[models.Model],
    *fields: str,
    org_field: str = "organisation",
    case_field: str | None = None,
) -> None:
    for field in fields:
        column = SealedColumn(model, field, org_field, case_field)
        if column not in COLUMNS:
            COLUMNS.append(column)


def register_reindexer(reindex: Callable) -> None:
    if reindex not in REINDEXERS:
        REINDEXERS.append(reindex)


def register_resealer(reseal: Callable) -> None:
    if reseal not in RESEALERS:
        RESEALERS.append(reseal)


def register_eraser(erase: Callable) -> None:
    if erase not in ERASERS:
        ERASERS.append(erase)


# Sealed data outside the database that belongs to a case: each re-seals what it holds of
# a case moving to another organisation (case, old, new) and returns how many it moved.
MOVERS: list[Callable] = []


def register_mover(move: Callable) -> None:
    if move not in MOVERS:
        MOVERS.append(move)


def context_for(instance: models.Model, field: str) -> str:
    """Binds a blob to its row and column: it will not open anywhere else."""
    return f"{instance._meta.label_lower}:{instance.public_id}:{field}"


def seal_into(org, instance: models.Model, field: str, data, *, save: bool = True) -> None:
    """Seal ``data`` (JSON) into ``instance.field`` with the organisation's key.

    The row must exist (its public id binds the blob); ``save`` writes the column.
    """
    from payvand.core import crypto

    setattr(instance, field, crypto.seal_json(org, data, context=context_for(instance, field)))
    if save:
        instance.save(update_fields=[field])


def open_from(org, instance: models.Model, field: str, empty=None):
    """The sealed JSON in ``instance.field`` (``empty`` when there is none).

    Raises crypto.KeyDestroyed when the organisation's keys were destroyed.
    """
    from payvand.core import crypto

    blob = getattr(instance, field)
    if not blob:
        return empty
    return crypto.unseal_json(org, blob, context=context_for(instance, field))
